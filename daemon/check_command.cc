#include "daemon/check_command.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <utility>

#include "base/clock.h"
#include "base/encode.h"
#include "base/log.h"
#include "base/time.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/cli.h"
#include "daemon/control_client.h"
#include "inbox/inbox_file.h"
#include "inbox/item_parser.h"
#include "inbox/utf8.h"
#include "queue/scheduler.h"

namespace loa {

namespace {

namespace fs = std::filesystem;
using check_messages::KeptChannels;
using check_messages::Lang;
using check_messages::Text;

// README, Command line.
constexpr int kInvalid = 1;
constexpr int kConfigError = 2;

// The config checked against, and how the editor is told which it is.
struct ChosenConfig {
  Config config;
  Text said;
  fs::path credentials_dir;  // for the control token of the installed config
};

// Whether the installed config is there. Only "not there" falls back to the
// embedded default: one the user may not look at (/etc/loa not searchable)
// is still the service's, and checking against the default instead would
// pass items the service refuses.
Result<bool> InstalledConfigExists(const fs::path& installed) {
  std::error_code ec;
  const bool exists = fs::exists(installed, ec);  // ec is clear when it is not there
  if (ec) {
    return Error{"cannot read the installed config " + installed.string() + ": " + ec.message() +
                 " (run loa check as a user who may read it, or name a config with --config "
                 "FILE)"};
  }
  return exists;
}

// --config; else the installed config when it exists (what the daemon on
// this machine runs with); else the embedded default rooted here.
Result<ChosenConfig> ChooseConfig(const std::string& config_path, const fs::path& installed) {
  std::error_code ec;
  fs::path file = config_path;
  if (file.empty()) {
    auto exists = InstalledConfigExists(installed);
    if (!exists.ok()) return Error{exists.error()};
    if (*exists) file = installed;
  }
  if (file.empty()) {
    fs::path cwd = fs::current_path(ec);
    if (ec) return Error{"cannot read the current folder: " + ec.message()};
    Config config = DefaultConfig(cwd);
    Text said = check_messages::EmbeddedConfig(installed.string(), config.ChannelNames());
    return ChosenConfig{std::move(config), std::move(said), {}};
  }
  auto config = LoadConfig(file);
  if (!config.ok()) return Error{"invalid configuration " + file.string() + ":\n" + config.error()};
  Text said = check_messages::ConfigFile(ShowName(file.string(), 4096), config->ChannelNames());
  fs::path credentials;
  if (file.lexically_normal() == kInstalledConfig) credentials = kInstalledCredentials;
  return ChosenConfig{std::move(config).value(), std::move(said), std::move(credentials)};
}

// A due time as each language writes it: "02/12/2026 08:00" and
// "2026-12-02 08:00 +07:00", in the config's zone.
std::pair<std::string, std::string> ShownTimes(TimePoint t, const Config& config) {
  const std::string local = FormatLocal(t, config.timezone);  // "2026-12-02T08:00:00+07:00"
  if (local.size() < 20) return {local, local};
  return {local.substr(8, 2) + "/" + local.substr(5, 2) + "/" + local.substr(0, 4) + " " +
              local.substr(11, 5),
          local.substr(0, 10) + " " + local.substr(11, 5) + " " + local.substr(19)};
}

// "22:00-06:00": a channel's window as the config writes it.
std::string WindowText(const DailyWindow& w) {
  auto hhmm = [](std::chrono::minutes m) {
    const auto h = m.count() / 60, min = m.count() % 60;
    return std::string(h < 10 ? "0" : "") + std::to_string(h) + (min < 10 ? ":0" : ":") +
           std::to_string(min);
  };
  return hhmm(w.start) + "-" + hhmm(w.end);
}

// What the running daemon said of an id.
struct DaemonAnswer {
  enum class Kind { kNotAsked, kUnknown, kKnown };
  Kind kind = Kind::kNotAsked;
  KeptChannels kept;  // kKnown: where a new drop of the id does not reach
};

// How long `loa check` waits for the daemon: it asks in passing, and
// whatever answers on the port must not hold the editor up
// (daemon/control_client.h ControlTimeouts).
ControlTimeouts CheckTimeouts() {
  using std::chrono::seconds;
  ControlTimeouts t;
  t.connect = seconds(3);
  t.write = seconds(3);
  t.read = seconds(3);
  t.total = seconds(5);
  return t;
}

// A string member of a JSON object, "" when absent or of another type: the
// answer is read without trusting its shape (docs/control-api.md).
std::string Member(const nlohmann::json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whether `reply` is loa's own answer that it has no such item
// (daemon/control_api.cc ShowItem): its error envelope, not_found, naming
// the item. A 404 from anything else on the port, or loa's "no such path",
// says nothing about the id.
bool IsUnknownItem(const ControlReply& reply) {
  if (reply.failure.kind != ControlFailure::Kind::kRefused || reply.failure.status != 404) {
    return false;
  }
  if (!reply.body.is_object()) return false;
  auto error = reply.body.find("error");
  if (error == reply.body.end() || !error->is_object()) return false;
  return Member(*error, "code") == "not_found" &&
         Member(*error, "message").starts_with("no item named ");
}

// Where a known id stays as it is, from the deliveries of its answer: the
// deliveries a new drop keeps (queue/store.h UpsertPost: published,
// sending, uncertain, holding a resume token, or taken down).
KeptChannels KeptOf(const nlohmann::json& body) {
  KeptChannels kept;
  auto deliveries = body.find("deliveries");
  if (deliveries == body.end() || !deliveries->is_array()) return kept;
  for (const auto& d : *deliveries) {
    if (!d.is_object()) continue;
    const std::string state = Member(d, "state");
    const std::string channel = EscapeForDisplay(Member(d, "channel"));
    auto resume = d.find("resume_pending");
    const bool resuming = resume != d.end() && resume->is_boolean() && resume->get<bool>();
    if (state == "published") {
      kept.published.push_back(channel);
    } else if (state == "sending" || state == "uncertain" || (state == "scheduled" && resuming)) {
      kept.under_way.push_back(channel);
    } else if (state == "retracted") {
      kept.taken_down.push_back(channel);
    }
  }
  return kept;
}

// What the running daemon knows of an id, asked once per item until it
// cannot be reached.
class DaemonAsker {
 public:
  explicit DaemonAsker(const ChosenConfig& chosen) {
    auto endpoint = ControlEndpointFromConfig(chosen.config, chosen.credentials_dir);
    if (!endpoint.ok()) {
      failure_ = endpoint.error();
      return;
    }
    client_.emplace(std::move(endpoint).value(), CheckTimeouts());
  }

  // Nothing (kNotAsked) once the daemon could not be asked.
  DaemonAnswer Ask(const std::string& id) {
    DaemonAnswer answer;
    if (!client_) return answer;
    ControlReply reply = client_->Get("/api/items/" + PercentEncode(id));
    if (reply.ok) {
      answer.kind = DaemonAnswer::Kind::kKnown;
      answer.kept = KeptOf(reply.body);
    } else if (IsUnknownItem(reply)) {
      answer.kind = DaemonAnswer::Kind::kUnknown;
    } else {
      failure_ = Failure(reply);
      client_.reset();
    }
    return answer;
  }

  // Why the daemon could not be asked; "" when it could.
  const std::string& failure() const { return failure_; }

 private:
  std::string Failure(const ControlReply& reply) const {
    const bool envelope = reply.body.is_object() && reply.body.contains("error");
    if (reply.failure.kind != ControlFailure::Kind::kRefused || envelope) {
      return reply.failure.message;
    }
    return client_->endpoint().Address() + " answered HTTP " +
           std::to_string(reply.failure.status) +
           " without loa's error envelope: is it loa's control API (control.listen)?";
  }

  std::optional<ControlClient> client_;
  std::string failure_;
};

// The warning about a known id, if any.
std::optional<Text> IdWarning(const std::string& id, const DaemonAnswer& answer) {
  if (answer.kind != DaemonAnswer::Kind::kKnown) return std::nullopt;
  if (answer.kept.empty()) return check_messages::AlreadyQueued(id);
  return check_messages::AlreadyKept(id, answer.kept);
}

bool IsKept(const KeptChannels& kept, const std::string& channel) {
  for (const auto* list : {&kept.published, &kept.under_way, &kept.taken_down}) {
    if (std::find(list->begin(), list->end(), channel) != list->end()) return true;
  }
  return false;
}

// When a delivery due at `due` (before `now`) is first tried if the item is
// dropped now: at once, or on a channel with a window, the first moment at
// or after max(now, due) inside it. The engine's own rule
// (queue/scheduler.h EarliestSendTime), for a delivery not tried yet.
TimePoint FirstTry(TimePoint due, const ChannelConfig* channel, TimePoint now, TimeZone zone) {
  if (channel == nullptr) return std::max(now, due);
  Delivery fresh;
  fresh.due_at = due;
  return std::max(now, EarliestSendTime(fresh, *channel, std::nullopt, now, zone));
}

// The warnings about when the item would go out, one per due time, kind
// and time it goes out, in the order of its channels. A channel `kept`
// keeps what it has (DaemonAsker): nothing goes out on it.
std::vector<Text> TimeWarnings(const Item& item, const Config& config, TimePoint now,
                               const KeptChannels& kept) {
  enum class Kind { kAtOnce, kWindow, kMissed };
  struct Group {
    Kind kind;
    TimePoint due, at;
    std::string window;
    std::vector<std::string> channels;
  };
  std::vector<Group> groups;
  for (const auto& channel : item.channels) {
    const TimePoint due = item.DueAt(channel);
    if (due >= now || IsKept(kept, channel)) continue;
    auto found = config.channels.find(channel);
    const ChannelConfig* settings = found == config.channels.end() ? nullptr : &found->second;
    const TimePoint at = FirstTry(due, settings, now, config.timezone);
    // As the scheduler decides a first try (queue/scheduler.h IsMissed),
    // at the time it is made.
    const bool missed = due + config.max_lateness < at;
    Group g{missed ? Kind::kMissed : at > now ? Kind::kWindow : Kind::kAtOnce, due, at, "", {}};
    if (g.kind == Kind::kWindow) g.window = WindowText(*settings->window);
    if (g.kind != Kind::kWindow) g.at = now;  // one group for "at once", one for "missed"
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& o) {
      return o.kind == g.kind && o.due == g.due && o.at == g.at && o.window == g.window;
    });
    if (it == groups.end()) it = groups.insert(groups.end(), std::move(g));
    it->channels.push_back(channel);
  }
  std::vector<Text> out;
  for (const Group& g : groups) {
    auto [vi, en] = ShownTimes(g.due, config);
    if (g.kind == Kind::kMissed) {
      out.push_back(check_messages::DueBeyondLateness(vi, en, config.max_lateness, g.channels));
    } else if (g.kind == Kind::kWindow) {
      auto [vi_at, en_at] = ShownTimes(g.at, config);
      out.push_back(check_messages::DueOutsideWindow(vi, en, g.window, vi_at, en_at, g.channels));
    } else {
      out.push_back(check_messages::DueInPast(vi, en, g.channels));
    }
  }
  return out;
}

// "en_US.UTF-8" -> "en": a locale's language code, lower case.
std::string LanguageCode(std::string_view locale) {
  std::string code(locale.substr(0, locale.find_first_of("_.@")));
  for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code;
}

// LANGUAGE, as gettext reads it: a list of languages by preference
// ("fr:en:vi"); the first loa speaks decides.
std::optional<Lang> FromLanguageList(std::string_view list) {
  while (!list.empty()) {
    const size_t end = list.find(':');
    const std::string code = LanguageCode(list.substr(0, end));
    if (code == "vi") return Lang::kVi;
    if (code == "en") return Lang::kEn;
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
  }
  return std::nullopt;
}

// One checked item: what is printed under it, and whether it is invalid.
struct Verdict {
  bool invalid = false;
  std::vector<Text> problems;  // invalid: every problem
  std::vector<Text> warnings;  // valid: every warning
};

Verdict CheckParsed(const ParsedItem& parsed, const Config& config, TimePoint now,
                    DaemonAsker& daemon, bool& retract_unchecked) {
  Verdict v;
  if (!parsed.ok()) {
    v.invalid = true;
    for (const auto& p : parsed.problems) {
      v.problems.push_back(check_messages::ProblemLine(p.field, p.value, p.vi, p.en));
    }
    return v;
  }
  const Item& item = *parsed.item;
  const DaemonAnswer answer = daemon.Ask(item.id);
  if (item.action == "retract") {
    // The daemon rejects a retract of an id it does not know (daemon/ingest.cc
    // StageRetract); one it knows is carried out at once.
    if (answer.kind == DaemonAnswer::Kind::kUnknown) {
      const Text t = check_messages::NothingToRetract();
      v.invalid = true;
      v.problems.push_back(check_messages::ProblemLine("id", item.id, t.vi, t.en));
    }
    retract_unchecked = retract_unchecked || answer.kind == DaemonAnswer::Kind::kNotAsked;
    return v;
  }
  v.warnings = TimeWarnings(item, config, now, answer.kept);
  if (auto known = IdWarning(item.id, answer)) v.warnings.push_back(std::move(*known));
  return v;
}

int RunCheckOn(const CheckArgs& args, const ChosenConfig& chosen, Lang lang) {
  const Config& config = chosen.config;
  std::cout << chosen.said.Say(lang) << "\n";
  ParseOptions options;
  options.channel_names = config.ChannelNames();
  options.limits = LimitsByChannel(config);
  options.zone = config.timezone;
  options.now = SystemClock().Now();
  DaemonAsker daemon(chosen);
  const std::string warning = check_messages::WarningLead().Say(lang);
  int invalid = 0;
  int warnings = 0;
  bool retract_unchecked = false;
  for (const auto& path : args.paths) {
    Verdict v =
        CheckParsed(ParseItem(path, options), config, options.now, daemon, retract_unchecked);
    // A path may hold a line break or bytes that are not text: shown escaped,
    // one item is one header line.
    const std::string shown = ShowName(path, 4096);
    if (v.invalid) {
      ++invalid;
      std::cout << shown << ":\n";
      for (const Text& p : v.problems) std::cout << "  " << p.Say(lang) << "\n";
      continue;
    }
    std::cout << "OK " << shown << "\n";
    for (const Text& t : v.warnings) std::cout << "  " << warning << t.Say(lang) << "\n";
    warnings += static_cast<int>(v.warnings.size());
  }
  if (!daemon.failure().empty()) {
    std::cout << check_messages::DaemonNotAsked(daemon.failure(), retract_unchecked).Say(lang)
              << "\n";
  }
  if (warnings > 0) std::cout << check_messages::WarningsKeepExitCode().Say(lang) << "\n";
  std::cout.flush();
  return invalid > 0 ? kInvalid : 0;
}

}  // namespace

Result<Config> ConfigForChecks(const std::string& config_path) {
  auto chosen = ChooseConfig(config_path, kInstalledConfig);
  if (!chosen.ok()) return Error{chosen.error()};
  return std::move(chosen->config);
}

Lang CheckLanguage(const std::string& flag) {
  if (flag == "en") return Lang::kEn;
  if (flag == "vi") return Lang::kVi;
  // gettext honours LANGUAGE before the locale variables.
  if (const char* list = std::getenv("LANGUAGE"); list != nullptr) {
    if (auto lang = FromLanguageList(list)) return *lang;
  }
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return LanguageCode(value) == "en" ? Lang::kEn : Lang::kVi;
  }
  return Lang::kVi;
}

int RunCheck(const CheckArgs& args) {
  const Lang lang = CheckLanguage(args.lang);
  auto chosen = ChooseConfig(args.config_path, args.installed_config);
  if (!chosen.ok()) {
    LogLines(LogLevel::kError, "loa check: ", chosen.error());
    return kConfigError;
  }
  return RunCheckOn(args, *chosen, lang);
}

}  // namespace loa
