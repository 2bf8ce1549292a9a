#include "daemon/daemon.h"

#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <utility>

#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "connectors/registry.h"
#include "daemon/control_server.h"
#include "daemon/control_token.h"
#include "daemon/ingest.h"
#include "daemon/ingest_worker.h"
#include "daemon/instance_lock.h"
#include "daemon/notify.h"
#include "daemon/reload.h"
#include "queue/sqlite_store.h"
#include "queue/token_store.h"

namespace loa {

namespace {

std::string ChannelList(const Config& config) { return Join(config.ChannelNames()); }

std::string Channels(size_t n) { return std::to_string(n) + (n == 1 ? " channel" : " channels"); }

const char* SignalName(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// What the daemon creates is private to its user and group: the database
// holds OAuth tokens, the outbox and media hold items before their time.
// The umask is only ever tightened, never loosened (an admin's 0077 stays).
constexpr mode_t kPrivateUmask = 0027;

// Files an older loa (or one started under umask 022) may have left readable
// by everyone: the umask only covers files created from now on.
void TightenStateFiles(const Config& config) {
  const fs::path db = config.DatabasePath();
  for (const fs::path& path : {db, fs::path(db.string() + "-wal"), fs::path(db.string() + "-shm"),
                               config.DeliveryLogPath()}) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if ((st.st_mode & kPrivateUmask) == 0) continue;
    const mode_t tight = st.st_mode & 07777 & ~kPrivateUmask;
    if (::chmod(path.c_str(), tight) != 0) {
      LogWarning(Quoted(path.string()) + " is readable or writable by others (mode " +
                 Mode(st.st_mode) + ") and cannot be tightened: " + std::strerror(errno) +
                 "; run chmod o-rwx,g-w on it");
      continue;
    }
    LogWarning("tightened the permissions of " + Quoted(path.string()) + " from " +
               Mode(st.st_mode) + " to " + Mode(tight) + " (it was open to other users)");
  }
}

std::string ReadyLine(const Daemon& d) {
  return "loa ready: " + Channels(d.Channels().size()) + ", inbox " + d.config().inbox.string();
}

// SIGHUP (the unit's ExecReload=): the config and every credential read
// again, applied only when all of it is good; deliveries.jsonl reopened for
// logrotate; the inbox looked at. See docs/design.md (Reload).
void Reload(Daemon& d, const fs::path& config_path, std::unique_ptr<TokenStore>& tokens,
            const Clock& clock) {
  NotifyReloading();
  const std::string source = config_path.empty() ? "the embedded default" : config_path.string();
  LogInfo("reloading " + source + " (SIGHUP)");
  d.ReopenDeliveryLog();
  auto runnable = LoadRunnable(config_path, d.config(), tokens, clock);
  d.SetTokenVault(tokens.get());  // a reload may have opened it
  Status applied = Ok{};
  if (runnable.ok()) {
    applied = d.Apply(std::move(runnable->config), std::move(runnable->connectors));
  } else {
    applied = Error{runnable.error()};
  }
  if (applied.ok()) {
    LogInfo("reloaded " + source + ": " + Channels(d.Channels().size()) + " (" +
            Join(d.Channels(), ", ") + ")");
  } else {
    // One log line per problem: a Log() call is one line.
    std::istringstream problems(applied.error());
    for (std::string line; std::getline(problems, line);) {
      if (!line.empty()) LogError("reload refused, the running configuration stays: " + line);
    }
  }
  d.Rescan();
  NotifyReady(ReadyLine(d));
}

// The control server on the running daemon's store and engine, with its
// token (made at first start when the config names no token_file).
Result<std::unique_ptr<ControlServer>> StartControlServer(asio::io_context& io, Daemon& d,
                                                          const Clock& clock) {
  auto token = LoadControlToken(d.config(), /*create=*/true);
  if (!token.ok()) return token.failure();
  ControlSources sources;
  sources.store = &d.store();
  sources.engine = &d.engine();
  sources.config = [&d]() -> const Config& { return d.config(); };
  sources.clock = &clock;
  sources.version = LOA_VERSION;
  sources.metrics_text = [&d] { return d.MetricsText(); };
  sources.token_expiry = [&d] { return d.CredentialExpiries(); };
  ControlServerOptions options;
  options.address = d.config().control.address;
  options.token = std::move(token).value();
  auto server = std::make_unique<ControlServer>(io, std::move(sources), std::move(options));
  if (Status st = server->Start(); !st.ok()) return st.failure();
  return server;
}

}  // namespace

Result<ConnectorMap> BuildConnectors(const Config& config, TokenVault* vault, const Clock& clock) {
  if (auto st = CheckSecrets(config); !st.ok()) return Error{st.error()};
  ConnectorMap connectors;
  std::string errors;
  for (const auto& [name, channel] : config.channels) {
    auto connector = MakeConnector(channel, config, vault, clock);
    if (!connector.ok()) {
      errors +=
          (errors.empty() ? "" : "\n") + std::string("channels.") + name + ": " + connector.error();
      continue;
    }
    connectors.emplace(name, std::move(connector).value());
  }
  if (!errors.empty()) return Error{errors};
  return connectors;
}

Status CreateFolders(const Config& config) {
  std::vector<fs::path> dirs = {
      config.state_dir, config.MediaDir(),         config.log_dir,
      config.inbox,     config.inbox / "accepted", config.inbox / "rejected"};
  for (const auto& dir : ChannelFolders(config)) dirs.push_back(dir);
  for (const auto& dir : dirs) {
    if (auto st = EnsureDir(dir); !st.ok()) return st;
  }
  return Ok{};
}

Daemon::Daemon(asio::io_context& io, Config config, Env& env)
    : io_(io),
      config_(std::make_shared<const Config>(std::move(config))),
      clock_(env.clock()),
      credential_timer_(io) {}

Daemon::~Daemon() {
  // The watcher hands items to ingest, ingest commits to the store and
  // wakes the engine, and the engine uses the store: tear down in that
  // order (the ingest worker's thread is joined here).
  watcher_.reset();
  ingest_.reset();
  engine_.reset();
}

Result<std::unique_ptr<Daemon>> Daemon::Open(asio::io_context& io, Config config, Env& env,
                                             ConnectorMap connectors) {
  std::unique_ptr<Daemon> d(new Daemon(io, std::move(config), env));
  auto store = SqliteStore::Open(d->config_->DatabasePath());
  if (!store.ok()) return Error{"cannot open the store: " + store.error()};
  d->store_ = std::move(store).value();
  auto log = DeliveryLog::Open(d->config_->DeliveryLogPath());
  if (!log.ok()) return Error{"cannot open the delivery log: " + log.error()};
  d->delivery_log_ = std::move(log).value();
  auto alerts = Alerts::Create(*d->config_, d->clock_);
  if (!alerts.ok()) return Error{"cannot start the alerts: " + alerts.error()};
  d->alerts_ = std::move(alerts).value();
  d->engine_ = std::make_unique<Engine>(io, d->config_, *d->store_, *d->delivery_log_, env,
                                        std::move(connectors));
  InboxWatcherOptions options;
  options.inbox = d->config_->inbox;
  options.settle_time = d->config_->settle_time;
  options.rescan_interval = d->config_->rescan_interval;
  options.status_page = d->config_->status_page;
  if (!d->config_->status_page.empty()) {
    d->status_page_ = std::make_unique<StatusPage>(io, *d->store_, d->config_.get(), d->clock_);
  }
  Daemon* raw = d.get();
  d->engine_->SetEventSink([raw](const EngineEvent& event) { raw->OnEngineEvent(event); });
  IngestContext ctx;
  ctx.config = d->config_.get();
  ctx.store = d->store_.get();
  ctx.delivery_log = d->delivery_log_.get();
  ctx.clock = &d->clock_;
  ctx.wake = [raw] { raw->engine_->Wake(); };
  d->ingest_ =
      std::make_unique<IngestWorker>(io, std::move(ctx), [raw](const IngestResult& result) {
        NotifyStatus("ready; last item: " + result.message);
        raw->alerts_->OnIngest(result);  // a rejection reaches its editor
        if (raw->status_page_ && result.kind != IngestResult::Kind::kError) {
          raw->status_page_->Changed();
        }
      });
  d->watcher_ = std::make_unique<InboxWatcher>(
      io, options, d->clock_, [raw](const fs::path& path) { return raw->OnItem(path); });
  return d;
}

Status Daemon::Start() {
  engine_->Start();
  CheckCredentials();
  if (status_page_) status_page_->Changed();  // what loa holds at start
  return watcher_->Start();
}

void Daemon::OnEngineEvent(const EngineEvent& event) {
  metrics_.OnEvent(event);
  // The row just committed is the store's last (only this thread writes).
  int64_t seq = 0;
  if (event.kind == EngineEvent::Kind::kAttempt) {
    if (Result<int64_t> last = store_->LastAttemptSeq(); last.ok()) seq = *last;
  }
  alerts_->OnEngineEvent(event, seq);
  if (status_page_ && (event.kind == EngineEvent::Kind::kAttempt ||
                       event.kind == EngineEvent::Kind::kUncertainFinal)) {
    status_page_->Changed();
  }
}

void Daemon::CheckCredentials() {
  if (stopping_) return;
  alerts_->CheckCredentials(CredentialExpiries());
  credential_timer_.expires_after(kCredentialCheckInterval);
  credential_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) CheckCredentials();
  });
}

