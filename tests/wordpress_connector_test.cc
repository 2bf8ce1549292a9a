#include "connectors/wordpress/wordpress_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "connectors/wordpress/wordpress_slug.h"
#include "tests/fakes/fake_wordpress.h"

namespace loa {
namespace {

using fakes::FakeWordPress;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "bientap";
// As WordPress shows an application password: groups of four with spaces.
constexpr char kPassword[] = "Xk2P 9fQr Lm3T vB7n Wq4Z hJ8s";
constexpr char kPostsRoute[] = "/wp-json/wp/v2/posts";
constexpr char kMediaRoute[] = "/wp-json/wp/v2/media";

// A fault on one route.
FakeWordPress::Fault FaultOn(const std::string& method, const std::string& path, int status,
                             const std::string& code = "", const std::string& message = "",
                             std::optional<std::string> retry_after = std::nullopt) {
  FakeWordPress::Fault f;
  f.status = status;
  f.retry_after = std::move(retry_after);
  f.code = code;
  f.message = message;
  f.method = method;
  f.path = path;
  return f;
}

class WordPressConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-wordpress-connector-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    media_dir_ = root_ / "media";
    ASSERT_TRUE(EnsureDir(media_dir_).ok());
  }
  void TearDown() override { fs::remove_all(root_); }

  MediaFile AddMedia(const std::string& name, const std::string& content_type,
                     const std::string& data, const std::string& caption = "") {
    EXPECT_TRUE(WriteFileAtomic(media_dir_ / name, data).ok());
    return MediaFile{name, caption, content_type, Sha256Hex(data),
                     static_cast<int64_t>(data.size())};
  }

  Item MakeItem() {
    Item item;
    item.id = "2026-12-02-dich-vu-cong-truc-tuyen";
    item.title = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến";
    item.summary = "Người dân có thể đề nghị cấp Phiếu lý lịch tư pháp trực tuyến toàn trình.";
    item.body_markdown = "## Các bước thực hiện\n\n1. Đăng nhập bằng VNeID.\n2. Chọn thủ tục.\n";
    item.publish_at = *ParseTime("2026-12-02T08:00:00+07:00", std::chrono::hours(7));
    item.channels = {"portal"};
    item.topics = {"dich-vu-cong-truc-tuyen", "khong-co-chuyen-muc", "mot-cua"};
    item.form = "article";
    item.approved_by = "Phó Giám đốc Sở";
    item.link = "https://dichvucong.gov.vn/";
    return item;
  }

  WordPressSettings Settings(const std::string& base_url) {
    WordPressSettings s;
    s.base_url = base_url;
    s.username = kUser;
    s.categories = {{"dich-vu-cong-truc-tuyen", 12}, {"mot-cua", 7}, {"de-an-06", 30}};
    s.http.timeout = std::chrono::seconds(5);
    return s;
  }

