// The `file` channel's own config keys (connectors/file/file_type.cc).
#pragma once

#include <filesystem>
#include <utility>

#include "config/config.h"

namespace loa {

struct FileSettings : ChannelSettings {
  FileSettings() = default;
  explicit FileSettings(std::filesystem::path folder) : dir(std::move(folder)) {}
  std::filesystem::path dir;  // absolute
};

}  // namespace loa
