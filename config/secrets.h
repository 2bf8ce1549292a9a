// Reads secret files: systemd credentials first, then beside the config.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace loa {

// `name` is a *_file value from the config. A relative name is looked up in
// $CREDENTIALS_DIRECTORY when set, else in `config_dir`. Surrounding white
// space is trimmed. A file readable or writable by other users (any of
// mode 0006) is refused with the chmod that fixes it. Errors name the file,
// never its content.
Result<std::string> ReadSecret(const std::string& name, const std::filesystem::path& config_dir);

}  // namespace loa
