#include "connectors/zalo/zalo_connector.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/json_field.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "connectors/zalo/zalo_article.h"
#include "connectors/zalo/zalo_errors.h"
#include "queue/token_store.h"
#include "tests/fakes/fake_zalo.h"

namespace loa {
namespace {

using fakes::FakeZalo;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAppId[] = "4291763606161179100";
constexpr char kSecretKey[] = "ZLsecret_Hq8vN2mX5kT9pR3w";
constexpr char kSeed[] = "ZLrt_seed_Bf6yL1cJ4sD7gK0u";
constexpr char kChannel[] = "zalo";
constexpr char kSecretFile[] = "zalo-secret-key";
constexpr char kSeedFile[] = "zalo-refresh-token";

const TimePoint kDue = *ParseTime("2026-12-02T08:00:00+07:00", std::chrono::hours(7));

class ZaloConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::string tmpl = "/tmp/loa-zalo-connector-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    config_.config_dir = root_ / "etc";
    config_.state_dir = root_ / "state";
    ASSERT_TRUE(EnsureDir(config_.config_dir).ok());
    ASSERT_TRUE(
        WriteFileAtomic(config_.config_dir / kSecretFile, std::string(kSecretKey) + "\n").ok());
    InstallRefreshToken(kSeed);
    channel_.name = kChannel;
    channel_.type = "zalo";
  }
  void TearDown() override { fs::remove_all(root_); }

  // What an OA admin does after re-authorising: writes refresh_token_file.
  void InstallRefreshToken(const std::string& token) {
    ASSERT_TRUE(WriteFileAtomic(config_.config_dir / kSeedFile, token + "\n").ok());
  }

  ZaloSettings Settings() {
    ZaloSettings s;
    s.app_id = kAppId;
    s.secret_key_file = kSecretFile;
    s.refresh_token_file = kSeedFile;
    s.api_base_url = fake_.base_url();
    s.oauth_base_url = fake_.base_url();
    s.author = "Sở Tư pháp";
    s.cover_url = "https://stp.example.gov.vn/banner.jpg";
    s.http.timeout = std::chrono::seconds(5);
    return s;
  }

  // Built as the daemon builds it: the registry reads the secrets and the
  // factory gets the vault (the queue's TokenStore) and the clock.
  Result<std::unique_ptr<loa::Connector>> Make(const ZaloSettings& s) {
    ChannelConfig channel = channel_;
    channel.settings = std::make_shared<ZaloSettings>(s);
    return MakeConnector(channel, config_, &Vault(), clock_);
  }
  std::unique_ptr<ZaloConnector> Connector(const ZaloSettings& s) {
    auto c = Make(s);
    EXPECT_TRUE(c.ok()) << c.error();
    if (!c.ok()) return nullptr;
    return std::unique_ptr<ZaloConnector>(
        dynamic_cast<ZaloConnector*>(std::move(c).value().release()));
  }
  std::unique_ptr<ZaloConnector> Connector() { return Connector(Settings()); }

  // The vault the daemon would open and hand to the factory.
  TokenStore& Vault() {
    if (!vault_) {
      auto v = TokenStore::Open(config_.DatabasePath());
      EXPECT_TRUE(v.ok()) << v.error();
      vault_ = std::move(v).value();
    }
    return *vault_;
  }

  // Publishes `item`, coming back with each resume token while the answer
  // is Pending (as the engine does after retry_after); records the waits.
  Outcome PublishThroughVerify(ZaloConnector& c, const Item& item, int attempt,
                               std::vector<Millis>* waits) {
    PublishRequest r = Request(item, attempt);
    Outcome o = c.Publish(r);
    for (int calls = 1; o.kind == Outcome::Kind::kPending && calls < 20; ++calls) {
      EXPECT_TRUE(o.retry_after.has_value());
      EXPECT_FALSE(o.resume_token.empty());
      ExpectNoSecretIn(o.resume_token);
      waits->push_back(o.retry_after.value_or(Millis(0)));
      r.resume_token = o.resume_token;
      o = c.Publish(r);
    }
    return o;
  }

  // A second connection to the token table, as another process would see it.
  TokenStore& Reader() {
    if (!reader_) {
      auto r = TokenStore::Open(config_.DatabasePath());
      EXPECT_TRUE(r.ok()) << r.error();
      reader_ = std::move(r).value();
    }
    return *reader_;
  }
  std::optional<TokenPair> Stored() {
    auto loaded = Reader().Load(kChannel);
    EXPECT_TRUE(loaded.ok()) << loaded.error();
    return loaded.ok() ? *loaded : std::nullopt;
  }

  Item MakeItem(const std::string& id = "2026-12-02-dich-vu-cong-truc-tuyen") {
    Item item;
    item.id = id;
    item.title = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến";
    item.summary = "Người dân có thể đề nghị cấp Phiếu lý lịch tư pháp trực tuyến toàn trình.";
    item.body_markdown = "## Các bước thực hiện\n\n1. Đăng nhập bằng VNeID.\n2. Chọn thủ tục.\n";
    item.publish_at = kDue;
    item.channels = {kChannel};
    item.approved_by = "Phó Giám đốc Sở";
    item.link = "https://dichvucong.gov.vn/";
    return item;
  }

  PublishRequest Request(const Item& item, int attempt = 1) {
    PublishRequest r;
    r.item = &item;
    r.channel = kChannel;
    r.due_at = item.DueAt(kChannel);
    r.media_dir = config_.MediaDir() / item.id;
    r.attempt = attempt;
    return r;
  }

  // Requests to `path` that carried `token` as access_token.
  size_t UsesOf(const std::string& token) {
    size_t n = 0;
    for (const auto& r : fake_.requests()) n += r.access_token == token ? 1 : 0;
    return n;
  }

  // Every credential this test has seen: none may appear in any text.
  std::vector<std::string> Secrets() {
    std::vector<std::string> out = {kSecretKey, kSeed};
    for (const auto& t : fake_.issued_access_tokens()) out.push_back(t);
    for (const auto& r : fake_.requests()) {
      if (r.params.count("refresh_token")) out.push_back(r.params.at("refresh_token"));
    }
    out.push_back(fake_.current_refresh_token());
    return out;
  }
  void ExpectNoSecretIn(const std::string& text) {
    for (const auto& s : Secrets()) EXPECT_THAT(text, Not(HasSubstr(s))) << "secret leaked";
  }