std::map<std::string, TimePoint> Daemon::CredentialExpiries() const {
  if (vault_ == nullptr) return {};
  return loa::CredentialExpiries(*config_, *vault_);
}

std::string Daemon::MetricsText() {
  MetricsGauges g;
  g.now = clock_.Now();
  g.channels = engine_->Channels();
  auto depths = store_->QueueDepths();
  g.queue_known = depths.ok();
  if (depths.ok()) g.queue = std::move(depths).value();
  for (const auto& [name, why] : engine_->PausedChannels()) g.paused.insert(name);
  g.in_flight = engine_->InFlight();
  g.held_outcomes = engine_->HeldOutcomes();
  g.credential_expiry = CredentialExpiries();
  return metrics_.Render(g);
}

void Daemon::Stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  credential_timer_.cancel();
  if (status_page_) status_page_->Stop();
  watcher_->Stop();
  ingest_->Stop();
  engine_->Stop(std::move(done));
}

void Daemon::Rescan() {
  if (stopping_) return;
  LogInfo("rescanning inbox " + config_->inbox.string());
  watcher_->Rescan();
}

Status Daemon::Apply(std::shared_ptr<const Config> config, ConnectorMap connectors) {
  if (stopping_) return Error{"loa is stopping"};
  // A new file channel's folder, before its first call.
  if (auto st = CreateFolders(*config); !st.ok()) return st;
  if (!(config->alerts == config_->alerts)) {
    // Before anything else changes: a destination that cannot be set up
    // refuses the whole reload.
    auto fresh = Alerts::Create(*config, clock_);
    if (!fresh.ok()) return Error{fresh.error()};
    (*fresh)->TakeOver(std::move(alerts_));
    alerts_ = std::move(fresh).value();
    LogInfo("alerts: the new alerts section applies from now");
  }
  config_ = std::move(config);
  ingest_->SetConfig(config_.get());
  if (status_page_) status_page_->SetConfig(config_.get());
  engine_->Reconfigure(config_, std::move(connectors));
  return Ok{};
}

