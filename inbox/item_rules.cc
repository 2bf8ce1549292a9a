#include "inbox/item_rules.h"

#include <algorithm>
#include <array>

#include "base/fs.h"
#include "base/text.h"
#include "inbox/channel_limits.h"
#include "inbox/item_files.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

using nlohmann::json;
namespace msg = messages;

constexpr size_t kMaxIdLength = 120;
constexpr size_t kMaxTopicLength = 64;
constexpr size_t kMaxLinkLength = 2000;
// publish_at must fall within these years: a year 0 or 9999 is a typo.
constexpr int kFirstYear = 2000;
constexpr int kLastYear = 2099;

constexpr std::array<const char*, 7> kForms = {"news",        "article", "reportage",   "video",
                                               "infographic", "photo",   "announcement"};

const std::vector<std::string>& OverrideKeys() {
  static const std::vector<std::string> keys = {"title", "text", "publish_at"};
  return keys;
}

bool IsSlugChar(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

// [a-z0-9][a-z0-9<extra>]{0,max-1}
bool IsSlug(std::string_view s, std::string_view extra, size_t max_length) {
  if (s.empty() || s.size() > max_length || !IsSlugChar(s[0], "")) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return IsSlugChar(c, extra); });
}

bool IsValidId(std::string_view s) { return IsSlug(s, "._-", kMaxIdLength); }
bool IsValidTopic(std::string_view s) { return IsSlug(s, "_-", kMaxTopicLength); }

enum class UrlProblem { kNone, kScheme, kSpace, kUserInfo, kNoHost };

// An absolute http(s) URL with a host, no white space and no user name or
// password: enough to catch "www.example.gov.vn", pasted sentences,
// javascript:/data:/file: links and "https://trusted.gov.vn@elsewhere/".
// Control characters are refused before (FieldReader::CheckCharacters).
UrlProblem CheckHttpUrl(std::string_view s) {
  std::string lower = AsciiLower(s);
  size_t rest;
  if (lower.starts_with("https://")) {
    rest = 8;
  } else if (lower.starts_with("http://")) {
    rest = 7;
  } else {
    return UrlProblem::kScheme;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return UrlProblem::kSpace;
  }
  size_t host_end = s.find_first_of("/?#", rest);
  std::string_view host =
      s.substr(rest, host_end == std::string_view::npos ? s.npos : host_end - rest);
  if (host.find('@') != std::string_view::npos) return UrlProblem::kUserInfo;
  if (host.empty() || host[0] == ':' || host[0] == '.') return UrlProblem::kNoHost;
  return UrlProblem::kNone;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void UnknownChannel(const std::string& field, const std::string& name,
                    const std::vector<std::string>& known, ProblemList& problems) {
  std::string shown = ShortenUtf8(name, kValueChars);
  problems.Add(field, shown,
               msg::UnknownChannel(shown, Closest(name, known), msg::KnownChannelsVi(known),
                                   msg::KnownChannelsEn(known)));
}

std::optional<TimePoint> ReadTime(const std::string& field, const json& v, TimeZone zone,
                                  FieldReader& reader) {
  auto example = ParseTime("2026-12-01 08:00", zone);
  std::string example_vi = msg::TimeExampleVi(
      zone.Name(),
      FormatUtcOffset(example.ok() ? zone.OffsetAt(*example) : std::chrono::minutes(0)));
  auto text = reader.String(field, v, Shape::kLine, example_vi);
  if (!text) return std::nullopt;
  std::string shown = Shown(*text);
  auto t = ParseTime(*text, zone);
  if (!t.ok()) {
    reader.problems().Add(field, shown, msg::BadTime(shown, field, example_vi));
    return std::nullopt;
  }
  // ParseTime reads a leap second as the second before it; an editor who
  // wrote ":60" made a typo, and a publication time never needs one.
  if (text->size() >= 19 && text->compare(16, 3, ":60") == 0) {
    reader.problems().Add(field, shown, msg::LeapSecond(shown, field));
    return std::nullopt;
  }
  // The year as written (ParseTime checked its four digits), not as in UTC.
  int year = std::stoi(text->substr(0, 4));
  if (year < kFirstYear || year > kLastYear) {
    reader.problems().Add(field, shown, msg::YearOutOfRange(shown, field, kFirstYear, kLastYear));
    return std::nullopt;
  }
  return *t;
}

}  // namespace

const std::vector<std::string>& TopLevelKeys() {
  static const std::vector<std::string> keys = {
      "id",   "title", "summary",     "body",  "body_file", "publish_at", "channels", "topics",
      "form", "unit",  "approved_by", "media", "link",      "overrides",  "action"};
  return keys;
}

