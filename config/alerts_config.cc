#include "config/alerts_config.h"

#include <string>
#include <vector>

namespace loa {

namespace {

using json = nlohmann::json;

const std::vector<std::string> kAlertsKeys = {"command", "command_timeout", "webhook",
                                              "token_warning"};
const std::vector<std::string> kWebhookKeys = {"url", "secret_file", "ca_file",
                                               "allow_insecure_http", "timeout"};

// A program run with an argument list fixed here: nothing from an alert
// ever becomes an argument, and no shell reads it.
constexpr size_t kMaxCommandArgs = 64;
constexpr size_t kMaxArgBytes = 4096;

void ReadCommand(SettingsReader& alerts, AlertsConfig* out) {
  const json* v = alerts.Find("command");
  if (v == nullptr) return;
  const std::string expected =
      "expected a non-empty array of strings, the program's absolute path first, e.g. "
      "[\"/usr/local/bin/notify\", \"--to\", \"ops\"] (no shell reads it)";
  if (!v->is_array() || v->empty() || v->size() > kMaxCommandArgs) {
    alerts.Fail("command", expected);
    return;
  }
  std::vector<std::string> argv;
  for (const json& arg : *v) {
    if (!arg.is_string()) {
      alerts.Fail("command", expected);
      return;
    }
    std::string text = arg.get<std::string>();
    if (text.find('\0') != std::string::npos || text.size() > kMaxArgBytes) {
      alerts.Fail("command", "an argument holds a NUL character or is longer than 4096 bytes");
      return;
    }
    argv.push_back(std::move(text));
  }
  if (argv[0].empty() || argv[0][0] != '/') {
    alerts.Fail("command", "the program must be an absolute path (no PATH lookup, no shell)");
    return;
  }
  out->read_files.emplace_back(alerts.KeyPath("command"), argv[0]);
  out->command = std::move(argv);
}

void ReadWebhook(SettingsReader& alerts, AlertsConfig* out) {
  const json* v = alerts.Find("webhook");
  if (v == nullptr) return;
  if (!v->is_object()) {
    alerts.Fail("webhook",
                "expected an object like {\"url\": \"https://...\", \"secret_file\": \"...\"}");
    return;
  }
  SettingsReader reader = alerts.Nested(*v, "webhook");
  reader.CheckKeys(kWebhookKeys, "secret_file");
  AlertWebhookConfig webhook;
  webhook.http = reader.Http();
  webhook.url = reader.Url("url", webhook.http, /*site_root=*/false);
  // Unsigned alerts could be forged by anyone who finds the receiver.
  webhook.secret_file = reader.RequiredString(
      "secret_file", "the name of the file holding the HMAC key the receiver checks");
  for (const auto& [key, file] : reader.read_files()) {
    out->read_files.emplace_back(reader.KeyPath(key), file);
  }
  if (reader.ok()) out->webhook = std::move(webhook);
}

}  // namespace

void ReadAlerts(SettingsReader& top, AlertsConfig* out) {
  const json* v = top.Find("alerts");
  if (v == nullptr) return;
  if (!v->is_object()) {
    top.Fail("alerts",
             "expected an object like {\"command\": [\"/usr/local/bin/notify\"], "
             "\"webhook\": {...}, \"token_warning\": \"7d\"}");
    return;
  }
  SettingsReader alerts = top.Nested(*v, "alerts");
  alerts.CheckKeys(kAlertsKeys, "");
  ReadCommand(alerts, out);
  alerts.Duration("command_timeout", /*allow_zero=*/false, &out->command_timeout);
  ReadWebhook(alerts, out);
  alerts.Duration("token_warning", /*allow_zero=*/true, &out->token_warning);
}

}  // namespace loa
