#include "connectors/registry.h"

#include <openssl/crypto.h>

#include "config/secrets.h"

namespace loa {

// The channel types, one line each: X(Name) stands for NameChannelType(),
// which connectors/<name>/<name>_type.cc defines with everything about the
// type. A new type adds its line here and nothing else
// (docs/adding-a-channel.md).
#define LOA_CHANNEL_TYPES(X) \
  X(File)                    \
  X(WordPress)               \
  X(Webhook)                 \
  X(Facebook)                \
  X(Zalo)

#define LOA_DECLARE_CHANNEL_TYPE(Name) ChannelType Name##ChannelType();
LOA_CHANNEL_TYPES(LOA_DECLARE_CHANNEL_TYPE)
#undef LOA_DECLARE_CHANNEL_TYPE

const std::vector<ChannelType>& ChannelTypes() {
#define LOA_LIST_CHANNEL_TYPE(Name) Name##ChannelType(),
  static const std::vector<ChannelType> kTypes = {LOA_CHANNEL_TYPES(LOA_LIST_CHANNEL_TYPE)};
#undef LOA_LIST_CHANNEL_TYPE
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

std::map<std::string, TimePoint> CredentialExpiries(const Config& config, TokenVault& vault) {
  std::map<std::string, TimePoint> expiries;
  for (const auto& [name, channel] : config.channels) {
    const ChannelType* type = FindChannelType(channel.type);
    if (type == nullptr || !type->credential_expiry) continue;
    Result<std::optional<TokenPair>> pair = vault.Load(name);
    if (pair.ok() && pair->has_value()) expiries[name] = type->credential_expiry(**pair);
  }
  return expiries;
}

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