  std::unique_ptr<WordPressConnector> Connector(const WordPressSettings& s,
                                                const std::string& password = kPassword,
                                                int max_attempts = 0) {
    auto c = WordPressConnector::Create(SystemClock(), s, password, max_attempts);
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  PublishRequest Request(const Item& item) {
    PublishRequest r;
    r.item = &item;
    r.channel = "portal";
    r.due_at = item.publish_at;
    r.media_dir = media_dir_;
    return r;
  }

  FakeWordPress wp_{kUser, kPassword};
  fs::path root_, media_dir_;
};

// ---- Request building and answer classification, without a server ----------

TEST(WordPressPostTest, PostIsBuiltWithoutAServer) {
  WordPressSettings settings;
  settings.categories = {{"kiem-soat-tthc", 12}, {"pho-bien", 7}};
  Item item;
  item.id = "2026-12-05-tap-huan";
  item.title = "Tập huấn";
  item.summary = "Tóm tắt.";
  item.body_markdown = "Nội dung.";
  item.topics = {"kiem-soat-tthc", "khong-co", "kiem-soat-tthc"};
  item.channels = {"portal"};
  PublishRequest r;
  r.item = &item;
  r.channel = "portal";
  std::vector<WordPressUpload> uploads = {{41, "https://s/a.jpg", "image/jpeg", "Ảnh"},
                                          {42, "https://s/b.png", "image/png", ""}};
  nlohmann::json post = BuildWordPressPost(settings, r, uploads);
  EXPECT_EQ(post["title"], "Tập huấn");
  EXPECT_EQ(post["status"], "publish");
  EXPECT_EQ(post["slug"], WordPressSlug(item.id));
  EXPECT_EQ(post["excerpt"], "Tóm tắt.");
  EXPECT_EQ(post["featured_media"], 41);
  EXPECT_EQ(post["categories"], nlohmann::json::array({12}));  // unmapped and repeated left out
  const std::string content = post["content"];
  EXPECT_TRUE(content.starts_with(LoaItemMarker(item.id))) << content;
  EXPECT_THAT(content, HasSubstr("https://s/b.png"));
  EXPECT_THAT(content, Not(HasSubstr("https://s/a.jpg")));  // the featured image is the theme's
}

TEST(WordPressPostTest, AnswersAreClassifiedWithoutAServer) {
  const std::string what = "post create POST https://site/wp-json/wp/v2/posts";
  const std::string base = "https://site";
  Outcome auth = ClassifyWordPressAnswer(401, R"({"code":"rest_not_logged_in","message":"no"})",
                                         std::nullopt, "", what, base);
  EXPECT_EQ(auth.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(auth.error_class, ErrorClass::kAuth);
  EXPECT_THAT(auth.message, HasSubstr("rest_not_logged_in: no"));
  EXPECT_EQ(
      ClassifyWordPressAnswer(403, R"({"code":"rest_cannot_create"})", std::nullopt, "", what, base)
          .error_class,
      ErrorClass::kAuth);
  Outcome missing = ClassifyWordPressAnswer(404, "", std::nullopt, "", what, base);
  EXPECT_EQ(missing.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(missing.message, HasSubstr("check base_url"));
  Outcome limited = ClassifyWordPressAnswer(429, "", Millis(5000), "", what, base);
  EXPECT_EQ(limited.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(limited.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(limited.retry_after, Millis(5000));
  for (int status : {408, 412, 500, 503}) {
    EXPECT_EQ(ClassifyWordPressAnswer(status, "", std::nullopt, "", what, base).kind,
              Outcome::Kind::kRetry)
        << status;
  }
  Outcome moved = ClassifyWordPressAnswer(301, "", std::nullopt, "https://www.site/", what, base);
  EXPECT_EQ(moved.kind, Outcome::Kind::kFailed);
  EXPECT_THAT(moved.message, HasSubstr("redirected to https://www.site/"));
}

TEST_F(WordPressConnectorTest, PublishesWithMediaCategoriesAndFeaturedImage) {
  Item item = MakeItem();
  std::string png("\x89PNG\r\n\x1a\n-anh-1", 14);
  item.media.push_back(AddMedia("anh-1.png", "image/png", png, "Bộ phận Một cửa"));
  item.media.push_back(
      AddMedia("ảnh đẹp.jpg", "image/jpeg", "\xff\xd8\xff-jpeg", "Quầy tiếp nhận"));
  auto c = Connector(Settings(wp_.base_url()));

  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.http_status, 201);

  auto media = wp_.media();
  ASSERT_EQ(media.size(), 2u);
  EXPECT_EQ(media[0].filename, "anh-1.png");
  EXPECT_EQ(media[0].content_type, "image/png");
  EXPECT_EQ(media[0].data, png);
  EXPECT_EQ(media[1].filename, "anh-dep.jpg");  // ASCII for Content-Disposition
  EXPECT_EQ(media[1].content_type, "image/jpeg");

  auto posts = wp_.posts();
  ASSERT_EQ(posts.size(), 1u);
  const auto& post = posts[0];
  EXPECT_EQ(o.remote_id, std::to_string(post.id));
  EXPECT_EQ(o.url, post.link);
  EXPECT_EQ(post.slug, item.id);
  EXPECT_EQ(post.status, "publish");
  EXPECT_EQ(post.title, item.title);
  EXPECT_EQ(post.excerpt, *item.summary);
  EXPECT_EQ(post.categories, (std::vector<int64_t>{12, 7}));  // unknown topic ignored
  EXPECT_EQ(post.featured_media, media[0].id);
  EXPECT_NE(post.content.find("<h2>Các bước thực hiện</h2>"), std::string::npos) << post.content;
  EXPECT_NE(post.content.find("<li>Đăng nhập bằng VNeID.</li>"), std::string::npos);
  // Images after the first (the featured one) follow the text.
  EXPECT_NE(post.content.find("<img src=\"" + media[1].source_url + "\" alt=\"Quầy tiếp nhận\"/>"),
            std::string::npos)
      << post.content;
  EXPECT_EQ(post.content.find(media[0].source_url), std::string::npos);
  EXPECT_NE(post.content.find("<a href=\"https://dichvucong.gov.vn/\">"), std::string::npos);
  // The marker that finds it again, first.
  EXPECT_EQ(post.content.rfind(LoaItemMarker(item.id) + "\n", 0), 0u) << post.content;

  // The post is looked up (every status, with auth, raw content) by slug,
  // then by marker, before anything is created.
  auto requests = wp_.requests();
  ASSERT_EQ(requests.size(), 5u);
  for (int i : {0, 1}) {
    EXPECT_EQ(requests[i].method, "GET");
    EXPECT_EQ(requests[i].path, kPostsRoute);
    EXPECT_EQ(requests[i].params["status"], "publish,future,draft,pending,private");
    EXPECT_EQ(requests[i].params["context"], "edit");
  }
  EXPECT_EQ(requests[0].params["slug"], item.id);
  EXPECT_EQ(requests[1].params["search"], LoaItemMarkerSearch(item.id));
  EXPECT_EQ(requests[2].path, kMediaRoute);
  EXPECT_EQ(requests[2].content_disposition, "attachment; filename=\"anh-1.png\"");
  EXPECT_EQ(requests[4].path, kPostsRoute);
  for (const auto& r : requests) EXPECT_TRUE(r.authenticated) << r.path;
}

TEST_F(WordPressConnectorTest, SecondPublishFindsThePostInsteadOfDuplicating) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  Outcome first = c->Publish(Request(item));
  ASSERT_EQ(first.kind, Outcome::Kind::kPublished) << first.message;
  Outcome second = c->Publish(Request(item));
  ASSERT_EQ(second.kind, Outcome::Kind::kPublished) << second.message;
  EXPECT_EQ(second.remote_id, first.remote_id);
  EXPECT_EQ(second.url, first.url);
  EXPECT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 1u);
}

TEST_F(WordPressConnectorTest, FakeGivesTakenSlugASuffixLikeWordPress) {
  // Why the lookup matters: a blind second create is not refused.
  wp_.AddPost("tin-moi", "publish", "Tin cũ");
  auto second = wp_.AddPost("tin-moi", "publish", "Tin mới");
  EXPECT_EQ(second.slug, "tin-moi-2");
  auto draft = wp_.AddPost("tin-moi", "draft", "Bản nháp");
  EXPECT_EQ(draft.slug, "tin-moi");
}

TEST_F(WordPressConnectorTest, ExistingPostInAnyStatusIsNotCreatedAgain) {
  Item item = MakeItem();
  auto existing =
      wp_.AddPost(item.id, "future", "Đã hẹn giờ", LoaItemMarker(item.id) + "\n<p>Nội dung</p>");
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, std::to_string(existing.id));
  EXPECT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 0u);
}

