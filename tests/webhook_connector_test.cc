#include "connectors/webhook/webhook_connector.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/http/http_client.h"
#include "connectors/http/render.h"
#include "connectors/registry.h"
#include "tests/fakes/fake_webhook.h"

namespace loa {
namespace {

using fakes::FakeWebhook;
using nlohmann::json;

constexpr char kSecret[] = "whsec-9c1f0e7a54b2d8";

class WebhookConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-webhook-connector-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    media_dir_ = root_ / "media";
    ASSERT_TRUE(EnsureDir(media_dir_).ok());
  }
  void TearDown() override { fs::remove_all(root_); }

  Item MakeItem() {
    Item item;
    item.id = "2026-12-10-infographic-de-an-06";
    item.title = "Infographic: Đề án 06 và tiện ích cho người dân";
    item.body_markdown =
        "Đề án 06 giúp người dân **không phải nộp bản sao giấy tờ**.\n\n- Tra cứu\n";
    item.publish_at = *ParseTime("2026-12-10T19:30:00+07:00", std::chrono::hours(7));
    item.channels = {"cchc"};
    item.topics = {"de-an-06", "chuyen-doi-so"};
    item.approved_by = "Giám đốc Sở";
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    png += std::string(300, '\x7f');  // long enough that base64 would wrap if it could
    EXPECT_TRUE(WriteFileAtomic(media_dir_ / "infographic.png", png).ok());
    item.media.push_back(MediaFile{"infographic.png", "Đề án 06 — tiện ích", "image/png",
                                   Sha256Hex(png), static_cast<int64_t>(png.size())});
    png_ = png;
    return item;
  }

  WebhookSettings Settings(const std::string& url) {
    WebhookSettings s;
    s.url = url;
    s.http.timeout = std::chrono::seconds(5);
    return s;
  }

