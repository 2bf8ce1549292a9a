// The `loa` command line, run as the real binary (LOA_BINARY) in a temp
// folder, as editors and administrators run it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/registry.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

struct RunResult {
  int exit_code = -1;  // -1: killed after the time limit
  std::string out;
  std::string err;
};

// Runs `loa args...` in `cwd` with stdout and stderr captured in files,
// killing it if it is still running after `limit`.
// `wrapper` goes before the binary (setpriv, to run it as another user).
// The name of the user the tests run as.
std::string Self() {
  struct passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

// `config check` checks as the test's own user unless the test names one:
// run as root on a machine where the package created the `loa` user, it
// would check as `loa`, who cannot enter the tests' private folders.
std::vector<std::string> WithUser(std::vector<std::string> args) {
  if (args.size() >= 2 && args[0] == "config" && args[1] == "check" &&
      std::find(args.begin(), args.end(), "--user") == args.end()) {
    args.push_back("--user");
    args.push_back(Self());
  }
  return args;
}

RunResult RunLoa(const fs::path& cwd, const std::vector<std::string>& args,
                 std::chrono::seconds limit = std::chrono::seconds(20),
                 const std::vector<std::string>& wrapper = {},
                 const std::vector<std::string>& env = {}) {
  fakes::LoaCommand command(LOA_BINARY, WithUser(args), cwd, cwd / ".loa-stdout");
  command.err = cwd / ".loa-stderr";
  command.wrapper = wrapper;
  command.env = env;
  RunResult r;
  {
    fakes::LoaProcess loa(std::move(command));
    r.exit_code = loa.Wait(limit);
  }  // killed here if it still runs
  r.out = ReadText(cwd / ".loa-stdout");
  r.err = ReadText(cwd / ".loa-stderr");
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("cli-test");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Sample(const std::string& name) { return fs::path(LOA_SAMPLES_DIR) / name; }

  fs::path dir_;
};

const char* kSamples[] = {"2026-12-02-dich-vu-cong-truc-tuyen.json",
                          "2026-12-05-tap-huan-kiem-soat-tthc.json",
                          "2026-12-10-infographic-de-an-06"};

TEST_F(CliTest, VersionAndUsage) {
  RunResult version = RunLoa(dir_, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("loa "));

  RunResult none = RunLoa(dir_, {});
  EXPECT_EQ(none.exit_code, 2);
  RunResult unknown = RunLoa(dir_, {"publish-now"});
  EXPECT_EQ(unknown.exit_code, 2);
  RunResult no_paths = RunLoa(dir_, {"check"});
  EXPECT_EQ(no_paths.exit_code, 2);
}

TEST_F(CliTest, CheckAcceptsEachSample) {
  for (const char* name : kSamples) {
    std::string path = Sample(name).string();
    RunResult r = RunLoa(dir_, {"check", path});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out << r.err;
    // The samples' dates may be past: a warning then, never a problem.
    EXPECT_THAT(r.out, HasSubstr("\nOK " + path + "\n"));
  }
  // check reads; it never moves or writes anything.
  EXPECT_FALSE(fs::exists(dir_ / "var"));
}

TEST_F(CliTest, CheckPrintsEveryProblemOfABrokenItem) {
  fs::path broken = dir_ / "hong.json";
  WriteText(broken, R"({
    "body": "Nội dung",
    "publish_at": "ngày mai",
    "channels": ["portal", "tiktok"],
    "approved_by": "Chánh Văn phòng"
  })");
  std::string good = Sample(kSamples[0]).string();
  RunResult r = RunLoa(dir_, {"check", good, broken.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK " + good + "\n"));
  EXPECT_THAT(r.out, HasSubstr(broken.string() + ":\n"));
  std::string report = r.out.substr(r.out.find(broken.string() + ":"));
  EXPECT_THAT(report, HasSubstr("title"));
  EXPECT_THAT(report, HasSubstr("publish_at"));
  EXPECT_THAT(report, HasSubstr("tiktok"));
  // One line per problem, after the item's line.
  int problem_lines = 0;
  std::istringstream lines(report);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (!line.empty()) ++problem_lines;
  }
  EXPECT_GE(problem_lines, 3) << report;
  EXPECT_TRUE(fs::exists(broken));  // still where the editor left it
}

TEST_F(CliTest, CheckRefusesDeepNestingAndHugeNumbersInsteadOfCrashing) {
  // Once a stack overflow (SIGSEGV) and an uncaught out_of_range (abort).
  WriteText(dir_ / "sau.json", std::string(100000, '[') + std::string(100000, ']'));
  WriteText(dir_ / "so.json", R"({"title": "Tin", "x": [1e999]})");
  std::string good = Sample(kSamples[0]).string();
  RunResult r = RunLoa(dir_, {"check", "--lang", "en", (dir_ / "sau.json").string(),
                              (dir_ / "so.json").string(), good});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("nested more than 32 levels deep (line 1, column 33)"));
  EXPECT_THAT(r.out, HasSubstr("number out of range at line 1, column 24"));
  EXPECT_THAT(r.out, HasSubstr("OK " + good));  // and it went on to the next item
  EXPECT_THAT(r.err, Not(HasSubstr("Sanitizer")));
  EXPECT_THAT(r.err, Not(HasSubstr("terminate")));
}

