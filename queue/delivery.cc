#include "queue/delivery.h"

#include "base/name_table.h"

namespace loa {

namespace {

// These names are stored in the database and written to logs: changing one
// needs a schema migration.
constexpr NameTable<DeliveryState, 7> kStateNames = {{
    {DeliveryState::kScheduled, "scheduled"},
    {DeliveryState::kSending, "sending"},
    {DeliveryState::kPublished, "published"},
    {DeliveryState::kFailed, "failed"},
    {DeliveryState::kCancelled, "cancelled"},
    {DeliveryState::kRetracted, "retracted"},
    {DeliveryState::kUncertain, "uncertain"},
}};

constexpr NameTable<AttemptOutcome, 8> kOutcomeNames = {{
    {AttemptOutcome::kPublished, "published"},
    {AttemptOutcome::kRetracted, "retracted"},
    {AttemptOutcome::kRetry, "retry"},
    {AttemptOutcome::kPending, "pending"},
    {AttemptOutcome::kFailed, "failed"},
    {AttemptOutcome::kUncertain, "uncertain"},
    {AttemptOutcome::kMissed, "missed"},
    {AttemptOutcome::kCancelled, "cancelled"},
}};

constexpr NameTable<AttemptAction, 2> kActionNames = {{
    {AttemptAction::kPublish, "publish"},
    {AttemptAction::kRetract, "retract"},
}};

constexpr NameTable<Actor, 2> kActorNames = {{
    {Actor::kLoa, "loa"},
    {Actor::kOperator, "operator"},
}};

}  // namespace

const char* ActorName(Actor a) { return NameIn(kActorNames, a, "loa"); }

std::optional<Actor> ParseActor(std::string_view name) { return ValueIn(kActorNames, name); }

const char* AttemptOutcomeName(AttemptOutcome o) { return NameIn(kOutcomeNames, o, "unknown"); }

std::optional<AttemptOutcome> ParseAttemptOutcome(std::string_view name) {
  return ValueIn(kOutcomeNames, name);
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

const char* StateName(DeliveryState s) { return NameIn(kStateNames, s, "unknown"); }

std::optional<DeliveryState> ParseState(const std::string& name) {
  return ValueIn(kStateNames, name);
}

const char* AttemptActionName(AttemptAction a) { return NameIn(kActionNames, a, "publish"); }

std::optional<AttemptAction> ParseAttemptAction(const std::string& name) {
  return ValueIn(kActionNames, name);
}

}  // namespace loa