  std::unique_ptr<WebhookConnector> Connector(const std::string& url,
                                              const std::string& secret = kSecret) {
    auto c = WebhookConnector::Create(SystemClock(), Settings(url), secret);
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  PublishRequest Request(const Item& item, const std::string& channel = "cchc") {
    PublishRequest r;
    r.item = &item;
    r.channel = channel;
    r.due_at = item.publish_at;
    r.media_dir = media_dir_;
    return r;
  }

  FakeWebhook hook_{kSecret};
  fs::path root_, media_dir_;
  std::string png_;
};

// ---- Request building and answer classification, without a server ----------

TEST(WebhookRequestTest, RequestIsBuiltAndSignedWithoutAServer) {
  Item item;
  item.id = "2026-12-05-a";
  item.title = "Tiêu đề";
  item.body_markdown = "Nội dung.";
  item.channels = {"cchc"};
  PublishRequest r;
  r.item = &item;
  r.channel = "cchc";
  auto url = ParseUrl("https://cms.example.gov.vn/hook?k=1");
  ASSERT_TRUE(url.ok());
  auto built = BuildWebhookRequest(r, *url, kSecret);
  ASSERT_TRUE(built.ok()) << built.error();
  EXPECT_EQ(built->method, "POST");
  EXPECT_EQ(built->path, "/hook?k=1");
  EXPECT_EQ(built->content_type, "application/json");
  EXPECT_EQ(built->headers.find("Idempotency-Key")->second, "2026-12-05-a:cchc");
  EXPECT_EQ(built->headers.find("X-Loa-Signature")->second,
            "sha256=" + HmacSha256Hex(kSecret, built->body));
  EXPECT_EQ(nlohmann::json::parse(built->body)["id"], "2026-12-05-a");
}

TEST(WebhookRequestTest, AnswersAreClassifiedWithoutAServer) {
  const std::string what = "POST https://cms.example.gov.vn";
  Outcome ok = ClassifyWebhookAnswer(201, R"({"id": 7, "url": "https://cms/7"})", std::nullopt,
                                     what, "k:cchc");
  EXPECT_EQ(ok.kind, Outcome::Kind::kPublished);
  EXPECT_EQ(ok.remote_id, "7");
  EXPECT_EQ(ok.url, "https://cms/7");
  EXPECT_EQ(ClassifyWebhookAnswer(200, "", std::nullopt, what, "k:cchc").remote_id, "k:cchc");
  Outcome limited = ClassifyWebhookAnswer(429, "", Millis(3000), what, "k:cchc");
  EXPECT_EQ(limited.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(limited.retry_after, Millis(3000));
  EXPECT_EQ(ClassifyWebhookAnswer(503, "", std::nullopt, what, "k").kind, Outcome::Kind::kRetry);
  EXPECT_EQ(ClassifyWebhookAnswer(403, "", std::nullopt, what, "k").error_class, ErrorClass::kAuth);
  EXPECT_EQ(ClassifyWebhookAnswer(422, "bad", std::nullopt, what, "k").error_class,
            ErrorClass::kPermanent);
}

TEST_F(WebhookConnectorTest, PostsTheSignedContractBody) {
  Item item = MakeItem();
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.http_status, 201);
  EXPECT_EQ(o.remote_id, "wh-1");
  EXPECT_EQ(o.url, hook_.base_url() + "/items/wh-1");

  auto requests = hook_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].signature_ok);
  EXPECT_EQ(requests[0].idempotency_key, item.id + ":cchc");
  EXPECT_EQ(requests[0].content_type, "application/json");

  auto deliveries = hook_.deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  const json& body = deliveries[0].json;
  std::vector<std::string> keys;
  for (const auto& [k, v] : body.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"approved_by", "channel", "form", "html", "id", "link",
                                            "media", "publish_at", "summary", "text", "title",
                                            "topics", "unit"}));
  EXPECT_EQ(body["id"], item.id);
  EXPECT_EQ(body["channel"], "cchc");
  EXPECT_EQ(body["title"], item.title);
  EXPECT_TRUE(body["summary"].is_null());
  EXPECT_TRUE(body["form"].is_null());
  EXPECT_TRUE(body["unit"].is_null());
  EXPECT_TRUE(body["link"].is_null());
  EXPECT_EQ(body["approved_by"], "Giám đốc Sở");
  EXPECT_EQ(body["html"], MarkdownToHtml(item.body_markdown));
  EXPECT_EQ(body["text"], item.title +
                              "\n\nĐề án 06 giúp người dân không phải nộp bản sao giấy "
                              "tờ.\n\n- Tra cứu");
  EXPECT_EQ(body["publish_at"], "2026-12-10T12:30:00.000Z");
  EXPECT_EQ(body["topics"], json({"de-an-06", "chuyen-doi-so"}));
  ASSERT_EQ(body["media"].size(), 1u);
  const json& m = body["media"][0];
  EXPECT_EQ(m.size(), 5u);
  EXPECT_EQ(m["name"], "infographic.png");
  EXPECT_EQ(m["caption"], "Đề án 06 — tiện ích");
  EXPECT_EQ(m["content_type"], "image/png");
  EXPECT_EQ(m["sha256"], Sha256Hex(png_));
  std::string b64 = m["data_base64"].get<std::string>();
  EXPECT_EQ(b64, Base64Encode(png_));
  EXPECT_EQ(b64.find('\n'), std::string::npos);
  // The signature covers the exact bytes on the wire.
  EXPECT_EQ(deliveries[0].body, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

TEST_F(WebhookConnectorTest, OptionalFieldsAndOverridesAreCarried) {
  Item item = MakeItem();
  item.summary = "Năm tiện ích.";
  item.form = "infographic";
  item.unit = "Trung tâm Trợ giúp pháp lý";
  item.link = "https://dichvucong.gov.vn/";
  item.overrides["facebook"] =
      ChannelOverride{"Tiêu đề FB", "Bài đăng riêng cho Facebook", std::nullopt};
  auto c = Connector(hook_.url());
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  PublishRequest fb = Request(item, "facebook");
  fb.due_at = *ParseTime("2026-12-11T07:00:00+07:00", std::chrono::hours(7));
  ASSERT_EQ(c->Publish(fb).kind, Outcome::Kind::kPublished);

  auto deliveries = hook_.deliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  const json& cchc = deliveries[0].json;
  EXPECT_EQ(cchc["summary"], "Năm tiện ích.");
  EXPECT_EQ(cchc["form"], "infographic");
  EXPECT_EQ(cchc["unit"], "Trung tâm Trợ giúp pháp lý");
  EXPECT_EQ(cchc["link"], "https://dichvucong.gov.vn/");
  EXPECT_EQ(cchc["text"], item.title + "\n\nNăm tiện ích.\n\nhttps://dichvucong.gov.vn/");
  const json& facebook = deliveries[1].json;
  EXPECT_EQ(deliveries[1].idempotency_key, item.id + ":facebook");
  EXPECT_EQ(facebook["title"], "Tiêu đề FB");
  EXPECT_EQ(facebook["text"], "Bài đăng riêng cho Facebook");
  EXPECT_EQ(facebook["publish_at"], "2026-12-11T00:00:00.000Z");
}

TEST_F(WebhookConnectorTest, RepeatedKeyIsDeduplicatedByTheEndpoint) {
  Item item = MakeItem();
  auto c = Connector(hook_.url());
  Outcome first = c->Publish(Request(item));
  Outcome second = c->Publish(Request(item));
  ASSERT_EQ(first.kind, Outcome::Kind::kPublished);
  ASSERT_EQ(second.kind, Outcome::Kind::kPublished);
  EXPECT_EQ(first.remote_id, second.remote_id);
  EXPECT_EQ(hook_.requests().size(), 2u);
  EXPECT_EQ(hook_.deliveries().size(), 1u);

  Reconciliation r = c->Reconcile(Request(item));
  EXPECT_EQ(r.kind, Reconciliation::Kind::kAbsent);
}

TEST_F(WebhookConnectorTest, WrongSecretIsRefusedAsAuth) {
  Item item = MakeItem();
  const std::string wrong = "not-the-shared-secret";
  Outcome o = Connector(hook_.url(), wrong)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kAuth);
  EXPECT_EQ(o.http_status, 401);
  EXPECT_EQ(o.message.find(wrong), std::string::npos);
  EXPECT_FALSE(hook_.requests().at(0).signature_ok);
  EXPECT_TRUE(hook_.deliveries().empty());
}

