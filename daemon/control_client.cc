#include "daemon/control_client.h"

#include <httplib.h>

#include <future>

#include "base/json_parse.h"
#include "base/net.h"
#include "config/secrets.h"
#include "connectors/registry.h"
#include "daemon/cli.h"
#include "daemon/control_token.h"
#include "daemon/tables.h"

namespace loa {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kDefaultListen = "127.0.0.1:8470";
// The whole queue of a busy year is a few MB; beyond this the answer is not
// one loa gives.
constexpr size_t kMaxAnswerBytes = 64 << 20;
// loa's objects nest 4 levels (docs/control-api.md); printing a deeper one
// would cost stack for nothing.
constexpr size_t kMaxAnswerDepth = 16;

// Header values cannot carry a line break; a token with one (or any other
// control byte) is the wrong file, and sending it would split the request.
bool UsableInHeader(std::string_view token) {
  for (char c : token) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x21 || b == 0x7F) return false;
  }
  return true;
}

std::string WithQuery(const std::string& path, const QueryParams& query) {
  std::string target = path;
  char sep = '?';
  for (const auto& [name, value] : query) {
    target += sep;
    target += httplib::detail::encode_query_param(name);
    target += '=';
    target += httplib::detail::encode_query_param(value);
    sep = '&';
  }
  return target;
}

// The answer's JSON, or a discarded value when it is not JSON or nests too
// deep.
json ParseAnswer(const std::string& text) {
  std::vector<DuplicateKey> duplicates;
  try {
    return ParseJsonText(text, kMaxAnswerDepth, &duplicates);
  } catch (const JsonTooDeep&) {
    return json::value_t::discarded;
  } catch (const json::exception&) {
    return json::value_t::discarded;
  }
}

ControlReply Failed(ControlFailure::Kind kind, std::string message, int status = 0) {
  ControlReply reply;
  reply.failure.kind = kind;
  reply.failure.status = status;
  reply.failure.message = std::move(message);
  return reply;
}

// The error envelope's message and code (docs/control-api.md, "Errors"), or
// the bare status when the body is not one.
std::string RefusalMessage(int status, const std::string& body) {
  std::string suffix = " (HTTP " + std::to_string(status);
  json parsed = ParseAnswer(body);
  const json* error = nullptr;
  if (parsed.is_object()) {
    auto it = parsed.find("error");
    if (it != parsed.end() && it->is_object()) error = &*it;
  }
  if (error != nullptr) {
    auto code = error->find("code");
    if (code != error->end() && code->is_string()) {
      suffix += " " + TerminalText(TruncateToWidth(code->get<std::string>(), 64));
    }
    auto message = error->find("message");
    if (message != error->end() && message->is_string()) {
      return "loa refused: " + TerminalText(TruncateToWidth(message->get<std::string>(), 2000)) +
             suffix + ")";
    }
  }
  return "loa answered with an error" + suffix + ")";
}

