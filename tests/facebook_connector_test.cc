#include "connectors/facebook/facebook_connector.h"
#include "connectors/http/media_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/facebook/graph_errors.h"
#include "connectors/http/render.h"
#include "connectors/registry.h"
#include "tests/fakes/fake_facebook.h"

namespace loa {
namespace {

using fakes::FakeFacebook;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPage[] = "104857600123456";
constexpr char kToken[] = "EAAGm0PX4ZCpsBAFakePageToken123";
constexpr char kSecret[] = "f1e2d3c4b5a6978800112233445566ff";
// printf %s EAAGm0PX4ZCpsBAFakePageToken123 |
//   openssl dgst -sha256 -hmac f1e2d3c4b5a6978800112233445566ff
constexpr char kProof[] = "e80a28b55edebbe80e2a5d67bd07131ff95fc1b703c2d3e29723c0ff8aeec2e1";

// ---------------------------------------------------------------------------
// Pure parts: the proof and the error table.

TEST(AppSecretProofTest, KnownVectors) {
  EXPECT_EQ(HmacSha256Hex(kSecret, kToken), kProof);
  // RFC 4231-style cross-check from the HMAC article's well-known example.
  EXPECT_EQ(HmacSha256Hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

GraphErrorKind Classify(int code, int http_status = 400, int subcode = 0,
                        bool is_transient = false) {
  GraphError e;
  e.code = code;
  e.subcode = subcode;
  e.is_transient = is_transient;
  return ClassifyGraphError(e, http_status);
}

TEST(GraphErrorsTest, EveryDocumentedCode) {
  using K = GraphErrorKind;
  struct Case {
    int code;
    int subcode;
    K kind;
  };
  const std::vector<Case> cases = {
      {1, 0, K::kUncertain},       {2, 0, K::kUncertain},       {4, 0, K::kRateLimited},
      {17, 0, K::kRateLimited},    {32, 0, K::kRateLimited},    {613, 0, K::kRateLimited},
      {341, 0, K::kRateLimited},   {80000, 0, K::kRateLimited}, {80001, 0, K::kRateLimited},
      {80004, 0, K::kRateLimited}, {80014, 0, K::kRateLimited}, {190, 0, K::kAuth},
      {190, 458, K::kAuth},        {190, 460, K::kAuth},        {190, 463, K::kAuth},
      {190, 467, K::kAuth},        {190, 492, K::kAuth},        {190, 999, K::kAuth},
      {102, 0, K::kAuth},          {10, 0, K::kPermanent},      {200, 0, K::kPermanent},
      {230, 0, K::kPermanent},     {299, 0, K::kPermanent},     {3, 0, K::kPermanent},
      {100, 0, K::kPermanent},     {100, 33, K::kPermanent},    {506, 0, K::kReconcile},
      {368, 0, K::kReconcile},     {1609005, 0, K::kPermanent},
  };
  for (const Case& c : cases) {
    // The code decides, whatever HTTP status Graph used.
    for (int status : {400, 403, 500}) {
      EXPECT_EQ(Classify(c.code, status, c.subcode), c.kind)
          << "code " << c.code << "/" << c.subcode << " HTTP " << status << ": got "
          << GraphErrorKindName(Classify(c.code, status, c.subcode));
    }
  }
}

TEST(GraphErrorsTest, UnknownCodesFallBackOnTransientFlagThenStatus) {
  using K = GraphErrorKind;
  EXPECT_EQ(Classify(12345, 400), K::kPermanent);
  EXPECT_EQ(Classify(12345, 500), K::kTransient);
  EXPECT_EQ(Classify(12345, 503), K::kTransient);
  EXPECT_EQ(Classify(12345, 400, 0, /*is_transient=*/true), K::kTransient);
  // Neighbours of the documented ranges are not in them.
  EXPECT_EQ(Classify(79999, 400), K::kPermanent);
  EXPECT_EQ(Classify(80015, 400), K::kPermanent);
  EXPECT_EQ(Classify(199, 400), K::kPermanent);
  EXPECT_EQ(Classify(300, 500), K::kTransient);
  // A documented code keeps its class even when flagged transient.
  EXPECT_EQ(Classify(2, 500, 0, true), K::kUncertain);
  EXPECT_EQ(Classify(190, 400, 463, true), K::kAuth);
}

TEST(GraphErrorsTest, ParsesTheEnvelope) {
  auto e = ParseGraphError(
      R"({"error":{"message":"Error validating access token: Session has expired",)"
      R"("type":"OAuthException","code":190,"error_subcode":463,"is_transient":false,)"
      R"("fbtrace_id":"AbCdEf12"}})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 190);
  EXPECT_EQ(e->subcode, 463);
  EXPECT_FALSE(e->is_transient);
  EXPECT_EQ(e->type, "OAuthException");
  EXPECT_EQ(e->fbtrace_id, "AbCdEf12");
  EXPECT_EQ(e->message, "Error validating access token: Session has expired");
  auto transient = ParseGraphError(R"({"error":{"code":"2","is_transient":true}})");
  ASSERT_TRUE(transient.has_value());
  EXPECT_EQ(transient->code, 2);
  EXPECT_TRUE(transient->is_transient);

  EXPECT_FALSE(ParseGraphError("<html><body>502 Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(ParseGraphError("").has_value());
  EXPECT_FALSE(ParseGraphError(R"({"id":"1_2"})").has_value());
  EXPECT_FALSE(ParseGraphError(R"({"error":"invalid_request"})").has_value());
  EXPECT_FALSE(ParseGraphError(R"({"error":{"message":"no code"}})").has_value());
}

TEST(GraphErrorsTest, AnswersAreClassifiedWithoutAServer) {
  const std::string what = "POST https://graph.facebook.com/v21.0/123/feed";
  auto scrub = [](std::string text) {
    for (size_t at = text.find("EAAGsecret"); at != std::string::npos;
         at = text.find("EAAGsecret")) {
      text.replace(at, 10, "[redacted]");
    }
    return text;
  };
  auto envelope = [](int code, const std::string& message) {
    return R"({"error":{"message":")" + message + R"(","type":"OAuthException","code":)" +
           std::to_string(code) + R"(,"fbtrace_id":"AbC"}})";
  };
  Outcome uncertain = ClassifyGraphAnswer(500, envelope(2, "Service temporarily unavailable"), {},
                                          what, RequestKind::kCreate, scrub);
  EXPECT_EQ(uncertain.kind, Outcome::Kind::kUncertain);
  EXPECT_EQ(ClassifyGraphAnswer(500, envelope(2, "x"), {}, what, RequestKind::kSafe, scrub).kind,
            Outcome::Kind::kRetry);

  Outcome auth = ClassifyGraphAnswer(400, envelope(190, "token EAAGsecret expired"), {}, what,
                                     RequestKind::kCreate, scrub);
  EXPECT_EQ(auth.error_class, ErrorClass::kAuth);
  EXPECT_THAT(auth.message, HasSubstr("Graph error 190 (OAuthException)"));
  EXPECT_THAT(auth.message, HasSubstr("[fbtrace_id AbC]"));
  EXPECT_THAT(auth.message, Not(HasSubstr("EAAGsecret")));

  Outcome limited =
      ClassifyGraphAnswer(400, envelope(32, "Page request limit reached"),
                          {R"({"123":[{"type":"pages","estimated_time_to_regain_access":7}]})"},
                          what, RequestKind::kCreate, scrub);
  EXPECT_EQ(limited.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(limited.retry_after, Millis(minutes(7)));

  Outcome proxy =
      ClassifyGraphAnswer(502, "<html>EAAGsecret</html>", {}, what, RequestKind::kCreate, scrub);
  EXPECT_EQ(proxy.kind, Outcome::Kind::kRetry);
  EXPECT_THAT(proxy.message, Not(HasSubstr("EAAGsecret")));
  EXPECT_EQ(ClassifyGraphAnswer(404, "nope", {}, what, RequestKind::kSafe, scrub).error_class,
            ErrorClass::kPermanent);
}

TEST(GraphErrorsTest, RegainAccessDelayFromUsageHeaders) {
  EXPECT_EQ(RegainAccessDelay(R"({"call_count":100,"total_cputime":10,"total_time":12,
                                  "estimated_time_to_regain_access":15})"),
            minutes(15));
  // Business use case usage: per business id, per use case; the longest wins.
  EXPECT_EQ(RegainAccessDelay(R"({"104857600123456":[
      {"type":"pages","call_count":100,"estimated_time_to_regain_access":7},
      {"type":"ads_management","call_count":5,"estimated_time_to_regain_access":12}]})"),
            minutes(12));
  EXPECT_EQ(RegainAccessDelay(R"({"estimated_time_to_regain_access":0.5})"), Millis(30'000));
  EXPECT_FALSE(RegainAccessDelay(R"({"call_count":28,"total_cputime":25,"total_time":25})"));
  EXPECT_FALSE(RegainAccessDelay(R"({"estimated_time_to_regain_access":0})"));
  EXPECT_FALSE(RegainAccessDelay(R"({"estimated_time_to_regain_access":-3})"));
  EXPECT_FALSE(RegainAccessDelay(R"({"estimated_time_to_regain_access":"15"})"));
  EXPECT_FALSE(RegainAccessDelay("not json"));
  EXPECT_EQ(RegainAccessDelay(R"({"estimated_time_to_regain_access":1e9})"),
            std::chrono::hours(24));
}

// ---------------------------------------------------------------------------
// The connector against the fake Graph server.

class FacebookConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-facebook-connector-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    media_dir_ = root_ / "media";
    ASSERT_TRUE(EnsureDir(media_dir_).ok());
  }
  void TearDown() override { fs::remove_all(root_); }

  MediaFile AddMedia(Item& item, const std::string& name, const std::string& content_type,
                     const std::string& data, const std::string& caption = "") {
    EXPECT_TRUE(WriteFileAtomic(media_dir_ / name, data).ok());
    MediaFile m{name, caption, content_type, Sha256Hex(data), static_cast<int64_t>(data.size())};
    item.media.push_back(m);
    return m;
  }

  Item MakeItem(bool with_link = true) {
    Item item;
    item.id = "2026-12-02-dich-vu-cong-truc-tuyen";
    item.title = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến";
    item.summary = "Người dân có thể đề nghị cấp Phiếu lý lịch tư pháp trực tuyến toàn trình.";
    item.body_markdown = "## Các bước\n\n1. Đăng nhập bằng VNeID.\n2. Chọn thủ tục.\n";
    item.publish_at = SystemClock().Now();
    item.channels = {"facebook"};
    item.approved_by = "Phó Giám đốc Sở";
    if (with_link) item.link = "https://dichvucong.gov.vn/";
    return item;
  }

  FacebookSettings Settings() {
    FacebookSettings s;
    s.page_id = kPage;
    s.graph_base_url = fb_.graph_base_url();
    s.http.timeout = std::chrono::seconds(5);
    return s;
  }

  std::unique_ptr<FacebookConnector> Connector(const FacebookSettings& s,
                                               const std::string& secret = kSecret) {
    auto c = FacebookConnector::Create(SystemClock(), s, kToken, secret);
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  std::unique_ptr<FacebookConnector> Connector() { return Connector(Settings()); }

  PublishRequest Request(const Item& item, int attempt = 1) {
    PublishRequest r;
    r.item = &item;
    r.channel = "facebook";
    r.due_at = item.publish_at;
    r.media_dir = media_dir_;
    r.attempt = attempt;
    return r;
  }

  static std::string Message(const Item& item) { return RenderForChannel(item, "facebook").text; }

  // Posts still on the Page.
  std::vector<FakeFacebook::Post> LivePosts() {
    std::vector<FakeFacebook::Post> live;
    for (auto& p : fb_.posts()) {
      if (!p.deleted) live.push_back(p);
    }
    return live;
  }

  // Every request carried the right token and proof.
  void ExpectAllAuthenticated() {
    for (const auto& r : fb_.requests()) {
      EXPECT_TRUE(r.token_ok) << r.method << " " << r.path;
      EXPECT_TRUE(r.proof_ok) << r.method << " " << r.path;
    }
  }

  FakeFacebook fb_{kPage, kToken, kSecret};
  fs::path root_, media_dir_;
};

// No outcome ever carries a credential.
void ExpectNoSecrets(const Outcome& o) {
  for (const std::string& text : {o.message, o.url, o.remote_id}) {
    EXPECT_THAT(text, Not(HasSubstr(kToken)));
    EXPECT_THAT(text, Not(HasSubstr(kSecret)));
    EXPECT_THAT(text, Not(HasSubstr(kProof)));
  }
}

TEST_F(FacebookConnectorTest, CreateRefusesBadSettings) {
  FacebookSettings s = Settings();
  s.graph_base_url = "http://graph.example.com/v21.0";
  auto insecure = FacebookConnector::Create(SystemClock(), s, kToken, "");
  ASSERT_FALSE(insecure.ok());
  EXPECT_THAT(insecure.error(), HasSubstr("graph_base_url: plain http:// to graph.example.com"));
  s.http.allow_insecure_http = true;
  EXPECT_TRUE(FacebookConnector::Create(SystemClock(), s, kToken, "").ok());

  s = Settings();
  s.graph_base_url = "graph.facebook.com/v21.0";
  EXPECT_FALSE(FacebookConnector::Create(SystemClock(), s, kToken, "").ok());
  s = Settings();
  s.graph_base_url += "?access_token=x";
  EXPECT_FALSE(FacebookConnector::Create(SystemClock(), s, kToken, "").ok());
  s = Settings();
  s.page_id = "sotuphap";
  EXPECT_EQ(FacebookConnector::Create(SystemClock(), s, kToken, "").error(),
            "page_id must be the numeric Page ID");
  auto empty = FacebookConnector::Create(SystemClock(), Settings(), "", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), "the Page access token is empty");
}

TEST_F(FacebookConnectorTest, TextPostWithPermalink) {
  Item item = MakeItem(/*with_link=*/false);
  auto c = Connector();
  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ExpectNoSecrets(o);

  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].message, Message(item));
  EXPECT_EQ(posts[0].message, item.title + "\n\n" + *item.summary);
  EXPECT_EQ(posts[0].link, "");
  EXPECT_TRUE(posts[0].attached_media.empty());
  EXPECT_EQ(o.remote_id, posts[0].id);
  EXPECT_EQ(o.url, posts[0].permalink_url);
  EXPECT_EQ(o.http_status, 200);

  // The create, then the permalink lookup; every call signed.
  auto requests = fb_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, fb_.PagePath("feed"));
  EXPECT_EQ(requests[0].params.at("message"), Message(item));
  EXPECT_EQ(requests[0].params.count("link"), 0u);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].path, "/v21.0/" + posts[0].id);
  EXPECT_EQ(requests[1].params.at("fields"), "permalink_url");
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, LinkPost) {
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].link, "https://dichvucong.gov.vn/");
  EXPECT_EQ(posts[0].message,
            item.title + "\n\n" + *item.summary + "\n\nhttps://dichvucong.gov.vn/");
  EXPECT_EQ(o.remote_id, posts[0].id);
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, OverrideTextReplacesTheMessage) {
  Item item = MakeItem();
  item.overrides["facebook"].text = "📢 Từ 1/12, nộp hồ sơ lý lịch tư pháp trực tuyến!";
  ASSERT_EQ(Connector()->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  ASSERT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(LivePosts()[0].message, "📢 Từ 1/12, nộp hồ sơ lý lịch tư pháp trực tuyến!");
}

TEST_F(FacebookConnectorTest, OnePhotoPost) {
  Item item = MakeItem();
  std::string png("\x89PNG\r\n\x1a\n-anh-1", 14);
  AddMedia(item, "anh-1.png", "image/png", png, "Bộ phận Một cửa");
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ExpectNoSecrets(o);

  auto photos = fb_.photos();
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_TRUE(photos[0].published);
  EXPECT_EQ(photos[0].data, png);
  EXPECT_EQ(photos[0].filename, "anh-1.png");
  EXPECT_EQ(photos[0].content_type, "image/png");
  EXPECT_EQ(photos[0].caption, Message(item));
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].photo_id, photos[0].id);
  // The Page post, not the photo, is the delivery.
  EXPECT_EQ(o.remote_id, posts[0].id);
  EXPECT_EQ(o.url, posts[0].permalink_url);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("photos")), 1u);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 0u);
  auto requests = fb_.requests();
  EXPECT_THAT(requests[0].files, ElementsAre("source"));
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, MultiPhotoPostKeepsTheOrder) {
  Item item = MakeItem();
  AddMedia(item, "1.jpg", "image/jpeg", "\xff\xd8\xff-first", "Quầy tiếp nhận");
  AddMedia(item, "2.png", "image/png", "\x89PNG-second");
  AddMedia(item, "3.gif", "image/gif", "GIF89a-third");
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;

  auto photos = fb_.photos();
  ASSERT_EQ(photos.size(), 3u);
  EXPECT_EQ(photos[0].data, "\xff\xd8\xff-first");
  EXPECT_EQ(photos[1].data, "\x89PNG-second");
  EXPECT_EQ(photos[2].data, "GIF89a-third");
  EXPECT_EQ(photos[0].caption, "Quầy tiếp nhận");
  for (const auto& p : photos) EXPECT_FALSE(p.published) << p.id;

  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);  // unpublished photos make no posts of their own
  EXPECT_EQ(posts[0].message, Message(item));
  EXPECT_THAT(posts[0].attached_media, ElementsAre(photos[0].id, photos[1].id, photos[2].id));
  EXPECT_EQ(o.remote_id, posts[0].id);
  EXPECT_EQ(o.url, posts[0].permalink_url);

  // attached_media[i] carries {"media_fbid": "<id>"} as JSON.
  for (const auto& r : fb_.requests()) {
    if (r.method != "POST" || r.path != fb_.PagePath("feed")) continue;
    auto first = nlohmann::json::parse(r.params.at("attached_media[0]"));
    EXPECT_EQ(first, nlohmann::json({{"media_fbid", photos[0].id}}));
    EXPECT_EQ(r.params.count("link"), 0u);
  }
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, VideoPost) {
  Item item = MakeItem();
  AddMedia(item, "clip.mp4", "video/mp4", std::string(2048, 'v'));
  AddMedia(item, "anh.jpg", "image/jpeg", "\xff\xd8\xff-photo");
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ExpectNoSecrets(o);

  auto videos = fb_.videos();
  ASSERT_EQ(videos.size(), 1u);
  EXPECT_EQ(videos[0].data, std::string(2048, 'v'));
  EXPECT_EQ(videos[0].filename, "clip.mp4");
  EXPECT_EQ(videos[0].content_type, "video/mp4");
  EXPECT_EQ(videos[0].description, Message(item));
  EXPECT_EQ(videos[0].title, item.title);
  EXPECT_TRUE(fb_.photos().empty());  // one post cannot hold a video and photos
  EXPECT_EQ(o.remote_id, videos[0].id);
  // Graph gives video permalinks relative to facebook.com.
  EXPECT_EQ(o.url,
            "https://www.facebook.com/" + std::string(kPage) + "/videos/" + videos[0].id + "/");
  ExpectAllAuthenticated();
}

