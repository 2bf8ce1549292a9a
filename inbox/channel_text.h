// What one channel publishes for an item: its title, plain text, HTML and
// summary, with the item's overrides for that channel applied. Every
// connector renders through here and ingest measures the same result
// against the channel's limits, so what was checked is what goes out.
#pragma once

#include <string>

#include "inbox/item.h"

namespace loa {

struct ChannelText {
  std::string title;    // overrides.<channel>.title, else the item's title
  std::string text;     // overrides.<channel>.text, else title, summary or body text, link
  std::string html;     // the body as sanitised HTML
  std::string summary;  // the item's summary, else the body's first paragraph as text
};

// text is the social post: the title, a blank line, the item's summary (or
// the whole body as plain text), and a blank line and the link when there
// is one; overrides.<channel>.text replaces all of it. An unknown channel
// (no overrides) gets the item's own rendering.
ChannelText RenderForChannel(const Item& item, const std::string& channel);

// Just the title of RenderForChannel, without rendering the body.
std::string ChannelTitle(const Item& item, const std::string& channel);

}  // namespace loa
