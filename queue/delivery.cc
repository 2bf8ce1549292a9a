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

constexpr std::array<std::pair<AttemptOutcome, const char*>, 8> kOutcomeNames = {{
    {AttemptOutcome::kPublished, "published"},
    {AttemptOutcome::kRetracted, "retracted"},
    {AttemptOutcome::kRetry, "retry"},
    {AttemptOutcome::kPending, "pending"},
    {AttemptOutcome::kFailed, "failed"},
    {AttemptOutcome::kUncertain, "uncertain"},
    {AttemptOutcome::kMissed, "missed"},
    {AttemptOutcome::kCancelled, "cancelled"},
}};

}  // namespace

const char* AttemptOutcomeName(AttemptOutcome o) {
  for (const auto& [outcome, name] : kOutcomeNames) {
    if (outcome == o) return name;
  }
  return "unknown";
}

std::optional<AttemptOutcome> ParseAttemptOutcome(std::string_view name) {
  for (const auto& [outcome, outcome_name] : kOutcomeNames) {
    if (name == outcome_name) return outcome;
  }
  return std::nullopt;
}

DeliveryState StateAfter(AttemptAction action, AttemptOutcome outcome) {
  using O = AttemptOutcome;
  using S = DeliveryState;
  if (action == AttemptAction::kRetract) {
    return outcome == O::kRetracted ? S::kRetracted : S::kPublished;
  }
  switch (outcome) {
    case O::kPublished:
      return S::kPublished;
    case O::kRetracted:
      return S::kRetracted;
    case O::kRetry:
    case O::kPending:
      return S::kScheduled;
    case O::kFailed:
    case O::kMissed:
      return S::kFailed;
    case O::kUncertain:
      return S::kUncertain;
    case O::kCancelled:
      return S::kCancelled;
  }
  return S::kFailed;
}

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