// A video larger than one read chunk goes out whole, read from the media
// folder as it is sent.
TEST_F(FacebookConnectorTest, VideoOfSeveralChunksIsStreamedWhole) {
  Item item = MakeItem();
  std::string clip;
  for (size_t i = 0; i < 2 * MediaReader::kChunkBytes + 17; ++i) clip += static_cast<char>(i * 7);
  AddMedia(item, "clip.mp4", "video/mp4", clip);
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  auto videos = fb_.videos();
  ASSERT_EQ(videos.size(), 1u);
  EXPECT_TRUE(videos[0].data == clip);
  EXPECT_EQ(videos[0].description, Message(item));
  ExpectAllAuthenticated();
}

// A media file changed since acceptance (same size, other bytes) is found
// before its last byte is sent: Graph never gets a whole form, nothing is
// posted, and the failure is the item's.
TEST_F(FacebookConnectorTest, MediaChangedSinceAcceptanceIsNotPosted) {
  Item item = MakeItem();
  std::string clip(2 * MediaReader::kChunkBytes + 5, 'v');
  AddMedia(item, "clip.mp4", "video/mp4", clip);
  clip[0] = 'w';  // in the first chunk, which is sent before the change shows
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / "clip.mp4", clip).ok());
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(o.message, HasSubstr("clip.mp4 changed since the item was accepted"));
  EXPECT_TRUE(fb_.videos().empty());
  EXPECT_TRUE(LivePosts().empty());

  Item photo = MakeItem();
  AddMedia(photo, "anh.jpg", "image/jpeg", "\xff\xd8\xff-photo");
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / "anh.jpg", "\xff\xd8\xff-PHOTO").ok());
  o = Connector()->Publish(Request(photo));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_THAT(o.message, HasSubstr("anh.jpg changed"));
  EXPECT_TRUE(fb_.photos().empty());
  EXPECT_TRUE(LivePosts().empty());
}