TEST_F(WordPressConnectorTest, LostAnswerIsRetriedOnceItCannotLandAndTheLookupFindsIt) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  wp_.DropAfterCreateNext(1);
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_GE(o.retry_after, Millis(5000) + WordPressConnector::kLandingMargin);
  ASSERT_EQ(wp_.posts().size(), 1u);  // it did go out

  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, std::to_string(wp_.posts()[0].id));
  EXPECT_EQ(r.published.url, wp_.posts()[0].link);

  Outcome again = c->Publish(Request(item));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, std::to_string(wp_.posts()[0].id));
  EXPECT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 1u);
}

TEST_F(WordPressConnectorTest, ReadTimeoutAfterCreateWaitsOutTheTimeout) {
  Item item = MakeItem();
  WordPressSettings s = Settings(wp_.base_url());
  s.http.timeout = std::chrono::milliseconds(300);
  wp_.DropAfterCreateNext(1, std::chrono::milliseconds(1200));
  Outcome o = Connector(s)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.retry_after, Millis(300) + WordPressConnector::kLandingMargin);
  EXPECT_NE(o.message.find("looked up again"), std::string::npos) << o.message;
  EXPECT_EQ(wp_.posts().size(), 1u);
}

// On the last attempt no later lookup will tell: a create that may have
// landed is held as uncertain, not given up as failed.
TEST_F(WordPressConnectorTest, LostAnswerOnTheLastAttemptIsUncertain) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()), kPassword, /*max_attempts=*/3);
  PublishRequest last = Request(item);
  last.attempt = 3;
  wp_.DropAfterCreateNext(1);
  Outcome o = c->Publish(last);
  EXPECT_EQ(o.kind, Outcome::Kind::kUncertain) << o.message;
  wp_.FailAfterCreateNext(1, 502);
  Item other = MakeItem();
  other.id = "khac";
  PublishRequest second_to_last = Request(other);
  second_to_last.attempt = 2;
  EXPECT_EQ(c->Publish(second_to_last).kind, Outcome::Kind::kRetry);

  Item nowhere = MakeItem();
  nowhere.id = "chua-co";
  PublishRequest reconcile_last = Request(nowhere);
  reconcile_last.attempt = 3;
  Reconciliation r = c->Reconcile(reconcile_last);
  EXPECT_EQ(r.kind, Reconciliation::Kind::kUnknown) << r.message;
}

