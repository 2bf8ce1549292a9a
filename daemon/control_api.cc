#include "daemon/control_api.h"

#include <exception>
#include <set>

#include "base/time.h"
#include "daemon/control_request.h"
#include "daemon/dashboard.h"
#include "daemon/preview_api.h"
#include "daemon/report_api.h"

namespace loa {

namespace {

using ojson = nlohmann::ordered_json;

constexpr DeliveryState kAllStates[] = {DeliveryState::kScheduled, DeliveryState::kSending,
                                        DeliveryState::kPublished, DeliveryState::kFailed,
                                        DeliveryState::kCancelled, DeliveryState::kRetracted,
                                        DeliveryState::kUncertain};

// A listing longer than this is refused with a hint to narrow it, rather than
// cut short without saying so or grown without bound.
constexpr int kMaxListed = 10000;

ojson TextOrNull(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }

ojson OptionalText(const std::optional<std::string>& s) { return s ? ojson(*s) : ojson(nullptr); }

const char* ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "invalid_state";
    case 413:
      return "too_large";
    case 503:
      return "unavailable";
    default:
      return "internal";
  }
}

ControlAnswer JsonAnswer(int status, const ojson& body) { return {status, JsonText(body)}; }

// A store error: what it says, 503 while the database cannot be read.
ControlAnswer StoreError(const Error& e) {
  return ErrorAnswer(e.code == Error::Code::kNotFound ? 404 : 503, e.message);
}

// The revision's title on `channel`: its overrides.<channel>.title when it
// has one (as the store's listings read it, queue/store_sql.h).
std::string TitleOnChannel(const ItemRevision& r, const std::string& channel) {
  const nlohmann::json j = nlohmann::json::parse(r.item_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    const auto overrides = j.find("overrides");
    if (overrides != j.end() && overrides->is_object()) {
      const auto own = overrides->find(channel);
      if (own != overrides->end() && own->is_object()) {
        const auto title = own->find("title");
        if (title != own->end() && title->is_string()) return title->get<std::string>();
      }
    }
  }
  return r.title;
}

}  // namespace

ControlAnswer ErrorAnswer(int status, const std::string& message) {
  ojson body = {{"error", {{"code", ErrorCode(status)}, {"message", message}}}};
  return {status, JsonText(body)};
}