TEST_F(FacebookConnectorTest, MissingMediaFileFailsBeforeAnyCall) {
  Item item = MakeItem();
  item.media.push_back(MediaFile{"gone.jpg", "", "image/jpeg", Sha256Hex("x"), 1});
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(o.message, HasSubstr("gone.jpg"));
  EXPECT_TRUE(fb_.requests().empty());
}

TEST_F(FacebookConnectorTest, AppSecretProofIsChecked) {
  Item item = MakeItem();
  // Without the secret: Graph asks for the proof (code 100, permanent).
  Outcome missing = Connector(Settings(), "")->Publish(Request(item));
  EXPECT_EQ(missing.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(missing.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(missing.message, HasSubstr("Graph error 100"));
  EXPECT_THAT(missing.message, HasSubstr("require an appsecret_proof"));
  EXPECT_THAT(missing.message, HasSubstr("check app_secret_file"));
  // With the wrong secret: the proof does not match.
  Outcome wrong = Connector(Settings(), "not-the-app-secret")->Publish(Request(item));
  EXPECT_EQ(wrong.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(wrong.message, HasSubstr("Invalid appsecret_proof"));
  ExpectNoSecrets(wrong);
  EXPECT_TRUE(LivePosts().empty());

  // A Page whose app does not require the proof takes it all the same.
  FakeFacebook relaxed(kPage, kToken);
  FacebookSettings s = Settings();
  s.graph_base_url = relaxed.graph_base_url();
  EXPECT_EQ(Connector(s)->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(Connector(s, "")->Publish(Request(MakeItem(false))).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(relaxed.posts().size(), 2u);
}

TEST_F(FacebookConnectorTest, PermalinkLookupFailureStillCountsAsPublished) {
  Item item = MakeItem();
  FakeFacebook::Fault f;
  f.method = "GET";
  f.http_status = 500;
  f.code = 2;
  fb_.InjectFault(f);
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(o.remote_id, posts[0].id);
  EXPECT_EQ(o.url, "https://www.facebook.com/" + posts[0].id);
}

TEST_F(FacebookConnectorTest, ExpiredTokenIsAuth) {
  fb_.ExpireToken();
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_THAT(o.message, HasSubstr("Graph error 190/463 (OAuthException)"));
  EXPECT_THAT(o.message, HasSubstr("Session has expired"));
  EXPECT_THAT(o.message, HasSubstr("page_token_file"));
  EXPECT_EQ(o.http_status, 400);
  ExpectNoSecrets(o);
  EXPECT_TRUE(LivePosts().empty());
}

TEST_F(FacebookConnectorTest, WrongTokenIsAuth) {
  auto c = FacebookConnector::Create(SystemClock(), Settings(), "EAAG-some-other-token", "");
  ASSERT_TRUE(c.ok());
  Item item = MakeItem();
  Outcome o = (*c)->Publish(Request(item));
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_THAT(o.message, HasSubstr("Graph error 190"));
  EXPECT_THAT(o.message, Not(HasSubstr("EAAG-some-other-token")));
}

TEST_F(FacebookConnectorTest, SecretsEchoedByGraphAreBlanked) {
  FakeFacebook::Fault f;
  f.http_status = 400;
  f.code = 100;
  f.message =
      std::string("(#100) Invalid parameter access_token=") + kToken + "&appsecret_proof=" + kProof;
  fb_.InjectFault(f);
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(o.message, HasSubstr("access_token=[redacted]&appsecret_proof=[redacted]"));
  ExpectNoSecrets(o);
}

TEST_F(FacebookConnectorTest, RateLimitRetriesAfterTheEstimate) {
  Item item = MakeItem();
  auto c = Connector();
  fb_.RateLimitNext(1, 15);
  Outcome limited = c->Publish(Request(item));
  EXPECT_EQ(limited.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(limited.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(limited.retry_after, minutes(15));
  EXPECT_THAT(limited.message, HasSubstr("Graph error 32"));
  EXPECT_TRUE(LivePosts().empty());

  fb_.RateLimitNext(1, 0);
  Outcome no_estimate = c->Publish(Request(item, 2));
  EXPECT_EQ(no_estimate.error_class, ErrorClass::kRateLimited);
  EXPECT_FALSE(no_estimate.retry_after.has_value());

  Outcome later = c->Publish(Request(item, 3));
  ASSERT_EQ(later.kind, Outcome::Kind::kPublished) << later.message;
  EXPECT_EQ(LivePosts().size(), 1u);
}

TEST_F(FacebookConnectorTest, ServerErrorsAreTransientAndCreateNothing) {
  Item item = MakeItem();
  auto c = Connector();
  FakeFacebook::Fault f;
  f.http_status = 503;
  f.code = 12345;
  f.method = "POST";
  fb_.InjectFault(f);
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 503);
  EXPECT_TRUE(LivePosts().empty());

  f.http_status = 400;
  f.code = 9007;
  f.is_transient = true;
  fb_.InjectFault(f);
  EXPECT_EQ(c->Publish(Request(item, 2)).error_class, ErrorClass::kTransient);
  EXPECT_EQ(c->Publish(Request(item, 3)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(LivePosts().size(), 1u);
}

TEST_F(FacebookConnectorTest, PermanentCodes) {
  Item item = MakeItem();
  auto c = Connector();
  for (int code : {10, 200, 3, 1609005}) {
    FakeFacebook::Fault f;
    f.http_status = code == 1609005 ? 400 : 403;
    f.code = code;
    f.message = "(#" + std::to_string(code) + ") refused";
    fb_.InjectFault(f);
    Outcome o = c->Publish(Request(item));
    EXPECT_EQ(o.kind, Outcome::Kind::kFailed) << code;
    EXPECT_EQ(o.error_class, ErrorClass::kPermanent) << code;
    EXPECT_THAT(o.message, HasSubstr("Graph error " + std::to_string(code))) << code;
  }
  EXPECT_TRUE(LivePosts().empty());
}

TEST_F(FacebookConnectorTest, Code2AfterCreateIsUncertainThenFoundWithoutDuplicate) {
  Item item = MakeItem();
  auto c = Connector();
  fb_.ErrorAfterCreateNext("feed", 2);
  Outcome first = c->Publish(Request(item));
  EXPECT_EQ(first.kind, Outcome::Kind::kUncertain) << first.message;
  EXPECT_EQ(first.error_class, ErrorClass::kUncertain);
  EXPECT_EQ(first.http_status, 500);
  EXPECT_THAT(first.message, HasSubstr("Graph error 2"));
  // uncertain is never resent by loa (docs/design.md): the operator checks.
  EXPECT_THAT(first.message, HasSubstr("loa will not send it again blindly"));
  ASSERT_EQ(LivePosts().size(), 1u);  // Graph made it anyway

  Outcome second = c->Publish(Request(item, 2));
  ASSERT_EQ(second.kind, Outcome::Kind::kPublished) << second.message;
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(second.remote_id, posts[0].id);
  EXPECT_EQ(second.url, posts[0].permalink_url);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
  EXPECT_EQ(fb_.CountRequests("GET", fb_.PagePath("feed")), 1u);
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, Code1OnAPhotoPostIsUncertainToo) {
  Item item = MakeItem();
  AddMedia(item, "anh.jpg", "image/jpeg", "\xff\xd8\xff-photo");
  auto c = Connector();
  fb_.ErrorAfterCreateNext("photos", 1);
  EXPECT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kUncertain);
  Outcome second = c->Publish(Request(item, 2));
  ASSERT_EQ(second.kind, Outcome::Kind::kPublished) << second.message;
  EXPECT_EQ(fb_.photos().size(), 1u);
  EXPECT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(second.remote_id, LivePosts()[0].id);
}

TEST_F(FacebookConnectorTest, AcceptThenDropIsUncertainAndReconciles) {
  Item item = MakeItem();
  auto c = Connector();
  fb_.DropAfterCreateNext("feed");
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kUncertain) << o.message;
  EXPECT_EQ(o.http_status, 0);
  ExpectNoSecrets(o);

  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(r.published.kind, Outcome::Kind::kPublished);
  EXPECT_EQ(r.published.remote_id, posts[0].id);
  EXPECT_EQ(r.published.url, posts[0].permalink_url);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
}

TEST_F(FacebookConnectorTest, HangIsUncertainAndNothingIsFoundThenSentOnce) {
  Item item = MakeItem();
  FacebookSettings s = Settings();
  s.http.timeout = std::chrono::milliseconds(300);
  auto c = Connector(s);
  FakeFacebook::Fault f;
  f.kind = FakeFacebook::Fault::Kind::kHang;
  f.hang = std::chrono::milliseconds(900);
  f.method = "POST";
  f.edge = "feed";
  fb_.InjectFault(f);
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kUncertain) << o.message;

  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  // Both lists were searched.
  EXPECT_EQ(fb_.CountRequests("GET", fb_.PagePath("feed")), 1u);
  EXPECT_EQ(fb_.CountRequests("GET", fb_.PagePath("scheduled_posts")), 1u);

  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(LivePosts().size(), 1u);
}

TEST_F(FacebookConnectorTest, RetryNeverCreatesBlindWhenTheLookupFails) {
  Item item = MakeItem();
  FakeFacebook::Fault f;
  f.method = "GET";
  f.edge = "feed";
  f.http_status = 500;
  f.code = 2;
  fb_.InjectFault(f);
  Outcome o = Connector()->Publish(Request(item, 2));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_THAT(o.message, HasSubstr("before trying again"));
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 0u);

  Reconciliation r = Connector()->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent);  // the fault was used up
  // A failed search at a restart is "look again later", as the Publish
  // after it never creates blind; only the last attempt has no later.
  fb_.InjectFault(f);
  Reconciliation failed = Connector()->Reconcile(Request(item));
  EXPECT_EQ(failed.kind, Reconciliation::Kind::kAbsent);
  EXPECT_TRUE(failed.not_before.has_value());
  EXPECT_THAT(failed.message, HasSubstr("the search failed"));
  fb_.InjectFault(f);
  auto last =
      FacebookConnector::Create(SystemClock(), Settings(), kToken, kSecret, /*max_attempts=*/3);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ((*last)->Reconcile(Request(item, 3)).kind, Reconciliation::Kind::kUnknown);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 0u);
}

// A restart's search runs while the create of the killed run is still on
// its way: "not found" must mean "not yet", and the next attempt, once that
// create can no longer land, finds it instead of posting again.
TEST_F(FacebookConnectorTest, ReconcileDuringASlowCreateWaitsForItToLand) {
  Item item = MakeItem();
  FacebookSettings s = Settings();
  s.http.timeout = std::chrono::milliseconds(300);
  FakeFacebook::Fault slow;
  slow.kind = FakeFacebook::Fault::Kind::kSlowCreate;
  slow.hang = std::chrono::milliseconds(1500);
  slow.method = "POST";
  slow.edge = "feed";
  fb_.InjectFault(slow);
  EXPECT_EQ(Connector(s)->Publish(Request(item)).kind, Outcome::Kind::kUncertain);
  ASSERT_TRUE(LivePosts().empty());  // still on its way

  const TimePoint before = SystemClock().Now();
  Reconciliation r = Connector(s)->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kAbsent) << r.message;
  ASSERT_TRUE(r.not_before.has_value()) << "sending at once would post twice";
  EXPECT_GE(*r.not_before, before + s.http.timeout + FacebookConnector::kLandingMargin);
  EXPECT_THAT(r.message, HasSubstr("can no longer land"));

  // The create lands before not_before; the engine's next attempt finds it.
  for (int i = 0; i < 500 && LivePosts().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(LivePosts().size(), 1u);
  EXPECT_LE(SystemClock().Now(), *r.not_before);
  Outcome again = Connector(s)->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, LivePosts()[0].id);
  EXPECT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
}

// A 5xx after the post was made, then a busy Page: more than one page of
// posts between the first copy and the retry's search. The search covers
// the whole window (since=, paging.next), not the latest 25.
TEST_F(FacebookConnectorTest, RetryFindsItsPostBehindMoreThanAPageOfOthers) {
  Item item = MakeItem();
  auto c = Connector();
  FakeFacebook::Fault proxy;
  proxy.kind = FakeFacebook::Fault::Kind::kErrorAfterCreate;
  proxy.http_status = 502;
  proxy.code = 12345;  // not code 1/2: a plain server failure
  proxy.method = "POST";
  proxy.edge = "feed";
  fb_.InjectFault(proxy);
  Outcome first = c->Publish(Request(item));
  ASSERT_EQ(first.kind, Outcome::Kind::kRetry) << first.message;
  ASSERT_EQ(LivePosts().size(), 1u);  // made all the same
  // Not retried before a create still in flight could have landed.
  ASSERT_TRUE(first.retry_after.has_value());
  EXPECT_GE(*first.retry_after, Settings().http.timeout + FacebookConnector::kLandingMargin);

  for (int i = 0; i < 130; ++i) fb_.AddPost("Thông báo số " + std::to_string(i));
  // Older than the window: never asked for.
  fb_.AddPost("Thông báo cũ", item.publish_at - std::chrono::hours(30));

  Outcome again = c->Publish(Request(item, 2));
  ASSERT_EQ(again.kind, Outcome::Kind::kPublished) << again.message;
  EXPECT_EQ(again.remote_id, LivePosts()[0].id);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
  // Two pages of 100, each asked with since= and loa's own token.
  std::vector<FakeFacebook::Request> searches;
  for (const auto& q : fb_.requests()) {
    if (q.method == "GET" && q.path == fb_.PagePath("feed")) searches.push_back(q);
  }
  ASSERT_EQ(searches.size(), 2u);
  EXPECT_EQ(searches[0].params.at("limit"), "100");
  EXPECT_EQ(searches[0].params.at("since"),
            std::to_string(ToUnixMillis(item.publish_at - std::chrono::hours(24)) / 1000));
  EXPECT_EQ(searches[0].params.count("after"), 0u);
  EXPECT_EQ(searches[1].params.at("after"), "QVFI100");
  EXPECT_EQ(searches[1].params.at("since"), searches[0].params.at("since"));
  ExpectAllAuthenticated();

  Reconciliation r = Connector()->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, again.remote_id);
}