TEST_F(WordPressConnectorTest, ReconcileWithoutPostIsAbsentUntilACreateCanNoLongerLand) {
  Item item = MakeItem();
  const TimePoint before = SystemClock().Now();
  Reconciliation r = Connector(Settings(wp_.base_url()))->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  ASSERT_TRUE(r.not_before.has_value());
  EXPECT_GE(*r.not_before, before + Millis(5000) + WordPressConnector::kLandingMargin);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 0u);
}

// The next Publish looks up first, so a lookup that failed is no reason to
// hold the delivery for a person.
TEST_F(WordPressConnectorTest, ReconcileWhenTheSiteCannotAnswerWaitsAndLooksAgain) {
  Item item = MakeItem();
  wp_.FailNext(1, 500);
  Reconciliation r = Connector(Settings(wp_.base_url()))->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent);
  EXPECT_TRUE(r.not_before.has_value());
  EXPECT_NE(r.message.find("500"), std::string::npos) << r.message;
}

TEST_F(WordPressConnectorTest, WrongPasswordIsAuthAndNeverEchoesIt) {
  Item item = MakeItem();
  const std::string wrong = "Zz9Y 8xW7 vU6t S5rQ 4pO3 nM2l";
  Outcome o = Connector(Settings(wp_.base_url()), wrong)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_EQ(o.http_status, 401);
  EXPECT_NE(o.message.find("HTTP 401 rest_forbidden_status"), std::string::npos) << o.message;
  for (const std::string& secret :
       {wrong, std::string("Zz9Y8xW7vU6tS5rQ4pO3nM2l"),
        Base64Encode(std::string(kUser) + ":Zz9Y8xW7vU6tS5rQ4pO3nM2l")}) {
    EXPECT_EQ(o.message.find(secret), std::string::npos);
  }
  EXPECT_TRUE(wp_.posts().empty());
}

TEST_F(WordPressConnectorTest, CreateRefusedAsUnauthorisedIsAuth) {
  wp_.InjectFault(FaultOn("POST", kPostsRoute, 401, "rest_cannot_create",
                          "Sorry, you are not allowed to create posts as this user."));
  Item item = MakeItem();
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_NE(o.message.find("rest_cannot_create"), std::string::npos) << o.message;
}

TEST_F(WordPressConnectorTest, Forbidden403DependsOnTheCode) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  wp_.SetCanPublish(false);
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(o.http_status, 403);
  EXPECT_NE(o.message.find("rest_cannot_publish"), std::string::npos) << o.message;

  wp_.SetCanPublish(true);
  wp_.InjectFault(FaultOn("POST", kPostsRoute, 403, "rest_cannot_create", "Sorry."));
  o = c->Publish(Request(item));
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
}

TEST_F(WordPressConnectorTest, BadRequestIsPermanentWithWordPressMessage) {
  wp_.InjectFault(
      FaultOn("POST", kPostsRoute, 400, "rest_invalid_param", "Invalid parameter(s): title"));
  Item item = MakeItem();
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(o.http_status, 400);
  EXPECT_NE(o.message.find("rest_invalid_param: Invalid parameter(s): title"), std::string::npos)
      << o.message;
}

