// The operator's actions of the control API (docs/control-api.md,
// "Actions"): the body checked, the engine's decision called
// (queue/engine.h, Operator*), its answer mapped to a status, and a log line.
#include <exception>

#include "base/log.h"
#include "daemon/control_api.h"
#include "daemon/control_request.h"

namespace loa {

namespace {

// docs/control-api.md, "Errors": unknown item or channel 404, no delivery
// in a state the action applies to 409, the store unreadable 503.
int StatusFor(Error::Code code) {
  switch (code) {
    case Error::Code::kNotFound:
      return 404;
    case Error::Code::kInvalid:
      return 409;
    case Error::Code::kBusy:
    case Error::Code::kFull:
    case Error::Code::kIOError:
    case Error::Code::kCorruption:
      return 503;
    default:
      return 500;
  }
}

std::string What(const std::string& action, const std::string& id, const ActionBody& body) {
  std::string what = action + " of item " + Quoted(id);
  what += body.channel.empty() ? " on every channel" : " on " + Quoted(body.channel);
  if (action == "resolve") {
    what += body.published ? " as published at " + Quoted(body.url) : " as not published";
  }
  return what;
}

}  // namespace

ControlAnswer ControlApi::Action(const std::string& id, const std::string& action,
                                 const std::string& text) {
  const Config& config = src_.config();
  auto body = ParseActionBody(action, text, config.timezone);
  if (!body.ok()) {
    LogWarning("control: operator " + action + " of item " + Quoted(id) +
               " refused (400): " + body.error());
    return ErrorAnswer(400, body.error());
  }
  Engine& engine = *src_.engine;
  Result<std::vector<Delivery>> changed = Error{"unknown action"};
  if (action == "retry") {
    changed = engine.OperatorRetry(id, body->channel);
  } else if (action == "cancel") {
    changed = engine.OperatorCancel(id, body->channel);
  } else if (action == "reschedule") {
    changed = engine.OperatorReschedule(id, *body->due_at);
  } else if (action == "resolve") {
    changed = engine.OperatorResolve(id, body->channel, body->published, body->url);
  }
  std::string what = What(action, id, *body);
  if (action == "reschedule") what += " to " + FormatLocal(*body->due_at, config.timezone);
  if (!changed.ok()) {
    const int status = StatusFor(changed.code());
    LogWarning("control: operator " + what + " refused (" + std::to_string(status) +
               "): " + changed.error());
    return ErrorAnswer(status, changed.error());
  }
  std::string title;
  if (auto item = src_.store->GetPost(id); item.ok()) title = item->title;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::string ids;
  for (const Delivery& d : *changed) {
    list.push_back(DeliveryView(d, title));
    ids += (ids.empty() ? "" : ", ") + d.channel + " " + StateName(d.state);
  }
  LogInfo("control: operator " + what + ": done, " + std::to_string(changed->size()) + " changed" +
          (ids.empty() ? "" : " (" + ids + ")"));
  return {200, JsonText(nlohmann::ordered_json{{"changed", list}})};
}

}  // namespace loa
