// How the config reads one channel type's keys: the per-type part of the
// channel's object, given by the type (connectors/<type>/<type>_type.cc) and
// handed to ParseConfig, so that config/ itself names no type.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/settings_reader.h"

namespace loa {

// A secret file a channel's settings name: `key` is its *_file key
// ("app_password_file"), `file` its value. An optional secret whose file is
// "" is not configured and not read.
struct SecretFile {
  std::string key;
  std::string file;
  bool optional = false;
};

// A folder a channel writes into, and the key that names it ("dir").
struct ChannelFolder {
  std::string key;
  std::filesystem::path path;
};

struct ChannelSchema {
  std::string type;  // the "type" value: "wordpress"
  // The type's own keys, beside the common ones (type, window, min_interval,
  // retry).
  std::vector<std::string> keys;
  // Where a secret written inline should go instead ("" when the type has
  // no secret), for the message that refuses it.
  std::string secret_file_key;
  // How many calls the engine may have under way at once on a channel of
  // this type when its config does not say ("concurrency"): several where
  // the receiver takes them in parallel, one where the platform throttles.
  int default_concurrency = 1;
  // Reads the type's keys (CheckKeys is done before). Reports problems on
  // the reader; what it returns is used only when there were none.
  std::function<std::shared_ptr<const ChannelSettings>(SettingsReader&)> read;
  // The secret files the settings name (may be null: none).
  std::function<std::vector<SecretFile>(const ChannelSettings&)> secrets;
  // The folders the channel writes into (may be null: none). No two
  // channels may share one, none may be inside the inbox, and the daemon
  // creates them at start.
  std::function<std::vector<ChannelFolder>(const ChannelSettings&)> folders;
};

// The schema named `type`, nullptr when none is.
const ChannelSchema* FindSchema(const ChannelSchemas& schemas, const std::string& type);

// The secret files `channel` names, by its type's schema.
std::vector<SecretFile> SecretFilesOf(const ChannelConfig& channel, const ChannelSchemas& schemas);
// The folders `channel` writes into, by its type's schema.
std::vector<ChannelFolder> FoldersOf(const ChannelConfig& channel, const ChannelSchemas& schemas);

}  // namespace loa