TEST_F(WordPressConnectorTest, RetryAfterIsReported) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));

  wp_.FailNext(1, 503, "120");  // maintenance mode: HTML body, Retry-After
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 503);
  EXPECT_EQ(o.retry_after, Millis(120'000));

  wp_.InjectFault(FaultOn("POST", kPostsRoute, 429, "too_many_requests", "Slow down.", "45"));
  o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(o.retry_after, Millis(45'000));
  EXPECT_TRUE(wp_.posts().empty());

  o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
}

TEST_F(WordPressConnectorTest, ServerErrorIsTransient) {
  wp_.InjectFault(FaultOn("POST", kMediaRoute, 500));
  Item item = MakeItem();
  item.media.push_back(AddMedia("a.png", "image/png", "png-bytes"));
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 500);
  EXPECT_FALSE(o.retry_after.has_value());
  EXPECT_NE(o.message.find("internal_server_error"), std::string::npos) << o.message;
  EXPECT_TRUE(wp_.posts().empty());
}

TEST_F(WordPressConnectorTest, WrongBaseUrlIsPermanentNotFound) {
  Item item = MakeItem();
  Outcome o = Connector(Settings(wp_.base_url() + "/blog"))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(o.http_status, 404);
  EXPECT_NE(o.message.find("REST API not found"), std::string::npos) << o.message;
  EXPECT_EQ(wp_.requests().at(0).path, "/blog/wp-json/wp/v2/posts");
}

TEST_F(WordPressConnectorTest, ConnectionRefusedIsTransient) {
  std::string dead_url;
  {
    FakeWordPress gone(kUser, kPassword);
    dead_url = gone.base_url();
  }
  Item item = MakeItem();
  Outcome o = Connector(Settings(dead_url))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 0);
  EXPECT_NE(o.message.find("nothing was sent"), std::string::npos) << o.message;
}

TEST_F(WordPressConnectorTest, MissingMediaFileFailsBeforeCreating) {
  Item item = MakeItem();
  item.media.push_back(MediaFile{"mat.png", "", "image/png", Sha256Hex("x"), 1});
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_NE(o.message.find("mat.png"), std::string::npos);
  EXPECT_TRUE(wp_.posts().empty());
}

// Same size, other bytes: the upload stops before the file's last byte, so
// WordPress stores no file and no post is made.
TEST_F(WordPressConnectorTest, MediaChangedSinceAcceptanceFailsBeforeCreating) {
  Item item = MakeItem();
  std::string png(MediaReader::kChunkBytes + 3, 'p');
  item.media.push_back(AddMedia("mat.png", "image/png", png));
  png.back() = 'q';
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / "mat.png", png).ok());
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_NE(o.message.find("mat.png changed since the item was accepted"), std::string::npos)
      << o.message;
  EXPECT_TRUE(wp_.media().empty());
  EXPECT_TRUE(wp_.posts().empty());
}

TEST_F(WordPressConnectorTest, PlainHttpOnlyToLoopbackOrWhenAllowed) {
  auto refused = WordPressConnector::Create(SystemClock(),
                                            Settings("http://sotuphap.example.gov.vn"), kPassword);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("allow_insecure_http"), std::string::npos) << refused.error();

  WordPressSettings allowed = Settings("http://sotuphap.example.gov.vn");
  allowed.http.allow_insecure_http = true;
  EXPECT_TRUE(WordPressConnector::Create(SystemClock(), allowed, kPassword).ok());
  EXPECT_TRUE(WordPressConnector::Create(SystemClock(), Settings("https://sotuphap.example.gov.vn"),
                                         kPassword)
                  .ok());
  EXPECT_TRUE(
      WordPressConnector::Create(SystemClock(), Settings("http://localhost:8080"), kPassword).ok());

  auto with_user = WordPressConnector::Create(
      SystemClock(), Settings("https://u:hunter2@example.gov.vn"), kPassword);
  ASSERT_FALSE(with_user.ok());
  EXPECT_EQ(with_user.error().find("hunter2"), std::string::npos);
}

// ---- Exactly once -------------------------------------------------------------------

// WordPress stores "a.b.c" as the slug "a-b-c": a lookup that compares the
// stored slug with the id finds nothing after a 500 that came after the
// post was stored, and the retry creates "a-b-c-2".
TEST_F(WordPressConnectorTest, DottedIdAndA500AfterTheCommitMakeOnePost) {
  Item item = MakeItem();
  item.id = "2026.12.02.dich-vu-cong";
  auto c = Connector(Settings(wp_.base_url()));
  wp_.FailAfterCreateNext(1, 500);
  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.http_status, 500);
  EXPECT_GE(o.retry_after, Millis(5000) + WordPressConnector::kLandingMargin);
  ASSERT_EQ(wp_.posts().size(), 1u);
  const auto post = wp_.posts()[0];
  EXPECT_EQ(post.slug, "2026-12-02-dich-vu-cong");

  Outcome again = c->Publish(Request(item));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, std::to_string(post.id));
  EXPECT_EQ(again.url, post.link);
  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, std::to_string(post.id));
  EXPECT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 1u);
}

