// The real `loa daemon` binary (LOA_BINARY) reloaded with SIGHUP, as the
// unit's ExecReload= and logrotate do: a valid changed config is applied (a
// new channel delivers), an invalid one is refused with the running config
// kept, deliveries.jsonl is reopened after being moved away, and systemd
// hears RELOADING=1 then READY=1 (docs/design.md, Reload).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "tests/loa_process.h"
#include "tests/notify_socket.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using fakes::Count;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::NotifySocket;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class DaemonReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("reload-test");
    ASSERT_FALSE(dir_.empty());
    inbox_ = dir_ / "var" / "inbox";
    outbox_ = dir_ / "var" / "outbox";
    WriteConfig({});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The portal file channel plus `extra` channels; `overrides` replace
  // top-level settings.
  void WriteConfig(const json& extra, const json& overrides = json::object()) {
    json channels = {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}}};
    for (const auto& [name, channel] : extra.items()) channels[name] = channel;
    json config = {{"timezone", "+07:00"},
                   {"state_dir", "var/state"},
                   {"inbox", "var/inbox"},
                   {"log_dir", "var/log"},
                   {"settle_time", "200ms"},
                   {"rescan_interval", "1s"},
                   {"shutdown_timeout", "5s"},
                   {"channels", channels},
                   // Tests run side by side: no control server on the fixed port.
                   {"control", {{"listen", ""}}}};
    for (const auto& [key, value] : overrides.items()) config[key] = value;
    WriteText(dir_ / "loa.json", "// written by daemon_reload_test\n" + config.dump(2));
  }

  std::unique_ptr<LoaProcess> StartDaemon(std::vector<std::string> env = {}) {
    LoaCommand command(LOA_BINARY, {"daemon", "--config", (dir_ / "loa.json").string()}, dir_,
                       dir_ / "daemon.log");
    command.env = std::move(env);
    return std::make_unique<LoaProcess>(std::move(command));
  }

  // Sends SIGHUP and waits for the reload's verdict: true when applied.
  bool Reload(LoaProcess& daemon) {
    const std::string before = daemon.Log();
    const size_t done = Count(before, "\nreloaded ") + Count(before, "reload refused");
    EXPECT_EQ(::kill(daemon.pid(), SIGHUP), 0);
    std::string log;
    EXPECT_TRUE(PollUntil([&] {
      log = daemon.Log();
      return Count(log, "\nreloaded ") + Count(log, "reload refused") > done;
    })) << log;
    return Count(log, "\nreloaded ") > Count(before, "\nreloaded ");
  }

  // A text item due now on `channels`, renamed into the inbox.
  void Drop(const std::string& id, const std::vector<std::string>& channels) {
    json j = json::parse(
        ReadText(fs::path(LOA_SAMPLES_DIR) / "2026-12-02-dich-vu-cong-truc-tuyen.json"));
    j["id"] = id;
    j["publish_at"] = FormatUtc(SystemClock().Now());
    j["channels"] = channels;
    const fs::path staging = dir_ / "staging" / (id + ".json");
    fs::create_directories(staging.parent_path());
    WriteText(staging, j.dump(2));
    fs::rename(staging, inbox_ / (id + ".json"));
  }

  bool PublishedOn(const std::string& channel, const std::string& id) {
    return fs::exists(outbox_ / channel / (id + ".html"));
  }

  fs::path dir_, inbox_, outbox_;
};

TEST_F(DaemonReloadTest, AValidConfigIsAppliedAndANewChannelDelivers) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  WriteConfig({{"bulletin", {{"type", "file"}, {"dir", "var/outbox/bulletin"}}}});
  ASSERT_TRUE(Reload(*daemon)) << daemon->Log();
  Drop("reload-new-channel", {"portal", "bulletin"});
  ASSERT_TRUE(PollUntil([&] {
    return PublishedOn("bulletin", "reload-new-channel") &&
           PublishedOn("portal", "reload-new-channel");
  })) << daemon->Log();

  // The channel removed again is unknown to new items; the others go on.
  WriteConfig({});
  ASSERT_TRUE(Reload(*daemon)) << daemon->Log();
  Drop("reload-removed", {"portal", "bulletin"});
  ASSERT_TRUE(PollUntil([&] { return fs::exists(inbox_ / "rejected" / "reload-removed.json"); }))
      << daemon->Log();
  Drop("after-removal", {"portal"});
  ASSERT_TRUE(PollUntil([&] { return PublishedOn("portal", "after-removal"); })) << daemon->Log();
  EXPECT_TRUE(daemon->running());
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
  const std::string log = daemon->Log();
  EXPECT_THAT(log, HasSubstr("unknown channel \"bulletin\""));
  EXPECT_THAT(log, HasSubstr("reloaded " + (dir_ / "loa.json").string() + ": 2 channels"));
  EXPECT_THAT(log, HasSubstr("channel bulletin added by the reload"));
  EXPECT_THAT(log, HasSubstr("channel bulletin removed by the reload"));
}

