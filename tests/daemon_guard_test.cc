// The real `loa daemon` binary (LOA_BINARY) guarding its state folder:
// one instance per state folder, files private to its user and group even
// under umask 022, secret files readable by others refused, and file names
// from the inbox unable to forge a log line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHookSecret = "guard-test-webhook-secret-81c2";

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 07777;  // fails every check below
  return st.st_mode & 07777;
}

std::string Octal(mode_t mode) {
  std::ostringstream out;
  out << std::oct << mode;
  return out.str();
}

class DaemonGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("guard-test");
    ASSERT_FALSE(dir_.empty());
    inbox_ = dir_ / "var" / "inbox";
    outbox_ = dir_ / "var" / "outbox";
    state_ = dir_ / "var" / "state";
    WriteConfig(dir_ / "loa.json", {});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Two file channels, plus `extra` channels.
  void WriteConfig(const fs::path& path, const json& extra) {
    json channels = {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
                     {"legal-aid", {{"type", "file"}, {"dir", "var/outbox/legal-aid"}}}};
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
    WriteText(path, "// written by daemon_guard_test\n" + config.dump(2));
  }

  // `loa args...` in the test's folder, under `umask`, output into `log_name`.
  std::unique_ptr<LoaProcess> Start(std::vector<std::string> args, const std::string& log_name,
                                    mode_t umask = 022) {
    LoaCommand command(LOA_BINARY, std::move(args), dir_, dir_ / log_name);
    command.umask = umask;
    return std::make_unique<LoaProcess>(std::move(command));
  }

  std::unique_ptr<LoaProcess> StartDaemon(const std::string& log_name, mode_t umask = 022) {
    return Start({"daemon", "--config", (dir_ / "loa.json").string()}, log_name, umask);
  }

  // Writes the item outside the inbox, then renames it in.
  void Drop(const std::string& name, const std::function<void(const fs::path&)>& write) {
    fs::path staging = dir_ / "staging" / name;
    fs::create_directories(staging.parent_path());
    write(staging);
    fs::rename(staging, inbox_ / name);
  }

  // The sample with an image, due now on both file channels.
  void DropSampleWithMedia(const std::string& id) {
    Drop(id, [&](const fs::path& to) {
      fs::path from = fs::path(LOA_SAMPLES_DIR) / "2026-12-10-infographic-de-an-06";
      fs::create_directories(to);
      for (const auto& e : fs::directory_iterator(from)) {
        WriteText(to / e.path().filename(), ReadText(e.path()));
      }
      json j = json::parse(ReadText(from / "post.json"));
      j["id"] = id;
      j["publish_at"] = FormatUtc(SystemClock().Now());
      j["channels"] = {"portal", "legal-aid"};
      WriteText(to / "post.json", j.dump(2));
    });
  }

  bool Published(const std::string& id) {
    return fs::exists(outbox_ / "portal" / (id + ".html")) &&
           fs::exists(outbox_ / "legal-aid" / (id + ".html"));
  }

  fs::path dir_, inbox_, outbox_, state_;
};

TEST_F(DaemonGuardTest, ASecondDaemonOnTheSameStateFolderExitsNamingTheFirst) {
  auto first = StartDaemon("first.log");
  ASSERT_TRUE(first->WaitReady()) << first->Log();

  auto second = StartDaemon("second.log");
  EXPECT_EQ(second->Wait(), 2) << second->Log();
  const std::string refused = second->Log();
  EXPECT_THAT(refused, HasSubstr("pid " + std::to_string(first->pid())));
  EXPECT_THAT(refused, HasSubstr(state_.string()));
  EXPECT_THAT(refused, Not(HasSubstr("loa ready")));

  // The first is unaffected: still running, still publishing.
  ASSERT_TRUE(first->running()) << first->Log();
  DropSampleWithMedia("guard-after-second");
  EXPECT_TRUE(PollUntil([&] { return Published("guard-after-second"); })) << first->Log();

  // Killed without a chance to clean up: the lock file stays, the kernel's
  // lock does not, and a new daemon starts and takes over the lock.
  EXPECT_EQ(first->Stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(fs::exists(state_ / "loa.lock"));
  auto third = StartDaemon("third.log");
  ASSERT_TRUE(third->WaitReady()) << third->Log();
  EXPECT_EQ(ReadText(state_ / "loa.lock"), std::to_string(third->pid()) + "\n");
  EXPECT_EQ(third->Stop(SIGTERM), 0) << third->Log();
}

TEST_F(DaemonGuardTest, EverythingItCreatesIsPrivateUnderUmask022) {
  auto daemon = StartDaemon("daemon.log", 022);
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  const std::string id = "guard-private";
  DropSampleWithMedia(id);
  ASSERT_TRUE(PollUntil([&] { return Published(id); })) << daemon->Log();
  ASSERT_TRUE(PollUntil([&] { return !ReadText(dir_ / "var/log/deliveries.jsonl").empty(); }));

  // While it runs, so that the WAL and its index exist.
  std::vector<fs::path> files = {state_ / "loa.db", state_ / "loa.db-wal", state_ / "loa.db-shm",
                                 state_ / "loa.lock", dir_ / "var/log/deliveries.jsonl"};
  std::vector<fs::path> folders = {state_,
                                   state_ / "media",
                                   dir_ / "var/log",
                                   outbox_ / "portal",
                                   outbox_ / "legal-aid",
                                   inbox_ / "accepted",
                                   inbox_ / "rejected"};
  for (const fs::path& root : {state_ / "media", outbox_ / "portal", outbox_ / "legal-aid"}) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      (e.is_directory() ? folders : files).push_back(e.path());
    }
  }
  EXPECT_GE(files.size(), 5u + 1u + 2u * 4u);  // state, one stored image, 4 outputs per channel
  for (const auto& f : files) {
    ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(f))) << f;
    EXPECT_EQ(ModeOf(f) & 0027, 0u) << f << " is " << Octal(ModeOf(f));
  }
  for (const auto& d : folders) {
    ASSERT_TRUE(fs::is_directory(fs::symlink_status(d))) << d;
    EXPECT_EQ(ModeOf(d) & 0027, 0u) << d << " is " << Octal(ModeOf(d));
  }
  EXPECT_EQ(daemon->Stop(SIGTERM), 0) << daemon->Log();
}

