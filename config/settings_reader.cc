#include "config/settings_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/text.h"
#include "base/time.h"
#include "base/url.h"

namespace loa {

namespace {

using json = nlohmann::json;

std::string ListWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// A key that names a secret value rather than the file holding it, such as
// "password", "app_password", "webhook_secret" or "access_token".
bool IsInlineSecretKey(const std::string& key) {
  std::string k = AsciiLower(key);
  if (k.ends_with("_file")) return false;
  for (std::string_view word : {"password", "passwd", "secret", "token", "api_key", "apikey"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string InlineSecretProblem(const std::string& secret_file_key) {
  std::string where = secret_file_key.empty() ? "a *_file key" : "\"" + secret_file_key + "\"";
  return "secrets must not be written in the config; put the secret in its own file, "
         "name that file with " +
         where + " and under systemd pass it with LoadCredential=";
}

}  // namespace

std::string JoinKeyPath(const std::string& parent, const std::string& key) {
  if (key.empty()) return parent;
  return parent.empty() ? key : parent + "." + key;
}

SettingsReader::SettingsReader(const json& object, std::string path,
                               std::filesystem::path config_dir, std::vector<std::string>* errors)
    : object_(object),
      path_(std::move(path)),
      config_dir_(std::move(config_dir)),
      errors_(errors),
      errors_before_(errors->size()) {}

std::string SettingsReader::KeyPath(const std::string& key) const {
  return JoinKeyPath(path_, key);
}

void SettingsReader::Fail(const std::string& key, const std::string& what) {
  errors_->push_back(KeyPath(key) + ": " + what);
}

void SettingsReader::CheckKeys(const std::vector<std::string>& allowed,
                               const std::string& secret_file_key) {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (IsInlineSecretKey(key)) {
      // A channel with several secrets points at the matching *_file key.
      bool has_file_key = std::find(allowed.begin(), allowed.end(), key + "_file") != allowed.end();
      Fail(key, InlineSecretProblem(has_file_key ? key + "_file" : secret_file_key));
      continue;
    }
    std::string message = "unknown key; allowed here: " + ListWords(allowed);
    for (const auto& candidate : allowed) {
      if (EditDistance(key, candidate) <= 2) {
        message += " (did you mean \"" + candidate + "\"?)";
        break;
      }
    }
    Fail(key, message);
  }
}

void SettingsReader::RefuseInlineSecrets() {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (IsInlineSecretKey(key)) Fail(key, InlineSecretProblem(""));
  }
}

const json* SettingsReader::Find(const std::string& key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

std::optional<std::string> SettingsReader::String(const std::string& key,
                                                  const std::string& expected) {
  const json* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "expected a string: " + expected);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::string SettingsReader::RequiredString(const std::string& key, const std::string& expected) {
  if (Find(key) == nullptr) {
    Fail(key, "missing; expected " + expected);
    return "";
  }
  auto s = String(key, expected);
  if (s && s->empty()) Fail(key, "must not be empty; expected " + expected);
  return s.value_or("");
}

std::optional<bool> SettingsReader::Bool(const std::string& key) {
  const json* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(key, "expected true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

void SettingsReader::Duration(const std::string& key, bool allow_zero, Millis* out) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_string()) {
    Fail(key, "expected a duration string like \"10m\"");
    return;
  }
  auto parsed = ParseDuration(v->get<std::string>());
  if (!parsed.ok()) {
    Fail(key, parsed.error());
  } else if (!allow_zero && parsed->count() == 0) {
    Fail(key, "must be longer than zero");
  } else {
    *out = *parsed;
  }
}

std::filesystem::path SettingsReader::Resolve(const std::string& text) const {
  std::filesystem::path p(text);
  return (p.is_absolute() ? p : config_dir_ / p).lexically_normal();
}

std::filesystem::path SettingsReader::Folder(const std::string& key, const std::string& fallback) {
  auto s = String(key, "a folder path");
  if (s && s->empty()) Fail(key, "must not be empty; expected a folder path");
  return Resolve(s && !s->empty() ? *s : fallback);
}

std::filesystem::path SettingsReader::RequiredFolder(const std::string& key) {
  std::string dir = RequiredString(key, "a folder path");
  return dir.empty() ? std::filesystem::path() : Resolve(dir);
}

HttpSettings SettingsReader::Http() {
  HttpSettings http;
  if (auto ca = String("ca_file", "a path to a PEM CA bundle")) {
    if (ca->empty()) {
      Fail("ca_file", "must not be empty; leave it out to use the system CA store");
    } else {
      http.ca_file = Resolve(*ca);
      read_files_.emplace_back("ca_file", *http.ca_file);
    }
  }
  http.allow_insecure_http = Bool("allow_insecure_http").value_or(false);
  Duration("timeout", /*allow_zero=*/false, &http.timeout);
  return http;
}

std::string SettingsReader::Url(const std::string& key, const HttpSettings& http, bool site_root) {
  std::string url = RequiredString(key, "an https:// URL");
  if (url.empty()) return url;
  std::string problem = UrlProblem(url, http.allow_insecure_http, site_root);
  if (!problem.empty()) Fail(key, problem);
  return url;
}

void SettingsReader::BaseUrl(const std::string& key, const HttpSettings& http, std::string* url) {
  auto text = String(key, "an https:// URL");
  if (!text) return;
  std::string problem = text->empty() ? "must not be empty; leave it out for the default"
                                      : UrlProblem(*text, http.allow_insecure_http, false);
  if (problem.empty() && text->find('?') != std::string::npos) {
    problem = "must be a base URL without ?query";
  }
  if (!problem.empty()) {
    Fail(key, problem);
    return;
  }
  *url = *text;
  while (url->ends_with('/')) url->pop_back();
}

}  // namespace loa