  ManualClock clock_{kDue};
  FakeZalo fake_{kAppId, kSecretKey, kSeed, clock_};
  fs::path root_;
  Config config_;
  ChannelConfig channel_;
  std::unique_ptr<TokenStore> vault_;
  std::unique_ptr<TokenStore> reader_;
};

// ---- Error classification -------------------------------------------------

TEST(ZaloErrorsTest, EachDocumentedCodeHasItsClass) {
  ZaloErrorClass z = ClassifyZaloError(-32);
  EXPECT_EQ(z.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(z.retry_after, Millis(std::chrono::seconds(60)));
  EXPECT_FALSE(z.token_refused);

  for (long long code : {-216, -220, -124}) {
    z = ClassifyZaloError(code);
    EXPECT_EQ(z.error_class, ErrorClass::kAuth) << code;
    EXPECT_TRUE(z.token_refused) << code;
  }

  z = ClassifyZaloError(-201);
  EXPECT_EQ(z.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(z.explanation, HasSubstr("invalid"));

  for (long long code : {-204, -205, -209, -212, -223}) {
    z = ClassifyZaloError(code);
    EXPECT_EQ(z.error_class, ErrorClass::kPermanent) << code;
    EXPECT_FALSE(z.token_refused) << code;
    EXPECT_THAT(z.explanation, HasSubstr("configuration")) << code;
    EXPECT_THAT(z.explanation, HasSubstr("disabled")) << code;
    EXPECT_THAT(z.explanation, HasSubstr("not allowed to use this API")) << code;
  }

  z = ClassifyZaloError(-211);
  EXPECT_EQ(z.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(z.retry_after, Millis(std::chrono::hours(1)));
  EXPECT_THAT(z.explanation, HasSubstr("quota"));

  z = ClassifyZaloError(-242);
  EXPECT_EQ(z.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(z.explanation, HasSubstr("appsecret_proof"));

  for (long long code : {-1, -100, -999, -14014}) {
    z = ClassifyZaloError(code);
    EXPECT_EQ(z.error_class, ErrorClass::kPermanent) << code;
    EXPECT_FALSE(z.token_refused) << code;
    EXPECT_FALSE(z.retry_after) << code;
  }
}

TEST(ZaloErrorsTest, HttpStatusWithoutZaloError) {
  for (int status : {500, 502, 503, 504, 408}) {
    EXPECT_EQ(ClassifyZaloHttpStatus(status).error_class, ErrorClass::kTransient) << status;
  }
  EXPECT_EQ(ClassifyZaloHttpStatus(429).error_class, ErrorClass::kRateLimited);
  for (int status : {400, 401, 403, 404}) {
    EXPECT_EQ(ClassifyZaloHttpStatus(status).error_class, ErrorClass::kPermanent) << status;
  }
}

// ---- Request building and answer classification, without a server ------------

TEST(ZaloArticleTest, ResumeTokenRoundTripsAndRefusesAnythingElse) {
  std::string token = EncodeZaloResume({3, "tok-abc_123"});
  auto parsed = ParseZaloResume(token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->poll, 3);
  EXPECT_EQ(parsed->article_token, "tok-abc_123");
  const std::vector<std::string> bad = {"",
                                        "zalo-verify/",
                                        "zalo-verify/1/",
                                        "zalo-verify/x/tok",
                                        "zalo-verify/0/tok",
                                        "zalo-verify/123/tok",
                                        "other/1/tok",
                                        "zalo-verify/1/to k",
                                        "zalo-verify/1/" + std::string(600, 't')};
  for (const std::string& b : bad) {
    EXPECT_FALSE(ParseZaloResume(b)) << b;
  }
}

TEST(ZaloArticleTest, AnswersAreClassifiedWithoutAServer) {
  const std::string what = "POST https://openapi.zalo.me/v2.0/article/create";
  ZaloAnswer ok = ClassifyZaloAnswer(200, R"({"error":0,"data":{"token":"t"}})", std::nullopt, what,
                                     RequestKind::kCreate);
  ASSERT_TRUE(ok.ok);
  EXPECT_EQ(StringField(ZaloData(ok.body), "token"), "t");

  ZaloAnswer refused = ClassifyZaloAnswer(200, R"({"error":-216,"message":"expired"})",
                                          std::nullopt, what, RequestKind::kCreate);
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(refused.token_refused);
  EXPECT_EQ(refused.zalo_error, -216);

  ZaloAnswer limited =
      ClassifyZaloAnswer(200, R"({"error":"-32"})", std::nullopt, what, RequestKind::kSafe);
  EXPECT_EQ(limited.outcome.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(limited.outcome.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(limited.outcome.retry_after, Millis(std::chrono::seconds(60)));

  // A 5xx without Zalo's envelope: the create may have been carried out.
  ZaloAnswer proxy =
      ClassifyZaloAnswer(502, "Bad Gateway", Millis(9000), what, RequestKind::kCreate);
  EXPECT_TRUE(proxy.http_error);
  EXPECT_EQ(proxy.outcome.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(proxy.outcome.retry_after, Millis(9000));  // the answer's Retry-After wins
  EXPECT_EQ(ClassifyZaloAnswer(404, "", std::nullopt, what, RequestKind::kSafe).outcome.kind,
            Outcome::Kind::kFailed);

  // 200 with something that is not Zalo's JSON: a create is uncertain.
  EXPECT_EQ(
      ClassifyZaloAnswer(200, "<html>", std::nullopt, what, RequestKind::kCreate).outcome.kind,
      Outcome::Kind::kUncertain);
  EXPECT_EQ(ClassifyZaloAnswer(200, "<html>", std::nullopt, what, RequestKind::kSafe).outcome.kind,
            Outcome::Kind::kRetry);
}

TEST(ZaloArticleTest, ArticleBodyIsBuiltWithoutAServer) {
  ZaloSettings s;
  s.author = "Sở Tư pháp";
  s.cover_url = "https://stp.example.gov.vn/banner.jpg";
  s.media_base_url = "https://stp.example.gov.vn/m/";
  Item item;
  item.id = "2026-12-02-a";
  item.title = "Thông báo";
  item.body_markdown = "Nội dung.";
  item.channels = {kChannel};
  item.media = {{"a b.png", "Chú thích", "image/png", "ab", 10}};
  PublishRequest r;
  r.item = &item;
  r.channel = kChannel;
  json a = BuildZaloArticle(s, r);
  EXPECT_EQ(a["title"], "Thông báo");
  EXPECT_EQ(a["author"], "Sở Tư pháp");
  EXPECT_EQ(a["cover"]["photo_url"], "https://stp.example.gov.vn/m/2026-12-02-a/a%20b.png");
  ASSERT_EQ(a["body"].size(), 2u);
  EXPECT_EQ(a["body"][1]["caption"], "Chú thích");
}

// ---- Publishing -------------------------------------------------------------

TEST_F(ZaloConnectorTest, ArticleWithCoverImageAndImageBlocksFromMediaBaseUrl) {
  ZaloSettings s = Settings();
  s.media_base_url = "https://stp.example.gov.vn/loa-media/";
  Item item = MakeItem();
  item.media = {
      {"anh-1.jpg", "Bộ phận Một cửa", "image/jpeg", "ab", 10},
      {"bieu-mau.pdf", "", "application/pdf", "cd", 20},
      {"ảnh đẹp.png", "Quầy tiếp nhận", "image/png", "ef", 30},
  };
  auto c = Connector(s);

  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  auto articles = fake_.articles();
  ASSERT_EQ(articles.size(), 1u);
  EXPECT_EQ(o.remote_id, articles[0].id);
  EXPECT_EQ(o.url, articles[0].link_view);

  const json& a = articles[0].request;
  EXPECT_EQ(a["type"], "normal");
  EXPECT_EQ(a["title"], item.title);
  EXPECT_EQ(a["author"], "Sở Tư pháp");
  EXPECT_EQ(a["description"], *item.summary);
  EXPECT_EQ(a["status"], "show");
  EXPECT_EQ(a["comment"], "show");
  const std::string base = "https://stp.example.gov.vn/loa-media/" + item.id + "/";
  EXPECT_EQ(a["cover"],
            (json{{"cover_type", "photo"}, {"photo_url", base + "anh-1.jpg"}, {"status", "show"}}));
  ASSERT_EQ(a["body"].size(), 3u) << a["body"].dump();
  EXPECT_EQ(a["body"][0]["type"], "text");
  const std::string html = a["body"][0]["content"];
  EXPECT_THAT(html, HasSubstr("<h2>Các bước thực hiện</h2>"));
  EXPECT_THAT(html, HasSubstr("<li>Đăng nhập bằng VNeID.</li>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"https://dichvucong.gov.vn/\">"));
  EXPECT_EQ(a["body"][1],
            (json{{"type", "image"}, {"url", base + "anh-1.jpg"}, {"caption", "Bộ phận Một cửa"}}));
  // The file name is one percent-encoded path segment.
  EXPECT_EQ(a["body"][2], (json{{"type", "image"},
                                {"url", base + "%E1%BA%A3nh%20%C4%91%E1%BA%B9p.png"},
                                {"caption", "Quầy tiếp nhận"}}));
}

TEST_F(ZaloConnectorTest, WithoutMediaBaseUrlTheCoverIsTheDefaultAndTheArticleTextOnly) {
  Item item = MakeItem();
  item.summary.reset();  // the description falls back to the first paragraph
  item.body_markdown = "Sở Tư pháp thông báo lịch tiếp công dân.\n\nĐoạn thứ hai.\n";
  item.media = {{"anh-1.jpg", "Bộ phận Một cửa", "image/jpeg", "ab", 10}};
  item.overrides[kChannel].title = "Lịch tiếp công dân tháng 12";
  auto c = Connector();

  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  const json a = fake_.articles().at(0).request;
  EXPECT_EQ(a["title"], "Lịch tiếp công dân tháng 12");
  EXPECT_EQ(a["description"], "Sở Tư pháp thông báo lịch tiếp công dân.");
  EXPECT_EQ(a["cover"]["photo_url"], "https://stp.example.gov.vn/banner.jpg");
  ASSERT_EQ(a["body"].size(), 1u);
  EXPECT_EQ(a["body"][0]["type"], "text");
  EXPECT_THAT(a["body"][0]["content"].get<std::string>(), Not(HasSubstr("anh-1.jpg")));
}

TEST_F(ZaloConnectorTest, WireFormatOfTheRefreshAndTheApiCalls) {
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 4u);
  const auto& refresh = requests[0];
  EXPECT_EQ(refresh.method, "POST");
  EXPECT_EQ(refresh.path, FakeZalo::kTokenRoute);
  EXPECT_EQ(refresh.secret_key, kSecretKey);
  EXPECT_EQ(refresh.params.at("refresh_token"), kSeed);
  EXPECT_EQ(refresh.params.at("app_id"), kAppId);
  EXPECT_EQ(refresh.params.at("grant_type"), "refresh_token");
  EXPECT_EQ(refresh.error, 0);
  EXPECT_EQ(requests[1].path, FakeZalo::kCreateRoute);
  EXPECT_EQ(requests[2].path, FakeZalo::kVerifyRoute);
  EXPECT_EQ(json::parse(requests[2].body)["token"], fake_.articles()[0].token);
  EXPECT_EQ(requests[3].method, "GET");
  EXPECT_EQ(requests[3].path, FakeZalo::kDetailRoute);
  EXPECT_EQ(requests[3].params.at("id"), o.remote_id);
  const std::string access = fake_.issued_access_tokens().at(0);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].access_token, access) << requests[i].path;
    EXPECT_EQ(requests[i].secret_key, "") << "the secret key goes to the OAuth server only";
  }
}

TEST_F(ZaloConnectorTest, VerifyTakingThreePollsIsPendingThenPublishedWithoutWaiting) {
  fake_.SetVerifyPendingPolls(3);
  Item item = MakeItem();
  auto c = Connector();
  const auto started = std::chrono::steady_clock::now();

  Outcome first = c->Publish(Request(item));
  ASSERT_EQ(first.kind, Outcome::Kind::kPending) << first.message;
  EXPECT_EQ(first.retry_after, Millis(500));
  EXPECT_THAT(first.message, HasSubstr("not finished"));
  // The token says which poll comes next and which article: Zalo's token,
  // no credential.
  auto resume = ParseZaloResume(first.resume_token);
  ASSERT_TRUE(resume) << first.resume_token;
  EXPECT_EQ(resume->poll, 1);
  EXPECT_EQ(resume->article_token, fake_.articles().at(0).token);

  std::vector<Millis> waits = {*first.retry_after};
  PublishRequest again = Request(item);
  again.resume_token = first.resume_token;
  Outcome o = c->Publish(again);
  for (int calls = 2; o.kind == Outcome::Kind::kPending && calls < 10; ++calls) {
    waits.push_back(*o.retry_after);
    again.resume_token = o.resume_token;
    o = c->Publish(again);
  }
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, fake_.articles().at(0).id);
  // Pending three times (after polls 0, 1 and 2), then the fourth poll knows the id.
  EXPECT_EQ(waits, (std::vector<Millis>{Millis(500), Millis(1000), Millis(2000)}));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kVerifyRoute), 4u);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
  // Nobody slept: the 3.5 s of waits are the engine's to schedule.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(3000));
}

TEST_F(ZaloConnectorTest, ArticleStillProcessingAfterEveryPollIsLookedUpNotCreatedAgain) {
  fake_.SetVerifyPendingPolls(100);
  Item item = MakeItem();
  auto c = Connector();
  std::vector<Millis> waits;
  Outcome o = PublishThroughVerify(*c, item, 1, &waits);
  // Five polls, four waits (7.5 s, as before the engine scheduled them),
  // then it is a create whose outcome is not known yet.
  EXPECT_EQ(waits, (std::vector<Millis>{Millis(500), Millis(1000), Millis(2000), Millis(4000)}));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kVerifyRoute), 5u);
  ASSERT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_THAT(o.message, HasSubstr("not finished"));
  EXPECT_THAT(o.message, HasSubstr("looked up again"));
  ASSERT_TRUE(o.retry_after);
  EXPECT_GE(*o.retry_after, c->LandingTime());

  fake_.SetVerifyPendingPolls(0);
  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, fake_.articles().at(0).id);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
  EXPECT_EQ(fake_.articles().size(), 1u);
}

