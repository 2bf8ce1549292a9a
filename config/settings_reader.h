// What a channel type's reader uses to read its keys from a channel's JSON
// object: every problem is collected with its key path
// ("channels.portal.base_url: ..."), so that one run of `loa config check`
// lists them all. The global keys are read with it too.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/url.h"
#include "config/config.h"

namespace loa {

class SettingsReader {
 public:
  // `object` is the JSON object being read, `path` its key path ("" at the
  // top, "channels.portal" for a channel). Problems go to `errors`; relative
  // paths resolve against `config_dir`.
  SettingsReader(const nlohmann::json& object, std::string path, std::filesystem::path config_dir,
                 std::vector<std::string>* errors);

  const nlohmann::json& object() const { return object_; }
  const std::string& path() const { return path_; }
  const std::filesystem::path& config_dir() const { return config_dir_; }
  // "path.key".
  std::string KeyPath(const std::string& key) const;
  // Whether no problem was reported through this reader.
  bool ok() const { return errors_->size() == errors_before_; }

  // Reports a problem with `key` ("" for the object itself).
  void Fail(const std::string& key, const std::string& what);
  // Reports keys not in `allowed`; a secret written inline is refused and
  // pointed at its *_file key, or at `secret_file_key` ("" when no secret
  // belongs here).
  void CheckKeys(const std::vector<std::string>& allowed, const std::string& secret_file_key);
  // Refuses every key that looks like a secret written inline.
  void RefuseInlineSecrets();

  const nlohmann::json* Find(const std::string& key) const;
  // A reader for the object `value` found under `key` here, reporting into
  // the same problem list ("alerts.webhook.url: ...").
  SettingsReader Nested(const nlohmann::json& value, const std::string& key) const {
    return SettingsReader(value, KeyPath(key), config_dir_, errors_);
  }
  // nullopt when absent or not a string (then reported: "expected a string:
  // <expected>").
  std::optional<std::string> String(const std::string& key, const std::string& expected);
  // A required non-empty string; "" after reporting when missing or empty.
  std::string RequiredString(const std::string& key, const std::string& expected);
  std::optional<bool> Bool(const std::string& key);
  // A duration string ("30s", "10m"); `out` is kept when absent or bad.
  void Duration(const std::string& key, bool allow_zero, Millis* out);
  // `text` made absolute against the config's folder.
  std::filesystem::path Resolve(const std::string& text) const;
  // An optional folder path, resolved; `fallback` (resolved) when absent.
  std::filesystem::path Folder(const std::string& key, const std::string& fallback);
  // A required folder path, resolved; empty after reporting when missing.
  std::filesystem::path RequiredFolder(const std::string& key);

  // ca_file, allow_insecure_http and timeout; ca_file is also recorded in
  // read_files().
  HttpSettings Http();
  // The files read through this reader that the channel opens at run time
  // (key, resolved path).
  const std::vector<std::pair<std::string, std::filesystem::path>>& read_files() const {
    return read_files_;
  }
  // A required connector URL under the https/loopback rule (UrlProblem,
  // base/url.h).
  // `site_root`: no ?query or #fragment either.
  std::string Url(const std::string& key, const HttpSettings& http, bool site_root);
  // An optional API base URL ("https://graph.facebook.com/v21.0"): no
  // ?query, trailing '/' removed. `url` keeps its default when absent.
  void BaseUrl(const std::string& key, const HttpSettings& http, std::string* url);

 private:
  const nlohmann::json& object_;
  std::string path_;
  std::filesystem::path config_dir_;
  std::vector<std::string>* errors_;
  size_t errors_before_;
  std::vector<std::pair<std::string, std::filesystem::path>> read_files_;
};

// "parent.key", or "key" at the top.
std::string JoinKeyPath(const std::string& parent, const std::string& key);

}  // namespace loa
