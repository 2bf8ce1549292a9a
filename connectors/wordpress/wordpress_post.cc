#include "connectors/wordpress/wordpress_post.h"

#include <algorithm>

#include "base/json_field.h"
#include "connectors/http/http_client.h"
#include "connectors/http/render.h"
#include "connectors/wordpress/wordpress_slug.h"
#include "inbox/channel_text.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

using nlohmann::json;

}  // namespace

json BuildWordPressPost(const WordPressSettings& settings, const PublishRequest& request,
                        const std::vector<WordPressUpload>& uploads) {
  const Item& item = *request.item;
  // The marker first: LookUp finds the post by it under any slug.
  std::string content = LoaItemMarker(item.id) + "\n" + MarkdownToHtml(item.body_markdown);
  std::optional<int64_t> featured;
  for (const WordPressUpload& u : uploads) {
    bool image = u.content_type.starts_with("image/");
    if (image && !featured) {
      featured = u.id;  // shown by the theme, so not repeated in the content
      continue;
    }
    std::string src = EscapeHtml(u.source_url);
    std::string figcaption =
        u.caption.empty() ? "" : "<figcaption>" + EscapeHtml(u.caption) + "</figcaption>";
    content += image ? "<figure class=\"wp-block-image\"><img src=\"" + src + "\" alt=\"" +
                           EscapeHtml(u.caption) + "\"/>" + figcaption + "</figure>\n"
                     : "<figure class=\"wp-block-video\"><video controls src=\"" + src +
                           "\"></video>" + figcaption + "</figure>\n";
  }
  if (item.link) {
    std::string link = EscapeHtml(*item.link);
    content += "<p><a href=\"" + link + "\">" + link + "</a></p>\n";
  }

  json post = {
      {"title", ChannelTitle(item, request.channel)},
      {"content", content},
      {"status", "publish"},
      {"slug", WordPressSlug(item.id)},
  };
  if (item.summary) post["excerpt"] = *item.summary;
  std::vector<int64_t> categories;
  for (const std::string& topic : item.topics) {
    auto it = settings.categories.find(topic);
    if (it == settings.categories.end()) continue;  // unmapped topics are ignored
    if (std::find(categories.begin(), categories.end(), it->second) == categories.end()) {
      categories.push_back(it->second);
    }
  }
  if (!categories.empty()) post["categories"] = categories;
  if (featured) post["featured_media"] = *featured;

  return post;
}

bool IsWordPressUpload(const MediaFile& media) {
  return media.content_type.starts_with("image/") || media.content_type.starts_with("video/");
}

ChannelPreview WordPressPreview(const WordPressSettings& settings, const PublishRequest& request) {
  ChannelPreview p;
  p.layout = "wordpress";
  p.platform = "WordPress";
  std::vector<WordPressUpload> uploads;
  for (const MediaFile& m : request.item->media) {
    if (!IsWordPressUpload(m)) {
      p.notes.push_back(m.name + " is not sent: only images and videos are uploaded");
      continue;
    }
    WordPressUpload u;
    u.id = static_cast<int64_t>(uploads.size()) + 1;
    u.source_url = kWordPressPreviewUrl + std::to_string(u.id);
    u.content_type = m.content_type;
    u.caption = m.caption;
    p.requests.push_back("POST /wp-json/wp/v2/media: " + m.name);
    p.media.push_back({m.name, m.content_type, m.caption, "figure", u.source_url});
    uploads.push_back(std::move(u));
  }
  p.requests.push_back("POST /wp-json/wp/v2/posts");
  const json post = BuildWordPressPost(settings, request, uploads);
  if (post.contains("featured_media")) {
    const int64_t featured = post["featured_media"].get<int64_t>();
    p.media[static_cast<size_t>(featured - 1)].role = "featured";
  }
  p.fields = {{"title", StringField(post, "title")},
              {"slug", StringField(post, "slug")},
              {"status", StringField(post, "status")}};
  if (post.contains("excerpt")) p.fields.push_back({"excerpt", StringField(post, "excerpt")});
  p.fields.push_back({"content", StringField(post, "content"), PreviewField::Kind::kHtml});
  p.fields.push_back({"request body", post.dump(2, ' ', false, json::error_handler_t::replace),
                      PreviewField::Kind::kJson});
  return p;
}

Outcome ClassifyWordPressAnswer(int status, std::string_view body_text,
                                std::optional<Millis> retry_after, const std::string& location,
                                const std::string& what, const std::string& base_url) {
  std::string code;
  std::string detail = what + ": HTTP " + std::to_string(status);
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (code = StringField(body, "code"); !code.empty()) {
    detail += " " + code;
    if (std::string message = StringField(body, "message"); !message.empty()) {
      detail += ": " + Excerpt(message);
    }
  } else if (!body_text.empty()) {
    detail += ": " + Excerpt(body_text);
  }

  if (status == 401) {
    return Outcome::Failed(ErrorClass::kAuth,
                           detail +
                               " (WordPress did not accept the username and application "
                               "password, or a proxy strips the Authorization header)",
                           status);
  }
  if (status == 403) {
    if (code == "rest_cannot_create") {
      return Outcome::Failed(ErrorClass::kAuth, detail, status);
    }
    return Outcome::Failed(ErrorClass::kPermanent,
                           detail + " (the user lacks a permission this needs)", status);
  }
  if (status == 404) {
    return Outcome::Failed(
        ErrorClass::kPermanent,
        detail + " (WordPress REST API not found at " + base_url + ": check base_url)", status);
  }
  if (status == 429) {
    return Outcome::Retry(ErrorClass::kRateLimited, detail, status, retry_after);
  }
  // 408: the server gave up waiting; 412 rest_upload_hash_mismatch: the
  // upload arrived damaged. Both are worth another try.
  if (status == 408 || status == 412 || status >= 500) {
    return Outcome::Retry(ErrorClass::kTransient, detail, status, retry_after);
  }
  if (status >= 300 && status < 400) {
    return Outcome::Failed(ErrorClass::kPermanent,
                           detail + " (redirected to " + Excerpt(location) +
                               ": set base_url to the site's canonical address)",
                           status);
  }
  return Outcome::Failed(ErrorClass::kPermanent, detail, status);
}

}  // namespace loa