TEST_F(ZaloConnectorTest, UnreadableResumeTokenLooksTheArticleUpInsteadOfCreating) {
  Item item = MakeItem();
  auto c = Connector();
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  PublishRequest r = Request(item);
  r.resume_token = "from-another-version";
  testing::internal::CaptureStderr();
  Outcome o = c->Publish(r);
  testing::internal::GetCapturedStderr();
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
}

// ---- Tokens -------------------------------------------------------------------

TEST_F(ZaloConnectorTest, RefreshRotatesSingleUseTokensAndTheUsedOneIsRefused) {
  Item item = MakeItem();
  ASSERT_EQ(Connector()->Publish(Request(item)).kind, Outcome::Kind::kPublished);

  auto stored = Stored();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->access_token, fake_.issued_access_tokens().at(0));
  EXPECT_EQ(stored->refresh_token, fake_.current_refresh_token());
  EXPECT_NE(stored->refresh_token, kSeed);
  // expires_in "90000" is a string of seconds.
  EXPECT_EQ(stored->obtained_at, kDue);
  EXPECT_EQ(stored->access_expires_at, kDue + std::chrono::seconds(90000));

  // The seed was consumed: Zalo refuses it now.
  httplib::Client client(fake_.base_url());
  auto res = client.Post(
      FakeZalo::kTokenRoute, {{"secret_key", kSecretKey}},
      httplib::Params{
          {"refresh_token", kSeed}, {"app_id", kAppId}, {"grant_type", "refresh_token"}});
  ASSERT_TRUE(res);
  json answer = json::parse(res->body);
  EXPECT_NE(answer["error"].get<int>(), 0);
  EXPECT_FALSE(answer.contains("access_token"));
}

