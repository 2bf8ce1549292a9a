// `loa daemon`: wires the store, the delivery log, the connectors, the
// engine and the inbox watcher together on one io_context, and runs them
// until SIGTERM/SIGINT.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/result.h"
#include "config/config.h"
#include "contract/connector.h"
#include "contract/token_vault.h"
#include "daemon/alerts.h"
#include "daemon/inbox_watcher.h"
#include "daemon/ingest_worker.h"
#include "daemon/metrics.h"
#include "daemon/status_page.h"
#include "queue/delivery_log.h"
#include "queue/engine.h"
#include "queue/store.h"

namespace loa {

using ConnectorMap = std::map<std::string, std::unique_ptr<Connector>>;

// Checks the channels' secret files and builds every channel's connector
// through the channel type registry (connectors/registry.h), with `vault`
// for the OAuth pairs of the types that keep them; the error lists every
// channel that cannot be served and why.
Result<ConnectorMap> BuildConnectors(const Config& config, TokenVault* vault, const Clock& clock);

// Creates every folder the config names: state, media, logs, the inbox with
// accepted/ and rejected/, and the folders the channels write into (their
// types' schemas: a file channel's dir).
Status CreateFolders(const Config& config);

class Daemon {
 public:
  // Opens the store and the delivery log (the folders must exist).
  // The clock and randomness come from `env`, which must outlive the daemon.
  static Result<std::unique_ptr<Daemon>> Open(asio::io_context& io, Config config, Env& env,
                                              ConnectorMap connectors);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the engine, then the inbox watcher; after it returns OK loa takes
  // items (the caller announces readiness).
  Status Start();
  // Stops taking items, lets in-flight deliveries finish (up to
  // shutdown_timeout) and calls `done` on the io thread.
  void Stop(std::function<void()> done);
  // SIGHUP: look at the whole inbox now.
  void Rescan();
  // SIGHUP with a config that passed LoadRunnable (daemon/reload.h): creates
  // the folders it names, then hands it and its connectors to the engine and
  // the ingest; the queue is untouched. An error (a folder that cannot be
  // created) keeps the running config.
  Status Apply(std::shared_ptr<const Config> config, ConnectorMap connectors);
  // SIGHUP: deliveries.jsonl was moved away (logrotate): write to a new one.
  void ReopenDeliveryLog();

  const Config& config() const { return *config_; }
  // For the control API (daemon/control_api.h), on the io thread.
  Store& store() { return *store_; }
  Engine& engine() { return *engine_; }
  // Channels taking calls now.
  std::vector<std::string> Channels() const { return engine_->Channels(); }

  // GET /metrics (README "Metrics"), on the io thread: the counters kept
  // from the engine's events and the engine's and the store's numbers now.
  std::string MetricsText();
  // When each channel's stored credential stops working, where loa knows
  // (ChannelType::credential_expiry), for /metrics, alerts and /api/status.
  std::map<std::string, TimePoint> CredentialExpiries() const;
  // Where those credentials are read: the daemon's TokenStore, nullptr
  // when no channel keeps OAuth pairs.
  void SetTokenVault(TokenVault* vault) { vault_ = vault; }
  // How often (besides at start) expiring credentials are looked for.
  static constexpr Millis kCredentialCheckInterval = std::chrono::hours(1);

 private:
  Daemon(asio::io_context& io, Config config, Env& env);
  bool OnItem(const fs::path& path);
  // Metrics and alerts (daemon/metrics.h, daemon/alerts.h) from the engine.
  void OnEngineEvent(const EngineEvent& event);
  // Alerts expiring credentials, then looks again in kCredentialCheckInterval.
  void CheckCredentials();

  asio::io_context& io_;
  // Replaced by Apply(); shared with the engine, pointed at by the ingest.
  std::shared_ptr<const Config> config_;
  Clock& clock_;
  std::unique_ptr<Store> store_;
  Metrics metrics_;
  std::unique_ptr<Alerts> alerts_;
  asio::steady_timer credential_timer_;
  TokenVault* vault_ = nullptr;
  std::unique_ptr<DeliveryLog> delivery_log_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<InboxWatcher> watcher_;
  std::unique_ptr<IngestWorker> ingest_;
  // The editors' page in the inbox; null when the config turns it off.
  std::unique_ptr<StatusPage> status_page_;
  bool stopping_ = false;
};

// Runs the daemon in the foreground until SIGTERM/SIGINT; returns the exit
// code: 0 after a clean stop, 2 when the configuration (channels, secrets)
// does not allow starting, 1 for other start failures. SIGHUP reads
// `config_path` again (the embedded default when empty): see docs/design.md.
int RunDaemon(Config config, const fs::path& config_path = {});

}  // namespace loa