// The fake pages as Graph does, so the test above means something.
TEST_F(FacebookConnectorTest, FakeFeedPagesWithSinceAndCursors) {
  const TimePoint now = SystemClock().Now();
  fb_.AddPost("old", now - std::chrono::hours(2));
  for (int i = 0; i < 3; ++i) fb_.AddPost("new " + std::to_string(i), now);
  const std::string base = fb_.graph_base_url();
  httplib::Client client(base.substr(0, base.rfind('/')));
  const std::string since = std::to_string(ToUnixMillis(now - std::chrono::hours(1)) / 1000);
  auto page = [&](const std::string& extra) {
    auto res =
        client.Get(fb_.PagePath("feed") + "?access_token=" + kToken + "&appsecret_proof=" + kProof +
                   "&fields=message&limit=2&since=" + since + extra);
    EXPECT_TRUE(res);
    return res ? nlohmann::json::parse(res->body) : nlohmann::json();
  };
  auto first = page("");
  ASSERT_EQ(first["data"].size(), 2u);
  EXPECT_EQ(first["data"][0]["message"], "new 2");
  ASSERT_TRUE(first["paging"].contains("next"));
  EXPECT_EQ(first["paging"]["cursors"]["after"], "QVFI2");
  auto second = page("&after=QVFI2");
  ASSERT_EQ(second["data"].size(), 1u);  // "old" is before since
  EXPECT_EQ(second["data"][0]["message"], "new 0");
  EXPECT_FALSE(second["paging"].contains("next"));
}

