#include "connectors/http/item_payload.h"

#include <random>
#include <vector>

#include "base/json_field.h"
#include "base/time.h"
#include "connectors/http/media_stream.h"
#include "connectors/http/render.h"

namespace loa {

nlohmann::json ChannelPayload(const Item& item, const std::string& channel, TimePoint due_at) {
  nlohmann::json media = nlohmann::json::array();
  for (const MediaFile& m : item.media) {
    media.push_back({
        {"name", m.name},
        {"caption", m.caption.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.caption)},
        {"content_type", m.content_type},
        {"sha256", m.sha256},
        {"data_base64", nullptr},
    });
  }
  ChannelText rendered = RenderForChannel(item, channel);
  return nlohmann::json{
      {"id", item.id},
      {"channel", channel},
      {"title", std::move(rendered.title)},
      {"summary", StringOrNull(item.summary)},  // the contract: null when the item has none
      {"html", std::move(rendered.html)},
      {"text", std::move(rendered.text)},
      {"publish_at", FormatUtc(due_at)},
      {"topics", item.topics},
      {"form", StringOrNull(item.form)},
      {"unit", StringOrNull(item.unit)},
      {"approved_by", item.approved_by},
      {"link", StringOrNull(item.link)},
      {"media", std::move(media)},
  };
}

Result<std::string> ChannelPayloadText(const Item& item, const std::string& channel,
                                       TimePoint due_at, const std::filesystem::path& media_dir) {
  nlohmann::json payload = ChannelPayload(item, channel, due_at);
  // Each data_base64 is first a marker no item text can produce (a random
  // nonce; text equal to it would be serialized the same, so it must be
  // unguessable), then the serialized text is copied with every marker
  // replaced by the file's base64, which needs no JSON escaping.
  std::string nonce;
  if (!item.media.empty()) {  // opening the random device costs a system call or more
    std::random_device rd;
    for (int i = 0; i < 4; ++i) nonce += std::to_string(rd());
  }
  std::vector<std::string> markers;
  for (size_t i = 0; i < item.media.size(); ++i) {
    markers.push_back("loa-media-" + nonce + "-" + std::to_string(i));
    payload["media"][i]["data_base64"] = markers.back();
  }
  std::string text = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  payload = nullptr;
  if (markers.empty()) return text;
  std::string out;
  size_t from = 0;
  for (size_t i = 0; i < markers.size(); ++i) {
    const std::string quoted = "\"" + markers[i] + "\"";
    size_t at = text.find(quoted, from);
    if (at == std::string::npos)
      return Error{"media " + item.media[i].name + ": no place in the payload"};
    out.append(text, from, at - from);
    out += '"';
    if (auto st = AppendMediaBase64(item.media[i], media_dir, out); !st.ok())
      return Error{st.error()};
    out += '"';
    from = at + quoted.size();
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace loa
