#include "config/channel_schema.h"

namespace loa {

const ChannelSchema* FindSchema(const ChannelSchemas& schemas, const std::string& type) {
  for (const auto& schema : schemas) {
    if (schema.type == type) return &schema;
  }
  return nullptr;
}

std::vector<SecretFile> SecretFilesOf(const ChannelConfig& channel, const ChannelSchemas& schemas) {
  const ChannelSchema* schema = FindSchema(schemas, channel.type);
  if (schema == nullptr || !schema->secrets || channel.settings == nullptr) return {};
  std::vector<SecretFile> files;
  for (SecretFile& f : schema->secrets(*channel.settings)) {
    if (f.optional && f.file.empty()) continue;  // not configured
    files.push_back(std::move(f));
  }
  return files;
}

std::vector<ChannelFolder> FoldersOf(const ChannelConfig& channel, const ChannelSchemas& schemas) {
  const ChannelSchema* schema = FindSchema(schemas, channel.type);
  if (schema == nullptr || !schema->folders || channel.settings == nullptr) return {};
  return schema->folders(*channel.settings);
}

}  // namespace loa