TEST_F(WebhookConnectorTest, RateLimitHonoursRetryAfter) {
  Item item = MakeItem();
  auto c = Connector(hook_.url());
  hook_.FailNext(1, 429, "17");
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(o.http_status, 429);
  EXPECT_EQ(o.retry_after, Millis(17'000));

  hook_.FailNext(1, 503, "5");
  o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.retry_after, Millis(5'000));

  EXPECT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(hook_.deliveries().size(), 1u);
}

TEST_F(WebhookConnectorTest, ServerErrorIsTransient) {
  Item item = MakeItem();
  hook_.FailNext(1, 500);
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_EQ(o.http_status, 500);
  EXPECT_FALSE(o.retry_after.has_value());
}

TEST_F(WebhookConnectorTest, ClientErrorIsPermanent) {
  Item item = MakeItem();
  hook_.FailNext(1, 400);
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(o.http_status, 400);

  o = Connector(hook_.base_url() + "/wrong/path")->Publish(Request(item));
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(o.http_status, 404);
  // The URL path may hold a token: messages name only the server.
  EXPECT_EQ(o.message.find("/wrong/path"), std::string::npos) << o.message;
}

TEST_F(WebhookConnectorTest, AnswerWithoutBodyUsesTheIdempotencyKey) {
  Item item = MakeItem();
  hook_.SetAnswerWithBody(false);
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.http_status, 204);
  EXPECT_EQ(o.remote_id, item.id + ":cchc");
  EXPECT_EQ(o.url, "");
}

TEST_F(WebhookConnectorTest, ConnectionRefusedIsTransient) {
  std::string dead;
  {
    FakeWebhook gone(kSecret);
    dead = gone.url();
  }
  Item item = MakeItem();
  Outcome o = Connector(dead)->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
}

TEST_F(WebhookConnectorTest, MissingMediaIsPermanent) {
  Item item = MakeItem();
  fs::remove(media_dir_ / "infographic.png");
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_TRUE(hook_.requests().empty());
}

TEST_F(WebhookConnectorTest, ChangedMediaIsPermanent) {
  Item item = MakeItem();
  std::string other = png_;
  other.back() = 'x';
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / "infographic.png", other).ok());
  Outcome o = Connector(hook_.url())->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_NE(o.message.find("infographic.png changed"), std::string::npos) << o.message;
  EXPECT_TRUE(hook_.requests().empty());
}