void Daemon::ReopenDeliveryLog() {
  if (auto st = delivery_log_->Reopen(); !st.ok()) {
    LogError("delivery log: " + st.error() +
             "; lines are written once it can be opened (the store keeps every attempt)");
  }
}

bool Daemon::OnItem(const fs::path& path) {
  if (stopping_) return false;
  // Read, checked and its media copied on the ingest worker; committed back
  // here on the io thread. Refused only when too many items wait: the
  // watcher offers it again shortly.
  return ingest_->Offer(path);
}

int RunDaemon(Config config, const fs::path& config_path) {
  // Before anything is created: the state folder, lock, database, media
  // and outbox files all come out private (0640, folders 0750).
  const mode_t old_umask = ::umask(kPrivateUmask);
  ::umask(old_umask | kPrivateUmask);
  LogInfo("loa starting: " + Channels(config.channels.size()) + " (" + ChannelList(config) +
          "), state " + config.state_dir.string());

  // The lock comes before the store is opened (the token store first, for
  // the connectors' OAuth pairs) and before anything is reconciled, and is
  // held until exit.
  if (auto st = EnsureDir(config.state_dir); !st.ok()) {
    LogError("loa cannot start: " + st.error());
    return 1;
  }
  bool held_by_other = false;
  auto lock = InstanceLock::Acquire(config.state_dir / "loa.lock", held_by_other);
  if (!lock.ok()) {
    LogError("loa cannot start: " + lock.error());
    return held_by_other ? 2 : 1;
  }
  TightenStateFiles(config);

  asio::io_context io;
  // From here on SIGTERM/SIGINT/SIGHUP are queued for the handler below
  // rather than killing a half-started daemon.
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  // Connectors that keep OAuth pairs (Zalo) keep them here; it outlives
  // them (declared before the daemon that owns them). Opened only for such
  // a channel, and only once its secrets are known to be there, so that a
  // configuration problem leaves no database behind.
  std::unique_ptr<TokenStore> tokens;
  if (NeedsTokenVault(config) && CheckSecrets(config).ok()) {
    auto opened = TokenStore::Open(config.DatabasePath());
    if (!opened.ok()) {
      LogError("loa cannot start: cannot open the token store: " + opened.error());
      return 1;
    }
    tokens = std::move(opened).value();
  }
  SystemEnv env;
  auto connectors = BuildConnectors(config, tokens.get(), env.clock());
  if (!connectors.ok()) {
    // One log line per problem: a Log() call is one line.
    std::istringstream problems(connectors.error());
    for (std::string line; std::getline(problems, line);) {
      LogError("loa cannot start: channel problem: " + line);
    }
    return 2;
  }
  if (auto st = CreateFolders(config); !st.ok()) {
    LogError("loa cannot start: " + st.error());
    return 1;
  }

  auto daemon = Daemon::Open(io, std::move(config), env, std::move(connectors).value());
  if (!daemon.ok()) {
    LogError("loa cannot start: " + daemon.error());
    return 1;
  }
  Daemon& d = **daemon;
  d.SetTokenVault(tokens.get());
  // Bound before the daemon starts, so that an address in use stops loa
  // before it sends anything; requests wait for the io thread, which runs
  // once loa is ready.
  std::unique_ptr<ControlServer> control;
  if (d.config().control.enabled()) {
    auto started = StartControlServer(io, d, env.clock());
    if (!started.ok()) {
      LogError("loa cannot start: " + started.error());
      return 1;
    }
    control = std::move(started).value();
  }
  if (auto st = d.Start(); !st.ok()) {
    LogError("loa cannot start: " + st.error());
    return 1;
  }

  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
          if (!stopping) Reload(d, config_path, tokens, env.clock());
        } else if (!stopping) {
          stopping = true;
          LogInfo(std::string("loa stopping (") + SignalName(signo) +
                  "): finishing deliveries under way");
          NotifyStopping();
          if (control) control->BeginStop();
          d.Stop([&io] { io.stop(); });
        } else {
          LogInfo("loa is already stopping; waiting for deliveries under way");
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  asio::steady_timer watchdog(io);
  std::function<void()> arm_watchdog;
  if (auto period = WatchdogPeriod()) {
    arm_watchdog = [&, p = *period] {
      NotifyWatchdog();
      watchdog.expires_after(p);
      watchdog.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) arm_watchdog();
      });
    };
    arm_watchdog();
  }

  std::string ready = ReadyLine(d);
  LogInfo(ready);
  NotifyReady(ready);
  io.run();
  // No API call may reach the store or engine once they are gone.
  if (control) control->Stop();
  control.reset();
  daemon->reset();
  LogInfo("loa stopped");
  return 0;
}

}  // namespace loa
