// What `loa status`, `queue`, `show` and the actions print for people, from
// the objects the control API answers (docs/control-api.md). Every value is
// read defensively — a member missing or of another type shows as "-" —
// and every text from the server is escaped for the terminal
// (daemon/tables.h).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace loa {

// GET /api/status: a headline, one row per channel, then a line for each
// paused channel, last failure and known credential expiry.
std::string StatusView(const nlohmann::json& status, TimeZone zone);

// GET /api/queue: one row per delivery, titles cut to fit.
std::string QueueView(const nlohmann::json& queue, TimeZone zone);

// GET /api/items/ID: the item, its revisions, its deliveries (with the
// revision each carries), and every attempt.
std::string ItemView(const nlohmann::json& answer, TimeZone zone);

// An action's {"changed": [...]}: one line per changed delivery.
std::string ChangedView(const nlohmann::json& answer, TimeZone zone);

}  // namespace loa
