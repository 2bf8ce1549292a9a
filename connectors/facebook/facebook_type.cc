// The `facebook` channel type, declared in one place
// (docs/adding-a-channel.md): a Facebook Page through the Graph API.
#include <algorithm>
#include <memory>

#include "connectors/facebook/facebook_connector.h"
#include "connectors/facebook/facebook_post.h"
#include "connectors/facebook/facebook_settings.h"
#include "contract/channel_type.h"

namespace loa {

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

std::shared_ptr<const ChannelSettings> ReadFacebook(SettingsReader& r) {
  auto fb = std::make_shared<FacebookSettings>();
  fb->http = r.Http();
  fb->page_id =
      r.RequiredString("page_id", "the numeric Page ID (Page > About > Page transparency)");
  if (!fb->page_id.empty() && !std::all_of(fb->page_id.begin(), fb->page_id.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
    r.Fail("page_id", "must be the numeric Page ID (digits only), not the Page's name");
  }
  r.BaseUrl("graph_base_url", fb->http, &fb->graph_base_url);
  fb->page_token_file = r.RequiredString(
      "page_token_file",
      "the name of the file holding the Page access token (a systemd credential name)");
  if (auto secret = r.String("app_secret_file", "the name of the file holding the app secret")) {
    if (secret->empty()) {
      r.Fail("app_secret_file",
             "must not be empty; leave it out when the app does not require appsecret_proof");
    }
    fb->app_secret_file = *secret;
  }
  return fb;
}

// docs/platforms.md, Facebook: message length 63,206 characters; photos
// JPEG, PNG, GIF, BMP, TIFF under 4 MB (advised, so loa refuses above it).
ChannelLimits FacebookLimits(const ChannelSettings&) {
  ChannelLimits l;
  l.platform = "Facebook";
  l.max_text_chars = 63206;
  l.media_published = true;
  l.images = {{".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff"}, 4 * kMiB};
  // Graph's non-resumable upload takes up to 1 GB, more than the inbox
  // accepts at all.
  l.videos = {{".mp4"}, 1024 * kMiB};
  l.video_must_be_alone = true;
  return l;
}

}  // namespace

ChannelType FacebookChannelType() {
  ChannelType t;
  t.schema.type = "facebook";
  t.schema.keys = {"page_id", "graph_base_url", "page_token_file",    "app_secret_file",
                   "ca_file", "timeout",        "allow_insecure_http"};
  t.schema.secret_file_key = "page_token_file";
  t.schema.read = ReadFacebook;
  t.schema.secrets = [](const ChannelSettings& settings) {
    const auto& s = static_cast<const FacebookSettings&>(settings);
    return std::vector<SecretFile>{{"page_token_file", s.page_token_file},
                                   {"app_secret_file", s.app_secret_file, /*optional=*/true}};
  };
  t.limits = FacebookLimits;
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    auto made = FacebookConnector::Create(
        *ctx.clock, ctx.channel->Settings<FacebookSettings>(), ctx.Secret("page_token_file"),
        ctx.Secret("app_secret_file"), ctx.channel->retry.max_attempts);
    if (!made.ok()) return Error{made.error()};
    return std::unique_ptr<Connector>(std::move(made).value());
  };
  t.preview = [](const ChannelSettings&, const PublishRequest& request) {
    return FacebookPreview(request);
  };
  return t;
}

}  // namespace loa