// A kill during a slow create: the restart's lookup runs before the create
// lands, so it must not be read as "absent, send now".
TEST_F(WordPressConnectorTest, RestartDuringASlowCreateWaitsUntilItCanNoLongerLand) {
  Item item = MakeItem();
  item.id = "2026.12.02.cham";
  const auto hang = std::chrono::milliseconds(1500);
  wp_.HangBeforeCreateNext(1, hang);
  auto killed = Connector(Settings(wp_.base_url()));
  std::thread before_the_kill([&] { killed->Publish(Request(item)); });
  ASSERT_TRUE(wp_.WaitForHangingCreate(std::chrono::seconds(10)));

  auto restarted = Connector(Settings(wp_.base_url()));
  Reconciliation r = restarted->Reconcile(Request(item));
  const size_t posts_during_the_hang = wp_.posts().size();
  before_the_kill.join();
  EXPECT_EQ(posts_during_the_hang, 0u) << "the lookup was meant to run during the hang";
  ASSERT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  ASSERT_TRUE(r.not_before.has_value());
  ASSERT_EQ(wp_.posts().size(), 1u);
  const auto landed = wp_.posts()[0];
  EXPECT_GE(*r.not_before, landed.committed_at) << "sent again before the hung create landed";

  // What the engine does at not_before: Publish, which looks up first.
  Outcome o = restarted->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, std::to_string(landed.id));
  EXPECT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 1u);
}

// A post holding our slug without our marker is someone else's: ours is
// created (WordPress makes it "-2") and found from then on, not theirs.
TEST_F(WordPressConnectorTest, AForeignPostWithOurSlugIsNotTakenForOurs) {
  Item item = MakeItem();
  auto foreign = wp_.AddPost(item.id, "publish", "Bài của phòng khác", "<p>Khác</p>");
  auto c = Connector(Settings(wp_.base_url()));
  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.http_status, 201);
  EXPECT_NE(o.remote_id, std::to_string(foreign.id));
  auto posts = wp_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].slug, item.id + "-2");
  EXPECT_EQ(o.remote_id, std::to_string(posts[1].id));

  Outcome again = c->Publish(Request(item));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, o.remote_id);
  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, o.remote_id);
  EXPECT_EQ(r.published.url, posts[1].link);
  EXPECT_EQ(wp_.posts().size(), 2u);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 1u);

  // A takedown without a stored id takes ours down, never theirs.
  ASSERT_EQ(c->Retract(Request(item), "").kind, Outcome::Kind::kRetracted);
  posts = wp_.posts();
  EXPECT_EQ(posts[0].status, "publish");
  EXPECT_EQ(posts[1].status, "trash");
}

// Our post in the trash (taken down) is not "already published": a new
// delivery makes a new post, under the slug the trashed one gave up, and
// lookups find that one from then on.
TEST_F(WordPressConnectorTest, OurTrashedPostIsLeftAloneAndTheNewOneFound) {
  Item item = MakeItem();
  item.id = "2026.12.02.tin-cu";
  auto c = Connector(Settings(wp_.base_url()));
  Outcome first = c->Publish(Request(item));
  ASSERT_EQ(first.kind, Outcome::Kind::kPublished) << first.message;
  ASSERT_EQ(c->Retract(Request(item), first.remote_id).kind, Outcome::Kind::kRetracted);
  EXPECT_EQ(wp_.posts()[0].slug, "2026-12-02-tin-cu__trashed");
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);

  wp_.FailAfterCreateNext(1, 500);
  Outcome lost = c->Publish(Request(item));
  ASSERT_EQ(lost.kind, Outcome::Kind::kRetry) << lost.message;
  Outcome second = c->Publish(Request(item));
  ASSERT_EQ(second.kind, Outcome::Kind::kPublished) << second.message;
  auto posts = wp_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_NE(second.remote_id, first.remote_id);
  EXPECT_EQ(second.remote_id, std::to_string(posts[1].id));
  EXPECT_EQ(posts[1].slug, "2026-12-02-tin-cu");
  EXPECT_EQ(posts[1].status, "publish");
  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, second.remote_id);
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 2u);
}

