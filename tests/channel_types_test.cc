// The channel type registry (connectors/registry.h) and the plugin shape of
// a type (contract/channel_type.h). The second half builds a sixth type the
// way docs/adding-a-channel.md describes, here without a registry line, to
// show that config/ and the registry's walks need nothing type-specific.
#include "connectors/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/fs.h"
#include "config/secrets.h"
#include "connectors/file/file_settings.h"

namespace loa {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ChannelTypesTest, TheRegistryListsEveryTypeOnce) {
  std::vector<std::string> names;
  for (const ChannelType& t : ChannelTypes()) {
    names.push_back(t.schema.type);
    EXPECT_TRUE(t.schema.read) << t.schema.type;
    EXPECT_TRUE(t.make) << t.schema.type;
    EXPECT_EQ(FindChannelType(t.schema.type), &t);
  }
  EXPECT_THAT(names, ElementsAre("file", "wordpress", "webhook", "facebook", "zalo"));
  EXPECT_EQ(FindChannelType("telegram"), nullptr);
  EXPECT_EQ(ConfigSchemas().size(), names.size());
}

TEST(ChannelTypesTest, UnknownTypeListsTheRegisteredOnes) {
  auto config = ParseConfig(R"({"channels": {"x": {"type": "telegram"}}})", "/etc/loa");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error(),
              HasSubstr("channels.x.type: unknown channel type \"telegram\"; expected one of "
                        "file, wordpress, webhook, facebook, zalo"));
}

TEST(ChannelTypesTest, FoldersAndLimitsComeFromTheTypes) {
  auto config = ParseConfig(R"({"channels": {
      "portal": {"type": "file", "dir": "/srv/out/portal"},
      "zalo": {"type": "zalo", "app_id": "1", "secret_key_file": "k", "refresh_token_file": "r",
               "author": "Sở Tư pháp", "cover_url": "https://stp.example.gov.vn/c.jpg"}}})",
                            "/etc/loa");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_THAT(ChannelFolders(*config), ElementsAre(fs::path("/srv/out/portal")));
  auto limits = LimitsByChannel(*config);
  EXPECT_EQ(limits.at("portal").platform, "");
  EXPECT_EQ(limits.at("zalo").platform, "Zalo");
  EXPECT_EQ(limits.at("zalo").max_title_chars, 150u);
  // Zalo keeps OAuth pairs: the daemon opens the token store for it only.
  EXPECT_TRUE(NeedsTokenVault(*config));
  config->channels.erase("zalo");
  EXPECT_FALSE(NeedsTokenVault(*config));
}

// ---- A sixth type, as docs/adding-a-channel.md builds it --------------------

struct NoticeBoardSettings : ChannelSettings {
  std::string base_url;
  std::string token_file;
  HttpSettings http;
};

class NoticeBoardConnector : public Connector {
 public:
  NoticeBoardConnector(std::string token, const Clock& clock)
      : token_(std::move(token)), clock_(clock) {}
  Outcome Publish(const PublishRequest& request) override {
    return Outcome::Published(request.IdempotencyKey(), "", 201);
  }
  Reconciliation Reconcile(const PublishRequest&) override { return {}; }
  const std::string& token() const { return token_; }
  const Clock& clock() const { return clock_; }

 private:
  std::string token_;
  const Clock& clock_;
};

ChannelType NoticeBoardChannelType() {
  ChannelType t;
  t.schema.type = "noticeboard";
  t.schema.keys = {"base_url", "token_file", "ca_file", "allow_insecure_http", "timeout"};
  t.schema.secret_file_key = "token_file";
  t.schema.read = [](SettingsReader& r) -> std::shared_ptr<const ChannelSettings> {
    auto s = std::make_shared<NoticeBoardSettings>();
    s->http = r.Http();
    s->base_url = r.Url("base_url", s->http, /*site_root=*/true);
    s->token_file = r.RequiredString("token_file", "the name of the file holding the API token");
    return s;
  };
  t.schema.secrets = [](const ChannelSettings& settings) {
    const auto& s = static_cast<const NoticeBoardSettings&>(settings);
    return std::vector<SecretFile>{{"token_file", s.token_file}};
  };
  t.limits = [](const ChannelSettings&) {
    ChannelLimits l;
    l.platform = "Notice board";
    l.max_text_chars = 2000;
    return l;
  };
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    if (ctx.Secret("token_file").empty()) return Error{"the API token is empty"};
    return std::unique_ptr<Connector>(
        std::make_unique<NoticeBoardConnector>(ctx.Secret("token_file"), *ctx.clock));
  };
  return t;
}

class SixthTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::string tmpl = "/tmp/loa-channel-types-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    type_ = NoticeBoardChannelType();
    schemas_ = ConfigSchemas();
    schemas_.push_back(type_.schema);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  ChannelType type_;
  ChannelSchemas schemas_;
};

TEST_F(SixthTypeTest, ItsKeysAreReadCheckedAndItsSecretsFound) {
  auto config = ParseConfig(R"({"channels": {
      "board": {"type": "noticeboard", "base_url": "https://board.example.gov.vn/",
                "token_file": "board-token", "timeout": "10s", "retry": {"max_attempts": 3}}}})",
                            root_, schemas_);
  ASSERT_TRUE(config.ok()) << config.error();
  const ChannelConfig& board = config->channels.at("board");
  EXPECT_EQ(board.type, "noticeboard");
  EXPECT_EQ(board.retry.max_attempts, 3);  // the common keys stay config/'s
  const auto& s = board.Settings<NoticeBoardSettings>();
  EXPECT_EQ(s.base_url, "https://board.example.gov.vn/");
  EXPECT_EQ(s.http.timeout, Millis(std::chrono::seconds(10)));
  EXPECT_EQ(board.SettingsIf<FileSettings>(), nullptr);

  // Its secret is checked like any other type's.
  Status missing = CheckSecrets(*config, schemas_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("channels.board.token_file: secret file"));
  ASSERT_TRUE(WriteFileAtomic(root_ / "board-token", "nb-token-123\n").ok());
  EXPECT_TRUE(CheckSecrets(*config, schemas_).ok());

  // Its problems carry their key paths; inline secrets point at its *_file key.
  auto bad = ParseConfig(R"({"channels": {"board": {"type": "noticeboard",
      "base_url": "http://board.example.gov.vn", "token": "nb-token-123", "colour": "red"}}})",
                         root_, schemas_);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error(), HasSubstr("channels.board.base_url: must be an https:// URL"));
  EXPECT_THAT(bad.error(), HasSubstr("channels.board.token_file: missing"));
  EXPECT_THAT(bad.error(), HasSubstr("channels.board.token: secrets must not be written"));
  EXPECT_THAT(bad.error(), HasSubstr("\"token_file\""));
  EXPECT_THAT(bad.error(), HasSubstr("channels.board.colour: unknown key"));
  EXPECT_THAT(bad.error(), Not(HasSubstr("nb-token-123")));
}

TEST_F(SixthTypeTest, ItsFactoryGetsTheSecretAndTheClockThroughTheContext) {
  auto config = ParseConfig(R"({"channels": {"board": {"type": "noticeboard",
      "base_url": "https://board.example.gov.vn", "token_file": "board-token"}}})",
                            root_, schemas_);
  ASSERT_TRUE(config.ok()) << config.error();
  ManualClock clock(FromUnixMillis(1'800'000'000'000));
  ConnectorContext ctx;
  ctx.config = &*config;
  ctx.channel = &config->channels.at("board");
  ctx.clock = &clock;
  ctx.secrets["token_file"] = "nb-token-123";
  auto made = type_.make(ctx);
  ASSERT_TRUE(made.ok()) << made.error();
  auto* board = dynamic_cast<NoticeBoardConnector*>(made->get());
  ASSERT_NE(board, nullptr);
  EXPECT_EQ(board->token(), "nb-token-123");
  EXPECT_EQ(&board->clock(), &clock);
  EXPECT_EQ(type_.limits(ctx.settings()).max_text_chars, 2000u);

  ctx.secrets.clear();
  EXPECT_FALSE(type_.make(ctx).ok());
}

}  // namespace
}  // namespace loa
