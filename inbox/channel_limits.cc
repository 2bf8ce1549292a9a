#include "inbox/channel_limits.h"

#include <variant>

#include "inbox/utf8.h"

namespace loa {

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// platforms.md, Facebook: message length 63,206 characters; photos JPEG,
// PNG, GIF, BMP, TIFF under 4 MB (advised, so loa refuses above it).
ChannelLimits FacebookLimits() {
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

// platforms.md, Zalo articles: title <= 150, description <= 300 characters,
// images jpg/png <= 1 MB, video mp4 <= 50 MB. The author (<= 50) is the
// config's, checked when the config is loaded.
ChannelLimits ZaloLimits(const ZaloSettings& settings) {
  ChannelLimits l;
  l.platform = "Zalo";
  l.max_title_chars = 150;
  l.max_description_chars = 300;
  l.media_published = !settings.media_base_url.empty();
  l.images = {{".jpg", ".jpeg", ".png"}, 1 * kMiB};
  l.videos = {{".mp4"}, 50 * kMiB};
  return l;
}

}  // namespace

ChannelLimits LimitsFor(const ChannelConfig& channel) {
  if (std::holds_alternative<FacebookSettings>(channel.settings)) return FacebookLimits();
  if (const auto* zalo = std::get_if<ZaloSettings>(&channel.settings)) return ZaloLimits(*zalo);
  return {};
}

std::map<std::string, ChannelLimits> LimitsByChannel(const Config& config) {
  std::map<std::string, ChannelLimits> limits;
  for (const auto& [name, channel] : config.channels) limits[name] = LimitsFor(channel);
  return limits;
}

size_t CountCharacters(std::string_view text) {
  auto nfc = NormalizeNfc(text);
  std::string_view s = nfc.ok() ? std::string_view(*nfc) : text;
  size_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace loa
