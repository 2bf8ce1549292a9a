// The `file` connector: writes what would be published into a folder, for
// a webmaster to import and as a preview. Outputs per item:
// <dir>/<id>.html (a small HTML page), <dir>/<id>.txt (the social text),
// <dir>/<id>.json (the channel payload without media bytes) and the media
// under <dir>/<id>/<name>. Every file is replaced atomically.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "config/config.h"
#include "connectors/file/file_settings.h"
#include "contract/channel_preview.h"
#include "contract/connector.h"

namespace loa {

// What Publish writes for one item, apart from the media copies: the
// channel payload and the three files' contents.
struct FileOutputs {
  nlohmann::json payload;  // ChannelPayload (connectors/http/item_payload.h)
  std::string html;        // <id>.html
  std::string text;        // <id>.txt
  std::string json;        // <id>.json
};
FileOutputs BuildFileOutputs(const Item& item, const std::string& channel, TimePoint due_at);

// Where <id>.html names a media file: "<id>/<name>", percent-encoded,
// relative to the page (the copy under MediaDir).
std::string FileMediaSrc(const Item& item, const MediaFile& media);

// The outputs as a preview (contract/channel_preview.h): the page, the
// text and the JSON, and the media copied beside them.
ChannelPreview FilePreview(const PublishRequest& request);

class FileConnector : public Connector {
 public:
  static Result<std::unique_ptr<FileConnector>> Create(const FileSettings& settings);

  // Writes (or rewrites: it is idempotent) every output; url is the
  // file:// URL of the HTML page.
  Outcome Publish(const PublishRequest& request) override;
  // kPublished when every output is there and the JSON matches the item,
  // else kAbsent.
  Reconciliation Reconcile(const PublishRequest& request) override;

  std::filesystem::path HtmlPath(const std::string& id) const { return dir_ / (id + ".html"); }
  std::filesystem::path TextPath(const std::string& id) const { return dir_ / (id + ".txt"); }
  std::filesystem::path JsonPath(const std::string& id) const { return dir_ / (id + ".json"); }
  std::filesystem::path MediaDir(const std::string& id) const { return dir_ / id; }

 private:
  explicit FileConnector(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::filesystem::path dir_;
};

// "file:///var/lib/loa/outbox/portal/x.html", with bytes outside the
// unreserved set percent-encoded.
std::string FileUrl(const std::filesystem::path& absolute_path);

}  // namespace loa
