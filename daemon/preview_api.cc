#include "daemon/preview_api.h"

#include <algorithm>

#include "base/fs.h"
#include "daemon/control_request.h"
#include "daemon/preview.h"

namespace loa {

namespace {

// Each channel's delivery (its due time, moved by a reschedule, and the
// revision it carries) and each revision's title.
Result<StoredDeliveries> StoredDeliveriesOf(Store& store, const std::string& id) {
  auto deliveries = store.ListDeliveries(id);
  if (!deliveries.ok()) return deliveries.failure();
  auto revisions = store.ListRevisions(id);
  if (!revisions.ok()) return revisions.failure();
  StoredDeliveries stored;
  stored.deliveries = std::move(deliveries).value();
  for (const ItemRevision& r : *revisions) {
    stored.titles[r.revision] = r.title;
    stored.latest_revision = std::max(stored.latest_revision, r.revision);
  }
  return stored;
}

}  // namespace

ControlAnswer PreviewAnswer(const ControlRequest& request, const std::string& id,
                            const ControlSources& sources) {
  if (!IsItemId(id)) return ErrorAnswer(400, kItemIdRule);
  std::string channel;
  bool text = false;
  bool seen_channel = false;
  bool seen_format = false;
  for (const auto& [name, value] : request.query) {
    if (name == "channel" && !seen_channel) {
      seen_channel = true;
      if (!IsChannelName(value)) return ErrorAnswer(400, "channel: not a channel name");
      channel = value;
    } else if (name == "format" && !seen_format) {
      seen_format = true;
      if (value != "html" && value != "text") {
        return ErrorAnswer(400, "format: \"html\" or \"text\"");
      }
      text = value == "text";
    } else {
      return ErrorAnswer(
          400, "unknown or repeated query parameter " + ShownText(name) + " (channel, format)");
    }
  }
  auto item = sources.store->GetPost(id);
  if (!item.ok()) {
    if (item.code() == Error::Code::kNotFound) {
      return ErrorAnswer(404, "no item named \"" + id + "\"");
    }
    return ErrorAnswer(503, item.error());
  }
  auto stored = StoredDeliveriesOf(*sources.store, id);
  if (!stored.ok()) return ErrorAnswer(503, stored.error());
  const Config& config = sources.config();
  auto previews = BuildPreviews(*item, config, channel, &*stored);
  if (!previews.ok()) {
    return ErrorAnswer(previews.code() == Error::Code::kInvalid && !channel.empty() ? 404 : 409,
                       previews.error());
  }
  ControlAnswer answer;
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  answer.headers.emplace_back("Cache-Control", "no-store");
  if (text) {
    answer.content_type = "text/plain; charset=utf-8";
    answer.body = PreviewSummary(*item, *previews, config.timezone);
    return answer;
  }
  // The copies ingest made (daemon/ingest_prepare.h): what is sent.
  PreviewImages images;
  const fs::path media_dir = config.MediaDir() / item->id;
  for (const MediaFile& m : item->media) {
    if (StaysInside(media_dir, m.name)) images.files[m.name] = media_dir / m.name;
  }
  // The header as well as the page's <meta>: a browser applies both.
  answer.headers.emplace_back("Content-Security-Policy", PreviewContentSecurityPolicy());
  answer.content_type = "text/html; charset=utf-8";
  answer.body = PreviewPage(*item, *previews, images, config.timezone);
  return answer;
}

}  // namespace loa
