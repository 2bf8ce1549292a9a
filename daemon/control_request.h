// Reading what a control API request names: the path's parts, item ids,
// the queue's query parameters and the actions' bodies. Everything here is
// hostile input: bounded and checked, never echoed back unescaped
// (docs/control-api.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "queue/store.h"

namespace loa {

// "/api/items/x/retry" -> {"api", "items", "x", "retry"}; empty parts dropped.
std::vector<std::string> PathParts(std::string_view path);

// An item id as inbox items have them: [a-z0-9][a-z0-9._-]*, at most 120.
bool IsItemId(std::string_view id);
extern const char* const kItemIdRule;
// A channel name as the config has them: [a-z0-9][a-z0-9_-]*, at most 64.
bool IsChannelName(std::string_view name);

// retry, cancel, reschedule, resolve.
bool IsAction(std::string_view action);

// `text` for a message: at most 200 bytes, quoted and escaped.
std::string ShownText(std::string_view text);

// GET /api/queue: channel, state, from, to (each at most once). Without a
// state: the deliveries not settled yet (scheduled, sending, uncertain).
Result<DeliveryFilter> ParseQueueQuery(
    const std::vector<std::pair<std::string, std::string>>& query, TimeZone zone);

// An action's body, checked for the action: unknown keys, wrong types and
// missing fields are errors (400).
struct ActionBody {
  std::string channel;              // "" when not given (retry, cancel: every delivery)
  std::optional<TimePoint> due_at;  // reschedule
  bool published = false;           // resolve
  std::string url;                  // resolve with published
};
Result<ActionBody> ParseActionBody(std::string_view action, std::string_view body, TimeZone zone);

// Who wrote an attempt row: "loa", or "operator" for an operator's decision.
std::string AttemptActor(const AttemptRow& row);

}  // namespace loa
