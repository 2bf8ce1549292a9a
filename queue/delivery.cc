#include "queue/delivery.h"

#include <array>
#include <utility>

namespace loa {

namespace {

// These names are stored in the database and written to logs: changing one
// needs a schema migration.
constexpr std::array<std::pair<DeliveryState, const char*>, 7> kStateNames = {{
    {DeliveryState::kScheduled, "scheduled"},
    {DeliveryState::kSending, "sending"},
    {DeliveryState::kPublished, "published"},
    {DeliveryState::kFailed, "failed"},
    {DeliveryState::kCancelled, "cancelled"},
    {DeliveryState::kRetracted, "retracted"},
    {DeliveryState::kUncertain, "uncertain"},
}};

}  // namespace

const char* StateName(DeliveryState s) {
  for (const auto& [state, name] : kStateNames) {
    if (state == s) return name;
  }
  return "unknown";
}

std::optional<DeliveryState> ParseState(const std::string& name) {
  for (const auto& [state, state_name] : kStateNames) {
    if (name == state_name) return state;
  }
  return std::nullopt;
}

const char* AttemptActionName(AttemptAction a) {
  return a == AttemptAction::kRetract ? "retract" : "publish";
}

std::optional<AttemptAction> ParseAttemptAction(const std::string& name) {
  if (name == "publish") return AttemptAction::kPublish;
  if (name == "retract") return AttemptAction::kRetract;
  return std::nullopt;
}

}  // namespace loa
