#include "connectors/registry.h"

#include <openssl/crypto.h>

#include "config/secrets.h"

namespace loa {

// The channel types. Each is declared, keys to factory, in its folder's
// <type>_type.cc; a new type adds its line here and nothing else.
ChannelType FileChannelType();
ChannelType WordPressChannelType();
ChannelType WebhookChannelType();
ChannelType FacebookChannelType();
ChannelType ZaloChannelType();

const std::vector<ChannelType>& ChannelTypes() {
  static const std::vector<ChannelType> kTypes = {
      FileChannelType(),     WordPressChannelType(), WebhookChannelType(),
      FacebookChannelType(), ZaloChannelType(),
  };
  return kTypes;
}

const ChannelType* FindChannelType(const std::string& type) {
  for (const ChannelType& t : ChannelTypes()) {
    if (t.schema.type == type) return &t;
  }
  return nullptr;
}

const ChannelSchemas& ConfigSchemas() {
  static const ChannelSchemas kSchemas = [] {
    ChannelSchemas schemas;
    for (const ChannelType& t : ChannelTypes()) schemas.push_back(t.schema);
    return schemas;
  }();
  return kSchemas;
}

Result<Config> LoadConfig(const std::filesystem::path& config_file) {
  return LoadConfig(config_file, ConfigSchemas());
}

Result<Config> ParseConfig(const std::string& text, const std::filesystem::path& config_dir) {
  return ParseConfig(text, config_dir, ConfigSchemas());
}

Config DefaultConfig(const std::filesystem::path& root) {
  return DefaultConfig(root, ConfigSchemas());
}

Status CheckSecrets(const Config& config) { return CheckSecrets(config, ConfigSchemas()); }

ChannelLimits LimitsFor(const ChannelConfig& channel) {
  const ChannelType* type = FindChannelType(channel.type);
  if (type == nullptr || !type->limits || channel.settings == nullptr) return {};
  return type->limits(*channel.settings);
}

std::map<std::string, ChannelLimits> LimitsByChannel(const Config& config) {
  std::map<std::string, ChannelLimits> limits;
  for (const auto& [name, channel] : config.channels) limits[name] = LimitsFor(channel);
  return limits;
}

bool NeedsTokenVault(const Config& config) {
  for (const auto& [name, channel] : config.channels) {
    const ChannelType* type = FindChannelType(channel.type);
    if (type != nullptr && type->needs_vault) return true;
  }
  return false;
}

std::vector<std::filesystem::path> ChannelFolders(const Config& config) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& [name, channel] : config.channels) {
    for (const ChannelFolder& folder : FoldersOf(channel, ConfigSchemas())) {
      dirs.push_back(folder.path);
    }
  }
  return dirs;
}

Result<std::unique_ptr<Connector>> MakeConnector(const ChannelConfig& channel, const Config& config,
                                                 TokenVault* vault, const Clock& clock) {
  const ChannelType* type = FindChannelType(channel.type);
  if (type == nullptr || channel.settings == nullptr) {
    return Error{"channel " + channel.name + ": unknown channel type \"" + channel.type + "\""};
  }
  ConnectorContext ctx;
  ctx.config = &config;
  ctx.channel = &channel;
  ctx.vault = vault;
  ctx.clock = &clock;
  std::map<std::string, std::string> files;  // *_file key -> file name
  for (const SecretFile& f : SecretFilesOf(channel, ConfigSchemas())) {
    files[f.key] = f.file;
    auto secret = ReadSecret(f.file, config.config_dir);
    if (!secret.ok()) {
      return Error{"channel " + channel.name + ": cannot read " + f.key + " '" + f.file +
                   "': " + secret.error()};
    }
    ctx.secrets[f.key] = std::move(secret).value();
  }
  const std::filesystem::path config_dir = config.config_dir;
  ctx.read_secret = [files, config_dir](const std::string& key) -> Result<std::string> {
    auto it = files.find(key);
    if (it == files.end()) return Error{key + " is not configured"};
    auto secret = ReadSecret(it->second, config_dir);
    if (!secret.ok())
      return Error{"cannot read " + key + " '" + it->second + "': " + secret.error()};
    return secret;
  };
  auto made = type->make(ctx);
  // The context's copies of the secrets are no longer needed.
  for (auto& [key, value] : ctx.secrets) OPENSSL_cleanse(value.data(), value.size());
  if (!made.ok()) return Error{"channel " + channel.name + ": " + made.error()};
  return made;
}

}  // namespace loa