TEST_F(ZaloConnectorTest, NewPairIsCommittedBeforeItsFirstUseAndRightAfterTheAnswer) {
  struct Seen {
    std::string path;
    bool stored_holds_token = false;
  };
  Reader();  // opened here, not first from the fake's thread
  std::mutex mu;
  std::vector<Seen> api_calls;
  // At the moment the fake receives an API call, what does the store hold?
  fake_.SetOnApiRequest([&](const std::string& path, const std::string& token) {
    auto stored = Reader().Load(kChannel);
    std::lock_guard lock(mu);
    api_calls.push_back({path, stored.ok() && *stored && (*stored)->access_token == token});
  });
  std::vector<size_t> requests_at_commit;
  std::vector<bool> committed_pair_is_newest;
  auto c = Connector();
  c->tokens().SetCommitObserver([&] {
    // Every request the fake has seen so far, and the newest pair visible to
    // another connection: the commit is durable and nothing came between.
    auto seen = fake_.requests();
    requests_at_commit.push_back(seen.size());
    auto stored = Reader().Load(kChannel);
    committed_pair_is_newest.push_back(
        stored.ok() && *stored && (*stored)->access_token == fake_.issued_access_tokens().back() &&
        (*stored)->refresh_token == fake_.current_refresh_token());
  });

  Item first = MakeItem();
  ASSERT_EQ(c->Publish(Request(first)).kind, Outcome::Kind::kPublished);
  // Mid-run expiry: a second rotation, same ordering.
  fake_.ExpireAccessTokensNow();
  Item second = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  second.title = "Tập huấn kiểm soát thủ tục hành chính";
  ASSERT_EQ(c->Publish(Request(second)).kind, Outcome::Kind::kPublished);

  auto requests = fake_.requests();
  ASSERT_EQ(requests_at_commit.size(), 2u);
  EXPECT_EQ(committed_pair_is_newest, (std::vector<bool>{true, true}));
  for (size_t at : requests_at_commit) {
    // The last request before the commit is the refresh itself...
    ASSERT_GE(at, 1u);
    EXPECT_EQ(requests[at - 1].path, FakeZalo::kTokenRoute);
    EXPECT_EQ(requests[at - 1].error, 0);
    // ...and the first one after it uses the token it brought.
    ASSERT_LT(at, requests.size());
    EXPECT_NE(requests[at].path, FakeZalo::kTokenRoute);
  }
  const auto issued = fake_.issued_access_tokens();
  ASSERT_EQ(issued.size(), 2u);
  EXPECT_EQ(requests[requests_at_commit[0]].access_token, issued[0]);
  EXPECT_EQ(requests[requests_at_commit[1]].access_token, issued[1]);

  // Every API call found its token already in the store: 3 calls for the
  // first item, the refused create, and 3 calls with the new token.
  std::lock_guard lock(mu);
  ASSERT_EQ(api_calls.size(), 7u);
  for (size_t i = 0; i < api_calls.size(); ++i) {
    EXPECT_TRUE(api_calls[i].stored_holds_token) << i << " " << api_calls[i].path;
  }
}