TEST_F(FacebookConnectorTest, ReconcileMatchesMessageAndTime) {
  Item item = MakeItem();
  auto c = Connector();
  const TimePoint due = item.publish_at;
  // The same text from long ago is another post; other texts never match.
  fb_.AddPost(Message(item), due - std::chrono::hours(48));
  fb_.AddPost(Message(item) + " (sửa)", due);
  fb_.AddPost("Thông báo khác", due);
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);

  // A post made shortly before the due time (clock skew, an early run) counts.
  auto recent = fb_.AddPost(Message(item), due - std::chrono::hours(2));
  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished);
  EXPECT_EQ(r.published.remote_id, recent.id);
}

TEST_F(FacebookConnectorTest, ReconcileFindsScheduledPosts) {
  Item item = MakeItem();
  auto scheduled = fb_.AddPost(Message(item), item.publish_at, /*scheduled=*/true);
  Reconciliation r = Connector()->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.remote_id, scheduled.id);
}

TEST_F(FacebookConnectorTest, DuplicateRefusalResolvesToTheFirstCopy) {
  Item item = MakeItem();
  auto earlier = fb_.AddPost(Message(item), item.publish_at);
  Outcome o = Connector()->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, earlier.id);
  EXPECT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
}

TEST_F(FacebookConnectorTest, DuplicateRefusalWithoutACopyFailsOnce) {
  Item item = MakeItem();
  // Facebook remembers the text, but the copy is too old to be this delivery.
  fb_.AddPost(Message(item), item.publish_at - std::chrono::hours(72));
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(o.message, HasSubstr("Graph error 506"));
  EXPECT_THAT(o.message, HasSubstr("duplicate"));
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
}