TEST_F(CliTest, CheckPrintsEachItemOnOneLineWhateverItsName) {
  fs::path odd = dir_ / "tin\nOK gia.json";
  WriteText(odd, R"({"id": "tin", "title": "Tin", "body": "x", "channels": "all",
                     "approved_by": "B"})");
  RunResult r = RunLoa(dir_, {"check", odd.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr((dir_ / "tin\\u000AOK gia.json:\n").string()));
  EXPECT_THAT(r.out, Not(HasSubstr("\nOK gia")));
}

// Root reads a folder whatever its mode: as root (CI), loa runs as nobody.
TEST_F(CliTest, CheckSaysWhenItCannotReadAFolder) {
  std::vector<std::string> as_nobody;
  if (::geteuid() == 0) {
    as_nobody = fakes::AsNobody();
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  }
  fs::path folder = dir_ / "khong-doc-duoc";
  WriteText(folder / "post.json", "{}");
  fs::path file = dir_ / "khong-doc.json";
  WriteText(file, "{}");
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(folder.c_str(), 65534, 65534), 0);
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
  }
  ASSERT_EQ(::chmod(folder.c_str(), 0), 0);
  ASSERT_EQ(::chmod(file.c_str(), 0), 0);
  RunResult r = RunLoa(dir_, {"check", "--lang", "en", folder.string(), file.string()},
                       std::chrono::seconds(20), as_nobody);
  ::chmod(folder.c_str(), 0755);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("cannot read folder \"khong-doc-duoc\": Permission denied"));
  EXPECT_THAT(r.out, HasSubstr("cannot read \"khong-doc.json\": Permission denied"));
  EXPECT_THAT(r.out, Not(HasSubstr("no post.json")));
}

TEST_F(CliTest, CheckUsesTheChannelsOfTheGivenConfig) {
  // This deployment has no zalo channel: a sample naming it is invalid.
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({
    "channels": {
      "portal":   { "type": "file", "dir": "out/portal" },
      "cchc":     { "type": "file", "dir": "out/cchc" },
      "facebook": { "type": "file", "dir": "out/facebook" }
    }
  })");
  std::string with_zalo = Sample(kSamples[0]).string();
  RunResult r = RunLoa(dir_, {"check", "--config", config.string(), with_zalo});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("zalo"));

  RunResult missing = RunLoa(dir_, {"check", "--config", (dir_ / "nope.json").string(), with_zalo});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nope.json"));
}

TEST_F(CliTest, ConfigCheckListsEveryErrorWithItsKeyPath) {
  fs::path config = dir_ / "bad.json";
  WriteText(config, R"({
    // two mistakes at the top, two in a channel
    "timezone": "GMT+7",
    "settle_time": "soon",
    "channels": {
      "portal": { "type": "wordpress", "base_url": "ftp://portal.example", "username": "loa" },
      "facebook": { "type": "file", "dir": "out/facebook" }
    }
  })");
  RunResult r = RunLoa(dir_, {"config", "check", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 2);
  std::string all = r.out + r.err;
  EXPECT_THAT(all, HasSubstr("timezone"));
  EXPECT_THAT(all, HasSubstr("settle_time"));
  EXPECT_THAT(all, HasSubstr("channels.portal.base_url"));
  EXPECT_THAT(all, HasSubstr("channels.portal.app_password_file"));
  EXPECT_THAT(r.out, Not(HasSubstr("OK")));
}