TEST_F(WebhookConnectorTest, PlainHttpToRemoteHostIsRefusedAtConstruction) {
  auto refused = WebhookConnector::Create(
      SystemClock(), Settings("http://cms.sotuphap.example.gov.vn/hook"), kSecret);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("allow_insecure_http"), std::string::npos) << refused.error();

  WebhookSettings allowed = Settings("http://cms.sotuphap.example.gov.vn/hook");
  allowed.http.allow_insecure_http = true;
  EXPECT_TRUE(WebhookConnector::Create(SystemClock(), allowed, kSecret).ok());
  EXPECT_TRUE(
      WebhookConnector::Create(SystemClock(), Settings("https://cms.example.gov.vn/hook"), kSecret)
          .ok());
  EXPECT_TRUE(
      WebhookConnector::Create(SystemClock(), Settings("http://127.0.0.1:9/hook"), kSecret).ok());
  EXPECT_TRUE(
      WebhookConnector::Create(SystemClock(), Settings("http://[::1]:9/hook"), kSecret).ok());
  EXPECT_FALSE(
      WebhookConnector::Create(SystemClock(), Settings("ftp://cms.example.gov.vn/hook"), kSecret)
          .ok());
  EXPECT_FALSE(
      WebhookConnector::Create(SystemClock(), Settings("https://cms.example.gov.vn/hook"), "")
          .ok());
}

TEST_F(WebhookConnectorTest, MakeConnectorReadsTheSecretFile) {
  ::unsetenv("CREDENTIALS_DIRECTORY");
  ASSERT_TRUE(WriteFileAtomic(root_ / "hook.secret", std::string(kSecret) + "\n").ok());
  Config config;
  config.config_dir = root_;
  ChannelConfig channel;
  channel.name = "cchc";
  channel.type = "webhook";
  WebhookSettings s = Settings(hook_.url());
  s.secret_file = "hook.secret";
  channel.settings = std::make_shared<WebhookSettings>(s);
  auto c = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
  ASSERT_TRUE(c.ok()) << c.error();
  Item item = MakeItem();
  EXPECT_EQ((*c)->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  EXPECT_TRUE(hook_.requests().at(0).signature_ok);  // trailing newline trimmed

  s.secret_file = "nowhere.secret";
  channel.settings = std::make_shared<WebhookSettings>(s);
  auto missing = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cchc"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("nowhere.secret"), std::string::npos) << missing.error();
}

// The HTTP helpers every HTTP connector relies on.

TEST(HttpClient, ParsesUrls) {
  auto u = ParseUrl("https://Sotuphap.Example.gov.vn/wp");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "sotuphap.example.gov.vn");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/wp");
  EXPECT_EQ(u->Origin(), "https://sotuphap.example.gov.vn:443");

  u = ParseUrl("http://127.0.0.1:8080/hook?key=abc");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/hook?key=abc");

  u = ParseUrl("http://[::1]:9000");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->target, "");
  EXPECT_EQ(u->Origin(), "http://[::1]:9000");

  EXPECT_FALSE(ParseUrl("sotuphap.gov.vn").ok());
  EXPECT_FALSE(ParseUrl("https://host:99999/").ok());
  EXPECT_FALSE(ParseUrl("https:///path").ok());
  EXPECT_FALSE(ParseUrl("https://host/a#frag").ok());
  EXPECT_FALSE(ParseUrl("https://host/a b").ok());
  auto creds = ParseUrl("https://admin:s3cret@host/");
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.error().find("s3cret"), std::string::npos);
}

