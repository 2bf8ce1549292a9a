// What the preview (daemon/preview.h) shows of a channel that has the
// item, may have it or had it (ChannelPreviewEntry::carried): no post and
// no requests, since loa sends it nothing more, but which revision it
// carries, where, and whether a correction reaches it (README "Revisions
// and corrections"). Item and platform text is escaped.
#pragma once

#include <string>

#include "daemon/preview.h"

namespace loa {

// The channel's section of the page, in Vietnamese. `entry.carried` is set.
std::string CarriedSectionHtml(const ChannelPreviewEntry& entry);

// The channel's part of the terminal summary, in the summary's English.
// `entry.carried` is set.
std::string CarriedSummaryText(const ChannelPreviewEntry& entry);

}  // namespace loa
