#include "queue/attempt.h"

#include <algorithm>

#include "base/log.h"
#include "base/time.h"
#include "queue/retry.h"

namespace loa {

namespace {

using std::chrono::duration_cast;

bool IsTakedown(const AttemptRecord& rec) { return rec.action == AttemptAction::kRetract; }

bool IsDecision(const AttemptRecord& rec) {
  return rec.outcome == AttemptOutcome::kMissed || rec.outcome == AttemptOutcome::kCancelled;
}

// The attempt row every answer starts from. A takedown try is numbered
// within its retract request, and its line in deliveries.jsonl names the
// post that was (or was to be) taken down.
AttemptRecord NewRecord(const Call& call, TimePoint ended) {
  const Delivery& d = call.delivery;
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.number = d.attempts;
  rec.started_at = call.started;
  rec.ended_at = ended;
  if (call.kind == CallKind::kTakedown) {
    rec.action = AttemptAction::kRetract;
    rec.number = d.retract_attempts + 1;
    rec.remote_id = d.remote_id;
    rec.remote_url = d.remote_url;
  }
  return rec;
}

// Schedules another try when the policy allows one, else fails for good (a
// takedown that gives up leaves the post published, for a person to remove).
void RetryOrGiveUp(AttemptRecord& rec, const RetryPolicy& policy, Millis delay,
                   const std::string& message) {
  if (rec.number < policy.max_attempts) {
    rec.outcome = AttemptOutcome::kRetry;
    rec.next_attempt_at = rec.ended_at + delay;
    rec.error = message;
  } else {
    rec.outcome = AttemptOutcome::kFailed;
    rec.error = "gave up after " + std::to_string(rec.number) +
                (IsTakedown(rec) ? " takedown tries: " : " attempts: ") + message;
  }
}

// Nothing is lost: the try goes back (not counted against max_attempts)
// and is made again by the first probe that reaches it.
void AuthPause(AttemptRecord& rec, const std::string& message) {
  rec.outcome = AttemptOutcome::kRetry;
  rec.next_attempt_at = rec.ended_at + kAuthProbeInterval;
  rec.error_class = ErrorClass::kAuth;
  rec.error = message.empty() ? "the platform refused the channel's credentials" : message;
}

std::string OrLost(const std::string& message) {
  return message.empty() ? "the answer was lost" : message;
}

// A failure with an auth class pauses the channel (the try goes back);
// any other ends the call as failed.
void MapFailed(AttemptRecord& rec, const Outcome& outcome) {
  if (outcome.error_class == ErrorClass::kAuth) {
    AuthPause(rec, outcome.message);
    return;
  }
  rec.outcome = AttemptOutcome::kFailed;
  rec.error = outcome.message;
}

void MapPublish(AttemptRecord& rec, const Call& call, const Outcome& outcome,
                const RetryPolicy& policy, std::mt19937_64& rng) {
  switch (outcome.kind) {
    case Outcome::Kind::kPublished:
      rec.outcome = AttemptOutcome::kPublished;
      rec.remote_id = outcome.remote_id;
      rec.remote_url = outcome.url;
      break;
    case Outcome::Kind::kPending:
      // Accepted, not finished: called again with the token. The try is
      // given back; the connector bounds how often it answers this.
      rec.outcome = AttemptOutcome::kPending;
      rec.next_attempt_at = rec.ended_at + outcome.retry_after.value_or(Millis(0));
      rec.resume_token = outcome.resume_token;
      rec.error = outcome.message;
      break;
    case Outcome::Kind::kRetracted:  // not an answer to a publish
    case Outcome::Kind::kRetry: {
      Millis delay = BackoffDelay(policy, call.delivery.attempts, outcome.retry_after, rng);
      RetryOrGiveUp(rec, policy, delay, outcome.message);
      break;
    }
    case Outcome::Kind::kFailed:
      MapFailed(rec, outcome);
      break;
    case Outcome::Kind::kUncertain:
      // The request may have gone out: sending it again could publish it
      // twice, so it waits for a person.
      rec.outcome = AttemptOutcome::kUncertain;
      rec.error_class = ErrorClass::kUncertain;
      rec.error = OrLost(outcome.message);
      break;
  }
}

void MapTakedown(AttemptRecord& rec, const Outcome& outcome, const RetryPolicy& policy,
                 std::mt19937_64& rng) {
  switch (outcome.kind) {
    case Outcome::Kind::kRetracted:
      rec.outcome = AttemptOutcome::kRetracted;
      rec.error = outcome.message;
      break;
    case Outcome::Kind::kPublished:  // not an answer to a takedown
    case Outcome::Kind::kPending:
    case Outcome::Kind::kRetry:
    case Outcome::Kind::kUncertain: {
      // Unlike a create, a lost answer to a delete is harmless to repeat.
      Millis delay = BackoffDelay(policy, rec.number, outcome.retry_after, rng);
      RetryOrGiveUp(rec, policy, delay, OrLost(outcome.message));
      break;
    }
    case Outcome::Kind::kFailed:
      MapFailed(rec, outcome);
      break;
  }
}

// The interrupted try started when `sending` was committed; how long its
// request took is unknown, hence latency 0.
void MapReconcile(AttemptRecord& rec, const Reconciliation& r, const RetryPolicy& policy) {
  const std::string interrupted = "interrupted by a restart before its outcome was recorded";
  auto with_detail = [&](std::string text) {
    return r.message.empty() ? text : text + ": " + r.message;
  };
  switch (r.kind) {
    case Reconciliation::Kind::kPublished:
      rec.outcome = AttemptOutcome::kPublished;
      rec.remote_id = r.published.remote_id;
      rec.remote_url = r.published.url;
      rec.http_status = r.published.http_status;
      rec.error = "reconciled after restart";
      break;
    case Reconciliation::Kind::kAbsent: {
      // Certainly not out (or resending is idempotent): a retry due now, or
      // at the connector's not_before (a create still in flight may land
      // until then), so the attempt row and the log line still account for
      // the lost try.
      const Millis wait =
          r.not_before ? std::max(Millis(0), *r.not_before - rec.ended_at) : Millis(0);
      rec.error_class = ErrorClass::kTransient;
      RetryOrGiveUp(rec, policy, wait,
                    with_detail(interrupted + "; not on the channel, sending again"));
      break;
    }
    case Reconciliation::Kind::kUnknown:
      rec.outcome = AttemptOutcome::kUncertain;
      rec.error_class = ErrorClass::kUncertain;
      rec.error = with_detail(interrupted + "; cannot tell whether it was published");
      break;
  }
}

std::string WaitText(const AttemptRecord& rec) {
  Millis wait =
      rec.next_attempt_at ? duration_cast<Millis>(*rec.next_attempt_at - rec.ended_at) : Millis(0);
  return FormatDuration(std::chrono::ceil<std::chrono::seconds>(wait));
}

std::string Where(const AttemptRecord& rec, const char* none) {
  return !rec.remote_url.empty()  ? rec.remote_url
         : !rec.remote_id.empty() ? "remote id " + rec.remote_id
                                  : none;
}

}  // namespace

Answer UnloadableItem(CallKind kind, const std::string& error) {
  Answer a;
  const std::string message = "cannot load the item from the store: " + error;
  if (kind == CallKind::kReconcile) {
    Reconciliation unknown;
    unknown.kind = Reconciliation::Kind::kUnknown;
    unknown.message = message;
    a.reconciliation = unknown;
  } else {
    a.outcome = Outcome::Failed(ErrorClass::kPermanent, message);
  }
  return a;
}

AttemptRecord RecordFor(const Call& call, TimePoint ended, const Answer& answer,
                        const RetryPolicy& policy, std::mt19937_64& rng) {
  AttemptRecord rec = NewRecord(call, ended);
  rec.latency_ms = answer.latency.count();
  if (call.kind == CallKind::kReconcile) {
    MapReconcile(rec, answer.reconciliation.value_or(Reconciliation{}), policy);
    return rec;
  }
  rec.http_status = answer.outcome.http_status;
  rec.error_class = answer.outcome.error_class;
  if (call.kind == CallKind::kTakedown) {
    MapTakedown(rec, answer.outcome, policy, rng);
  } else {
    MapPublish(rec, call, answer.outcome, policy, rng);
  }
  return rec;
}

bool IsAuthPause(const AttemptRecord& rec) {
  return rec.outcome == AttemptOutcome::kRetry && rec.error_class == ErrorClass::kAuth;
}

bool Accepted(const AttemptRecord& rec) {
  return rec.outcome == AttemptOutcome::kPublished || rec.outcome == AttemptOutcome::kRetracted ||
         rec.outcome == AttemptOutcome::kPending;
}

std::string AttemptLabel(const Delivery& d) { return d.post_id + " on " + d.channel; }

std::string RecordLabel(const Delivery& d, const AttemptRecord& rec) {
  const std::string what =
      AttemptLabel(d) + " (" + std::string(AttemptOutcomeName(rec.outcome)) + ")";
  if (IsTakedown(rec)) return "takedown try " + std::to_string(rec.number) + " of " + what;
  if (IsDecision(rec)) return "the decision on " + what;
  return "attempt " + std::to_string(rec.number) + " of " + what;
}

std::string NextStartDoes(const AttemptRecord& rec) {
  if (IsTakedown(rec)) {
    return "the delivery stays published with its takedown pending, tried again at the next start";
  }
  if (IsDecision(rec)) {
    return "the delivery stays scheduled and is decided again at the next start";
  }
  return "the delivery stays `sending`, and the reconcile at the next start asks the channel "
         "whether it went out";
}

void LogAttemptLine(const Delivery& d, const AttemptRecord& rec) {
  using O = AttemptOutcome;
  const std::string label = AttemptLabel(d);
  if (rec.actor == Actor::kOperator) {
    // The row's text says what the operator decided.
    const std::string where =
        rec.outcome == O::kPublished ? " at " + Where(rec, "(no address)") : "";
    LogInfo("operator: " + label + ": " + rec.error + where);
    return;
  }
  if (IsTakedown(rec)) {
    const std::string what = "takedown of " + label;
    const std::string attempt = "try " + std::to_string(rec.number);
    if (rec.outcome == O::kRetracted) {
      LogInfo("retracted " + label + ": " + Where(rec, "(no address known)") + " is down");
    } else if (rec.outcome == O::kRetry) {
      LogWarning("retry " + what + " in " + WaitText(rec) + " after " + attempt + ": " + rec.error);
    } else {
      LogError(what + " failed (" + attempt + "): " + rec.error +
               "; it stays published: take it down on the platform by hand");
    }
    return;
  }
  const std::string attempt = "attempt " + std::to_string(rec.number);
  switch (rec.outcome) {
    case O::kPublished: {
      std::string note = rec.error.empty() ? "" : " (" + rec.error + ")";
      LogInfo("published " + label + ": " + Where(rec, "(no address given)") + note);
      break;
    }
    case O::kPending:
      LogInfo("pending " + label + ": the channel took " + attempt + " and is asked again in " +
              WaitText(rec) + (rec.error.empty() ? "" : " (" + rec.error + ")"));
      break;
    case O::kRetry:
      LogWarning("retry " + label + " in " + WaitText(rec) + " after " + attempt + ": " +
                 rec.error);
      break;
    case O::kUncertain:
      LogWarning("uncertain " + label + " after " + attempt +
                 ", held for the operator (not resent): " + rec.error);
      break;
    case O::kMissed:
      LogError(label + ": " + rec.error);
      break;
    default:
      LogError(std::string(AttemptOutcomeName(rec.outcome)) + " " + label + " (" + attempt +
               "): " + rec.error);
      break;
  }
}

}  // namespace loa
