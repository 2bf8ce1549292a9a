// The control server's bearer token (docs/control-api.md, "Where and who"):
// read from control.token_file through the channels' secret lookup, or kept
// by loa itself in state_dir/control-token.
#pragma once

#include <string>

#include "base/result.h"
#include "config/config.h"

namespace loa {

// The token. With control.token_file: that secret (config/secrets.h, so a
// relative name is looked up in $CREDENTIALS_DIRECTORY first). Without:
// state_dir/control-token, made when missing and `create` is set (32 random
// bytes from OpenSSL's generator, hex, mode 0600) and kept across restarts.
// Errors name the file, never the token.
Result<std::string> LoadControlToken(const Config& config, bool create);

// The start-up check of the control section (daemon/startup_checks.h): the
// token can be read, or loa's own is still to be made (the state folder is
// checked with the other folders). Creates nothing. Problems start with
// their key path ("control.token_file: ...").
Status CheckControl(const Config& config);

}  // namespace loa
