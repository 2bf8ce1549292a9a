// The `control` section of the config (config/control_config.h): the listen
// address and the token file, read and refused like every other key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/control_config.h"
#include "connectors/registry.h"

namespace loa {
namespace {

using ::testing::HasSubstr;

Result<Config> Parse(const std::string& control) {
  std::string text = R"({"channels": {"out": {"type": "file", "dir": "outbox"}})";
  if (!control.empty()) text += R"(, "control": )" + control;
  return ParseConfig(text + "}", "/etc/loa", ConfigSchemas());
}

TEST(ControlConfigTest, DefaultsToLoopbackPort8470WithLoasOwnToken) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->control.enabled());
  EXPECT_EQ(c->control.address.ToString(), "127.0.0.1:8470");
  EXPECT_TRUE(c->control.address.loopback);
  EXPECT_EQ(c->control.token_file, "");
  EXPECT_EQ(c->ControlTokenPath(), c->state_dir / "control-token");
}

TEST(ControlConfigTest, ReadsListenAndTokenFile) {
  auto c = Parse(R"({"listen": "[::1]:9000", "token_file": "control-token"})");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->control.address.host, "::1");
  EXPECT_EQ(c->control.address.port, 9000);
  EXPECT_TRUE(c->control.address.loopback);
  EXPECT_EQ(c->control.address.ToString(), "[::1]:9000");
  EXPECT_EQ(c->control.token_file, "control-token");

  auto any = Parse(R"({"listen": "0.0.0.0:8470"})");
  ASSERT_TRUE(any.ok()) << any.error();
  EXPECT_FALSE(any->control.address.loopback);
  auto lan = Parse(R"({"listen": "192.168.1.5:8470"})");
  ASSERT_TRUE(lan.ok()) << lan.error();
  EXPECT_FALSE(lan->control.address.loopback);
  auto v6any = Parse(R"({"listen": "[::]:8470"})");
  ASSERT_TRUE(v6any.ok()) << v6any.error();
  EXPECT_FALSE(v6any->control.address.loopback);
  EXPECT_TRUE(Parse(R"({"listen": "127.1.2.3:1"})")->control.address.loopback);
}

TEST(ControlConfigTest, EmptyListenTurnsTheServerOff) {
  auto c = Parse(R"({"listen": ""})");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_FALSE(c->control.enabled());
}

TEST(ControlConfigTest, RefusesWhatIsNotAnAddressWithItsKeyPath) {
  for (const char* listen : {"localhost:8470", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                             "127.0.0.1:65536", "127.0.0.1:80x", "::1:8470", "[::1]", "[::1]8470",
                             "[nothost]:1", ":8470", "127.0.0.1:-1", "999.0.0.1:80"}) {
    auto c = Parse(std::string(R"({"listen": ")") + listen + "\"}");
    ASSERT_FALSE(c.ok()) << listen;
    EXPECT_THAT(c.error(), HasSubstr("control.listen: ")) << listen;
  }
  auto number = Parse(R"({"listen": 8470})");
  ASSERT_FALSE(number.ok());
  EXPECT_THAT(number.error(), HasSubstr("control.listen: expected a string"));
}

TEST(ControlConfigTest, RefusesUnknownKeysInlineTokensAndAnEmptyTokenFile) {
  auto unknown = Parse(R"({"listne": "127.0.0.1:1"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error(), HasSubstr("control.listne: unknown key"));
  EXPECT_THAT(unknown.error(), HasSubstr("did you mean \"listen\""));
  auto inline_token = Parse(R"({"token": "abc"})");
  ASSERT_FALSE(inline_token.ok());
  EXPECT_THAT(inline_token.error(), HasSubstr("control.token: secrets must not be written"));
  EXPECT_THAT(inline_token.error(), Not(HasSubstr("abc")));
  auto empty = Parse(R"({"token_file": ""})");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error(), HasSubstr("control.token_file: must not be empty"));
  auto not_object = Parse(R"("127.0.0.1:8470")");
  ASSERT_FALSE(not_object.ok());
  EXPECT_THAT(not_object.error(), HasSubstr("control: expected an object"));
}

TEST(ControlConfigTest, PortZeroOnlyWhenAsked) {
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:0").ok());
  auto any = ParseListenAddress("127.0.0.1:0", /*allow_any_port=*/true);
  ASSERT_TRUE(any.ok()) << any.error();
  EXPECT_EQ(any->port, 0);
}

TEST(ControlConfigTest, TheEmbeddedDefaultListensOnLoopback) {
  EXPECT_THAT(DefaultConfigText(), HasSubstr(R"("control": { "listen": "127.0.0.1:8470" })"));
  Config c = DefaultConfig("/srv/x");
  EXPECT_EQ(c.control.address.ToString(), "127.0.0.1:8470");
}

}  // namespace
}  // namespace loa
