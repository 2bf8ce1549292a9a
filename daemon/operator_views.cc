#include "daemon/operator_views.h"

#include <string_view>
#include <vector>

#include "daemon/tables.h"

namespace loa {

namespace {

using nlohmann::json;

// Titles are long (a Vietnamese headline runs to 100 characters and more);
// a queue row keeps the start of one.
constexpr size_t kTitleWidth = 40;
constexpr size_t kItemWidth = 32;
constexpr size_t kDetailWidth = 72;
constexpr size_t kErrorWidth = 200;
constexpr size_t kHashWidth = 12;

const json* Member(const json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}
const json* Member(const json& object, std::string_view key) { return Member(&object, key); }

// A value as raw text (escaped later): strings as they are, "-" for null or
// absent, anything else as its JSON.
std::string Text(const json* value) {
  if (value == nullptr || value->is_null()) return "-";
  if (value->is_string()) return value->get<std::string>();
  return value->dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string Text(const json& object, std::string_view key) { return Text(Member(object, key)); }

// Raw text of a member, escaped and cut for a line outside a table.
std::string Shown(const json& object, std::string_view key, size_t width = kErrorWidth) {
  return TruncateToWidth(TerminalText(Text(object, key)), width);
}

bool IsTrue(const json* value) {
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The members of an array member, none when it is absent or not an array.
std::vector<const json*> Elements(const json& object, std::string_view key) {
  std::vector<const json*> out;
  const json* array = Member(object, key);
  if (array == nullptr || !array->is_array()) return out;
  for (const auto& element : *array) out.push_back(&element);
  return out;
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

// The zone in the headline is the one the times are shown in: the config's,
// which is the daemon's unless its config changed without a reload.
std::string StatusView(const json& status, TimeZone zone) {
  std::string out = "loa " + Shown(status, "version", 32) + ", now " +
                    ShowTime(Member(status, "now"), zone) + " (" + zone.Name() +
                    "): " + Shown(status, "in_flight", 16) + " in flight, next wake " +
                    ShowTime(Member(status, "next_wake"), zone) + "\n";
  if (const json* held = Member(status, "held_outcomes");
      held != nullptr && held->is_number() && held->get<double>() > 0) {
    out += "held outcomes: " + Shown(status, "held_outcomes", 16) +
           " (outcomes the store refused to record, kept in memory: journalctl -u loa)\n";
  }
  TextTable table({"CHANNEL", "TYPE", "STATE", "SCHEDULED", "SENDING", "UNCERTAIN", "FAILED",
                   "PUBLISHED", "NEXT DUE", "LAST SUCCESS"});
  std::string notes;
  for (const json* channel : Elements(status, "channels")) {
    const json* queue = Member(channel, "queue");
    bool paused = IsTrue(Member(channel, "paused"));
    table.AddRow({Text(*channel, "name"), Text(*channel, "type"), paused ? "paused" : "active",
                  Text(Member(queue, "scheduled")), Text(Member(queue, "sending")),
                  Text(Member(queue, "uncertain")), Text(Member(queue, "failed")),
                  Text(Member(queue, "published")), ShowTime(Member(channel, "next_due"), zone),
                  ShowTime(Member(channel, "last_success"), zone)});
    std::string name = Shown(*channel, "name", 64);
    if (paused) notes += name + ": paused: " + Shown(*channel, "paused_reason") + "\n";
    if (const json* failure = Member(channel, "last_failure");
        failure != nullptr && failure->is_object()) {
      notes += name + ": last failure " + ShowTime(Member(failure, "at"), zone) + ": " +
               Shown(*failure, "error") + "\n";
    }
    if (const json* expires = Member(channel, "token_expires_at");
        expires != nullptr && !expires->is_null()) {
      notes += name + ": credential expires " + ShowTime(expires, zone) + "\n";
    }
  }
  out += "\n" + table.Render();
  if (!notes.empty()) out += "\n" + notes;
  return out;
}

std::string QueueView(const json& queue, TimeZone zone) {
  std::vector<const json*> deliveries = Elements(queue, "deliveries");
  if (deliveries.empty()) return "no deliveries\n";
  TextTable table({"ID", "DUE", "CHANNEL", "STATE", "TRIES", "ITEM", "TITLE"});
  table.SetMaxWidth(5, kItemWidth);
  table.SetMaxWidth(6, kTitleWidth);
  for (const json* d : deliveries) {
    table.AddRow({Text(*d, "id"), ShowTime(Member(d, "due_at"), zone), Text(*d, "channel"),
                  Text(*d, "state"), Text(*d, "attempts"), Text(*d, "item"), Text(*d, "title")});
  }
  return table.Render() + Plural(deliveries.size(), "delivery", "deliveries") + "\n";
}

std::string ItemView(const json& answer, TimeZone zone) {
  const json* item = Member(answer, "item");
  const json empty = json::object();
  const json& it = item != nullptr && item->is_object() ? *item : empty;
  auto list = [&](std::string_view key) {
    std::string joined;
    for (const json* e : Elements(it, key)) joined += (joined.empty() ? "" : ", ") + Text(e);
    return TerminalText(joined.empty() ? "-" : joined);
  };
  std::string out = Shown(it, "id", 256) + "  " + Shown(it, "title", 1000) + "\n";
  out += "action: " + Shown(it, "action", 32) + ", publish at " +
         ShowTime(Member(it, "publish_at"), zone) + "\n";
  out += "channels: " + list("channels") + "\n";
  out += "topics: " + list("topics") + "; form: " + Shown(it, "form", 64) + "\n";
  out += "unit: " + Shown(it, "unit") + "; approved by: " + Shown(it, "approved_by") + "\n";
  out += "link: " + Shown(it, "link", 1000) + "\n";
  for (const json* m : Elements(it, "media")) {
    out += "media: " + Shown(*m, "name") + " (" + Shown(*m, "size", 32) + " bytes, sha256 " +
           Shown(*m, "sha256", 64) + ")\n";
  }
  // Every accepted drop of the item, as the API lists them; the hash cut to
  // its first 12 digits, enough to tell two revisions apart by eye.
  TextTable revisions({"REV", "ACCEPTED", "FILE", "APPROVED BY", "SHA256", "TITLE"});
  revisions.SetMaxWidth(2, kItemWidth);
  revisions.SetMaxWidth(3, kItemWidth);
  revisions.SetMaxWidth(4, kHashWidth);
  revisions.SetMaxWidth(5, kTitleWidth);
  for (const json* r : Elements(answer, "revisions")) {
    std::string sha = Text(*r, "sha256");
    if (sha.size() > kHashWidth) sha = sha.substr(0, kHashWidth);
    revisions.AddRow({Text(*r, "revision"), ShowTime(Member(r, "accepted_at"), zone),
                      Text(*r, "file"), Text(*r, "approved_by"), sha, Text(*r, "title")});
  }
  if (revisions.size() > 0) out += "\n" + revisions.Render();

  // REV: the revision each channel carries (a correction does not reach a
  // channel that already has the item).
  TextTable deliveries(
      {"ID", "CHANNEL", "STATE", "REV", "DUE", "NEXT TRY", "TRIES", "URL / LAST ERROR"});
  deliveries.SetMaxWidth(7, kDetailWidth);
  TextTable attempts(
      {"SEQ", "CHANNEL", "#", "ACTION", "OUTCOME", "STARTED", "HTTP", "MS", "BY", "DETAIL"});
  attempts.SetMaxWidth(9, kDetailWidth);
  for (const json* d : Elements(answer, "deliveries")) {
    const json* url = Member(d, "url");
    std::string detail = url != nullptr && url->is_string() ? Text(url) : Text(*d, "last_error");
    if (IsTrue(Member(d, "retract_pending"))) detail = "(retract pending) " + detail;
    deliveries.AddRow({Text(*d, "id"), Text(*d, "channel"), Text(*d, "state"), Text(*d, "revision"),
                       ShowTime(Member(d, "due_at"), zone),
                       ShowTime(Member(d, "next_attempt_at"), zone), Text(*d, "attempts"), detail});
    for (const json* a : Elements(*d, "attempt_log")) {
      const json* a_url = Member(a, "url");
      std::string a_detail =
          a_url != nullptr && a_url->is_string() ? Text(a_url) : Text(*a, "error");
      attempts.AddRow({Text(*a, "seq"), Text(*d, "channel"), Text(*a, "number"), Text(*a, "action"),
                       Text(*a, "outcome"), ShowTime(Member(a, "started_at"), zone),
                       Text(*a, "http_status"), Text(*a, "latency_ms"), Text(*a, "actor"),
                       a_detail});
    }
  }
  out += "\n" + deliveries.Render();
  if (attempts.size() > 0) out += "\n" + attempts.Render();
  return out;
}

std::string ChangedView(const json& answer, TimeZone zone) {
  std::vector<const json*> changed = Elements(answer, "changed");
  if (changed.empty()) return "nothing changed\n";
  std::string out;
  for (const json* d : changed) {
    std::string state = Text(*d, "state");
    std::string line = Shown(*d, "channel", 64) + ": " + TerminalText(state);
    if (state == "scheduled") line += ", due " + ShowTime(Member(d, "due_at"), zone);
    if (const json* url = Member(d, "url"); url != nullptr && url->is_string()) {
      line += ", " + Shown(*d, "url", 1000);
    }
    line += " (delivery " + Shown(*d, "id", 32) + ", item " + Shown(*d, "item", 256) + ")";
    out += line + "\n";
  }
  return out;
}

}  // namespace loa
