// The alert command runner (daemon/alert_command.h): stdin delivered whole,
// the exit status read, no shell, a timeout that kills the program and what
// it started, a cancel, and a program that ignores its stdin.
#include "daemon/alert_command.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class AlertCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("alert-command");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Script(const std::string& name, const std::string& body) {
    fs::path p = dir_ / name;
    fakes::WriteText(p, "#!/bin/sh\n" + body);
    ::chmod(p.c_str(), 0700);
    return p.string();
  }
  fs::path dir_;
  std::atomic<bool> no_cancel_{false};
};

TEST_F(AlertCommandTest, GivesStdinWholeAndArgumentsAsTheyAre) {
  const std::string out = (dir_ / "out").string();
  const std::string script = Script("copy", "cat > \"$1\"\nprintf '%s' \"$2\" > \"$1.arg\"\n");
  std::string input(300 * 1024, 'x');  // more than a pipe holds
  input += "\n{\"event\": \"missed\"} $(reboot) `id`";
  Status st = RunAlertCommand({script, out, "$(id); rm -rf /"}, input, 10s, no_cancel_);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(fakes::ReadText(out), input);
  EXPECT_EQ(fakes::ReadText(out + ".arg"), "$(id); rm -rf /");
}

TEST_F(AlertCommandTest, ReportsHowItEnded) {
  Status failed = RunAlertCommand({Script("fail", "exit 3\n")}, "{}", 10s, no_cancel_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), "exited with status 3");
  Status missing = RunAlertCommand({(dir_ / "nowhere").string()}, "{}", 10s, no_cancel_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot run"), std::string::npos) << missing.error();
  Status relative = RunAlertCommand({"notify"}, "{}", 10s, no_cancel_);
  EXPECT_FALSE(relative.ok());
}

TEST_F(AlertCommandTest, ProgramThatIgnoresStdinDoesNotHurtTheCaller) {
  // It exits at once; writing 1 MiB to it meets a closed pipe (EPIPE, not
  // a SIGPIPE that would end the test process).
  Status st =
      RunAlertCommand({Script("ignore", "exit 0\n")}, std::string(1 << 20, 'y'), 10s, no_cancel_);
  EXPECT_TRUE(st.ok()) << st.error();
}

TEST_F(AlertCommandTest, TimeoutKillsTheProgramAndWhatItStarted) {
  const fs::path pid_file = dir_ / "child.pid";
  const std::string script =
      Script("hang", "sleep 60 &\necho $! > \"" + pid_file.string() + "\"\nwait\n");
  const auto start = std::chrono::steady_clock::now();
  Status st = RunAlertCommand({script}, "{}", 300ms, no_cancel_);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("killed after"), std::string::npos) << st.error();
  EXPECT_LT(took, 5s);
  // The sleep it started went with it (its process group was killed).
  const pid_t child = std::stoi(fakes::ReadText(pid_file));
  EXPECT_TRUE(fakes::PollUntil([&] { return ::kill(child, 0) != 0; }, 5s));
}

TEST_F(AlertCommandTest, CancelStopsItAtOnce) {
  std::atomic<bool> cancel{false};
  std::thread stopper([&] {
    // Cancel once the program runs: a bounded wait for another thread.
    fakes::PollUntil([&] { return fs::exists(dir_ / "started"); }, 10s);
    cancel = true;
  });
  const std::string script =
      Script("slow", "touch \"" + (dir_ / "started").string() + "\"\nsleep 60\n");
  Status st = RunAlertCommand({script}, "{}", 60s, cancel);
  stopper.join();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("loa is stopping"), std::string::npos) << st.error();
}

}  // namespace
}  // namespace loa