TEST(HttpClient, RecognisesLoopbackHosts) {
  for (const char* h :
       {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "app.localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  }
  for (const char* h :
       {"example.gov.vn", "10.0.0.1", "127.0.0.1.nip.io", "128.0.0.1", "localhost.evil.vn"}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

TEST(HttpClient, ParsesRetryAfter) {
  TimePoint now = *ParseTime("2026-12-01T08:00:00Z", std::chrono::hours(0));
  EXPECT_EQ(ParseRetryAfter("120", now), Millis(120'000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), Millis(0));
  EXPECT_EQ(ParseRetryAfter("Tue, 01 Dec 2026 08:01:30 GMT", now), Millis(90'000));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 01-Dec-26 08:00:10 GMT", now), Millis(10'000));
  EXPECT_EQ(ParseRetryAfter("Tue Dec  1 08:00:05 2026", now), Millis(5'000));
  EXPECT_EQ(ParseRetryAfter("Mon, 30 Nov 2026 08:00:00 GMT", now), Millis(0));  // past
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), Millis(365LL * 24 * 3600 * 1000));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", now), std::nullopt);
}

TEST(HttpClient, TransportFailuresSayWhetherTheRequestMayHaveActed) {
  Outcome refused = TransportFailure(httplib::Error::Connection, "POST x", RequestKind::kCreate);
  EXPECT_EQ(refused.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(refused.error_class, ErrorClass::kTransient);
  Outcome lost = TransportFailure(httplib::Error::Read, "POST x", RequestKind::kCreate);
  EXPECT_EQ(lost.kind, Outcome::Kind::kUncertain);
  Outcome lost_lookup = TransportFailure(httplib::Error::Read, "GET x", RequestKind::kSafe);
  EXPECT_EQ(lost_lookup.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(lost_lookup.error_class, ErrorClass::kTransient);
  Outcome cut = TransportFailure(httplib::Error::Write, "POST x", RequestKind::kCreate);
  EXPECT_EQ(cut.kind, Outcome::Kind::kRetry);
  Outcome ca = TransportFailure(httplib::Error::SSLLoadingCerts, "POST x", RequestKind::kCreate);
  EXPECT_EQ(ca.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(ca.error_class, ErrorClass::kPermanent);
}

// Writes a self-signed certificate for IP 127.0.0.1 and its key as PEM.
void WriteSelfSignedCert(const fs::path& cert_file, const fs::path& key_file) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASSERT_NE(cert, nullptr);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* f = std::fopen(cert_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    WriteSelfSignedCert(root_ / "cert.pem", root_ / "key.pem");
    server_ = std::make_unique<httplib::SSLServer>((root_ / "cert.pem").c_str(),
                                                   (root_ / "key.pem").c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      ++received_;
      res.set_content("{\"id\":\"tls-1\"}", "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    fs::remove_all(root_);
  }

  fs::path root_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> received_{0};
};

TEST_F(TlsTest, UnknownCertificateIsRefusedBeforeSending) {
  auto url = ParseUrl("https://127.0.0.1:" + std::to_string(port_) + "/hook");
  ASSERT_TRUE(url.ok());
  HttpSettings http;
  http.timeout = std::chrono::seconds(5);
  auto res = MakeHttpClient(*url, http)->Post("/hook", "{}", "application/json");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::SSLServerVerification);
  EXPECT_EQ(received_, 0);
}

TEST_F(TlsTest, CaFileVouchesForTheServer) {
  WebhookSettings s;
  s.url = "https://127.0.0.1:" + std::to_string(port_) + "/hook";
  s.http.ca_file = root_ / "cert.pem";
  s.http.timeout = std::chrono::seconds(5);
  auto c = WebhookConnector::Create(SystemClock(), s, kSecret);
  ASSERT_TRUE(c.ok()) << c.error();
  Item item;
  item.id = "tls-item";
  item.title = "TLS";
  item.body_markdown = "x";
  item.approved_by = "a";
  PublishRequest r;
  r.item = &item;
  r.channel = "portal";
  Outcome o = (*c)->Publish(r);
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, "tls-1");
  EXPECT_EQ(received_, 1);
}

TEST(HttpClient, ExcerptKeepsUtf8Whole) {
  EXPECT_EQ(Excerpt("a\nb"), "a b");
  EXPECT_EQ(Excerpt("Sở Tư pháp", 3), "S...");  // "ở" is 3 bytes: not cut
  EXPECT_EQ(Excerpt("Sở Tư pháp", 4), "Sở...");
}

}  // namespace
}  // namespace loa
