#include "daemon/operator_commands.h"

#include <filesystem>
#include <functional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/encode.h"
#include "base/log.h"
#include "base/time.h"
#include "base/url.h"
#include "config/config.h"
#include "daemon/cli.h"
#include "daemon/control_client.h"
#include "daemon/operator_views.h"
#include "daemon/tables.h"

namespace loa {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigHelp =
    "the daemon's config file, where its control address and token are; default: "
    "/etc/loa/loa.json when it exists, else the embedded one (everything under ./var/)";
constexpr const char* kJsonHelp = "print the API's answer as it is (JSON)";

// The states of docs/design.md's state machine, as the API names them.
const std::vector<std::string> kStates = {"scheduled", "sending",   "published", "failed",
                                          "cancelled", "retracted", "uncertain"};

}  // namespace

// The config named by --config; else the installed one when it exists,
// else the embedded default rooted at the current folder, as `loa daemon`
// and `loa check` fall back (daemon/cli.cc).
Result<ControlEndpoint> ChosenEndpoint(const std::string& config_path) {
  if (!config_path.empty()) return FindControlEndpoint(config_path);
  std::error_code ec;
  if (fs::exists(kInstalledConfig, ec)) return FindControlEndpoint(kInstalledConfig);
  fs::path cwd = fs::current_path(ec);
  if (ec) return Error{"cannot read the current folder: " + ec.message()};
  auto endpoint = ControlEndpointFromText(DefaultConfigText(), cwd, {});
  if (!endpoint.ok()) return Error{"embedded default config: " + endpoint.error()};
  return endpoint;
}

int OperatorExitCode(const ControlFailure& failure) {
  switch (failure.kind) {
    case ControlFailure::Kind::kUnreachable:
      return kOperatorUnreachable;
    case ControlFailure::Kind::kRefused:
    case ControlFailure::Kind::kBadAnswer:
      return kOperatorRefused;
    case ControlFailure::Kind::kNoToken:
      return kOperatorUsage;
  }
  return kOperatorRefused;
}

namespace {

// A time the operator wrote ("2026-12-03 08:00", RFC 3339) as RFC 3339 in
// the configured zone, as the API reads it; or the usage error.
Result<std::string> ApiTime(const std::string& option, const std::string& text, TimeZone zone) {
  auto t = ParseTime(text, zone);
  if (!t.ok()) {
    return Error{option + ": " + t.error() +
                 " (write it as \"2026-12-03 08:00\" in the configured zone, or with an offset)"};
  }
  return FormatLocal(*t, zone);
}

std::string ItemPath(const std::string& id, const char* action = nullptr) {
  std::string path = "/api/items/" + PercentEncode(id);
  if (action != nullptr) path += std::string("/") + action;
  return path;
}

// What a subcommand asks: the call to make once the endpoint is known, or
// a usage error found before any call.
using Call = std::function<Result<ControlReply>(const ControlClient&)>;

int Perform(const std::string& name, const std::string& config_path, bool as_json,
            const std::function<std::string(const json&, TimeZone)>& view, const Call& call) {
  auto endpoint = ChosenEndpoint(config_path);
  if (!endpoint.ok()) {
    LogError("loa " + name + ": " + endpoint.error());
    return kOperatorUsage;
  }
  ControlClient client(std::move(endpoint).value());
  auto reply = call(client);
  if (!reply.ok()) {
    LogError("loa " + name + ": " + reply.error());
    return kOperatorUsage;
  }
  if (!reply->ok) {
    LogError("loa " + name + ": " + reply->failure.message);
    return OperatorExitCode(reply->failure);
  }
  std::cout << (as_json ? JsonForTerminal(reply->body) : view(reply->body, client.endpoint().zone));
  std::cout.flush();
  return kOperatorOk;
}

}  // namespace

