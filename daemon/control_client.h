// The operator commands' side of the control API (docs/control-api.md):
// where the daemon listens, its token, and one HTTP call at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/time.h"
#include "config/config.h"

namespace loa {

// Where `loa status`, `queue`, ... find the daemon, from the config's
// "control" section (docs/control-api.md, "Where and who").
struct ControlEndpoint {
  std::string host;  // to connect to: a wildcard listen address becomes loopback
  int port = 8470;
  // Whether the daemon listens on loopback only, where reads need no token;
  // one listening on every interface (0.0.0.0, ::) asks for it on every
  // request but /healthz, even from this machine.
  bool server_on_loopback = true;
  // The bearer token, read when the config is; "" when it could not be, and
  // then `token_problem` says why (a read on loopback needs none).
  std::string token;
  std::string token_problem;
  // The config's timezone: the zone times are shown in.
  TimeZone zone = std::chrono::hours(7);

  // "127.0.0.1:8470", "[::1]:8470": for messages.
  std::string Address() const;
};

// Reads `config_file` with the daemon's own parser (config/config.h
// LoadConfig: a config the daemon would refuse is refused here too, every
// problem naming the file and its key): `control.listen` ("" means the
// server is off, an error here; a listen address for every interface is
// reached on loopback), the token as the daemon loads it
// (daemon/control_token.h: `control.token_file` through the channels' secret
// lookup, else state_dir/control-token; with the installed config and no
// $CREDENTIALS_DIRECTORY, a token_file under /etc/loa/credentials as `loa
// config check` does), and `timezone`.
Result<ControlEndpoint> FindControlEndpoint(const std::filesystem::path& config_file);

// The same from config text whose relative paths resolve against
// `config_dir` (the embedded default); `credentials_dir` as above, or empty.
Result<ControlEndpoint> ControlEndpointFromText(const std::string& text,
                                                const std::filesystem::path& config_dir,
                                                const std::filesystem::path& credentials_dir);

// The same from a parsed config.
Result<ControlEndpoint> ControlEndpointFromConfig(const Config& config,
                                                  const std::filesystem::path& credentials_dir);

// How a call went when it did not give a JSON answer with a 2xx status.
struct ControlFailure {
  enum class Kind {
    kUnreachable,  // no answer: not connected, or the connection broke
    kRefused,      // an answer with a non-2xx status
    kBadAnswer,    // a 2xx answer that is not a JSON object, or too large
    kNoToken,      // the call needs the token and it could not be read
  };
  Kind kind = Kind::kUnreachable;
  int status = 0;  // kRefused: the HTTP status
  // For the operator, with text from the server already escaped
  // (daemon/tables.h TerminalText); never the token.
  std::string message;
};

struct ControlReply {
  bool ok = false;
  // ok: the object the API answered (GetPage: null). A refusal: its body
  // when that is a JSON object (loa's error envelope, docs/control-api.md
  // "Errors"), else null: whether loa or something else answered.
  nlohmann::json body;
  std::string text;        // GetPage, ok: the answer as it came (a page, a summary)
  ControlFailure failure;  // !ok
};

// Whether a request carries the token: every change, and every read from
// an address beyond loopback (docs/control-api.md, "Where and who").
bool NeedsToken(std::string_view method, bool server_on_loopback);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// How long one call may take. The operator commands wait for what they
// asked to be committed; `loa check` asks in passing and must not hang on
// whatever answers on the port, however slowly it answers.
struct ControlTimeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(5)};
  std::chrono::milliseconds write{std::chrono::seconds(10)};
  // Between two reads of the answer: a reschedule or a resolve commits
  // before it answers, and a minute is far beyond what a healthy loa takes.
  std::chrono::milliseconds read{std::chrono::seconds(60)};
  // The whole call, connecting included; zero for no limit beyond the
  // above. A server answering a byte at a time never trips `read`.
  std::chrono::milliseconds total{0};
};

// One request per call over plain HTTP. The token goes with every POST, and
// with GETs only to an address beyond loopback (docs/control-api.md: reads
// on loopback are open), so that a read never needs it.
class ControlClient {
 public:
  explicit ControlClient(ControlEndpoint endpoint, ControlTimeouts timeouts = {});

  // `path` already percent-encoded ("/api/items/tt-1"); `query` raw.
  ControlReply Get(const std::string& path, const QueryParams& query = {}) const;
  ControlReply Post(const std::string& path, const nlohmann::json& body) const;
  // A GET whose answer is not JSON (GET /preview/ID): `text` holds it.
  ControlReply GetPage(const std::string& path, const QueryParams& query = {}) const;

  const ControlEndpoint& endpoint() const { return endpoint_; }

 private:
  ControlReply Send(const std::string& method, const std::string& target, const std::string* body,
                    bool json_answer = true) const;

  ControlEndpoint endpoint_;
  ControlTimeouts timeouts_;
};

}  // namespace loa