TEST_F(DaemonGuardTest, StateFilesOpenToOthersAreTightenedAtStart) {
  WriteText(state_ / "loa.db", "");  // an empty file is an empty SQLite database
  WriteText(dir_ / "var/log/deliveries.jsonl", "");
  fs::permissions(state_ / "loa.db", fs::perms(0644));
  fs::permissions(dir_ / "var/log/deliveries.jsonl", fs::perms(0666));

  auto daemon = StartDaemon("daemon.log");
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  EXPECT_EQ(ModeOf(state_ / "loa.db"), 0640u) << Octal(ModeOf(state_ / "loa.db"));
  EXPECT_EQ(ModeOf(dir_ / "var/log/deliveries.jsonl"), 0640u);
  const std::string log = daemon->Log();
  EXPECT_THAT(log, HasSubstr("tightened the permissions of \"" + (state_ / "loa.db").string() +
                             "\" from 0644 to 0640"));
  EXPECT_THAT(log, HasSubstr("deliveries.jsonl\" from 0666 to 0640"));
  EXPECT_EQ(daemon->Stop(SIGTERM), 0) << daemon->Log();
}

TEST_F(DaemonGuardTest, ASecretFileOthersCanReadIsRefused) {
  WriteConfig(dir_ / "loa.json", {{"cchc",
                                   {{"type", "webhook"},
                                    {"url", "http://127.0.0.1:9/hook"},
                                    {"secret_file", "cchc.secret"}}}});
  const fs::path secret = dir_ / "cchc.secret";
  WriteText(secret, std::string(kHookSecret) + "\n");
  // As the user the daemon below runs as (root would otherwise check as
  // `loa` where that user exists).
  struct passwd* self = ::getpwuid(::geteuid());
  ASSERT_NE(self, nullptr);
  const std::vector<std::string> config_check = {
      "config", "check", "--config", (dir_ / "loa.json").string(), "--user", self->pw_name};

  for (mode_t mode : {0644, 0602}) {
    fs::permissions(secret, fs::perms(mode));
    auto check = Start(config_check, "check.log");
    EXPECT_EQ(check->Wait(), 2) << check->Log();  // a configuration error, as the daemon's
    auto daemon = StartDaemon("daemon.log");
    EXPECT_EQ(daemon->Wait(), 2) << daemon->Log();
    for (const std::string& out : {check->Log(), daemon->Log()}) {
      EXPECT_THAT(out, HasSubstr("channels.cchc.secret_file: secret file " + secret.string()));
      EXPECT_THAT(out, HasSubstr(mode == 0644 ? "readable by other users (mode 0644)"
                                              : "writable by other users (mode 0602)"));
      EXPECT_THAT(out, HasSubstr("chmod 600 " + secret.string()));
      EXPECT_THAT(out, Not(HasSubstr(kHookSecret)));
    }
    EXPECT_THAT(daemon->Log(), Not(HasSubstr("loa ready")));
  }

  // Readable by its group only is private enough (systemd credentials are 0440).
  fs::permissions(secret, fs::perms(0640));
  auto check = Start(config_check, "check.log");
  EXPECT_EQ(check->Wait(), 0) << check->Log();
  auto daemon = StartDaemon("daemon.log");
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0) << daemon->Log();
}

TEST_F(DaemonGuardTest, FileNamesCannotForgeLogLines) {
  auto daemon = StartDaemon("daemon.log");
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  const std::vector<std::string> names = {
      "x\nloa ready: forged.json",
      "bell\a\x1b[2K\rloa ready: esc.json",
      "bad\xff\xfe\nloa ready: utf8.json",
  };
  for (const auto& name : names) {
    Drop(name, [](const fs::path& to) { WriteText(to, R"({"title": "t"})"); });
  }
  // Each is rejected, its report beside it.
  ASSERT_TRUE(PollUntil([&] {
    for (const auto& name : names) {
      if (!fs::exists(inbox_ / "rejected" / name)) return false;
    }
    return true;
  })) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);

  const std::string log = daemon->Log();
  std::istringstream lines(log);
  int ready_lines = 0;
  for (std::string line; std::getline(lines, line);) ready_lines += line.rfind("loa ready", 0) == 0;
  EXPECT_EQ(ready_lines, 1) << log;
  // The forged text is there, escaped and quoted, and nothing raw is.
  EXPECT_THAT(log, HasSubstr("rejected \"x\\nloa ready: forged.json\""));
  EXPECT_THAT(log, HasSubstr("rejected \"bell\\x07\\x1b[2K\\rloa ready: esc.json\""));
  EXPECT_THAT(log, HasSubstr("rejected \"bad\\xff\\xfe\\nloa ready: utf8.json\""));
  for (char raw : {'\a', '\x1b', '\r', '\xff', '\xfe'}) {
    EXPECT_EQ(log.find(raw), std::string::npos) << "raw byte " << int(raw) << " in:\n" << log;
  }
}

}  // namespace
}  // namespace loa