TEST_F(ZaloConnectorTest, ExpiredAccessTokenMidRunIsRefreshedAndTheCallRepeated) {
  auto c = Connector();
  Item first = MakeItem();
  ASSERT_EQ(c->Publish(Request(first)).kind, Outcome::Kind::kPublished);
  fake_.ExpireAccessTokensNow();

  Item second = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  second.title = "Tập huấn kiểm soát thủ tục hành chính";
  Outcome o = c->Publish(Request(second));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(fake_.articles().size(), 2u);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);
  // One create refused with -216, then the same create with the new token.
  std::vector<int> create_errors;
  for (const auto& r : fake_.requests()) {
    if (r.path == FakeZalo::kCreateRoute) create_errors.push_back(r.error);
  }
  EXPECT_EQ(create_errors, (std::vector<int>{0, -216, 0}));
  EXPECT_EQ(Stored()->access_token, fake_.issued_access_tokens().back());
}

TEST_F(ZaloConnectorTest, TokenRefusedEvenAfterARefreshIsAnAuthFailure) {
  FakeZalo::Fault refused;
  refused.path = FakeZalo::kCreateRoute;
  refused.error = -220;
  refused.message = "Access token has expired";
  fake_.InjectFault(refused, 2);
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_THAT(o.message, HasSubstr("-220"));
  EXPECT_THAT(o.message, HasSubstr("OA admin must re-authorise"));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);  // the first, and one more
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 2u);
  EXPECT_TRUE(fake_.articles().empty());
  ExpectNoSecretIn(o.message);
}

TEST_F(ZaloConnectorTest, RefusedRefreshIsAnAuthFailureUntilAnAdminInstallsANewToken) {
  fake_.RefuseRefreshNext(1);
  auto c = Connector();
  Item item = MakeItem();
  testing::internal::CaptureStderr();
  Outcome o = c->Publish(Request(item));
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_THAT(o.message, HasSubstr("-14014"));
  EXPECT_THAT(o.message, HasSubstr("an OA admin must re-authorise loa"));
  EXPECT_THAT(o.message, HasSubstr("in a browser"));
  EXPECT_THAT(o.message, HasSubstr(std::string("refresh_token_file '") + kSeedFile + "'"));
  EXPECT_THAT(log, HasSubstr("re-authorise"));
  // Nothing was sent, nothing was stored: the item waits.
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 0u);
  EXPECT_FALSE(Stored());
  ExpectNoSecretIn(o.message);
  ExpectNoSecretIn(log);

  // The admin re-authorises and installs the new refresh token.
  InstallRefreshToken(fake_.Reauthorise());
  Outcome after = c->Publish(Request(item));
  ASSERT_EQ(after.kind, Outcome::Kind::kPublished) << after.message;
  EXPECT_EQ(fake_.articles().size(), 1u);
}

TEST_F(ZaloConnectorTest, LostRefreshAnswerIsTransientThenTheDeadGrantAsksForAnAdmin) {
  auto c = Connector();
  Item first = MakeItem();
  ASSERT_EQ(c->Publish(Request(first)).kind, Outcome::Kind::kPublished);

  // 20 h later the token is due for renewal, and that refresh's answer is
  // lost: Zalo consumed the stored refresh token.
  clock_.Advance(std::chrono::hours(20));
  fake_.DropRefreshAnswerNext();
  Item second = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  second.title = "Tập huấn kiểm soát thủ tục hành chính";
  second.publish_at = clock_.Now();
  testing::internal::CaptureStderr();
  Outcome lost = c->Publish(Request(second));
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(lost.kind, Outcome::Kind::kRetry) << lost.message;
  EXPECT_EQ(lost.error_class, ErrorClass::kTransient);
  EXPECT_THAT(log, HasSubstr("refresh token is used up"));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);

  Outcome dead = c->Publish(Request(second, 2));
  EXPECT_EQ(dead.kind, Outcome::Kind::kFailed) << dead.message;
  EXPECT_EQ(dead.error_class, ErrorClass::kAuth);
  EXPECT_THAT(dead.message, HasSubstr("OA admin must re-authorise"));
  ExpectNoSecretIn(lost.message + dead.message + log);

  // The store still holds the dead pair; once an admin installs a new
  // refresh token, the connector (here after a daemon restart) picks it up.
  InstallRefreshToken(fake_.Reauthorise());
  c.reset();
  auto restarted = Connector();
  Outcome o = restarted->Publish(Request(second, 3));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(fake_.articles().size(), 2u);
  EXPECT_EQ(Stored()->refresh_token, fake_.current_refresh_token());
}

TEST_F(ZaloConnectorTest, NewPairIsNotUsedUntilItIsStored) {
  auto c = Connector();
  Item first = MakeItem();
  ASSERT_EQ(c->Publish(Request(first)).kind, Outcome::Kind::kPublished);

  // The token table goes away under the connector: the next commit fails.
  SQLite::Database other(config_.DatabasePath().string(), SQLite::OPEN_READWRITE);
  other.exec("ALTER TABLE oauth_tokens RENAME TO oauth_tokens_away");
  clock_.Advance(std::chrono::hours(21));
  Item second = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  second.title = "Tập huấn kiểm soát thủ tục hành chính";
  second.publish_at = clock_.Now();
  testing::internal::CaptureStderr();
  Outcome o = c->Publish(Request(second));
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_THAT(o.message, HasSubstr("not used until stored"));
  const std::string fresh = fake_.issued_access_tokens().back();
  EXPECT_EQ(UsesOf(fresh), 0u) << "a token was used before it was stored";
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
  ExpectNoSecretIn(o.message + log);

  other.exec("ALTER TABLE oauth_tokens_away RENAME TO oauth_tokens");
  Outcome later = c->Publish(Request(second, 2));
  ASSERT_EQ(later.kind, Outcome::Kind::kPublished) << later.message;
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);  // kept, not refreshed again
  EXPECT_EQ(Stored()->access_token, fresh);
  EXPECT_GT(UsesOf(fresh), 0u);
}

TEST_F(ZaloConnectorTest, ProactiveRefreshAtEightyPercentOfTheLifetime) {
  fake_.SetExpiresIn("90000");  // 25 h: renewed at 20 h
  auto c = Connector();
  Item item = MakeItem();
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  ASSERT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 1u);

  clock_.Advance(std::chrono::hours(20) - std::chrono::minutes(1));
  auto token = c->tokens().AccessToken();
  ASSERT_TRUE(std::holds_alternative<std::string>(token));
  EXPECT_EQ(std::get<std::string>(token), fake_.issued_access_tokens().at(0));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 1u);

  clock_.Advance(std::chrono::minutes(1));
  Item next = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  next.title = "Tập huấn kiểm soát thủ tục hành chính";
  next.publish_at = clock_.Now();
  ASSERT_EQ(c->Publish(Request(next)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);
  // The old token was still valid: the refresh came first, not a refusal.
  for (const auto& r : fake_.requests()) EXPECT_EQ(r.error, 0) << r.path;
  EXPECT_EQ(UsesOf(fake_.issued_access_tokens().at(1)), 3u);  // create, verify, getdetail
}

