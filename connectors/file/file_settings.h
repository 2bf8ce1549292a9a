// The `file` channel's own config keys (connectors/file/file_type.cc).
#pragma once

#include <filesystem>

#include "config/config.h"

namespace loa {

struct FileSettings : ChannelSettings {
  std::filesystem::path dir;  // absolute
};

}  // namespace loa