std::optional<std::string> ReadId(const json& root, const std::string& default_id,
                                  FieldReader& reader) {
  const json* v = Find(root, "id");
  if (v && !v->is_null()) {
    auto id = reader.String("id", *v, Shape::kToken, "\"2026-12-01-mot-cua-lien-thong\"");
    if (!id) return std::nullopt;
    if (!IsValidId(*id)) {
      std::string shown = ShortenUtf8(*id, kValueChars);
      reader.problems().Add("id", shown, msg::BadId(shown));
      return std::nullopt;
    }
    return id;
  }
  if (!IsValidId(default_id)) {
    std::string shown = ShortenUtf8(default_id, kValueChars);
    reader.problems().Add("id", shown, msg::BadNameAsId(shown));
    return std::nullopt;
  }
  return default_id;
}

std::optional<std::string> ReadTitle(const json& root, FieldReader& reader) {
  return reader.RequiredLine(root, "title", msg::TitleMissing(), msg::TitleEmpty(),
                             msg::TitleExample());
}

std::optional<std::string> ReadApprovedBy(const json& root, FieldReader& reader) {
  return reader.RequiredLine(root, "approved_by", msg::ApprovedByMissing(), msg::ApprovedByEmpty(),
                             msg::ApprovedByExample());
}

std::optional<Body> ReadBody(const json& root, const fs::path& folder, size_t max_body_bytes,
                             FieldReader& reader) {
  const json* body = Find(root, "body");
  const json* body_file = Find(root, "body_file");
  if (body && body_file) {
    reader.problems().Add("body_file", ShowValue(*body_file), msg::BodyAndBodyFile());
    return std::nullopt;
  }
  if (!body && !body_file) {
    reader.problems().Add("body", "", msg::NoBody());
    return std::nullopt;
  }
  std::optional<std::string> markdown;
  if (body) {
    markdown = reader.String("body", *body, Shape::kText);
  } else if (auto name = reader.String("body_file", *body_file, Shape::kToken, "\"noi-dung.md\"")) {
    markdown = ReadBodyFile(folder, *name, max_body_bytes, reader);
  }
  if (!markdown) return std::nullopt;
  std::string field = body ? "body" : "body_file";
  if (Trim(*markdown).empty()) {
    reader.problems().Add(field, body ? "" : ShowValue(*body_file), msg::BodyEmpty(body));
    return std::nullopt;
  }
  return Body{std::move(*markdown), field};
}

std::optional<std::vector<std::string>> ReadChannels(const json& root,
                                                     const std::vector<std::string>& known,
                                                     FieldReader& reader) {
  ProblemList& problems = reader.problems();
  const json* v = Find(root, "channels");
  if (!v) {
    problems.Add("channels", "",
                 msg::ChannelsMissing(msg::KnownChannelsVi(known), msg::KnownChannelsEn(known)));
    return std::nullopt;
  }
  bool all = false;
  std::vector<std::pair<std::string, std::string>> named;  // field, channel
  bool ok = true;
  if (v->is_string()) {
    auto name = reader.String("channels", *v, Shape::kToken);
    if (!name) return std::nullopt;
    if (*name == "all") {
      all = true;
    } else {
      // A lone name instead of a one-element list is what the editor meant.
      named.emplace_back("channels", *name);
    }
  } else if (v->is_array()) {
    if (v->empty()) {
      problems.Add("channels", "[]",
                   msg::ChannelsEmpty(msg::KnownChannelsVi(known), msg::KnownChannelsEn(known)));
      return std::nullopt;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      std::string field = "channels[" + std::to_string(i) + "]";
      auto name = reader.String(field, (*v)[i], Shape::kToken, "\"portal\"");
      if (!name) {
        ok = false;
      } else if (*name == "all") {
        all = true;
      } else {
        named.emplace_back(field, *name);
      }
    }
  } else {
    reader.WrongType("channels", *v, msg::Expected::kChannelList);
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& [field, name] : named) {
    if (!Contains(known, name)) {
      UnknownChannel(field, name, known, problems);
      ok = false;
    } else if (!Contains(names, name)) {
      names.push_back(name);
    }
  }
  if (all && known.empty()) {
    problems.Add("channels", "all", msg::AllWithoutChannels());
    ok = false;
  }
  if (!ok) return std::nullopt;
  return all ? known : names;
}

TimePoint ReadPublishAt(const json& root, TimeZone zone, TimePoint now, FieldReader& reader) {
  const json* v = Find(root, "publish_at");
  if (!v || v->is_null()) return now;
  return ReadTime("publish_at", *v, zone, reader).value_or(now);
}

