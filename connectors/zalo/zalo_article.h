// The pure half of the `zalo` connector: the article/create body, what an
// OA API answer means, and the resume token of a verify still to come.
// Nothing here sends; zalo_connector.cc does, and these are tested without
// a server (tests/zalo_connector_test.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "connectors/http/http_client.h"
#include "connectors/zalo/zalo_settings.h"
#include "contract/channel_preview.h"
#include "contract/connector.h"

namespace loa {

// The article/create body for the item (docs/platforms.md, Zalo articles).
nlohmann::json BuildZaloArticle(const ZaloSettings& settings, const PublishRequest& request);

// BuildZaloArticle's body as a preview (contract/channel_preview.h): its
// text fields, the article body's HTML, the cover and the images by the
// addresses Zalo fetches them from.
ChannelPreview ZaloPreview(const ZaloSettings& settings, const PublishRequest& request);

// "<media_base_url>/<item id>/<name>", each a percent-encoded segment.
std::string ZaloMediaUrl(const ZaloSettings& settings, const std::string& item_id,
                         const std::string& name);

// What one OA API answer means, before any token refresh.
struct ZaloAnswer {
  bool ok = false;           // Zalo's "error" is 0: `body` is the answer
  nlohmann::json body;       // the parsed answer when ok
  Outcome outcome;           // when not ok: what to report
  long long zalo_error = 0;  // Zalo's "error" (0 when the failure was not one)
  // The server answered an HTTP error without Zalo's envelope (a 5xx from a
  // proxy or a failing server): a create may have been carried out.
  bool http_error = false;
  // -216, -220, -124: the access token was refused; the caller refreshes
  // once and repeats the call once.
  bool token_refused = false;
};
// `retry_after` is the answer's Retry-After, if any; `what` names the
// request in messages; `kind` says whether repeating it could create twice.
ZaloAnswer ClassifyZaloAnswer(int status, std::string_view body, std::optional<Millis> retry_after,
                              const std::string& what, RequestKind kind);

// answer["data"], null when there is none.
const nlohmann::json& ZaloData(const nlohmann::json& answer);

// The resume token of an article whose article/verify is still to be
// polled: the poll's number (1 for the first after create) and the token
// article/create answered. It holds no credential. The engine keeps it and
// hands it back (PublishRequest::resume_token).
struct ZaloVerifyResume {
  int poll = 1;
  std::string article_token;
};
std::string EncodeZaloResume(const ZaloVerifyResume& resume);
// nullopt for anything EncodeZaloResume could not have written.
std::optional<ZaloVerifyResume> ParseZaloResume(std::string_view token);

}  // namespace loa