TEST_F(ZaloConnectorTest, ShortLifetimeFromTheAnswerIsHonoured) {
  fake_.SetExpiresIn("1000");  // renewed after 800 s
  auto c = Connector();
  ASSERT_TRUE(std::holds_alternative<std::string>(c->tokens().AccessToken()));
  EXPECT_EQ(Stored()->access_expires_at, kDue + std::chrono::seconds(1000));
  clock_.Advance(std::chrono::seconds(799));
  ASSERT_TRUE(std::holds_alternative<std::string>(c->tokens().AccessToken()));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 1u);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(std::holds_alternative<std::string>(c->tokens().AccessToken()));
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);
}

TEST_F(ZaloConnectorTest, StoredPairOutlivesTheConnectorAndTheSeedIsNotUsedAgain) {
  {
    Item item = MakeItem();
    ASSERT_EQ(Connector()->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  }
  // The file still holds the consumed seed; a restarted daemon must not
  // send it.
  auto c = Connector();
  Item next = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
  next.title = "Tập huấn kiểm soát thủ tục hành chính";
  ASSERT_EQ(c->Publish(Request(next)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 1u);
  EXPECT_EQ(UsesOf(fake_.issued_access_tokens().at(0)), 6u);
}

TEST_F(ZaloConnectorTest, ConcurrentCallersShareOneRefresh) {
  auto c = Connector();
  auto first = c->tokens().AccessToken();
  ASSERT_TRUE(std::holds_alternative<std::string>(first));
  const std::string refused = std::get<std::string>(first);
  // Several workers see -216 with the same token at once.
  std::vector<std::thread> threads;
  std::vector<std::string> got(6);
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      auto t = c->tokens().ForceRefresh(refused);
      if (auto* s = std::get_if<std::string>(&t)) got[i] = *s;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kTokenRoute), 2u);
  for (const auto& g : got) EXPECT_EQ(g, fake_.issued_access_tokens().at(1));
}

// ---- Errors on the API ------------------------------------------------------

TEST_F(ZaloConnectorTest, ZaloErrorsOnCreateMapToOutcomes) {
  auto c = Connector();
  Item item = MakeItem();
  struct Case {
    int error;
    Outcome::Kind kind;
    ErrorClass error_class;
    std::optional<Millis> retry_after;
    std::string says;
  };
  const std::vector<Case> cases = {
      {-32, Outcome::Kind::kRetry, ErrorClass::kRateLimited, std::chrono::seconds(60),
       "rate limit"},
      {-211, Outcome::Kind::kRetry, ErrorClass::kRateLimited, std::chrono::hours(1), "quota"},
      {-204, Outcome::Kind::kFailed, ErrorClass::kPermanent, std::nullopt, "configuration"},
      {-209, Outcome::Kind::kFailed, ErrorClass::kPermanent, std::nullopt, "configuration"},
      {-242, Outcome::Kind::kFailed, ErrorClass::kPermanent, std::nullopt, "appsecret_proof"},
      {-999, Outcome::Kind::kFailed, ErrorClass::kPermanent, std::nullopt, "refused"},
  };
  for (const Case& k : cases) {
    FakeZalo::Fault f;
    f.path = FakeZalo::kCreateRoute;
    f.error = k.error;
    f.message = "Injected " + std::to_string(k.error);
    fake_.InjectFault(f);
    Outcome o = c->Publish(Request(item));
    EXPECT_EQ(o.kind, k.kind) << k.error << ": " << o.message;
    EXPECT_EQ(o.error_class, k.error_class) << k.error;
    EXPECT_EQ(o.retry_after, k.retry_after) << k.error;
    EXPECT_THAT(o.message, HasSubstr("Zalo error " + std::to_string(k.error))) << k.error;
    EXPECT_THAT(o.message, HasSubstr(f.message)) << k.error;
    EXPECT_THAT(o.message, HasSubstr(k.says)) << k.error;
  }
  EXPECT_TRUE(fake_.articles().empty());
}

TEST_F(ZaloConnectorTest, InvalidFieldIsPermanentAndNamed) {
  ZaloSettings s = Settings();
  s.author = "";  // Zalo insists on an author
  Item item = MakeItem();
  Outcome o = Connector(s)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(o.message, HasSubstr("-201"));
  EXPECT_THAT(o.message, HasSubstr("author is invalid"));
}

TEST_F(ZaloConnectorTest, ServerErrorIsTransientAndTheRetryLooksBeforeCreating) {
  auto c = Connector();
  FakeZalo::Fault f;
  f.path = FakeZalo::kCreateRoute;
  f.http_status = 502;
  fake_.InjectFault(f);
  Item item = MakeItem();
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 502);
  // A proxy's 502 may come after Zalo made the article: the retry's lookup
  // waits until a create still in flight can no longer land.
  ASSERT_TRUE(o.retry_after.has_value());
  EXPECT_GE(*o.retry_after, c->LandingTime());
  EXPECT_GE(c->LandingTime(), Settings().http.timeout + Millis(7500));

  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kSliceRoute), 1u);
  EXPECT_EQ(fake_.articles().size(), 1u);
}

TEST_F(ZaloConnectorTest, HungRefreshIsTransient) {
  ZaloSettings s = Settings();
  s.http.timeout = Millis(300);
  FakeZalo::Fault hang;
  hang.path = FakeZalo::kTokenRoute;
  hang.http_status = 503;
  hang.hang = Millis(800);
  fake_.InjectFault(hang);
  Item item = MakeItem();
  testing::internal::CaptureStderr();
  Outcome o = Connector(s)->Publish(Request(item));
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_THAT(log, HasSubstr("warning"));
  ExpectNoSecretIn(o.message + log);
}

// ---- Uncertain creates --------------------------------------------------------

