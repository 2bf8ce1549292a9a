#include "inbox/channel_text.h"

#include "inbox/markdown.h"

namespace loa {

namespace {

const ChannelOverride* OverrideFor(const Item& item, const std::string& channel) {
  auto it = item.overrides.find(channel);
  return it == item.overrides.end() ? nullptr : &it->second;
}

}  // namespace

std::string ChannelTitle(const Item& item, const std::string& channel) {
  const ChannelOverride* o = OverrideFor(item, channel);
  return o && o->title ? *o->title : item.title;
}

ChannelText RenderForChannel(const Item& item, const std::string& channel) {
  ChannelText out;
  out.title = ChannelTitle(item, channel);
  out.html = MarkdownToHtml(item.body_markdown);
  out.summary = item.summary ? *item.summary : MarkdownFirstParagraph(item.body_markdown);
  const ChannelOverride* o = OverrideFor(item, channel);
  if (o && o->text) {
    out.text = *o->text;
  } else {
    out.text =
        out.title + "\n\n" + (item.summary ? *item.summary : MarkdownToText(item.body_markdown));
    if (item.link) out.text += "\n\n" + *item.link;
  }
  return out;
}

}  // namespace loa