std::string JsonText(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

ojson ControlApi::Time(TimePoint t) const { return FormatLocal(t, src_.config().timezone); }

ojson ControlApi::Time(const std::optional<TimePoint>& t) const {
  return t ? Time(*t) : ojson(nullptr);
}

ojson ControlApi::DeliveryView(const Delivery& d, const std::string& title) const {
  return ojson{{"id", d.id},
               {"item", d.post_id},
               {"revision", d.revision},
               {"title", title},
               {"channel", d.channel},
               {"state", StateName(d.state)},
               {"due_at", Time(d.due_at)},
               {"next_attempt_at", Time(d.next_attempt_at)},
               {"attempts", d.attempts},
               {"remote_id", TextOrNull(d.remote_id)},
               {"url", TextOrNull(d.remote_url)},
               {"last_error", TextOrNull(d.last_error)},
               {"error_class", ErrorClassName(d.error_class)},
               {"updated_at", Time(d.updated_at)},
               {"retract_pending", d.RetractPending()},
               // The channel took the post and loa is finishing it: like one
               // being sent, never replaced or cancelled (queue/delivery.h).
               {"resume_pending", !d.resume_token.empty()}};
}

ojson ControlApi::AttemptView(const AttemptRow& row, const Delivery& d, bool last) const {
  const AttemptRecord& a = row.record;
  // Rows do not keep the time of the next try; the delivery does, for its
  // latest row while it waits.
  std::optional<TimePoint> next;
  const bool waits = a.outcome == AttemptOutcome::kRetry || a.outcome == AttemptOutcome::kPending;
  if (last && waits) {
    next = a.action == AttemptAction::kRetract ? d.retract_next_at : d.next_attempt_at;
  }
  return ojson{{"seq", row.seq},
               {"number", a.number},
               {"action", AttemptActionName(a.action)},
               {"outcome", AttemptOutcomeName(a.outcome)},
               {"started_at", Time(a.started_at)},
               {"ended_at", Time(a.ended_at)},
               {"next_attempt_at", Time(next)},
               {"remote_id", TextOrNull(a.remote_id)},
               {"url", TextOrNull(a.remote_url)},
               {"http_status", a.http_status != 0 ? ojson(a.http_status) : ojson(nullptr)},
               {"error_class", ErrorClassName(a.error_class)},
               {"error", TextOrNull(a.error)},
               {"latency_ms", a.latency_ms},
               {"actor", AttemptActor(row)}};
}

ojson ControlApi::ItemView(const Item& item) const {
  ojson media = ojson::array();
  for (const MediaFile& m : item.media) {
    media.push_back({{"name", m.name}, {"size", m.size}, {"sha256", m.sha256}});
  }
  return ojson{{"id", item.id},
               {"title", item.title},
               {"action", item.action},
               {"publish_at", Time(item.publish_at)},
               {"channels", item.channels},
               {"topics", item.topics},
               {"form", OptionalText(item.form)},
               {"unit", OptionalText(item.unit)},
               {"approved_by", item.approved_by},
               {"link", OptionalText(item.link)},
               {"media", media}};
}

ControlAnswer ControlApi::Serve(const ControlRequest& request) {
  try {
    const std::vector<std::string> parts = PathParts(request.path);
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (get && request.path == "/healthz") return Health();
    if (get && request.path == "/metrics") return Metrics();
    if (get && request.path == "/api/status") return Status();
    if (get && request.path == "/api/queue") return Queue(request);
    if (get && request.path == "/api/report") {
      return ServeReport(request, *src_.store, src_.config(), src_.clock->Now());
    }
    if (get && parts.size() == 2 && parts[0] == "preview")
      return PreviewAnswer(request, parts[1], src_);
    if (get && IsDashboardPath(request.path)) return DashboardFile(request.path);
    if (get && request.path == "/api/rejected") return RejectedItemsAnswer(src_, request);
    if (get && request.path == "/calendar.ics") return CalendarFeedAnswer(src_, request);
    if (parts.size() >= 3 && parts.size() <= 4 && parts[0] == "api" && parts[1] == "items") {
      if (!IsItemId(parts[2])) return ErrorAnswer(400, kItemIdRule);
      if (get && parts.size() == 3) return ShowItem(parts[2]);
      if (post && parts.size() == 4 && IsAction(parts[3])) {
        return Action(parts[2], parts[3], request.body);
      }
    }
    return ErrorAnswer(404, "no such path: " + request.method + " " + ShownText(request.path));
  } catch (const std::exception& e) {
    return ErrorAnswer(500, std::string("the control API failed: ") + e.what());
  }
}

ControlAnswer ControlApi::Status() {
  const Config& config = src_.config();
  auto depth = src_.store->QueueDepths();
  if (!depth.ok()) return StoreError(depth.failure());
  const std::map<std::string, std::string> paused = src_.engine->PausedChannels();
  const std::map<std::string, TimePoint> expiry =
      src_.token_expiry ? src_.token_expiry() : std::map<std::string, TimePoint>();
  ojson channels = ojson::array();
  for (const auto& [name, channel] : config.channels) {
    ojson queue = ojson::object();
    const auto counts = depth->find(name);
    for (DeliveryState s : kAllStates) {
      int64_t n = 0;
      if (counts != depth->end()) {
        if (auto it = counts->second.find(s); it != counts->second.end()) n = it->second;
      }
      queue[StateName(s)] = n;
    }
    auto next = src_.store->NextScheduled(name);
    if (!next.ok()) return StoreError(next.failure());
    auto last = src_.store->LastOutcomes(name);
    if (!last.ok()) return StoreError(last.failure());
    const auto pause = paused.find(name);
    const auto expires = expiry.find(name);
    ojson failure = nullptr;
    if (last->failure_at) {
      failure = {{"at", Time(*last->failure_at)}, {"error", TextOrNull(last->failure_error)}};
    }
    channels.push_back(
        {{"name", name},
         {"type", channel.type},
         {"paused", pause != paused.end()},
         {"paused_reason", pause != paused.end() ? ojson(pause->second) : ojson(nullptr)},
         {"queue", queue},
         {"next_due", *next ? Time((*next)->EffectiveDue()) : ojson(nullptr)},
         {"last_success", Time(last->success_at)},
         {"last_failure", failure},
         {"token_expires_at", expires != expiry.end() ? Time(expires->second) : ojson(nullptr)}});
  }
  return JsonAnswer(200, ojson{{"version", src_.version},
                               {"now", Time(src_.clock->Now())},
                               {"timezone", config.timezone.Name()},
                               {"in_flight", src_.engine->InFlight()},
                               {"next_wake", Time(src_.engine->NextWake())},
                               {"held_outcomes", src_.engine->HeldOutcomes()},
                               {"channels", channels}});
}

ControlAnswer ControlApi::Queue(const ControlRequest& request) {
  const Config& config = src_.config();
  auto query = ParseQueueQuery(request.query, config.timezone);
  if (!query.ok()) return ErrorAnswer(400, query.error());
  DeliveryFilter filter = std::move(query).value();
  if (!filter.channel.empty() && !config.channels.contains(filter.channel)) {
    // A channel removed from the config keeps its deliveries: still listed.
    auto depth = src_.store->QueueDepths();
    if (!depth.ok()) return StoreError(depth.failure());
    if (!depth->contains(filter.channel)) {
      return ErrorAnswer(404, "no channel named \"" + filter.channel + "\"");
    }
  }
  filter.limit = kMaxListed + 1;
  auto found = src_.store->FindDeliveries(filter);
  if (!found.ok()) return StoreError(found.failure());
  if (found->size() > static_cast<size_t>(kMaxListed)) {
    return ErrorAnswer(400, "more than " + std::to_string(kMaxListed) +
                                " deliveries match; narrow the list with channel, state, from "
                                "or to");
  }
  ojson list = ojson::array();
  for (const DeliveryListing& l : *found) list.push_back(DeliveryView(l.delivery, l.title));
  return JsonAnswer(200, ojson{{"deliveries", list}});
}

ControlAnswer ControlApi::ShowItem(const std::string& id) {
  auto item = src_.store->GetPost(id);
  if (!item.ok()) {
    if (item.code() == Error::Code::kNotFound) {
      return ErrorAnswer(404, "no item named \"" + id + "\"");
    }
    return StoreError(item.failure());
  }
  auto stored = src_.store->ListRevisions(id);
  if (!stored.ok()) return StoreError(stored.failure());
  auto deliveries = src_.store->ListDeliveries(id);
  if (!deliveries.ok()) return StoreError(deliveries.failure());
  // Every accepted drop of the item (queue/store.h, ItemRevision), oldest
  // first; each delivery below names the one it carries.
  ojson revisions = ojson::array();
  for (const ItemRevision& r : *stored) {
    revisions.push_back({{"revision", r.revision},
                         {"accepted_at", Time(r.accepted_at)},
                         {"file", r.file.empty() ? ojson(nullptr) : ojson(r.file)},
                         {"sha256", r.sha256},
                         {"approved_by", r.approved_by},
                         {"title", r.title}});
  }
  ojson list = ojson::array();
  for (const Delivery& d : *deliveries) {
    auto rows = src_.store->AttemptRows(d.id);
    if (!rows.ok()) return StoreError(rows.failure());
    // The title the delivery carries: a channel that keeps an earlier
    // revision keeps its title, and one with its own title has that.
    std::string title = item->title;
    for (const ItemRevision& r : *stored) {
      if (r.revision == d.revision) title = TitleOnChannel(r, d.channel);
    }
    ojson view = DeliveryView(d, title);
    ojson log = ojson::array();
    for (size_t i = 0; i < rows->size(); ++i) {
      log.push_back(AttemptView((*rows)[i], d, i + 1 == rows->size()));
    }
    view["attempt_log"] = std::move(log);
    list.push_back(std::move(view));
  }
  return JsonAnswer(
      200, ojson{{"item", ItemView(*item)}, {"revisions", revisions}, {"deliveries", list}});
}

ControlAnswer ControlApi::Health() {
  std::vector<std::string> problems;
  if (auto seq = src_.store->LastAttemptSeq(); !seq.ok()) {
    problems.push_back("the store cannot be read: " + seq.error());
  }
  if (size_t held = src_.engine->HeldOutcomes(); held > 0) {
    problems.push_back(std::to_string(held) +
                       " outcome(s) held in memory: the store refuses to take them");
  }
  if (problems.empty()) return JsonAnswer(200, ojson{{"status", "ok"}});
  return JsonAnswer(503, ojson{{"status", "degraded"}, {"problems", problems}});
}

ControlAnswer ControlApi::Metrics() {
  ControlAnswer answer;
  answer.content_type = "text/plain; version=0.0.4";
  if (src_.metrics_text) {
    answer.body = src_.metrics_text();
    return answer;
  }
  auto depth = src_.store->QueueDepths();
  if (!depth.ok()) return StoreError(depth.failure());
  std::string& out = answer.body;
  out += "# HELP loa_up Whether loa is running.\n# TYPE loa_up gauge\nloa_up 1\n";
  out += "# HELP loa_in_flight Calls to channels under way.\n# TYPE loa_in_flight gauge\n";
  out += "loa_in_flight " + std::to_string(src_.engine->InFlight()) + "\n";
  out += "# HELP loa_queue_depth Deliveries by channel and state.\n";
  out += "# TYPE loa_queue_depth gauge\n";
  std::set<std::string> names;
  for (const auto& [name, channel] : src_.config().channels) names.insert(name);
  for (const auto& [name, counts] : *depth) names.insert(name);
  for (const std::string& name : names) {
    const auto counts = depth->find(name);
    for (DeliveryState s : kAllStates) {
      int64_t n = 0;
      if (counts != depth->end()) {
        if (auto it = counts->second.find(s); it != counts->second.end()) n = it->second;
      }
      // Channel names are [a-z0-9_-]: nothing to escape in a label value.
      out += "loa_queue_depth{channel=\"" + name + "\",state=\"" + StateName(s) + "\"} " +
             std::to_string(n) + "\n";
    }
  }
  return answer;
}

}  // namespace loa