TEST_F(FacebookConnectorTest, Retract) {
  Item item = MakeItem();
  auto c = Connector();
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished);

  Outcome gone = c->Retract(Request(item), published.remote_id);
  ASSERT_EQ(gone.kind, Outcome::Kind::kRetracted) << gone.message;
  EXPECT_EQ(gone.remote_id, published.remote_id);
  EXPECT_TRUE(LivePosts().empty());
  EXPECT_EQ(fb_.CountRequests("DELETE", "/v21.0/" + published.remote_id), 1u);
  ExpectNoSecrets(gone);

  // Already gone counts as gone.
  Outcome again = c->Retract(Request(item), published.remote_id);
  EXPECT_EQ(again.kind, Outcome::Kind::kRetracted) << again.message;
  EXPECT_THAT(again.message, HasSubstr("no longer on the Page"));

  // A lost answer is retried; an expired token pauses the channel.
  FakeFacebook::Fault f;
  f.method = "DELETE";
  f.http_status = 500;
  f.code = 2;
  fb_.InjectFault(f);
  Outcome flaky = c->Retract(Request(item), "104857600123456_77");
  EXPECT_EQ(flaky.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(flaky.error_class, ErrorClass::kTransient);
  fb_.ExpireToken();
  EXPECT_EQ(c->Retract(Request(item), "104857600123456_77").error_class, ErrorClass::kAuth);

  Outcome odd = c->Retract(Request(item), "../me/accounts");
  EXPECT_EQ(odd.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(odd.error_class, ErrorClass::kPermanent);
  ExpectAllAuthenticated();
}

TEST_F(FacebookConnectorTest, RetractsAVideo) {
  Item item = MakeItem();
  AddMedia(item, "clip.mp4", "video/mp4", "video-bytes");
  auto c = Connector();
  Outcome published = c->Publish(Request(item));
  ASSERT_EQ(published.kind, Outcome::Kind::kPublished);
  EXPECT_EQ(c->Retract(Request(item), published.remote_id).kind, Outcome::Kind::kRetracted);
  EXPECT_TRUE(LivePosts().empty());
}

TEST_F(FacebookConnectorTest, MakeConnectorReadsTheSecrets) {
  fs::path config_dir = root_ / "etc";
  ASSERT_TRUE(EnsureDir(config_dir).ok());
  ::unsetenv("CREDENTIALS_DIRECTORY");
  auto config = ParseConfig(R"({"channels": {"facebook": {"type": "facebook",
      "page_id": ")" + std::string(kPage) +
                                R"(", "graph_base_url": ")" + fb_.graph_base_url() +
                                R"(", "page_token_file": "fb-token",
      "app_secret_file": "fb-secret"}}})",
                            config_dir);
  ASSERT_TRUE(config.ok()) << config.error();
  const ChannelConfig& channel = config->channels.at("facebook");

  auto missing = MakeConnector(channel, *config, /*vault=*/nullptr, SystemClock());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("channel facebook: cannot read page_token_file"));

  ASSERT_TRUE(WriteFileAtomic(config_dir / "fb-token", std::string(kToken) + "\n").ok());
  auto no_secret = MakeConnector(channel, *config, /*vault=*/nullptr, SystemClock());
  ASSERT_FALSE(no_secret.ok());
  EXPECT_THAT(no_secret.error(), HasSubstr("cannot read app_secret_file"));

  ASSERT_TRUE(WriteFileAtomic(config_dir / "fb-secret", std::string(kSecret) + "\n").ok());
  auto made = MakeConnector(channel, *config, /*vault=*/nullptr, SystemClock());
  ASSERT_TRUE(made.ok()) << made.error();
  Item item = MakeItem();
  Outcome o = (*made)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ExpectAllAuthenticated();
}

}  // namespace
}  // namespace loa