TEST_F(ZaloConnectorTest, LostCreateAnswerIsUncertainAndReconciledWithoutADuplicate) {
  auto c = Connector();
  Item item = MakeItem();
  fake_.DropAfterCreateNext(1);
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kUncertain) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kUncertain);
  ASSERT_EQ(fake_.articles().size(), 1u);  // it did go out
  const auto article = fake_.articles()[0];

  Reconciliation r = c->Reconcile(Request(item, 1));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, article.id);
  EXPECT_EQ(r.published.url, article.link_view);

  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, article.id);
  EXPECT_EQ(fake_.articles().size(), 1u);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
  auto slice = fake_.requests();
  auto it = std::find_if(slice.begin(), slice.end(),
                         [](const auto& q) { return q.path == FakeZalo::kSliceRoute; });
  ASSERT_NE(it, slice.end());
  EXPECT_EQ(it->params.at("offset"), "0");
  EXPECT_EQ(it->params.at("limit"), "20");
  EXPECT_EQ(it->params.at("type"), "normal");
}

TEST_F(ZaloConnectorTest, SlowCreateTimesOutAsUncertain) {
  ZaloSettings s = Settings();
  s.http.timeout = Millis(300);
  auto c = Connector(s);
  ASSERT_TRUE(std::holds_alternative<std::string>(c->tokens().AccessToken()));
  FakeZalo::Fault hang;
  hang.path = FakeZalo::kCreateRoute;
  hang.hang = Millis(700);  // then creates it, too late for the client
  fake_.InjectFault(hang);
  Item item = MakeItem();
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kUncertain) << o.message;
  // The fake creates it once its hang is over.
  for (int i = 0; i < 500 && fake_.articles().empty(); ++i) std::this_thread::sleep_for(Millis(10));
  ASSERT_EQ(fake_.articles().size(), 1u);
  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
}

TEST_F(ZaloConnectorTest, LookupIgnoresAnOlderArticleWithTheSameTitle) {
  Item item = MakeItem();
  // Last year's notice under the same title.
  fake_.AddArticle(item.title, ToUnixMillis(kDue - std::chrono::hours(24 * 3)));
  auto c = Connector();
  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;

  Outcome o = c->Publish(Request(item, 2));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(fake_.articles().size(), 2u);
  EXPECT_EQ(o.remote_id, fake_.articles()[1].id);
}

TEST_F(ZaloConnectorTest, FailedLookupIsUnknownAndBlocksACreate) {
  auto c = Connector();
  FakeZalo::Fault f;
  f.path = FakeZalo::kSliceRoute;
  f.http_status = 503;
  fake_.InjectFault(f, 2);
  Item item = MakeItem();
  // "Look again later": the Publish after it never creates blind.
  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  ASSERT_TRUE(r.not_before.has_value());
  EXPECT_EQ(*r.not_before, clock_.Now() + c->LandingTime());
  EXPECT_THAT(r.message, HasSubstr("the lookup failed"));
  Outcome o = c->Publish(Request(item, 2));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 0u);

  // On the last attempt nothing would look again: a person decides.
  channel_.retry.max_attempts = 3;
  fake_.InjectFault(f);
  EXPECT_EQ(Connector()->Reconcile(Request(item, 3)).kind, Reconciliation::Kind::kUnknown);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 0u);
}

// A restart's lookup runs while the create of the killed run is still on
// its way: "not found" must mean "not yet", and the next attempt, once that
// create can no longer land, finds it instead of creating it again.
TEST_F(ZaloConnectorTest, ReconcileDuringASlowCreateWaitsForItToLand) {
  ZaloSettings s = Settings();
  s.http.timeout = Millis(300);
  auto killed = Connector(s);
  ASSERT_TRUE(std::holds_alternative<std::string>(killed->tokens().AccessToken()));
  FakeZalo::Fault slow;
  slow.path = FakeZalo::kCreateRoute;
  slow.hang = Millis(1500);  // then made, after the client gave up
  fake_.InjectFault(slow);
  Item item = MakeItem();
  EXPECT_EQ(killed->Publish(Request(item)).kind, Outcome::Kind::kUncertain);
  ASSERT_TRUE(fake_.articles().empty());  // still on its way

  auto restarted = Connector(s);
  Reconciliation r = restarted->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  ASSERT_TRUE(r.not_before.has_value()) << "creating at once would make a second article";
  EXPECT_EQ(*r.not_before, clock_.Now() + restarted->LandingTime());
  EXPECT_THAT(r.message, HasSubstr("can no longer land"));

  for (int i = 0; i < 500 && fake_.articles().empty(); ++i) std::this_thread::sleep_for(Millis(10));
  ASSERT_EQ(fake_.articles().size(), 1u);
  Outcome again = restarted->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, fake_.articles()[0].id);
  EXPECT_EQ(fake_.articles().size(), 1u);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);
}

// A busy OA: more than one getslice page of articles between the lost
// create and the lookup. The lookup pages back to the window's start, not
// the latest 20.
TEST_F(ZaloConnectorTest, LookupFindsItsArticleBehindMoreThanAPageOfOthers) {
  auto c = Connector();
  Item item = MakeItem();
  fake_.DropAfterCreateNext(1);
  EXPECT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kUncertain);
  ASSERT_EQ(fake_.articles().size(), 1u);
  const auto ours = fake_.articles()[0];
  // Older than the window: the lookup stops at the page that reaches them.
  for (int i = 0; i < 30; ++i) {
    fake_.AddArticle("Tin cũ " + std::to_string(i),
                     ToUnixMillis(kDue - std::chrono::hours(48) - std::chrono::minutes(i)));
  }
  for (int i = 1; i <= 45; ++i) {
    fake_.AddArticle("Thông báo số " + std::to_string(i),
                     ToUnixMillis(kDue + std::chrono::seconds(i)));
  }

  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, ours.id);
  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, ours.id);
  EXPECT_EQ(fake_.CountRequests(FakeZalo::kCreateRoute), 1u);

  // Not found: every page back to the first older article, then no more.
  Item other = MakeItem("2026-12-02-khac");
  other.title = "Một thông báo chưa đăng";
  EXPECT_EQ(c->Reconcile(Request(other)).kind, Reconciliation::Kind::kAbsent);
  std::vector<std::string> offsets;
  for (const auto& q : fake_.requests()) {
    if (q.path == FakeZalo::kSliceRoute) offsets.push_back(q.params.at("offset"));
  }
  // 46 articles in the window: pages at 0, 20, 40 (the last reaches an
  // older one), for each of the three lookups.
  EXPECT_EQ(offsets, (std::vector<std::string>{"0", "20", "40", "0", "20", "40", "0", "20", "40"}));
}

// ---- Retract ------------------------------------------------------------------

