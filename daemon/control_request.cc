#include "daemon/control_request.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "base/json_parse.h"
#include "base/log.h"
#include "base/url.h"

namespace loa {

namespace {

using json = nlohmann::json;

bool LowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsSlug(std::string_view s, std::string_view extra, size_t max) {
  if (s.empty() || s.size() > max || !LowerOrDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return LowerOrDigit(c) || extra.find(c) != std::string_view::npos;
  });
}

// A body holds at most a few flat fields.
constexpr size_t kMaxBodyDepth = 4;
constexpr size_t kMaxTimeText = 64;
constexpr size_t kMaxUrl = 2048;

Result<TimePoint> ReadTime(const std::string& name, const std::string& text, TimeZone zone) {
  const std::string expected = name + ": expected a time like \"2026-12-03T08:00:00+07:00\"";
  if (text.size() > kMaxTimeText) return Error{expected};
  auto t = ParseTime(text, zone);
  if (!t.ok()) return Error{expected + " (" + t.error() + ")"};
  return *t;
}

}  // namespace

const char* const kItemIdRule =
    "not an item id: an id is a-z, 0-9, '.', '_' and '-', starting with a letter or digit, at "
    "most 120 characters";

std::vector<std::string> PathParts(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (parts.size() > 8) break;  // no route is this deep
  }
  return parts;
}

bool IsItemId(std::string_view id) { return IsSlug(id, "._-", 120); }
bool IsChannelName(std::string_view name) { return IsSlug(name, "_-", 64); }

bool IsAction(std::string_view action) {
  return action == "retry" || action == "cancel" || action == "reschedule" || action == "resolve";
}

std::string ShownText(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string shown = Quoted(text.substr(0, kMax));
  if (text.size() > kMax) shown += "...";
  return shown;
}

Result<DeliveryFilter> ParseQueueQuery(
    const std::vector<std::pair<std::string, std::string>>& query, TimeZone zone) {
  DeliveryFilter filter;
  std::set<std::string> seen;
  for (const auto& [key, value] : query) {
    if (key != "channel" && key != "state" && key != "from" && key != "to" &&
        key != "changed_from") {
      return Error{"unknown query parameter " + ShownText(key) +
                   "; allowed: channel, state, from, to, changed_from"};
    }
    if (!seen.insert(key).second) return Error{key + ": given more than once"};
    if (key == "channel") {
      if (!IsChannelName(value)) return Error{"channel: not a channel name: " + ShownText(value)};
      filter.channel = value;
    } else if (key == "state") {
      auto state = ParseState(value);
      if (!state) {
        return Error{"state: " + ShownText(value) +
                     " is not one of scheduled, sending, published, failed, cancelled, "
                     "retracted, uncertain"};
      }
      filter.states = {*state};
    } else {
      auto t = ReadTime(key, value, zone);
      if (!t.ok()) return t.failure();
      (key == "from" ? filter.due_from : key == "to" ? filter.due_to : filter.changed_from) = *t;
    }
  }
  if (filter.states.empty()) {
    filter.states = {DeliveryState::kScheduled, DeliveryState::kSending, DeliveryState::kUncertain};
  }
  return filter;
}

Result<ActionBody> ParseActionBody(std::string_view action, std::string_view body, TimeZone zone) {
  ActionBody out;
  json j = json::object();
  if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    std::vector<DuplicateKey> duplicates;
    try {
      j = ParseJsonText(body, kMaxBodyDepth, &duplicates);
    } catch (...) {
      // nlohmann's message quotes the text; the sender has it already.
      return Error{"the body is not valid JSON"};
    }
    if (!duplicates.empty()) return Error{duplicates.front().path + ": appears more than once"};
  }
  if (!j.is_object()) return Error{"the body must be a JSON object"};
  std::vector<std::string> allowed;
  if (action == "retry" || action == "cancel") allowed = {"channel"};
  if (action == "reschedule") allowed = {"due_at"};
  if (action == "resolve") allowed = {"channel", "published", "url"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Error{"unknown field " + ShownText(key) + "; " + std::string(action) +
                   " takes: " + list};
    }
  }
  if (j.contains("channel")) {
    const json& c = j["channel"];
    if (!c.is_string() || !IsChannelName(c.get<std::string>())) {
      return Error{"channel: expected a channel name like \"portal\""};
    }
    out.channel = c.get<std::string>();
  }
  if (action == "reschedule") {
    if (!j.contains("due_at") || !j["due_at"].is_string()) {
      return Error{"due_at: expected a time like \"2026-12-03T08:00:00+07:00\""};
    }
    auto t = ReadTime("due_at", j["due_at"].get<std::string>(), zone);
    if (!t.ok()) return t.failure();
    out.due_at = *t;
  }
  if (action == "resolve") {
    if (out.channel.empty()) return Error{"channel: required: the channel that was looked at"};
    if (!j.contains("published") || !j["published"].is_boolean()) {
      return Error{"published: expected true (it is on the channel) or false (it is not)"};
    }
    out.published = j["published"].get<bool>();
    if (out.published) {
      const json* url = j.contains("url") ? &j["url"] : nullptr;
      if (url == nullptr || !url->is_string()) {
        return Error{"url: required with \"published\": true: where the post is"};
      }
      const std::string text = url->get<std::string>();
      auto parsed = ParseUrl(text);
      if (text.size() > kMaxUrl || !parsed.ok()) {
        return Error{"url: expected an http:// or https:// URL (at most 2048 characters)"};
      }
      out.url = text;
    } else if (j.contains("url")) {
      return Error{"url: only with \"published\": true"};
    }
  }
  return out;
}

std::string AttemptActor(const AttemptRow& row) { return ActorName(row.record.actor); }

}  // namespace loa
