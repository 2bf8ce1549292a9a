// A reload (SIGHUP) applied to the running engine: new settings, new
// connectors, channels added and removed, without touching the queue.
// See Engine::Reconfigure and docs/design.md (Reload).
#include <utility>

#include "base/log.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

void Engine::Reconfigure(std::shared_ptr<const Config> config,
                         std::map<std::string, std::unique_ptr<Connector>> connectors) {
  config_ = std::move(config);
  const TimePoint now = clock_.Now();
  std::vector<std::string> retire;
  for (auto& [name, rt] : channels_) {
    auto channel = config_->channels.find(name);
    if (channel == config_->channels.end()) {
      rt->next_connector.reset();
      if (!rt->removed) {
        rt->removed = true;
        LogInfo("channel " + name +
                " removed by the reload: it takes no more calls; its deliveries stay in the "
                "store as they are");
      }
      if (rt->in_flight == 0) retire.push_back(name);
      continue;
    }
    if (rt->removed) LogInfo("channel " + name + " is back in the config: it takes calls again");
    rt->removed = false;
    rt->config = channel->second;
    rt->worker.SetMaxThreads(rt->config.concurrency);
    auto connector = connectors.find(name);
    if (connector == connectors.end() || !connector->second) continue;
    rt->next_connector = std::move(connector->second);
    connectors.erase(connector);
    // New credentials may be what the pause waits for: try them now.
    if (rt->pause) rt->pause->probe_at = now;
    if (rt->in_flight == 0) BetweenCalls(*rt);
  }
  for (const auto& name : retire) RetireChannel(name);
  for (auto& [name, connector] : connectors) {
    auto channel = config_->channels.find(name);
    if (!connector || channel == config_->channels.end()) continue;
    if (channels_.count(name)) continue;  // a runtime kept its connector above
    channels_.emplace(name,
                      std::make_unique<ChannelRuntime>(io_, channel->second, std::move(connector)));
    LogInfo("channel " + name + " added by the reload");
  }
  for (const auto& [name, channel] : config_->channels) {
    if (!channels_.count(name)) {
      LogWarning("channel " + name + " has no connector: its deliveries stay scheduled");
    }
  }
  if (!stopping_) Wake();
}

std::vector<std::string> Engine::Channels() const {
  std::vector<std::string> names;
  for (const auto& [name, rt] : channels_) {
    if (!rt->removed) names.push_back(name);
  }
  return names;
}

void Engine::BetweenCalls(ChannelRuntime& rt) {
  if (rt.next_connector) {
    // The old connector's last user was the call just settled (its worker
    // job has let go of it): it is destroyed here, on the io thread.
    rt.connector = std::move(rt.next_connector);
    LogInfo("channel " + rt.config.name + ": reloaded connector in place");
  }
  if (rt.removed) {
    // Not from inside the answer being handled: the runtime it refers to
    // must outlive it.
    asio::post(io_, WhileAlive(alive_, [this, name = rt.config.name] { RetireChannel(name); }));
  }
}

void Engine::RetireChannel(const std::string& name) {
  auto it = channels_.find(name);
  if (it == channels_.end() || !it->second->removed || it->second->in_flight > 0) return;
  // The worker is idle: its thread ends at once.
  it->second->worker.RequestStop(std::chrono::seconds(2));
  channels_.erase(it);
  LogInfo("channel " + name + " stopped (removed by the reload)");
}

}  // namespace loa
