// The renderer every connector uses: Markdown -> sanitised HTML and plain
// text, and RenderForChannel for what one channel publishes (title, text,
// HTML, summary, overrides applied).
//
// The implementation lives in loa_inbox (inbox/markdown.h,
// inbox/channel_text.h) because ingest checks each channel's limits on
// exactly this rendering; connectors include this header.
#pragma once

#include "inbox/channel_text.h"  // IWYU pragma: export
#include "inbox/markdown.h"      // IWYU pragma: export
