#include "daemon/alerts.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/fs.h"
#include "base/log.h"
#include "base/time.h"
#include "config/secrets.h"
#include "connectors/http/http_client.h"
#include "connectors/webhook/webhook_connector.h"
#include "daemon/alert_command.h"

namespace loa {

namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Keys remembered in memory against a second raise of the same event; the
// engine emits each event once, so this only needs to outlast a burst.
constexpr size_t kMaxSeenKeys = 4096;
// A rejection report is sent with the alert, up to this much of it.
constexpr size_t kMaxReportBytes = 16 * 1024;
// Persisted expiry alerts are forgotten a year after they were sent: their
// dates are long past by then.
constexpr Millis kKeepSent = std::chrono::days(366);

std::string Dump(const json& j) {
  // Platform and file text may hold bytes that are not UTF-8: replaced,
  // never thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::string Day(TimePoint t) { return FormatUtc(t, false).substr(0, 10); }

// One line for the journal: what the alert is about, escaped by Log.
std::string Describe(const json& alert) {
  std::string line = "alert " + alert.value("event", std::string());
  if (alert["channel"].is_string()) line += " on " + Quoted(alert["channel"].get<std::string>());
  if (alert["item"].is_string()) line += " for item " + Quoted(alert["item"].get<std::string>());
  return line + ": " + Quoted(alert.value("message", std::string()));
}

}  // namespace

Result<std::unique_ptr<Alerts>> Alerts::Create(const Config& config, const Clock& clock,
                                               AlertOptions options) {
  std::string secret;
  if (config.alerts.webhook) {
    auto read = ReadSecret(config.alerts.webhook->secret_file, config.config_dir);
    if (!read.ok()) return Error{"alerts.webhook.secret_file: " + read.error()};
    secret = std::move(read).value();
  }
  std::unique_ptr<Alerts> a(new Alerts(config, clock, options, std::move(secret)));
  if (config.alerts.webhook) {
    auto url = ParseUrl(config.alerts.webhook->url);
    if (!url.ok()) return Error{"alerts.webhook.url: " + url.error()};
    if (auto st = CheckTransportAllowed(*url, config.alerts.webhook->http); !st.ok()) {
      return Error{"alerts.webhook.url: " + st.error()};
    }
    if (url->target.empty()) url->target = "/";
    a->webhook_url_ = std::move(url).value();
  }
  a->LoadSent();
  a->thread_ = std::thread([raw = a.get()] { raw->Run(); });
  return a;
}

Alerts::Alerts(const Config& config, const Clock& clock, AlertOptions options, std::string secret)
    : config_(config.alerts),
      sent_path_(config.state_dir / "alerts-sent.json"),
      clock_(clock),
      options_(options),
      secret_(std::move(secret)) {}

void Alerts::TakeOver(std::unique_ptr<Alerts> old) {
  {
    std::lock_guard lock(old->mu_);
    old->stop_ = true;
  }
  old->cv_.notify_all();
  if (old->thread_.joinable()) old->thread_.join();
  seen_ = std::move(old->seen_);
  seen_order_ = std::move(old->seen_order_);
  paused_key_ = std::move(old->paused_key_);
  pause_count_ = old->pause_count_;
  {
    std::scoped_lock lock(mu_, old->mu_);
    // Theirs came first. A destination that stayed the same and took one is
    // not sent it again; a changed one is owed every alert, a removed one none.
    const bool same_command = config_.command == old->config_.command;
    const bool same_webhook = config_.webhook == old->config_.webhook;
    for (auto it = old->queue_.rbegin(); it != old->queue_.rend(); ++it) {
      Queued q = std::move(*it);
      if (!same_command) q.command_done = config_.command.empty();
      if (!same_webhook) q.webhook_done = !config_.webhook.has_value();
      queue_.push_front(std::move(q));
    }
    old->queue_.clear();
    counts_.sent += old->counts_.sent;
    counts_.failed_tries += old->counts_.failed_tries;
    counts_.given_up += old->counts_.given_up;
    counts_.dropped += old->counts_.dropped;
  }
  cv_.notify_all();
}

Alerts::~Alerts() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (const Queued& q : queue_) {
    LogError("alert " + q.event + " (" + q.key + ") not sent: loa stopped first");
  }
}

Alerts::Counts Alerts::counts() const {
  std::lock_guard lock(mu_);
  Counts c = counts_;
  c.pending = queue_.size() + (busy_ ? 1 : 0);
  return c;
}

// ---- Raising ---------------------------------------------------------------