// "5 s", "300 ms": a timeout in a message.
std::string Within(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// client.send(req), given up after `total`. httplib's own timeouts bound
// each read, not the whole answer; stop() shuts the socket of a call under
// way, which ends it. It waits for a connect in progress, which
// connection_timeout bounds, and does nothing before the call has begun:
// hence asked again until the call returns.
httplib::Result SendWithin(httplib::Client& client, httplib::Request& req,
                           std::chrono::milliseconds total, bool& late) {
  late = false;
  if (total.count() <= 0) return client.send(req);
  std::future<httplib::Result> call =
      std::async(std::launch::async, [&client, &req] { return client.send(req); });
  const bool waited = call.wait_for(total) == std::future_status::timeout;
  if (waited) {
    do {
      client.stop();
    } while (call.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  }
  httplib::Result result = call.get();
  // An answer complete just as the time ran out is still the answer.
  late = waited && !result;
  return result;
}

}  // namespace

std::string ControlEndpoint::Address() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ControlEndpoint> ControlEndpointFromConfig(const Config& config,
                                                  const fs::path& credentials_dir) {
  if (!config.control.enabled()) {
    return Error{"control.listen is \"\": the daemon's control API is off (set it, e.g. to " +
                     std::string(kDefaultListen) + ", and restart loa: a reload cannot change it)",
                 Error::Code::kInvalid};
  }
  ControlEndpoint endpoint;
  endpoint.zone = config.timezone;
  // A server listening on every interface is reached on loopback.
  endpoint.host = config.control.address.host;
  if (endpoint.host == "0.0.0.0") endpoint.host = "127.0.0.1";
  if (endpoint.host == "::") endpoint.host = "::1";
  endpoint.port = config.control.address.port;
  endpoint.server_on_loopback = config.control.address.loopback;

  // The daemon's own lookup (daemon/control_token.h); with the installed
  // config and no $CREDENTIALS_DIRECTORY, a token_file is where the unit's
  // LoadCredential= takes it from, as `loa config check` looks.
  Result<std::string> token = !credentials_dir.empty() && !config.control.token_file.empty()
                                  ? ReadSecret(config.control.token_file, credentials_dir)
                                  : LoadControlToken(config, /*create=*/false);
  if (!token.ok()) {
    endpoint.token_problem = "cannot read the control token: " + token.error() +
                             " (changes need it: run as root or as the loa user)";
  } else if (!UsableInHeader(*token)) {
    endpoint.token_problem =
        "the control token file holds spaces or control characters: is it the right file?";
  } else {
    endpoint.token = std::move(token).value();
  }
  return endpoint;
}

Result<ControlEndpoint> ControlEndpointFromText(const std::string& text, const fs::path& config_dir,
                                                const fs::path& credentials_dir) {
  auto config = ParseConfig(text, config_dir, ConfigSchemas());
  if (!config.ok()) return config.failure();
  return ControlEndpointFromConfig(*config, credentials_dir);
}

Result<ControlEndpoint> FindControlEndpoint(const fs::path& config_file) {
  fs::path credentials;
  const char* env = std::getenv("CREDENTIALS_DIRECTORY");
  // What the installed unit hands the service (LoadCredential=), as
  // `loa config check` looks (daemon/cli.cc).
  if ((env == nullptr || *env == '\0') &&
      config_file.lexically_normal() == fs::path(kInstalledConfig)) {
    credentials = kInstalledCredentials;
  }
  // The daemon's parser: each problem names the file and its key.
  auto config = LoadConfig(config_file, ConfigSchemas());
  if (!config.ok()) return Error{config.error(), Error::Code::kInvalid};
  auto endpoint = ControlEndpointFromConfig(*config, credentials);
  if (!endpoint.ok()) {
    return Error{config_file.string() + ": " + endpoint.error(), endpoint.code()};
  }
  return endpoint;
}

bool NeedsToken(std::string_view method, bool server_on_loopback) {
  return method != "GET" || !server_on_loopback;
}

ControlClient::ControlClient(ControlEndpoint endpoint, ControlTimeouts timeouts)
    : endpoint_(std::move(endpoint)), timeouts_(timeouts) {}

ControlReply ControlClient::Get(const std::string& path, const QueryParams& query) const {
  return Send("GET", WithQuery(path, query), nullptr);
}

ControlReply ControlClient::GetPage(const std::string& path, const QueryParams& query) const {
  return Send("GET", WithQuery(path, query), nullptr, /*json_answer=*/false);
}

ControlReply ControlClient::Post(const std::string& path, const json& body) const {
  std::string text = body.dump();
  return Send("POST", path, &text);
}

ControlReply ControlClient::Send(const std::string& method, const std::string& target,
                                 const std::string* body, bool json_answer) const {
  httplib::Request req;
  req.method = method;
  req.path = target;
  req.headers.emplace("Accept", json_answer ? "application/json" : "*/*");
  if (body != nullptr) {
    req.body = *body;
    req.headers.emplace("Content-Type", "application/json");
  }
  if (NeedsToken(method, endpoint_.server_on_loopback)) {
    if (endpoint_.token.empty()) {
      return Failed(ControlFailure::Kind::kNoToken, endpoint_.token_problem);
    }
    req.headers.emplace("Authorization", "Bearer " + endpoint_.token);
  }
  std::string received;
  bool too_large = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (received.size() + n > kMaxAnswerBytes) {
      too_large = true;
      return false;
    }
    received.append(data, n);
    return true;
  };

  httplib::Client client(endpoint_.host, endpoint_.port);
  client.set_keep_alive(false);
  client.set_connection_timeout(timeouts_.connect);
  client.set_write_timeout(timeouts_.write);
  client.set_read_timeout(timeouts_.read);
  bool late = false;
  httplib::Result result = SendWithin(client, req, timeouts_.total, late);
  if (late) {
    return Failed(ControlFailure::Kind::kUnreachable,
                  "no complete answer from " + endpoint_.Address() + " within " +
                      Within(timeouts_.total) + ": is it loa's control API (control.listen)?");
  }
  if (too_large) {
    return Failed(ControlFailure::Kind::kBadAnswer,
                  "loa's answer is larger than " + std::to_string(kMaxAnswerBytes >> 20) + " MiB");
  }
  if (!result) {
    httplib::Error error = result.error();
    std::string what = error == httplib::Error::Connection ? "cannot connect"
                       : error == httplib::Error::ConnectionTimeout
                           ? "no connection within " + Within(timeouts_.connect)
                           : "no answer (" + httplib::to_string(error) + ")";
    return Failed(ControlFailure::Kind::kUnreachable,
                  "cannot reach loa's control API at " + endpoint_.Address() + ": " + what +
                      ". Is loa running (systemctl status loa)? Is this the control.listen "
                      "address of its config (--config)?");
  }
  int status = result->status;
  if (status < 200 || status > 299) {
    std::string message = RefusalMessage(status, received);
    if (status == 401) {
      message +=
          ": is the token this command read (control.token_file, else "
          "state_dir/control-token of --config) the running daemon's?";
    }
    ControlReply reply = Failed(ControlFailure::Kind::kRefused, std::move(message), status);
    if (json envelope = ParseAnswer(received); envelope.is_object()) {
      reply.body = std::move(envelope);
    }
    return reply;
  }
  if (!json_answer) {
    ControlReply reply;
    reply.ok = true;
    reply.text = std::move(received);
    return reply;
  }
  json parsed = ParseAnswer(received);
  if (!parsed.is_object()) {
    return Failed(ControlFailure::Kind::kBadAnswer,
                  "loa's answer (HTTP " + std::to_string(status) + ") is not a JSON object");
  }
  ControlReply reply;
  reply.ok = true;
  reply.body = std::move(parsed);
  return reply;
}

}  // namespace loa