std::optional<std::string> ReadForm(const json& root, FieldReader& reader) {
  auto form = reader.OptionalLine(root, "form");
  if (!form) return std::nullopt;
  if (std::find(kForms.begin(), kForms.end(), *form) == kForms.end()) {
    std::vector<std::string> forms(kForms.begin(), kForms.end());
    std::string shown = ShortenUtf8(*form, kValueChars);
    reader.problems().Add("form", shown, msg::BadForm(shown, Closest(*form, forms), forms));
    return std::nullopt;
  }
  return form;
}

std::vector<std::string> ReadTopics(const json& root, FieldReader& reader) {
  std::vector<std::string> topics;
  const json* v = Find(root, "topics");
  if (!v || v->is_null()) return topics;
  if (!v->is_array()) {
    reader.WrongType("topics", *v, msg::Expected::kTopicList);
    return topics;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    std::string field = "topics[" + std::to_string(i) + "]";
    auto topic = reader.String(field, (*v)[i], Shape::kLine, "\"kiem-soat-tthc\"");
    if (!topic) continue;
    if (!IsValidTopic(*topic)) {
      std::string shown = ShortenUtf8(*topic, kValueChars);
      reader.problems().Add(field, shown, msg::BadTopic(shown));
      continue;
    }
    if (!Contains(topics, *topic)) topics.push_back(*topic);
  }
  return topics;
}

std::optional<std::string> ReadLink(const json& root, FieldReader& reader) {
  auto link = reader.OptionalLine(root, "link");
  if (!link) return std::nullopt;
  std::string shown = Shown(*link);
  std::optional<Message> refused;
  if (size_t n = CountCharacters(*link); n > kMaxLinkLength) {
    refused = msg::LinkTooLong(shown, n, kMaxLinkLength);
  } else {
    switch (CheckHttpUrl(*link)) {
      case UrlProblem::kNone:
        return link;
      case UrlProblem::kScheme:
        refused = msg::LinkScheme(shown);
        break;
      case UrlProblem::kSpace:
        refused = msg::LinkSpace(shown);
        break;
      case UrlProblem::kUserInfo:
        refused = msg::LinkUserInfo(shown);
        break;
      case UrlProblem::kNoHost:
        refused = msg::LinkNoHost(shown);
        break;
    }
  }
  if (refused) reader.problems().Add("link", shown, *refused);
  return std::nullopt;
}

std::optional<std::string> ReadAction(const json& root, FieldReader& reader) {
  const json* v = Find(root, "action");
  if (!v || v->is_null()) return std::nullopt;
  auto action = reader.String("action", *v, Shape::kLine, "\"publish\"");
  if (!action) return std::nullopt;
  if (*action != "publish" && *action != "retract") {
    std::string shown = ShortenUtf8(*action, kValueChars);
    reader.problems().Add("action", shown, msg::BadAction(shown));
    return std::nullopt;
  }
  return action;
}

std::map<std::string, ChannelOverride> ReadOverrides(const json& root,
                                                     const std::vector<std::string>& known,
                                                     const std::vector<std::string>* channels,
                                                     TimeZone zone, FieldReader& reader) {
  std::map<std::string, ChannelOverride> overrides;
  ProblemList& problems = reader.problems();
  const json* v = Find(root, "overrides");
  if (!v || v->is_null()) return overrides;
  if (!v->is_object()) {
    reader.WrongType("overrides", *v, msg::Expected::kOverrideMap);
    return overrides;
  }
  for (const auto& [channel, value] : v->items()) {
    std::string prefix = "overrides." + channel;
    if (!Contains(known, channel)) {
      UnknownChannel(prefix, channel, known, problems);
    } else if (channels && !Contains(*channels, channel)) {
      problems.Add(prefix, channel, msg::OverrideNotInChannels(channel, *channels));
    }
    if (!value.is_object()) {
      reader.WrongType(prefix, value, msg::Expected::kOverrideEntry);
      continue;
    }
    reader.UnknownKeys(value, prefix + ".", OverrideKeys(), msg::KeyPlace::kOverride);
    ChannelOverride o;
    for (const char* key : {"title", "text"}) {
      const json* field_value = Find(value, key);
      if (!field_value || field_value->is_null()) continue;
      std::string field = prefix + "." + key;
      bool title = std::string_view(key) == "title";
      auto text = reader.String(field, *field_value, title ? Shape::kLine : Shape::kText);
      if (!text) continue;
      if (Trim(*text).empty()) {
        problems.Add(field, "", msg::OverrideEmpty(field));
        continue;
      }
      (title ? o.title : o.text) = std::move(*text);
    }
    if (const json* t = Find(value, "publish_at"); t && !t->is_null()) {
      o.publish_at = ReadTime(prefix + ".publish_at", *t, zone, reader);
    }
    overrides[channel] = std::move(o);
  }
  return overrides;
}

}  // namespace loa
