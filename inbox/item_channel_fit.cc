#include "inbox/item_channel_fit.h"

#include <algorithm>
#include <filesystem>

#include "base/text.h"
#include "inbox/channel_text.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

namespace fs = std::filesystem;
namespace msg = messages;

// The length of `text` when it is over `max`, else 0 (as when unlimited).
size_t OverLimit(size_t max, const std::string& text) {
  if (max == 0) return 0;
  size_t n = CountCharacters(text);
  return n > max ? n : 0;
}

void CheckChannelMedia(const Item& item, const msg::Platform& platform, const ChannelLimits& limits,
                       const std::vector<std::string>& media_fields, ProblemList& problems) {
  size_t images = 0, videos = 0;
  for (size_t i = 0; i < item.media.size(); ++i) {
    const MediaFile& m = item.media[i];
    bool image = m.content_type.starts_with("image/");
    bool video = m.content_type.starts_with("video/");
    if (!image && !video) continue;  // documents are for web channels
    (image ? images : videos)++;
    const MediaLimit& rule = image ? limits.images : limits.videos;
    std::string shown = ShortenUtf8(m.name, kValueChars);
    std::string extension = AsciiLower(fs::path(m.name).extension().string());
    const std::string& field = media_fields[i];
    if (rule.extensions.empty()) {
      problems.Add(field, shown, msg::MediaKindRefused(platform, image, shown));
      continue;
    }
    if (std::find(rule.extensions.begin(), rule.extensions.end(), extension) ==
        rule.extensions.end()) {
      problems.Add(field, shown, msg::MediaTypeRefused(platform, image, shown, rule.extensions));
      continue;
    }
    if (rule.max_bytes > 0 && m.size > rule.max_bytes) {
      problems.Add(field, shown,
                   msg::MediaOverSize(platform, image, shown, m.size, rule.max_bytes));
    }
  }
  if (limits.video_must_be_alone && (videos > 1 || (videos == 1 && images > 0))) {
    problems.Add("media", "", msg::VideoNotAlone(platform, videos, images));
  }
}

}  // namespace

void CheckChannelFit(const Item& item, const std::string& channel, const ChannelLimits& limits,
                     const FitContext& context, ProblemList& problems) {
  const ChannelText rendered = RenderForChannel(item, channel);
  auto o = item.overrides.find(channel);
  const ChannelOverride* own = o == item.overrides.end() ? nullptr : &o->second;
  const msg::Platform platform{channel, limits.platform};

  if (size_t n = OverLimit(limits.max_title_chars, rendered.title)) {
    bool overridden = own && own->title;
    problems.Add(overridden ? "overrides." + channel + ".title" : "title",
                 ShortenUtf8(rendered.title, kValueChars),
                 msg::TitleOverLimit(platform, n, limits.max_title_chars, overridden));
  }

  if (size_t n = OverLimit(limits.max_text_chars, rendered.text)) {
    bool overridden = own && own->text;
    std::string field = overridden     ? "overrides." + channel + ".text"
                        : item.summary ? "summary"
                                       : context.body_field;
    problems.Add(field, ShortenUtf8(rendered.text, kValueChars),
                 msg::TextOverLimit(platform, n, limits.max_text_chars, overridden,
                                    item.summary.has_value(), item.link.has_value()));
  }

  if (size_t n = OverLimit(limits.max_description_chars, rendered.summary)) {
    if (item.summary) {
      problems.Add("summary", ShortenUtf8(rendered.summary, kValueChars),
                   msg::SummaryOverLimit(platform, n, limits.max_description_chars));
    } else {
      problems.Add(context.body_field, ShortenUtf8(rendered.summary, kValueChars),
                   msg::FirstParagraphOverLimit(platform, n, limits.max_description_chars));
    }
  }

  if (limits.media_published) {
    CheckChannelMedia(item, platform, limits, context.media_fields, problems);
  }
}

}  // namespace loa
