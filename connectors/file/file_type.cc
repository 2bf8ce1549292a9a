// The `file` channel type, declared in one place (docs/adding-a-channel.md):
// writes what would be published into a folder of its own.
#include <memory>

#include "connectors/file/file_connector.h"
#include "connectors/file/file_settings.h"
#include "contract/channel_type.h"

namespace loa {

ChannelType FileChannelType() {
  ChannelType t;
  t.schema.type = "file";
  t.schema.default_concurrency = 4;
  t.schema.keys = {"dir"};
  t.schema.read = [](SettingsReader& r) -> std::shared_ptr<const ChannelSettings> {
    auto s = std::make_shared<FileSettings>();
    s->dir = r.RequiredFolder("dir");
    return s;
  };
  t.schema.folders = [](const ChannelSettings& settings) {
    return std::vector<ChannelFolder>{{"dir", static_cast<const FileSettings&>(settings).dir}};
  };
  // No limits: the folder takes anything.
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    auto made = FileConnector::Create(ctx.channel->Settings<FileSettings>());
    if (!made.ok()) return Error{made.error()};
    return std::unique_ptr<Connector>(std::move(made).value());
  };
  t.preview = [](const ChannelSettings&, const PublishRequest& request) {
    return FilePreview(request);
  };
  return t;
}

}  // namespace loa
