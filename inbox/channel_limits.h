// What a platform accepts from one item, so that ingest can refuse an item
// a channel cannot carry instead of failing it at publish time. Each channel
// type declares its own (connectors/<type>/<type>_type.cc);
// connectors/registry.h LimitsByChannel gathers them for ParseOptions. Texts are
// measured as RenderForChannel renders them, in characters (Unicode code
// points after NFC), never in bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loa {

// The files of one kind (images, videos) a platform takes.
struct MediaLimit {
  std::vector<std::string> extensions;  // lower case with the dot: ".jpg"; empty: none taken
  int64_t max_bytes = 0;                // per file
};

struct ChannelLimits {
  std::string platform;  // names the platform in problems: "Facebook", "Zalo"
  // 0 means unlimited.
  size_t max_title_chars = 0;        // ChannelText::title
  size_t max_text_chars = 0;         // ChannelText::text, the social post's message
  size_t max_description_chars = 0;  // ChannelText::summary
  // False when the connector never sends the item's media to the platform,
  // so their types and sizes do not matter there.
  bool media_published = false;
  MediaLimit images;  // image/* files
  MediaLimit videos;  // video/* files
  // Facebook: a video is a post of its own; a second video, or photos
  // beside it, would not be published.
  bool video_must_be_alone = false;
  // Other files (PDF documents) are for web channels: social connectors
  // leave them out, so they are not refused here.
};

// Characters as the platforms count them: code points of the NFC form.
// `text` is valid UTF-8, as every text the parser keeps is.
size_t CountCharacters(std::string_view text);

}  // namespace loa
