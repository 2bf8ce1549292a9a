#include "daemon/metrics.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace loa {

namespace {

// A number as the text format reads it: integers without a fraction,
// others with enough digits to round-trip.
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char text[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", v);
    return text;
  }
  // The shortest form that reads back as the same double: le="0.01".
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v) break;
  }
  return text;
}

double Seconds(Millis d) { return std::chrono::duration<double>(d).count(); }

using Labels = std::vector<std::pair<std::string, std::string>>;

// Writes families one at a time, each with its HELP and TYPE once.
class Exposition {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n";
    out_ += std::string("# TYPE ") + name + " " + type + "\n";
  }
  void Sample(std::string_view name, const Labels& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + Number(value) + '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::OnEvent(const EngineEvent& event) {
  if (event.kind != EngineEvent::Kind::kAttempt) return;
  const AttemptRecord& rec = event.record;
  std::lock_guard lock(mu_);
  ++attempts_[{event.channel, AttemptActionName(rec.action), AttemptOutcomeName(rec.outcome)}];
  if (rec.action != AttemptAction::kPublish || rec.outcome != AttemptOutcome::kPublished) return;
  // An operator's resolve records a post that went out at some earlier,
  // unknown time: its row's time is when the operator decided, which says
  // nothing of how late the channel published, nor when it last did.
  if (rec.actor == Actor::kOperator) return;
  last_success_[event.channel] = rec.ended_at;
  // Early is on time: a clock correction must not make a negative bucket.
  const double late = std::max(0.0, Seconds(rec.ended_at - event.delivery.due_at));
  Histogram& h = lateness_[event.channel];
  for (size_t i = 0; i < kLatenessBuckets.size(); ++i) {
    if (late <= kLatenessBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += late;
}

std::string Metrics::Render(const MetricsGauges& g) const {
  Exposition x;
  x.Family("loa_up", "gauge", "1 while the daemon runs and answers.");
  x.Sample("loa_up", {}, 1);
  x.Family("loa_in_flight", "gauge", "Connector calls under way.");
  x.Sample("loa_in_flight", {}, g.in_flight);
  x.Family("loa_held_outcomes", "gauge",
           "Attempt outcomes the store refused, held in memory until it takes them.");
  x.Sample("loa_held_outcomes", {}, static_cast<double>(g.held_outcomes));

  std::set<std::string> channels(g.channels.begin(), g.channels.end());
  if (g.queue_known) {
    x.Family("loa_queue_deliveries", "gauge", "Deliveries in the store by channel and state.");
    for (const auto& [channel, states] : g.queue) channels.insert(channel);
    for (const std::string& channel : channels) {
      auto found = g.queue.find(channel);
      for (DeliveryState s :
           {DeliveryState::kScheduled, DeliveryState::kSending, DeliveryState::kPublished,
            DeliveryState::kFailed, DeliveryState::kCancelled, DeliveryState::kRetracted,
            DeliveryState::kUncertain}) {
        int64_t n = 0;
        if (found != g.queue.end()) {
          auto it = found->second.find(s);
          if (it != found->second.end()) n = it->second;
        }
        x.Sample("loa_queue_deliveries", {{"channel", channel}, {"state", StateName(s)}},
                 static_cast<double>(n));
      }
    }
  }

  x.Family("loa_channel_paused", "gauge",
           "1 while the channel is paused because its credentials failed.");
  for (const std::string& channel : g.channels) {
    x.Sample("loa_channel_paused", {{"channel", channel}}, g.paused.count(channel) ? 1 : 0);
  }

  x.Family("loa_credential_expiry_seconds", "gauge",
           "Seconds until the channel's stored credential stops working (negative: expired).");
  for (const auto& [channel, at] : g.credential_expiry) {
    x.Sample("loa_credential_expiry_seconds", {{"channel", channel}}, Seconds(at - g.now));
  }

  std::lock_guard lock(mu_);
  x.Family("loa_attempts_total", "counter",
           "Attempt rows committed since loa started, by channel, action and outcome.");
  for (const auto& [key, n] : attempts_) {
    const auto& [channel, action, outcome] = key;
    x.Sample("loa_attempts_total", {{"channel", channel}, {"action", action}, {"outcome", outcome}},
             static_cast<double>(n));
  }

  x.Family("loa_publish_lateness_seconds", "histogram",
           "Seconds from a delivery's due time to its publication.");
  for (const auto& [channel, h] : lateness_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLatenessBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      x.Sample("loa_publish_lateness_seconds_bucket",
               {{"channel", channel}, {"le", Number(kLatenessBuckets[i])}},
               static_cast<double>(cumulative));
    }
    x.Sample("loa_publish_lateness_seconds_bucket", {{"channel", channel}, {"le", "+Inf"}},
             static_cast<double>(h.count));
    x.Sample("loa_publish_lateness_seconds_sum", {{"channel", channel}}, h.sum);
    x.Sample("loa_publish_lateness_seconds_count", {{"channel", channel}},
             static_cast<double>(h.count));
  }

  x.Family("loa_last_success_timestamp_seconds", "gauge",
           "Unix time of the channel's last publication since loa started.");
  for (const auto& [channel, at] : last_success_) {
    x.Sample("loa_last_success_timestamp_seconds", {{"channel", channel}},
             Seconds(at.time_since_epoch()));
  }
  return x.Take();
}

}  // namespace loa