OperatorCommands::OperatorCommands(CLI::App& app) {
  auto common = [&](CLI::App* command) {
    command->add_option("--config", args_.config_path, kConfigHelp);
    command->add_flag("--json", args_.json, kJsonHelp);
  };
  status_ = app.add_subcommand("status", "the daemon's state: its channels and their queues");
  common(status_);

  queue_ =
      app.add_subcommand("queue", "deliveries by due time; without --state, those not settled yet");
  common(queue_);
  queue_->add_option("--channel", args_.channel, "only this channel's");
  queue_->add_option("--state", args_.state, "only those in this state")
      ->check(CLI::IsMember(kStates));
  queue_->add_option("--from", args_.from, "only those due at or after this time");
  queue_->add_option("--to", args_.to, "only those due before this time");

  show_ = app.add_subcommand("show", "an item, its deliveries and every attempt");
  common(show_);
  show_->add_option("ID", args_.id, "the item's id")->required();

  retry_ = app.add_subcommand(
      "retry", "send failed, cancelled or uncertain deliveries of an item again, now");
  common(retry_);
  retry_->add_option("ID", args_.id, "the item's id")->required();
  retry_->add_option("CHANNEL", args_.channel, "only this channel's delivery");

  cancel_ = app.add_subcommand("cancel", "cancel scheduled deliveries of an item");
  common(cancel_);
  cancel_->add_option("ID", args_.id, "the item's id")->required();
  cancel_->add_option("CHANNEL", args_.channel, "only this channel's delivery");

  reschedule_ =
      app.add_subcommand("reschedule", "move an item's scheduled deliveries to another time");
  common(reschedule_);
  reschedule_->add_option("ID", args_.id, "the item's id")->required();
  reschedule_
      ->add_option("TIME", args_.time,
                   "the new due time: \"2026-12-03 08:00\" in the configured zone, or RFC 3339")
      ->required();

  resolve_ = app.add_subcommand("resolve",
                                "settle an uncertain delivery after checking the platform by hand");
  common(resolve_);
  resolve_->add_option("ID", args_.id, "the item's id")->required();
  resolve_->add_option("CHANNEL", args_.channel, "the channel")->required();
  CLI::Option* published =
      resolve_->add_option("--published", args_.published_url, "it was published, at this URL");
  CLI::Option* not_published = resolve_->add_flag(
      "--not-published", args_.not_published, "it was not published (then `loa retry` sends it)");
  published->excludes(not_published);
  not_published->excludes(published);
}

std::optional<int> OperatorCommands::Run() const {
  const Args& a = args_;
  if (*status_) {
    return Perform(
        "status", a.config_path, a.json, StatusView,
        [](const ControlClient& c) -> Result<ControlReply> { return c.Get("/api/status"); });
  }
  if (*queue_) {
    return Perform("queue", a.config_path, a.json, QueueView,
                   [&](const ControlClient& c) -> Result<ControlReply> {
                     QueryParams query;
                     if (!a.channel.empty()) query.emplace_back("channel", a.channel);
                     if (!a.state.empty()) query.emplace_back("state", a.state);
                     if (!a.from.empty()) {
                       auto from = ApiTime("--from", a.from, c.endpoint().zone);
                       if (!from.ok()) return from.failure();
                       query.emplace_back("from", *from);
                     }
                     if (!a.to.empty()) {
                       auto to = ApiTime("--to", a.to, c.endpoint().zone);
                       if (!to.ok()) return to.failure();
                       query.emplace_back("to", *to);
                     }
                     return c.Get("/api/queue", query);
                   });
  }
  if (*show_) {
    return Perform(
        "show", a.config_path, a.json, ItemView,
        [&](const ControlClient& c) -> Result<ControlReply> { return c.Get(ItemPath(a.id)); });
  }
  auto channel_body = [&]() {
    json body = json::object();
    if (!a.channel.empty()) body["channel"] = a.channel;
    return body;
  };
  if (*retry_) {
    return Perform("retry", a.config_path, a.json, ChangedView,
                   [&](const ControlClient& c) -> Result<ControlReply> {
                     return c.Post(ItemPath(a.id, "retry"), channel_body());
                   });
  }
  if (*cancel_) {
    return Perform("cancel", a.config_path, a.json, ChangedView,
                   [&](const ControlClient& c) -> Result<ControlReply> {
                     return c.Post(ItemPath(a.id, "cancel"), channel_body());
                   });
  }
  if (*reschedule_) {
    return Perform("reschedule", a.config_path, a.json, ChangedView,
                   [&](const ControlClient& c) -> Result<ControlReply> {
                     auto due = ApiTime("TIME", a.time, c.endpoint().zone);
                     if (!due.ok()) return due.failure();
                     return c.Post(ItemPath(a.id, "reschedule"), json{{"due_at", *due}});
                   });
  }
  if (*resolve_) {
    if (a.published_url.empty() == !a.not_published) {
      LogError("loa resolve: give exactly one of --published URL and --not-published");
      return kOperatorUsage;
    }
    if (!a.not_published) {
      if (auto url = ParseUrl(a.published_url); !url.ok()) {
        LogError("loa resolve: --published: " + url.error());
        return kOperatorUsage;
      }
    }
    return Perform("resolve", a.config_path, a.json, ChangedView,
                   [&](const ControlClient& c) -> Result<ControlReply> {
                     json body = {{"channel", a.channel}, {"published", !a.not_published}};
                     if (!a.not_published) body["url"] = a.published_url;
                     return c.Post(ItemPath(a.id, "resolve"), body);
                   });
  }
  return std::nullopt;
}

}  // namespace loa
