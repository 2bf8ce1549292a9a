// What the control server answers (docs/control-api.md): the JSON views of
// deliveries, attempts, items, the status and the queue, built from the
// Store and the Engine, and the operator's actions. Runs on the io thread
// (the store and engine are single-threaded); the HTTP side is
// daemon/control_server.h.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "config/config.h"
#include "queue/engine.h"
#include "queue/store.h"

namespace loa {

// One request as the API sees it, after the server's checks (auth, size).
struct ControlRequest {
  std::string method;                                      // "GET" or "POST"
  std::string path;                                        // decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string body;
};

struct ControlAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Further headers (the dashboard's Content-Security-Policy, ...).
  std::vector<std::pair<std::string, std::string>> headers{};
};

// The error envelope {"error": {"code": ..., "message": ...}}, with the code
// the doc gives for `status` (400 bad_request, 401 unauthorized, ...).
ControlAnswer ErrorAnswer(int status, const std::string& message);
// JSON text of `j`, invalid UTF-8 replaced (stored text came from outside).
std::string JsonText(const nlohmann::ordered_json& j);

// What the API reads from the running daemon; every function is called on
// the io thread.
struct ControlSources {
  Store* store = nullptr;
  Engine* engine = nullptr;
  std::function<const Config&()> config;  // the running one (a reload replaces it)
  const Clock* clock = nullptr;
  std::string version;
  // Prometheus text (README "Metrics"); unset: the gauges the API can
  // build itself (loa_up, loa_in_flight, loa_queue_depth).
  std::function<std::string()> metrics_text;
  // When each channel's stored credential stops working, where known.
  std::function<std::map<std::string, TimePoint>()> token_expiry;
};

class ControlApi {
 public:
  explicit ControlApi(ControlSources sources) : src_(std::move(sources)) {}

  // Routes and answers one request; never throws.
  ControlAnswer Serve(const ControlRequest& request);

  // The views, for the endpoints and their tests.
  nlohmann::ordered_json DeliveryView(const Delivery& d, const std::string& title) const;
  nlohmann::ordered_json AttemptView(const AttemptRow& row, const Delivery& d, bool last) const;
  nlohmann::ordered_json ItemView(const Item& item) const;

 private:
  ControlAnswer Status();
  ControlAnswer Queue(const ControlRequest& request);
  ControlAnswer ShowItem(const std::string& id);
  ControlAnswer Health();
  ControlAnswer Metrics();
  ControlAnswer Action(const std::string& id, const std::string& action, const std::string& body);

  nlohmann::ordered_json Time(TimePoint t) const;
  nlohmann::ordered_json Time(const std::optional<TimePoint>& t) const;

  ControlSources src_;
};

}  // namespace loa