TEST_F(DaemonReloadTest, AnInvalidConfigIsRefusedAndTheRunningOneStays) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();

  // Not JSON at all.
  WriteText(dir_ / "loa.json", "{ \"channels\": ");
  EXPECT_FALSE(Reload(*daemon));
  // A secret that is not there.
  WriteConfig({{"cchc",
                {{"type", "webhook"},
                 {"url", "http://127.0.0.1:9/hook"},
                 {"secret_file", "missing.secret"}}}});
  EXPECT_FALSE(Reload(*daemon));
  // Settings only a restart can change.
  WriteConfig({}, {{"inbox", "var/elsewhere"}, {"log_dir", "var/log2"}});
  EXPECT_FALSE(Reload(*daemon));

  ASSERT_TRUE(daemon->running()) << daemon->Log();
  Drop("still-running", {"portal"});
  ASSERT_TRUE(PollUntil([&] { return PublishedOn("portal", "still-running"); })) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
  const std::string log = daemon->Log();
  EXPECT_THAT(log, HasSubstr("reload refused, the running configuration stays: " +
                             (dir_ / "loa.json").string() + ": config: not valid JSON"));
  EXPECT_THAT(log, HasSubstr("reload refused, the running configuration stays: "
                             "channels.cchc.secret_file"));
  EXPECT_THAT(log, HasSubstr("reload refused, the running configuration stays: inbox changed"));
  EXPECT_THAT(log, HasSubstr("reload refused, the running configuration stays: log_dir changed"));
  EXPECT_THAT(log, HasSubstr("restart loa to apply it"));
  EXPECT_FALSE(fs::exists(dir_ / "var" / "elsewhere"));
}

TEST_F(DaemonReloadTest, ANewAlertsSectionAppliesWithoutARestart) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  // An alert command appears in the config: the next rejected item reaches it.
  const fs::path script = dir_ / "notify";
  const fs::path out = dir_ / "alerts.out";
  WriteText(script, "#!/bin/sh\ncat >> \"$1\"\necho >> \"$1\"\n");
  ::chmod(script.c_str(), 0700);
  WriteConfig({}, {{"alerts", {{"command", {script.string(), out.string()}}}}});
  ASSERT_TRUE(Reload(*daemon)) << daemon->Log();
  WriteText(inbox_ / "khong-hop-le.json", "{ not json");
  ASSERT_TRUE(PollUntil([&] { return ReadText(out).find("item_rejected") != std::string::npos; }))
      << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
  EXPECT_THAT(daemon->Log(), HasSubstr("alerts: the new alerts section applies from now"));
}

TEST_F(DaemonReloadTest, DeliveriesJsonlIsReopenedAfterBeingMovedAway) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  const fs::path jsonl = dir_ / "var" / "log" / "deliveries.jsonl";
  Drop("before-rotate", {"portal"});
  ASSERT_TRUE(PollUntil([&] { return ReadText(jsonl).find("before-rotate") != std::string::npos; }))
      << daemon->Log();
  fs::rename(jsonl, dir_ / "var" / "log" / "deliveries.jsonl.1");
  ASSERT_TRUE(Reload(*daemon)) << daemon->Log();
  Drop("after-rotate", {"portal"});
  ASSERT_TRUE(PollUntil([&] {
    return fs::exists(jsonl) && ReadText(jsonl).find("after-rotate") != std::string::npos;
  })) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
  // The new file continues where the moved one ended: no history repeated.
  EXPECT_THAT(ReadText(jsonl), Not(HasSubstr("before-rotate")));
  EXPECT_THAT(ReadText(dir_ / "var" / "log" / "deliveries.jsonl.1"),
              Not(HasSubstr("after-rotate")));
}

TEST_F(DaemonReloadTest, SystemdHearsReloadingThenReady) {
  NotifySocket systemd(dir_ / "notify");
  ASSERT_TRUE(systemd.bound()) << std::strerror(errno);
  auto daemon = StartDaemon({systemd.env()});
  ASSERT_TRUE(PollUntil([&] { return systemd.Find("READY=1") >= 0; })) << daemon->Log();
  const size_t before = systemd.Receive().size();
  ASSERT_EQ(::kill(daemon->pid(), SIGHUP), 0);
  int reloading = -1;
  ASSERT_TRUE(PollUntil([&] {
    reloading = systemd.Find("RELOADING=1", before);
    return reloading >= 0 && systemd.Find("READY=1", static_cast<size_t>(reloading) + 1) >= 0;
  })) << daemon->Log();
  EXPECT_THAT(systemd.Receive()[static_cast<size_t>(reloading)], HasSubstr("MONOTONIC_USEC="));
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
}

// WatchdogSec=: pinged from the event loop at half the interval.
TEST_F(DaemonReloadTest, TheWatchdogIsPingedFromTheEventLoop) {
  NotifySocket systemd(dir_ / "notify");
  ASSERT_TRUE(systemd.bound()) << std::strerror(errno);
  auto daemon = StartDaemon({systemd.env(), "WATCHDOG_USEC=400000"});
  ASSERT_TRUE(PollUntil([&] {
    int pings = 0;
    for (const auto& m : systemd.Receive()) pings += m.find("WATCHDOG=1") != std::string::npos;
    return pings >= 3;
  })) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace loa