TEST_F(ZaloConnectorTest, RetractRemovesTheArticleAndAGoneOneCountsAsRemoved) {
  auto c = Connector();
  Item item = MakeItem();
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished) << published.message;

  Outcome removed = c->Retract(Request(item), published.remote_id);
  ASSERT_EQ(removed.kind, Outcome::Kind::kRetracted) << removed.message;
  EXPECT_TRUE(fake_.articles().at(0).removed);
  auto requests = fake_.requests();
  auto it = std::find_if(requests.begin(), requests.end(),
                         [](const auto& q) { return q.path == FakeZalo::kRemoveRoute; });
  ASSERT_NE(it, requests.end());
  EXPECT_EQ(json::parse(it->body), (json{{"id", published.remote_id}}));

  Outcome again = c->Retract(Request(item), published.remote_id);
  EXPECT_EQ(again.kind, Outcome::Kind::kRetracted) << again.message;
  EXPECT_THAT(again.message, HasSubstr("no longer"));
}

// remove answers -201 for an article that is gone, but only getdetail's own
// -201 ("no such article") says so: a configuration error there (-204 OA
// disabled, -209 API not authorised) is reported, not taken for "retracted".
TEST_F(ZaloConnectorTest, RetractCountsAsGoneOnlyWhenGetdetailSaysNoSuchArticle) {
  auto c = Connector();
  Item item = MakeItem();
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished) << published.message;
  for (int code : {-204, -209}) {
    FakeZalo::Fault remove;
    remove.path = FakeZalo::kRemoveRoute;
    remove.error = -201;
    remove.message = "id is invalid";
    fake_.InjectFault(remove);
    FakeZalo::Fault detail;
    detail.path = FakeZalo::kDetailRoute;
    detail.error = code;
    detail.message = "refused";
    fake_.InjectFault(detail);
    Outcome o = c->Retract(Request(item), published.remote_id);
    EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << code << ": " << o.message;
    EXPECT_EQ(o.error_class, ErrorClass::kPermanent) << code;
    EXPECT_THAT(o.message, HasSubstr(std::to_string(code)));
  }
  // The article is still there: remove's -201 stands.
  FakeZalo::Fault remove;
  remove.path = FakeZalo::kRemoveRoute;
  remove.error = -201;
  fake_.InjectFault(remove);
  Outcome o = c->Retract(Request(item), published.remote_id);
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << o.message;
  EXPECT_THAT(o.message, HasSubstr("-201"));
  EXPECT_FALSE(fake_.articles().at(0).removed);
  // A rate-limited check is tried again later.
  fake_.InjectFault(remove);
  FakeZalo::Fault busy;
  busy.path = FakeZalo::kDetailRoute;
  busy.error = -32;
  fake_.InjectFault(busy);
  o = c->Retract(Request(item), published.remote_id);
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_FALSE(fake_.articles().at(0).removed);
}

TEST_F(ZaloConnectorTest, RetractRateLimitedIsRetried) {
  auto c = Connector();
  Item item = MakeItem();
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished);
  FakeZalo::Fault f;
  f.path = FakeZalo::kRemoveRoute;
  f.error = -32;
  fake_.InjectFault(f);
  Outcome o = c->Retract(Request(item), published.remote_id);
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kRateLimited);
  EXPECT_FALSE(fake_.articles().at(0).removed);
}

// ---- The fake itself ------------------------------------------------------------

TEST_F(ZaloConnectorTest, FakeUploadImageChecksTokenTypeAndSize) {
  auto c = Connector();
  auto token = c->tokens().AccessToken();
  ASSERT_TRUE(std::holds_alternative<std::string>(token));
  httplib::Client client(fake_.base_url());
  auto upload = [&](const std::string& access, const std::string& type, size_t bytes) {
    httplib::MultipartFormDataItems items = {{"file", std::string(bytes, 'x'), "anh.png", type}};
    auto res = client.Post(FakeZalo::kUploadImageRoute, {{"access_token", access}}, items);
    EXPECT_TRUE(res);
    return res ? json::parse(res->body) : json();
  };
  json ok = upload(std::get<std::string>(token), "image/png", 1000);
  EXPECT_EQ(ok["error"], 0);
  EXPECT_FALSE(ok["data"]["attachment_id"].get<std::string>().empty());
  EXPECT_EQ(upload(std::get<std::string>(token), "image/gif", 1000)["error"], -201);
  EXPECT_EQ(upload(std::get<std::string>(token), "image/jpeg", 1024 * 1024 + 1)["error"], -201);
  EXPECT_EQ(upload("not-a-token", "image/png", 1000)["error"], -216);
}

// ---- Secrets --------------------------------------------------------------------

TEST_F(ZaloConnectorTest, NoTokenOrSecretInAnyMessageOrLogLine) {
  testing::internal::CaptureStderr();
  std::string messages;
  {
    auto c = Connector();
    Item item = MakeItem();
    messages += c->Publish(Request(item)).message;
    fake_.ExpireAccessTokensNow();
    messages += c->Publish(Request(item, 2)).message;
    fake_.DropAfterCreateNext(1);
    Item other = MakeItem("2026-12-05-tap-huan-kiem-soat-tthc");
    other.title = "Tập huấn kiểm soát thủ tục hành chính";
    messages += c->Publish(Request(other)).message;
    messages += c->Reconcile(Request(other)).message;
    fake_.ExpireAccessTokensNow();
    fake_.RefuseRefreshNext(2);
    messages += c->Publish(Request(other, 2)).message;
    clock_.Advance(std::chrono::hours(30));
    fake_.DropRefreshAnswerNext();
    messages += c->Publish(Request(other, 3)).message;
    messages += c->Publish(Request(other, 4)).message;
    messages += c->Retract(Request(item), "does-not-exist").message;
  }
  ZaloSettings bad = Settings();
  bad.secret_key_file = "missing-secret";
  auto failed = Make(bad);
  ASSERT_FALSE(failed.ok());
  messages += failed.error();
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(messages, HasSubstr("re-authorise"));  // the run did reach the failures
  EXPECT_THAT(log, HasSubstr("refreshed"));
  ExpectNoSecretIn(messages);
  ExpectNoSecretIn(log);
}

TEST_F(ZaloConnectorTest, CreateReportsMissingSecretsByFileName) {
  ZaloSettings s = Settings();
  s.refresh_token_file = "no-such-token";
  auto c = Make(s);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error(), HasSubstr("refresh_token_file 'no-such-token'"));

  s = Settings();
  s.api_base_url = "http://zalo.example.com";
  c = Make(s);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error(), HasSubstr("api_base_url"));
}

}  // namespace
}  // namespace loa