// For a user without unfiltered_html, kses rewrites "--" inside comments:
// the marker is written so that it comes through unchanged.
TEST_F(WordPressConnectorTest, MarkerSurvivesKsesForAnIdWithDoubleDashes) {
  wp_.SetUnfilteredHtml(false);
  Item item = MakeItem();
  item.id = "tin--kep..moi";
  auto c = Connector(Settings(wp_.base_url()));
  wp_.DropAfterCreateNext(1);
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kRetry);
  ASSERT_EQ(wp_.posts().size(), 1u);
  const auto post = wp_.posts()[0];
  EXPECT_EQ(post.slug, "tin-kep-moi");
  EXPECT_NE(post.content.find(LoaItemMarker(item.id)), std::string::npos) << post.content;

  Outcome again = c->Publish(Request(item));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, std::to_string(post.id));
  EXPECT_EQ(wp_.posts().size(), 1u);
}

// Found by the marker under a slug an editor changed.
TEST_F(WordPressConnectorTest, OurPostIsFoundUnderAnySlug) {
  Item item = MakeItem();
  auto moved = wp_.AddPost("ten-moi-do-bien-tap-dat", "publish", item.title,
                           LoaItemMarker(item.id) + "\n<p>Nội dung</p>");
  // Another item whose id starts like ours is not ours either.
  wp_.AddPost(item.id + "-2", "publish", "Khác", LoaItemMarker(item.id + "-2"));
  Outcome o = Connector(Settings(wp_.base_url()))->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, std::to_string(moved.id));
  EXPECT_EQ(wp_.CountRequests("POST", kPostsRoute), 0u);
}

class WordPressSecretTest : public WordPressConnectorTest {
 protected:
  void SetUp() override {
    WordPressConnectorTest::SetUp();
    ::unsetenv("CREDENTIALS_DIRECTORY");
  }
};

TEST_F(WordPressSecretTest, MakeConnectorReadsTheSecretFile) {
  ASSERT_TRUE(WriteFileAtomic(root_ / "wp.password", std::string(kPassword) + "\n").ok());
  Config config;
  config.config_dir = root_;
  ChannelConfig channel;
  channel.name = "portal";
  channel.type = "wordpress";
  WordPressSettings s = Settings(wp_.base_url());
  s.app_password_file = "wp.password";
  channel.settings = std::make_shared<WordPressSettings>(s);
  auto c = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
  ASSERT_TRUE(c.ok()) << c.error();
  Item item = MakeItem();
  Outcome o = (*c)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;

  s.app_password_file = "missing.password";
  channel.settings = std::make_shared<WordPressSettings>(s);
  auto missing = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("portal"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("missing.password"), std::string::npos) << missing.error();
}

// ---- Retract -------------------------------------------------------------------------

TEST_F(WordPressConnectorTest, RetractMovesThePostToTheTrash) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished) << published.message;

  Outcome o = c->Retract(Request(item), published.remote_id);
  ASSERT_EQ(o.kind, Outcome::Kind::kRetracted) << o.message;
  EXPECT_EQ(o.remote_id, published.remote_id);
  EXPECT_EQ(o.http_status, 200);
  EXPECT_NE(o.message.find("moved to the trash"), std::string::npos) << o.message;
  ASSERT_EQ(wp_.posts().size(), 1u);
  EXPECT_EQ(wp_.posts()[0].status, "trash") << "trashed, not deleted: an editor can restore it";
  const std::string path = std::string(kPostsRoute) + "/" + published.remote_id;
  ASSERT_EQ(wp_.CountRequests("DELETE", path), 1u);
  const auto last = wp_.requests().back();
  EXPECT_TRUE(last.authenticated);
  EXPECT_EQ(last.params.count("force"), 0u);
  EXPECT_EQ(wp_.CountRequests("GET", kPostsRoute), 2u) << "the stored id needs no lookup";

  // The slug lookup no longer sees it: a restart would not call it published.
  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
}

TEST_F(WordPressConnectorTest, RetractOfATrashedOrDeletedPostCountsAsGone) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  auto post = wp_.AddPost(item.id, "publish", item.title);
  const std::string id = std::to_string(post.id);
  ASSERT_EQ(c->Retract(Request(item), id).kind, Outcome::Kind::kRetracted);

  Outcome again = c->Retract(Request(item), id);
  ASSERT_EQ(again.kind, Outcome::Kind::kRetracted) << again.message;
  EXPECT_EQ(again.http_status, 410);
  EXPECT_NE(again.message.find("already in the trash"), std::string::npos) << again.message;

  Outcome missing = c->Retract(Request(item), "98765");
  ASSERT_EQ(missing.kind, Outcome::Kind::kRetracted) << missing.message;
  EXPECT_EQ(missing.http_status, 404);
  EXPECT_NE(missing.message.find("no longer on the site"), std::string::npos) << missing.message;
}