void Alerts::OnEngineEvent(const EngineEvent& event, int64_t seq) {
  json alert = {{"channel", OrNull(event.channel)}, {"item", nullptr}};
  const Delivery& d = event.delivery;
  if (!d.post_id.empty()) alert["item"] = d.post_id;
  if (d.id != 0) alert["delivery"] = d.id;
  switch (event.kind) {
    case EngineEvent::Kind::kAttempt: {
      const AttemptRecord& rec = event.record;
      // The operator's own decisions (resolve --not-published) need no alert.
      if (rec.actor == Actor::kOperator) return;
      std::string name;
      std::string key;
      if (rec.outcome == AttemptOutcome::kFailed) {
        name = "delivery_failed";
      } else if (rec.outcome == AttemptOutcome::kMissed) {
        name = "missed";
      } else {
        // An uncertain row is followed by looks (queue/engine_relook.cc): the
        // operator hears only when the last one found nothing
        // (kUncertainFinal).
        return;
      }
      if (key.empty()) {
        key = seq > 0
                  ? "attempt:" + std::to_string(seq)
                  : "attempt:" + std::to_string(d.id) + ":" + AttemptActionName(rec.action) + ":" +
                        std::to_string(rec.number) + ":" + AttemptOutcomeName(rec.outcome);
      }
      alert["event"] = name;
      alert["seq"] = seq > 0 ? json(seq) : json(nullptr);
      alert["action"] = AttemptActionName(rec.action);
      alert["attempt"] = rec.number;
      alert["error_class"] = OrNull(ErrorClassName(rec.error_class));
      alert["error"] = OrNull(rec.error);
      alert["message"] =
          name == "missed" ? "not sent: later than max_lateness" : "gave up: " + rec.error;
      alert["at"] = FormatUtc(rec.ended_at);
      Raise(key, std::move(alert), false);
      return;
    }
    case EngineEvent::Kind::kUncertainFinal:
      alert["event"] = "uncertain";
      alert["attempt"] = d.attempts;
      alert["error"] = OrNull(d.last_error);
      alert["message"] = "the last look found nothing certain; an operator must check the channel";
      if (const std::string& why = event.message.empty() ? d.last_error : event.message;
          !why.empty()) {
        alert["message"] = alert["message"].get<std::string>() + ": " + why;
      }
      alert["at"] = FormatUtc(clock_.Now());
      Raise("uncertain:" + std::to_string(d.id) + ":" + std::to_string(d.attempts),
            std::move(alert), false);
      return;
    case EngineEvent::Kind::kChannelPaused: {
      if (paused_key_.count(event.channel)) return;  // still the same pause
      const std::string key = "paused:" + event.channel + ":" + std::to_string(++pause_count_);
      paused_key_[event.channel] = key;
      alert["event"] = "channel_paused";
      alert["error"] = OrNull(event.message);
      alert["message"] = "paused: its credentials failed (" + event.message +
                         "); an admin must re-authorise it, queued items wait";
      alert["at"] = FormatUtc(clock_.Now());
      Raise(key, std::move(alert), false);
      return;
    }
    case EngineEvent::Kind::kChannelResumed: {
      auto it = paused_key_.find(event.channel);
      if (it == paused_key_.end()) return;
      const std::string key = it->second + ":resumed";
      paused_key_.erase(it);
      alert["event"] = "channel_resumed";
      alert["message"] = "resumed: its credentials work again";
      alert["at"] = FormatUtc(clock_.Now());
      Raise(key, std::move(alert), false);
      return;
    }
  }
}

void Alerts::OnIngest(const IngestResult& result) {
  if (result.kind != IngestResult::Kind::kRejected) return;
  // The editor who dropped the item hears why: the report goes along.
  fs::path report = result.moved_to;
  report += ".error.txt";
  auto text = ReadFile(report, kMaxReportBytes);
  json alert = {
      {"event", "item_rejected"},  {"channel", nullptr},
      {"item", OrNull(result.id)}, {"file", result.moved_to.filename().string()},
      {"report", report.string()}, {"report_text", text.ok() ? json(*text) : json(nullptr)},
      {"message", result.message}, {"at", FormatUtc(clock_.Now())}};
  Raise("rejected:" + result.moved_to.string(), std::move(alert), false);
}

void Alerts::CheckCredentials(const std::map<std::string, TimePoint>& expiries) {
  const TimePoint now = clock_.Now();
  for (const auto& [channel, at] : expiries) {
    if (at - now > config_.token_warning) continue;
    const std::string key = "token:" + channel + ":" + Day(at);
    {
      std::lock_guard lock(mu_);
      if (sent_.count(key)) continue;
    }
    const bool expired = at <= now;
    json alert = {
        {"event", "token_expiring"},
        {"channel", channel},
        {"item", nullptr},
        {"expires_at", FormatUtc(at)},
        {"message", std::string(expired ? "its credential stopped working at "
                                        : "its credential stops working at ") +
                        FormatUtc(at, false) + "; an admin must re-authorise loa before then"},
        {"at", FormatUtc(now)}};
    Raise(key, std::move(alert), true);
  }
}

