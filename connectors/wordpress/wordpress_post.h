// The pure half of the `wordpress` connector: the post's JSON and what a
// REST API answer means. Nothing here sends; wordpress_connector.cc does,
// and these are tested without a server (tests/wordpress_connector_test.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "connectors/wordpress/wordpress_settings.h"
#include "contract/channel_preview.h"
#include "contract/connector.h"

namespace loa {

// A file already in the site's media library (POST /wp/v2/media).
struct WordPressUpload {
  int64_t id = 0;
  std::string source_url;
  std::string content_type;
  std::string caption;
};

// The body of POST /wp/v2/posts: LoaItemMarker first in the content (the
// lookup finds the post by it), the first image as the featured image, the
// others and the videos as figures, the item's topics as categories.
nlohmann::json BuildWordPressPost(const WordPressSettings& settings, const PublishRequest& request,
                                  const std::vector<WordPressUpload>& uploads);

// Whether the connector uploads `media` to the media library (images and
// videos; other files are not sent).
bool IsWordPressUpload(const MediaFile& media);

// BuildWordPressPost's body as a preview (contract/channel_preview.h). The
// addresses WordPress gives the uploads are not known before they are made:
// each upload stands in as kWordPressPreviewUrl + its index, and ids count
// from 1.
inline constexpr const char* kWordPressPreviewUrl = "loa-preview-upload:";
ChannelPreview WordPressPreview(const WordPressSettings& settings, const PublishRequest& request);

// What a non-2xx answer means, with WordPress's code and message.
// `retry_after` is the answer's Retry-After, `location` its Location header;
// `what` names the request; `base_url` is the configured site.
Outcome ClassifyWordPressAnswer(int status, std::string_view body_text,
                                std::optional<Millis> retry_after, const std::string& location,
                                const std::string& what, const std::string& base_url);

}  // namespace loa