TEST_F(CliTest, ConfigCheckReadsSecretFilesWithoutPrintingThem) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({
    "channels": {
      "portal": { "type": "wordpress", "base_url": "https://portal.example.gov.vn",
                  "username": "loa", "app_password_file": "portal.secret" },
      "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                "secret_file": "cchc.secret" }
    }
  })");
  WriteSecret(dir_ / "portal.secret", "abcd efgh ijkl mnop qrst uvwx\n");
  RunResult missing = RunLoa(dir_, {"config", "check", "--config", config.string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out + missing.err, HasSubstr("cchc.secret"));
  EXPECT_THAT(missing.out + missing.err, Not(HasSubstr("abcd efgh")));

  WriteSecret(dir_ / "cchc.secret", "webhook-shared-secret-123\n");
  RunResult ok = RunLoa(dir_, {"config", "check", "--config", config.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK"));
  EXPECT_THAT(ok.out + ok.err, Not(HasSubstr("webhook-shared-secret-123")));
  EXPECT_THAT(ok.out + ok.err, Not(HasSubstr("abcd efgh")));
}

TEST_F(CliTest, DefaultConfigChecksAndShows) {
  RunResult check = RunLoa(dir_, {"config", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("OK"));

  RunResult show = RunLoa(dir_, {"config", "show-default"});
  EXPECT_EQ(show.exit_code, 0);
  auto parsed = ParseConfig(show.out, dir_);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->ChannelNames(),
            (std::vector<std::string>{"cchc", "facebook", "legal-aid", "portal", "zalo"}));
  EXPECT_EQ(parsed->inbox, dir_ / "var" / "inbox");
}

TEST_F(CliTest, DaemonRefusesAnInvalidConfigWithoutStarting) {
  fs::path config = dir_ / "bad.json";
  WriteText(config, R"({
    "state_dir": "state",
    "timezone": "Asia/Sai_Gon",
    "channels": { "portal": { "type": "ftp" } }
  })");
  RunResult r = RunLoa(dir_, {"daemon", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("timezone"));
  EXPECT_THAT(r.err, HasSubstr("channels.portal.type"));
  EXPECT_THAT(r.err, Not(HasSubstr("loa ready")));
  EXPECT_FALSE(fs::exists(dir_ / "state"));
}

TEST_F(CliTest, DaemonRefusesAChannelWhoseSecretIsMissing) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({
    "state_dir": "state",
    "channels": {
      "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                "secret_file": "cchc.secret" }
    }
  })");
  RunResult r = RunLoa(dir_, {"daemon", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cchc.secret"));
  EXPECT_THAT(r.err, Not(HasSubstr("loa ready")));
}

// What `loa config check` refuses, `loa daemon` refuses with the same
// message and exit 2, and neither creates anything.
void ExpectBothRefuse(const fs::path& dir, const fs::path& config, const std::string& message) {
  RunResult check = RunLoa(dir, {"config", "check", "--config", config.string()});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_THAT(check.err, HasSubstr(message));
  EXPECT_THAT(check.out, Not(HasSubstr("OK")));
  RunResult daemon = RunLoa(dir, {"daemon", "--config", config.string()});
  EXPECT_EQ(daemon.exit_code, 2) << daemon.err;
  EXPECT_THAT(daemon.err, HasSubstr("loa cannot start: "));
  EXPECT_THAT(daemon.err, HasSubstr(message));
  EXPECT_THAT(daemon.err, Not(HasSubstr("loa ready")));
  EXPECT_FALSE(fs::exists(dir / "state"));
}

TEST_F(CliTest, ConfigCheckAndDaemonRefuseAMissingSecret) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({ "state_dir": "state",
    "channels": { "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                            "secret_file": "cchc.secret" } } })");
  ExpectBothRefuse(dir_, config,
                   "channels.cchc.secret_file: secret file " + (dir_ / "cchc.secret").string() +
                       ": does not exist");
}

TEST_F(CliTest, ConfigCheckAndDaemonRefuseAMissingCaFile) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({ "state_dir": "state",
    "channels": { "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                            "secret_file": "cchc.secret", "ca_file": "certs/ca.pem" } } })");
  WriteSecret(dir_ / "cchc.secret", "webhook-shared-secret-123\n");
  ExpectBothRefuse(
      dir_, config,
      "channels.cchc.ca_file: " + (dir_ / "certs/ca.pem").string() + " does not exist");
  fs::create_directories(dir_ / "certs" / "ca.pem");
  ExpectBothRefuse(
      dir_, config,
      "channels.cchc.ca_file: " + (dir_ / "certs/ca.pem").string() + " is not a regular file");
}

TEST_F(CliTest, ConfigCheckAndDaemonRefuseAFolderThatCannotBeCreated) {
  fs::path config = dir_ / "loa.json";
  WriteText(dir_ / "not-a-folder", "a file where the logs' parent should be\n");
  WriteText(config, R"({ "state_dir": "state", "log_dir": "not-a-folder/log",
    "channels": { "site": { "type": "file", "dir": "out/site" } } })");
  ExpectBothRefuse(dir_, config,
                   "log_dir: " + (dir_ / "not-a-folder/log").string() + ": " +
                       (dir_ / "not-a-folder").string() + " is not a folder");
}

TEST_F(CliTest, ConfigCheckReadsSecretsFromTheCredentialsFolder) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({ "state_dir": "state",
    "channels": { "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                            "secret_file": "cchc.secret" } } })");
  fs::create_directories(dir_ / "credentials");
  WriteSecret(dir_ / "credentials" / "cchc.secret", "webhook-shared-secret-123\n");
  RunResult beside = RunLoa(dir_, {"config", "check", "--config", config.string()});
  EXPECT_EQ(beside.exit_code, 2) << beside.out << beside.err;
  RunResult ok = RunLoa(dir_, {"config", "check", "--config", config.string(), "--credentials",
                               (dir_ / "credentials").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK"));
  EXPECT_THAT(ok.out + ok.err, Not(HasSubstr("webhook-shared-secret-123")));
  // The same lookup as the daemon's, which systemd gives the folder as
  // $CREDENTIALS_DIRECTORY.
  RunResult env =
      RunLoa(dir_, {"config", "check", "--config", config.string()}, std::chrono::seconds(20), {},
             {"CREDENTIALS_DIRECTORY=" + (dir_ / "credentials").string()});
  EXPECT_EQ(env.exit_code, 0) << env.out << env.err;
  EXPECT_FALSE(fs::exists(dir_ / "state"));
}

// Run as root (as CI does): the service user is nobody, who cannot read a
// root 0600 config nor write a root folder; secrets come from a root-only
// credentials folder, as systemd (root) reads them for the service.
TEST_F(CliTest, ConfigCheckChecksAsTheServiceUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to check as another user";
  fs::permissions(dir_, fs::perms(0755));
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({ "state_dir": "var/state", "inbox": "var/inbox", "log_dir": "var/log",
    "channels": { "cchc": { "type": "webhook", "url": "https://cchc.example.gov.vn/hook",
                            "secret_file": "cchc.secret" } } })");
  fs::create_directories(dir_ / "credentials");
  fs::permissions(dir_ / "credentials", fs::perms(0700));
  WriteSecret(dir_ / "credentials" / "cchc.secret", "webhook-shared-secret-123\n");
  const std::vector<std::string> args = {"config",        "check",
                                         "--config",      config.string(),
                                         "--credentials", (dir_ / "credentials").string(),
                                         "--user",        "nobody"};

  fs::permissions(config, fs::perms(0600));
  RunResult unreadable = RunLoa(dir_, args);
  EXPECT_EQ(unreadable.exit_code, 2) << unreadable.out << unreadable.err;
  EXPECT_THAT(unreadable.err, HasSubstr("config file cannot be read by user nobody: " +
                                        config.string() + ": Permission denied"));

  fs::permissions(config, fs::perms(0644));
  RunResult no_folder = RunLoa(dir_, args);
  EXPECT_EQ(no_folder.exit_code, 2) << no_folder.out << no_folder.err;
  EXPECT_THAT(no_folder.err, HasSubstr("state_dir: " + (dir_ / "var/state").string() +
                                       ": cannot be created by user nobody: " + dir_.string() +
                                       ": Permission denied"));

  fs::create_directories(dir_ / "var");
  ASSERT_EQ(::chown((dir_ / "var").c_str(), 65534, 65534), 0);
  RunResult ok = RunLoa(dir_, args);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("as user nobody"));
  EXPECT_FALSE(fs::exists(dir_ / "var/state"));

  RunResult no_user =
      RunLoa(dir_, {"config", "check", "--config", config.string(), "--user", "no-such-user-here"});
  EXPECT_EQ(no_user.exit_code, 2) << no_user.err;
  EXPECT_THAT(no_user.err, HasSubstr("no user no-such-user-here"));
}

// Under systemd (JOURNAL_STREAM set) journald reads each line's "<N>" as
// its priority: a refusal with several problems gives every line its own.
TEST_F(CliTest, EveryStderrLineCarriesItsPriorityUnderJournald) {
  fs::path config = dir_ / "loa.json";
  WriteText(config, R"({ "timezone": "GMT+7", "settle_time": "soon",
    "channels": { "portal": { "type": "wordpress", "base_url": "ftp://portal.example" } } })");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"daemon", "--config", config.string()},
        std::vector<std::string>{"config", "check", "--config", config.string()},
        std::vector<std::string>{"check", "--config", config.string(), "item.json"},
        std::vector<std::string>{"config"}}) {
    RunResult r = RunLoa(dir_, args, std::chrono::seconds(20), {}, {"JOURNAL_STREAM=8:12345"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    std::istringstream lines(r.err);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
      EXPECT_EQ(line.rfind("<3>error: ", 0), 0u) << args[0] << ": " << line;
    }
    EXPECT_GE(count, args[0] == "config" && args.size() == 1 ? 2 : 4) << r.err;
  }
}

}  // namespace
}  // namespace loa
