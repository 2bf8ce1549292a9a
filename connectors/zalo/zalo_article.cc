#include "connectors/zalo/zalo_article.h"

#include <charconv>

#include "base/encode.h"
#include "base/json_field.h"
#include "connectors/http/render.h"
#include "connectors/zalo/zalo_errors.h"

namespace loa {

namespace {

using nlohmann::json;

constexpr std::string_view kResumePrefix = "zalo-verify/";
// Zalo's article tokens are short; anything longer is not one.
constexpr size_t kMaxArticleToken = 512;

bool IsArticleImage(const MediaFile& m) { return m.content_type.starts_with("image/"); }

}  // namespace

const json& ZaloData(const json& answer) {
  static const json kNull;
  if (!answer.is_object()) return kNull;
  auto it = answer.find("data");
  return it == answer.end() ? kNull : *it;
}

std::string ZaloMediaUrl(const ZaloSettings& settings, const std::string& item_id,
                         const std::string& name) {
  std::string base = settings.media_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + PercentEncode(item_id) + "/" + PercentEncode(name);
}

json BuildZaloArticle(const ZaloSettings& settings, const PublishRequest& request) {
  const Item& item = *request.item;
  ChannelText text = RenderForChannel(item, request.channel);
  std::string html = text.html;
  if (item.link) {
    std::string link = EscapeHtml(*item.link);
    html += "<p><a href=\"" + link + "\">" + link + "</a></p>\n";
  }
  json body = json::array({{{"type", "text"}, {"content", html}}});
  std::string cover = settings.cover_url;
  if (!settings.media_base_url.empty()) {
    bool first = true;
    for (const MediaFile& m : item.media) {
      if (!IsArticleImage(m)) continue;
      std::string url = ZaloMediaUrl(settings, item.id, m.name);
      if (first) cover = url;
      first = false;
      body.push_back({{"type", "image"}, {"url", url}, {"caption", m.caption}});
    }
  }
  return json{
      {"type", "normal"},
      {"title", text.title},
      {"author", settings.author},
      {"cover", {{"cover_type", "photo"}, {"photo_url", cover}, {"status", "show"}}},
      {"description", text.summary},
      {"body", body},
      {"status", "show"},
      {"comment", "show"},
  };
}

ChannelPreview ZaloPreview(const ZaloSettings& settings, const PublishRequest& request) {
  const json article = BuildZaloArticle(settings, request);
  ChannelPreview p;
  p.layout = "zalo";
  p.platform = "Zalo Official Account";
  p.requests = {"POST /v2.0/article/create", "POST /v2.0/article/verify"};
  p.fields = {{"title", StringField(article, "title")},
              {"author", StringField(article, "author")},
              {"description", StringField(article, "description")}};
  const std::string cover = StringField(article["cover"], "photo_url");
  p.fields.push_back({"cover.photo_url", cover, PreviewField::Kind::kUrl});
  for (const json& block : article["body"]) {
    if (StringField(block, "type") == "text") {
      p.fields.push_back({"body.text", StringField(block, "content"), PreviewField::Kind::kHtml});
    }
  }
  p.fields.push_back({"request body", article.dump(2, ' ', false, json::error_handler_t::replace),
                      PreviewField::Kind::kJson});
  // The item's images Zalo fetches from media_base_url: the cover first.
  for (const MediaFile& m : request.item->media) {
    if (settings.media_base_url.empty() || !IsArticleImage(m)) continue;
    const std::string url = ZaloMediaUrl(settings, request.item->id, m.name);
    p.media.push_back({m.name, m.content_type, m.caption, url == cover ? "cover" : "figure", url});
  }
  if (p.media.empty()) {
    p.notes.push_back("the cover is the channel's cover_url" +
                      std::string(settings.media_base_url.empty()
                                      ? " (no media_base_url: the item's images are not sent)"
                                      : " (the item has no image)"));
  }
  for (const MediaFile& m : request.item->media) {
    if (!IsArticleImage(m) && !settings.media_base_url.empty()) {
      p.notes.push_back(m.name + " is not sent: a Zalo article carries images only");
    }
  }
  return p;
}

ZaloAnswer ClassifyZaloAnswer(int status, std::string_view body, std::optional<Millis> retry_after,
                              const std::string& what, RequestKind kind) {
  ZaloAnswer a;
  const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const long long error = ZaloErrorCode(answer);
  if (status != 200 && error == 0) {
    ZaloErrorClass z = ClassifyZaloHttpStatus(status);
    std::string message = what + ": HTTP " + std::to_string(status) + " (" + z.explanation + ")" +
                          (body.empty() ? "" : ": " + Excerpt(body));
    a.http_error = true;
    a.outcome = z.error_class == ErrorClass::kPermanent
                    ? Outcome::Failed(z.error_class, message, status)
                    : Outcome::Retry(z.error_class, message, status,
                                     retry_after ? retry_after : z.retry_after);
    return a;
  }
  if (!answer.is_object()) {
    std::string message = what + ": HTTP " + std::to_string(status) +
                          " with an answer that is not Zalo's JSON: " + Excerpt(body);
    a.outcome = kind == RequestKind::kCreate
                    ? Outcome::Uncertain(message, status)
                    : Outcome::Retry(ErrorClass::kTransient, message, status);
    return a;
  }
  if (error == 0) {
    a.ok = true;
    a.body = answer;
    return a;
  }
  ZaloErrorClass z = ClassifyZaloError(error);
  std::string said = StringField(answer, "message");
  std::string message = what + ": Zalo error " + std::to_string(error) +
                        (said.empty() ? "" : ": " + Excerpt(said)) + " (" + z.explanation + ")";
  a.zalo_error = error;
  a.token_refused = z.token_refused;
  switch (z.error_class) {
    case ErrorClass::kRateLimited:
    case ErrorClass::kTransient:
      a.outcome =
          Outcome::Retry(z.error_class, message, status, retry_after ? retry_after : z.retry_after);
      break;
    default:
      a.outcome = Outcome::Failed(z.error_class, message, status);
  }
  return a;
}

std::string EncodeZaloResume(const ZaloVerifyResume& resume) {
  return std::string(kResumePrefix) + std::to_string(resume.poll) + "/" + resume.article_token;
}

std::optional<ZaloVerifyResume> ParseZaloResume(std::string_view token) {
  if (!token.starts_with(kResumePrefix)) return std::nullopt;
  token.remove_prefix(kResumePrefix.size());
  size_t slash = token.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 2) return std::nullopt;
  int poll = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + slash, poll);
  if (ec != std::errc() || p != token.data() + slash || poll < 1) return std::nullopt;
  std::string_view article = token.substr(slash + 1);
  if (article.empty() || article.size() > kMaxArticleToken) return std::nullopt;
  for (char c : article) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;
  }
  return ZaloVerifyResume{poll, std::string(article)};
}

}  // namespace loa
