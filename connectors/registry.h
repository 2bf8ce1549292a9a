// The one list of channel types (connectors/registry.cc) and what walks it:
// config loading, secret checks, the ingest limit check, folder creation
// and the connector factory. A new type is one folder under connectors/
// and one line in the list (docs/adding-a-channel.md).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "config/channel_schema.h"
#include "config/config.h"
#include "contract/channel_type.h"
#include "contract/connector.h"
#include "contract/token_vault.h"
#include "inbox/channel_limits.h"

namespace loa {

// Every type, in the order they were added.
const std::vector<ChannelType>& ChannelTypes();
// The type named `type`, nullptr when there is none.
const ChannelType* FindChannelType(const std::string& type);
// Their config schemas, for ParseConfig / LoadConfig / DefaultConfig.
const ChannelSchemas& ConfigSchemas();

// LoadConfig / ParseConfig / DefaultConfig with every registered type.
Result<Config> LoadConfig(const std::filesystem::path& config_file);
Result<Config> ParseConfig(const std::string& text, const std::filesystem::path& config_dir);
Config DefaultConfig(const std::filesystem::path& root);

// Reads every secret file the channels name and reports every problem, one
// per line, each naming its key path and the file; never a secret's
// content. `loa config check` and the daemon's start use it.
Status CheckSecrets(const Config& config);

// The limits of `channel`'s type (none for web and file channels).
ChannelLimits LimitsFor(const ChannelConfig& channel);
// Every configured channel's limits, by channel name, for ParseOptions.
std::map<std::string, ChannelLimits> LimitsByChannel(const Config& config);

// Whether a configured channel's type keeps OAuth pairs in a TokenVault.
bool NeedsTokenVault(const Config& config);

// When each configured channel's stored credential stops working, for the
// channels whose type knows (ChannelType::credential_expiry) and that have
// a pair in `vault`; a channel whose pair cannot be read is left out.
std::map<std::string, TimePoint> CredentialExpiries(const Config& config, TokenVault& vault);

// Every folder the channels write into (a file channel's dir), for the
// daemon to create at start.
std::vector<std::filesystem::path> ChannelFolders(const Config& config);

// Builds the connector for a configured channel: reads its secrets
// (ReadSecret) and hands them, `vault` and `clock` to its type's factory.
// `vault` may be nullptr when no channel needs one.
Result<std::unique_ptr<Connector>> MakeConnector(const ChannelConfig& channel, const Config& config,
                                                 TokenVault* vault, const Clock& clock);

}  // namespace loa