TEST_F(WordPressConnectorTest, RetractWithoutAStoredIdFindsThePostBySlug) {
  Item item = MakeItem();
  auto c = Connector(Settings(wp_.base_url()));
  Outcome nothing = c->Retract(Request(item), "");
  ASSERT_EQ(nothing.kind, Outcome::Kind::kRetracted) << nothing.message;
  EXPECT_NE(nothing.message.find("no post of"), std::string::npos) << nothing.message;
  EXPECT_EQ(wp_.requests().size(), 2u);

  auto post = wp_.AddPost(item.id, "publish", item.title, LoaItemMarker(item.id));
  Outcome o = c->Retract(Request(item), "");
  ASSERT_EQ(o.kind, Outcome::Kind::kRetracted) << o.message;
  EXPECT_EQ(o.remote_id, std::to_string(post.id));
  EXPECT_EQ(wp_.posts()[0].status, "trash");
}

TEST_F(WordPressConnectorTest, RetractErrorsAreClassified) {
  Item item = MakeItem();
  auto post = wp_.AddPost(item.id, "publish", item.title);
  const std::string id = std::to_string(post.id);
  const std::string path = std::string(kPostsRoute) + "/" + id;

  Outcome auth = Connector(Settings(wp_.base_url()), "Zz9Y 8xW7 vU6t S5rQ 4pO3 nM2l")
                     ->Retract(Request(item), id);
  EXPECT_EQ(auth.kind, Outcome::Kind::kFailed) << auth.message;
  EXPECT_EQ(auth.error_class, ErrorClass::kAuth);
  EXPECT_EQ(auth.http_status, 401);
  EXPECT_NE(auth.message.find("rest_cannot_delete"), std::string::npos) << auth.message;

  auto c = Connector(Settings(wp_.base_url()));
  wp_.SetCanDelete(false);
  Outcome forbidden = c->Retract(Request(item), id);
  EXPECT_EQ(forbidden.kind, Outcome::Kind::kFailed) << forbidden.message;
  EXPECT_EQ(forbidden.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(forbidden.http_status, 403);
  wp_.SetCanDelete(true);

  wp_.InjectFault(FaultOn("DELETE", path, 503, "", "", "120"));
  Outcome busy = c->Retract(Request(item), id);
  EXPECT_EQ(busy.kind, Outcome::Kind::kRetry) << busy.message;
  EXPECT_EQ(busy.error_class, ErrorClass::kTransient);
  EXPECT_EQ(busy.retry_after, std::chrono::seconds(120));

  // A 404 that is not WordPress saying "no such post" is not taken as gone.
  Outcome wrong_base = Connector(Settings(wp_.base_url() + "/blog"))->Retract(Request(item), id);
  EXPECT_EQ(wrong_base.kind, Outcome::Kind::kFailed) << wrong_base.message;
  EXPECT_EQ(wrong_base.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(wrong_base.http_status, 404);

  const size_t requests = wp_.requests().size();
  Outcome odd = c->Retract(Request(item), "../users/1");
  EXPECT_EQ(odd.kind, Outcome::Kind::kFailed) << odd.message;
  EXPECT_EQ(odd.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(wp_.requests().size(), requests) << "nothing sent for an id that is not a number";
  EXPECT_EQ(wp_.posts()[0].status, "publish") << "none of these took it down";
}

TEST_F(WordPressConnectorTest, RetractWhenTheSiteIsDownIsRetried) {
  std::string dead_url;
  {
    FakeWordPress gone(kUser, kPassword);
    dead_url = gone.base_url();
  }
  Item item = MakeItem();
  Outcome o = Connector(Settings(dead_url))->Retract(Request(item), "100");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << o.message;
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
}

TEST(FakeWordPressTest, ForcedDeleteRemovesThePostForGood) {
  FakeWordPress wp(kUser, kPassword);
  auto post = wp.AddPost("tin", "publish", "Tin");
  httplib::Client client("127.0.0.1",
                         std::stoi(wp.base_url().substr(wp.base_url().rfind(':') + 1)));
  client.set_basic_auth(kUser, kPassword);
  auto res =
      client.Delete(std::string(kPostsRoute) + "/" + std::to_string(post.id) + "?force=true");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["deleted"], true);
  EXPECT_EQ(body["previous"]["id"], post.id);
  EXPECT_TRUE(wp.posts().empty());
}

}  // namespace
}  // namespace loa
