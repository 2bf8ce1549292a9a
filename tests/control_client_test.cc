// Where the operator's commands find the daemon and its token
// (daemon/control_client.h), read from config files as an operator has them.
#include "daemon/control_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>

#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ControlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("control-client-test");
    ASSERT_FALSE(dir_.empty());
    ::unsetenv("CREDENTIALS_DIRECTORY");
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    fs::remove_all(dir_);
  }

  // `members` (a JSON object's members, without braces) with a channel: the
  // config is read by the daemon's own parser, which wants one.
  Result<ControlEndpoint> Find(const std::string& members) {
    std::string text = R"({"channels": {"portal": {"type": "file", "dir": "out"}}})";
    if (!members.empty()) text = text.substr(0, text.size() - 1) + ", " + members + "}";
    fakes::WriteText(dir_ / "loa.json", text);
    return FindControlEndpoint(dir_ / "loa.json");
  }
  Result<ControlEndpoint> FindText(const std::string& text) {
    fakes::WriteText(dir_ / "loa.json", text);
    return FindControlEndpoint(dir_ / "loa.json");
  }

  fs::path dir_;
};

TEST_F(ControlClientTest, DefaultsWithoutAControlSection) {
  auto endpoint = Find("");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 8470);
  EXPECT_EQ(endpoint->zone, std::chrono::hours(7));
  EXPECT_EQ(endpoint->Address(), "127.0.0.1:8470");
  // The token's default place: var/state/control-token beside the config.
  EXPECT_EQ(endpoint->token, "");
  EXPECT_THAT(endpoint->token_problem, HasSubstr((dir_ / "var/state/control-token").string()));

  fs::create_directories(dir_ / "var/state");
  fakes::WriteSecret(dir_ / "var/state/control-token", "abc123\n");
  endpoint = Find(R"("timezone": "+05:30")");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->token, "abc123");
  EXPECT_EQ(endpoint->token_problem, "");
  EXPECT_EQ(endpoint->zone, std::chrono::minutes(330));
}

TEST_F(ControlClientTest, ListenAddresses) {
  struct Case {
    const char* listen;
    const char* host;
    int port;
  };
  for (const Case& c : {Case{"127.0.0.1:9000", "127.0.0.1", 9000}, Case{"[::1]:8470", "::1", 8470},
                        Case{"0.0.0.0:8470", "127.0.0.1", 8470},  // every interface: ask loopback
                        Case{"[::]:8470", "::1", 8470}, Case{"10.0.0.5:8470", "10.0.0.5", 8470}}) {
    auto endpoint = Find(std::string(R"("control": {"listen": ")") + c.listen + R"("})");
    ASSERT_TRUE(endpoint.ok()) << c.listen << ": " << endpoint.error();
    EXPECT_EQ(endpoint->host, c.host) << c.listen;
    EXPECT_EQ(endpoint->port, c.port) << c.listen;
  }
  EXPECT_EQ(Find(R"("control": {"listen": "[::1]:8470"})")->Address(), "[::1]:8470");
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
                          "::1:8470", "[::1]8470", "a b:80",
                          // Host names and an empty host, as the daemon refuses them
                          // (config/control_config.h ParseListenAddress).
                          "localhost:1", ":8470"}) {
    auto endpoint = Find(std::string(R"("control": {"listen": ")") + bad + R"("})");
    ASSERT_FALSE(endpoint.ok()) << bad;
    EXPECT_THAT(endpoint.error(), HasSubstr("control.listen")) << bad;
    EXPECT_THAT(endpoint.error(), HasSubstr((dir_ / "loa.json").string())) << bad;
  }
}

TEST_F(ControlClientTest, TokenFileThroughTheSecretLookup) {
  // Beside the config without $CREDENTIALS_DIRECTORY...
  fakes::WriteSecret(dir_ / "control-token", "beside");
  auto endpoint = Find(R"("control": {"token_file": "control-token"})");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->token, "beside");
  // ... and from $CREDENTIALS_DIRECTORY first when it is set.
  fs::create_directories(dir_ / "credentials");
  fakes::WriteSecret(dir_ / "credentials" / "control-token", "handed-over");
  ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "credentials").c_str(), 1);
  endpoint = Find(R"("control": {"token_file": "control-token"})");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->token, "handed-over");
  ::unsetenv("CREDENTIALS_DIRECTORY");

  // A token other users can read is refused, as every secret is; the
  // problem names the file, never the token.
  fakes::WriteText(dir_ / "open-token", "s3cr3t-value");
  fs::permissions(dir_ / "open-token", fs::perms(0644));
  endpoint = Find(R"("control": {"token_file": "open-token"})");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->token, "");
  EXPECT_THAT(endpoint->token_problem, HasSubstr("chmod 600"));
  EXPECT_THAT(endpoint->token_problem, ::testing::Not(HasSubstr("s3cr3t")));

  fakes::WriteSecret(dir_ / "two-lines", "abc\ndef");
  endpoint = Find(R"("control": {"token_file": "two-lines"})");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->token, "");
  EXPECT_THAT(endpoint->token_problem, HasSubstr("right file"));
}

TEST_F(ControlClientTest, ConfigProblemsNameTheirKey) {
  EXPECT_THAT(FindText("{").error(), HasSubstr("not valid JSON"));
  EXPECT_THAT(FindText("[]").error(), HasSubstr("object"));
  EXPECT_THAT(Find(R"("control": "127.0.0.1:8470")").error(), HasSubstr("control:"));
  EXPECT_THAT(Find(R"("control": {"listen": 8470})").error(), HasSubstr("control.listen"));
  EXPECT_THAT(Find(R"("control": {"token_file": 1})").error(), HasSubstr("control.token_file"));
  EXPECT_THAT(Find(R"("control": {"lisen": "127.0.0.1:8470"})").error(),
              HasSubstr("control.lisen"));
  EXPECT_THAT(Find(R"("timezone": "ICT")").error(), HasSubstr("timezone"));
  EXPECT_THAT(Find(R"("state_dir": 1)").error(), HasSubstr("state_dir"));
  // The whole config is read as the daemon reads it: a config the daemon
  // would refuse is refused here too, naming the file and the key.
  auto no_channels = FindText(R"({"control": {"listen": "127.0.0.1:8470"}})");
  ASSERT_FALSE(no_channels.ok());
  EXPECT_THAT(no_channels.error(), HasSubstr((dir_ / "loa.json").string() + ": channels"));
  EXPECT_FALSE(FindControlEndpoint(dir_ / "missing.json").ok());
}

TEST_F(ControlClientTest, TheTokenGoesWithChangesAndBeyondLoopback) {
  EXPECT_FALSE(NeedsToken("GET", /*server_on_loopback=*/true));
  EXPECT_TRUE(NeedsToken("POST", /*server_on_loopback=*/true));
  EXPECT_TRUE(NeedsToken("GET", /*server_on_loopback=*/false));
  // A daemon listening on every interface is asked on loopback, and wants
  // the token for reads all the same (daemon/control_server.cc).
  struct Case {
    const char* listen;
    bool loopback;
  };
  for (const Case& c :
       {Case{"127.0.0.1:9000", true}, Case{"[::1]:8470", true}, Case{"0.0.0.0:8470", false},
        Case{"[::]:8470", false}, Case{"10.0.0.5:8470", false}}) {
    auto endpoint = Find(std::string(R"("control": {"listen": ")") + c.listen + R"("})");
    ASSERT_TRUE(endpoint.ok()) << c.listen << ": " << endpoint.error();
    EXPECT_EQ(endpoint->server_on_loopback, c.loopback) << c.listen;
  }
}

}  // namespace
}  // namespace loa
