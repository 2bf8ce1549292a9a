#include "connectors/http/item_payload.h"

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/http/render.h"

namespace loa {

namespace {

// The largest media file loa accepts from the inbox, plus room.
constexpr size_t kMaxMediaBytes = size_t{256} << 20;

nlohmann::json OrNull(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

Result<std::string> ReadMedia(const MediaFile& media, const std::filesystem::path& media_dir) {
  if (!StaysInside(media_dir, media.name)) {
    return Error{"media name '" + media.name + "' leaves the media folder"};
  }
  auto data = ReadFile(media_dir / media.name, kMaxMediaBytes);
  if (!data.ok()) return Error{"media " + media.name + ": " + data.error()};
  if (!media.sha256.empty() && Sha256Hex(*data) != media.sha256) {
    return Error{"media " + media.name + " changed since the item was accepted (sha256 differs)"};
  }
  return std::move(data).value();
}

Result<nlohmann::json> ChannelPayload(const Item& item, const std::string& channel,
                                      TimePoint due_at, const std::filesystem::path& media_dir,
                                      bool include_media_data) {
  nlohmann::json media = nlohmann::json::array();
  for (const MediaFile& m : item.media) {
    nlohmann::json entry = {
        {"name", m.name},
        {"caption", m.caption.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.caption)},
        {"content_type", m.content_type},
        {"sha256", m.sha256},
        {"data_base64", nullptr},
    };
    if (include_media_data) {
      auto data = ReadMedia(m, media_dir);
      if (!data.ok()) return Error{data.error()};
      entry["data_base64"] = Base64Encode(*data);
    }
    media.push_back(std::move(entry));
  }
  ChannelText rendered = RenderForChannel(item, channel);
  return nlohmann::json{
      {"id", item.id},
      {"channel", channel},
      {"title", std::move(rendered.title)},
      {"summary", OrNull(item.summary)},  // the contract: null when the item has none
      {"html", std::move(rendered.html)},
      {"text", std::move(rendered.text)},
      {"publish_at", FormatUtc(due_at)},
      {"topics", item.topics},
      {"form", OrNull(item.form)},
      {"unit", OrNull(item.unit)},
      {"approved_by", item.approved_by},
      {"link", OrNull(item.link)},
      {"media", std::move(media)},
  };
}

}  // namespace loa