void Alerts::Raise(const std::string& key, json alert, bool persist) {
  if (seen_.count(key)) return;
  seen_.insert(key);
  seen_order_.push_back(key);
  if (seen_order_.size() > kMaxSeenKeys) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  LogWarning(Describe(alert));
  Queued q;
  q.key = key;
  q.event = alert.value("event", std::string());
  q.body = Dump(alert);
  q.persist = persist;
  q.command_done = config_.command.empty();
  q.webhook_done = !webhook_url_.has_value();
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_capacity) {
      const Queued& oldest = queue_.front();
      LogError("alert queue full (" + std::to_string(options_.queue_capacity) +
               " waiting): dropped the oldest alert, " + oldest.event + " (" + oldest.key +
               "), unsent; are the alert command and webhook working?");
      queue_.pop_front();
      ++counts_.dropped;
    }
    queue_.push_back(std::move(q));
  }
  cv_.notify_all();
}

// ---- Sending ---------------------------------------------------------------

void Alerts::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (queue_.front().not_before > SteadyClock::now()) {
      cv_.wait_until(lock, queue_.front().not_before);
      continue;
    }
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    const bool done = Deliver(q);
    lock.lock();
    busy_ = false;
    if (done) {
      ++counts_.sent;
      if (q.persist) {
        sent_[q.key] = clock_.Now();
        SaveSentLocked();
      }
      continue;
    }
    ++counts_.failed_tries;
    if (stop_) {
      queue_.push_front(std::move(q));  // logged as not sent by the destructor
      break;
    }
    if (q.tries >= options_.max_tries) {
      LogError("alert " + q.event + " (" + q.key + ") given up after " + std::to_string(q.tries) +
               " tries");
      ++counts_.given_up;
      continue;
    }
    Millis delay = options_.retry_initial;
    for (int i = 1; i < q.tries && delay < options_.retry_max; ++i) delay *= 2;
    q.not_before = SteadyClock::now() + std::min(delay, options_.retry_max);
    if (queue_.size() >= options_.queue_capacity) {
      LogError("alert queue full (" + std::to_string(options_.queue_capacity) +
               " waiting): dropped the oldest alert, " + q.event + " (" + q.key + "), unsent");
      ++counts_.dropped;
      continue;
    }
    // Alerts go in order: the one being retried stays first.
    queue_.push_front(std::move(q));
  }
}

bool Alerts::Deliver(Queued& q) {
  ++q.tries;
  if (!q.command_done) {
    Status ran = RunAlertCommand(config_.command, q.body, config_.command_timeout, stop_);
    if (ran.ok()) {
      q.command_done = true;
    } else {
      LogWarning("alert " + q.event + " (" + q.key + "): the alert command failed (try " +
                 std::to_string(q.tries) + "): " + ran.error());
    }
  }
  if (!q.webhook_done && !stop_) {
    Status posted = PostWebhook(q);
    if (posted.ok()) {
      q.webhook_done = true;
    } else {
      LogWarning("alert " + q.event + " (" + q.key + "): the alert webhook failed (try " +
                 std::to_string(q.tries) + "): " + posted.error());
    }
  }
  return q.command_done && q.webhook_done;
}

Status Alerts::PostWebhook(const Queued& q) {
  const Url& url = *webhook_url_;
  auto client = MakeHttpClient(url, config_.webhook->http);
  // The path may hold a token: messages name only the server.
  const std::string what = DescribeRequest("POST", url, "");
  httplib::Headers headers = {
      {kWebhookSignatureHeader, WebhookSignature(secret_, q.body)},
      // A receiver that saw this alert (its answer lost) can tell.
      {"Idempotency-Key", "loa-alert:" + q.key},
  };
  auto res = client->Post(url.target, headers, q.body, "application/json");
  if (!res) return Error{what + ": " + httplib::to_string(res.error())};
  if (res->status < 200 || res->status >= 300) {
    return Error{what + ": HTTP " + std::to_string(res->status)};
  }
  return Ok{};
}

// ---- What was sent ---------------------------------------------------------

void Alerts::LoadSent() {
  std::error_code ec;
  if (!fs::exists(sent_path_, ec)) return;
  auto text = ReadFile(sent_path_, 1 << 20);
  json j = text.ok() ? json::parse(*text, nullptr, false) : json();
  if (!j.is_object() || !j.contains("sent") || !j["sent"].is_object()) {
    LogWarning(Quoted(sent_path_.string()) +
               " cannot be read; credential expiry alerts already sent may be sent again");
    return;
  }
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  for (const auto& [key, at] : j["sent"].items()) {
    if (!at.is_string()) continue;
    auto when = ParseTime(at.get<std::string>(), TimeZone());
    if (when.ok() && now - *when < kKeepSent) sent_[key] = *when;
  }
}

void Alerts::SaveSentLocked() {
  json sent = json::object();
  for (const auto& [key, at] : sent_) sent[key] = FormatUtc(at);
  Status st = WriteFileAtomic(sent_path_, Dump(json{{"sent", sent}}) + "\n", 0640);
  if (!st.ok()) {
    LogError("cannot remember the alerts sent: " + st.error() +
             "; a credential expiry alert may be sent again after a restart");
  }
}

}  // namespace loa
