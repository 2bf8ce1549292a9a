// The preview (daemon/preview.h, ChannelType::preview) against what the
// connectors really send: each connector publishes to its fake platform
// (tests/fakes) and the recorded request is compared with the preview of
// the same item; then the page (escaping, images, nothing from outside),
// GET /preview/ID on a real store, and `loa preview` run as a command.
#include "daemon/preview.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/facebook/facebook_connector.h"
#include "connectors/file/file_connector.h"
#include "connectors/registry.h"
#include "connectors/webhook/webhook_connector.h"
#include "connectors/wordpress/wordpress_connector.h"
#include "connectors/wordpress/wordpress_post.h"
#include "connectors/zalo/zalo_settings.h"
#include "daemon/control_api.h"
#include "daemon/preview_api.h"
#include "inbox/markdown.h"
#include "queue/sqlite_store.h"
#include "queue/token_store.h"
#include "tests/fakes/fake_facebook.h"
#include "tests/fakes/fake_webhook.h"
#include "tests/fakes/fake_wordpress.h"
#include "tests/fakes/fake_zalo.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

const TimePoint kDue = *ParseTime("2026-12-02T08:00:00+07:00", std::chrono::hours(7));
constexpr char kHostileTitle[] = "Lịch \"tiếp dân\" <script>alert('t')</script> & <b>đậm</b>";
// Not a real PNG: the page embeds bytes as they are, and nothing decodes them.
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "anh-mot";
const std::string kJpeg = std::string("\xff\xd8\xff", 3) + "anh-hai";

class PreviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    root_ = fakes::MakeTempDir("preview-test");
    ASSERT_FALSE(root_.empty());
    media_dir_ = root_ / "media";
  }
  void TearDown() override { fs::remove_all(root_); }

  Item MakeItem(int images, const std::string& title = "Hướng dẫn nộp hồ sơ trực tuyến") {
    Item item;
    item.id = "2026-12-02-dich-vu-cong";
    item.title = title;
    item.summary = "Người dân nộp hồ sơ <trực tuyến> toàn trình.";
    item.body_markdown =
        "## Các bước\n\n1. Đăng nhập VNeID.\n2. Chọn thủ tục.\n\n<img src=x onerror=alert(1)>\n";
    item.publish_at = kDue;
    item.channels = {"facebook", "zalo", "portal", "cchc", "outbox"};
    item.topics = {"dich-vu-cong"};
    item.approved_by = "Phó Giám đốc Sở";
    item.link = "https://dichvucong.gov.vn/?a=1&b=2";
    const std::string data[] = {kPng, kJpeg, kPng + "3"};
    const char* names[] = {"anh-1.png", "anh 2.jpg", "anh-3.png"};
    const char* types[] = {"image/png", "image/jpeg", "image/png"};
    EXPECT_TRUE(EnsureDir(media_dir_ / item.id).ok());
    for (int i = 0; i < images; ++i) {
      EXPECT_TRUE(WriteFileAtomic(media_dir_ / item.id / names[i], data[i]).ok());
      item.media.push_back({names[i], "Chú thích \"" + std::to_string(i + 1) + "\" <i>", types[i],
                            Sha256Hex(data[i]), static_cast<int64_t>(data[i].size())});
    }
    return item;
  }

  PublishRequest Request(const Item& item, const std::string& channel) {
    PublishRequest r;
    r.item = &item;
    r.channel = channel;
    r.due_at = kDue;
    r.media_dir = media_dir_ / item.id;
    return r;
  }

  // A config naming one channel of each type, the way the example does.
  Config MakeConfig() {
    Config config = DefaultConfig(root_);
    config.channels.clear();
    auto add = [&](const std::string& name, const std::string& type,
                   std::shared_ptr<const ChannelSettings> settings) {
      ChannelConfig c;
      c.name = name;
      c.type = type;
      c.settings = std::move(settings);
      config.channels[name] = c;
    };
    auto fb = std::make_shared<FacebookSettings>();
    fb->page_id = "104857600123456";
    add("facebook", "facebook", fb);
    add("zalo", "zalo", std::make_shared<ZaloSettings>(ZaloSettingsFor("http://127.0.0.1:1")));
    auto wp = std::make_shared<WordPressSettings>();
    wp->base_url = "https://stp.example.gov.vn";
    add("portal", "wordpress", wp);
    auto hook = std::make_shared<WebhookSettings>();
    hook->url = "https://cchc.example.gov.vn/loa/items";
    add("cchc", "webhook", hook);
    auto file = std::make_shared<FileSettings>();
    file->dir = root_ / "outbox";
    add("outbox", "file", file);
    return config;
  }

  static ZaloSettings ZaloSettingsFor(const std::string& base) {
    ZaloSettings s;
    s.app_id = "4291763606161179100";
    s.secret_key_file = "zalo-secret-key";
    s.refresh_token_file = "zalo-refresh-token";
    s.api_base_url = base;
    s.oauth_base_url = base;
    s.author = "Sở Tư pháp";
    s.cover_url = "https://stp.example.gov.vn/banner.jpg";
    s.media_base_url = "https://stp.example.gov.vn/loa-media";
    s.http.timeout = std::chrono::seconds(5);
    return s;
  }

  static ChannelPreview PreviewOf(const ChannelType& type, const ChannelSettings& settings,
                                  const PublishRequest& request) {
    EXPECT_TRUE(static_cast<bool>(type.preview)) << type.schema.type;
    return type.preview(settings, request);
  }

  fs::path root_, media_dir_;
};

// ---------------------------------------------------------------------------
// Each type's preview is what its connector sends.

TEST_F(PreviewTest, EveryChannelTypeHasAPreview) {
  for (const ChannelType& t : ChannelTypes()) {
    EXPECT_TRUE(static_cast<bool>(t.preview)) << t.schema.type << " has no preview";
  }
}

TEST_F(PreviewTest, FacebookPreviewIsWhatTheConnectorPosts) {
  for (int images : {0, 1, 3}) {
    SCOPED_TRACE("images: " + std::to_string(images));
    fakes::FakeFacebook fake("104857600123456", "EAAGpageToken");
    FacebookSettings s;
    s.page_id = fake.page_id();
    s.graph_base_url = fake.graph_base_url();
    s.http.timeout = std::chrono::seconds(5);
    auto c = FacebookConnector::Create(SystemClock(), s, "EAAGpageToken", "");
    ASSERT_TRUE(c.ok()) << c.error();
    const Item item = MakeItem(images, kHostileTitle);
    const PublishRequest request = Request(item, "facebook");
    const ChannelPreview p = PreviewOf(*FindChannelType("facebook"), s, request);
    Outcome o = (*c)->Publish(request);
    ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
    ASSERT_EQ(fake.posts().size(), 1u);
    const auto post = fake.posts()[0];
    const std::string field = images == 1 ? "caption" : "message";
    ASSERT_NE(p.Field(field), nullptr);
    // The text on the Page, line breaks and all, is the preview's.
    EXPECT_EQ(post.message, p.Field(field)->value);
    EXPECT_THAT(post.message, HasSubstr(kHostileTitle));
    if (images == 0) {
      ASSERT_NE(p.Field("link"), nullptr);
      EXPECT_EQ(post.link, p.Field("link")->value);
      EXPECT_TRUE(p.media.empty());
    } else {
      // The photos uploaded, in order, with the captions the preview shows.
      const auto photos = fake.photos();
      ASSERT_EQ(photos.size(), p.media.size());
      for (size_t i = 0; i < photos.size(); ++i) {
        EXPECT_EQ(p.media[i].name, item.media[i].name);
        EXPECT_EQ(photos[i].data, ReadFile(media_dir_ / item.id / item.media[i].name).value());
        if (images > 1) {
          EXPECT_EQ(photos[i].caption, p.media[i].caption);
        }
      }
      EXPECT_EQ(p.Field("link"), nullptr);
    }
  }
}

TEST_F(PreviewTest, ZaloPreviewIsTheArticleCreated) {
  ManualClock clock(kDue);
  fakes::FakeZalo fake("4291763606161179100", "ZLsecret", "ZLseed", clock);
  Config config;
  config.config_dir = root_ / "etc";
  config.state_dir = root_ / "state";
  ASSERT_TRUE(EnsureDir(config.config_dir).ok());
  ASSERT_TRUE(WriteFileAtomic(config.config_dir / "zalo-secret-key", "ZLsecret\n").ok());
  ASSERT_TRUE(WriteFileAtomic(config.config_dir / "zalo-refresh-token", "ZLseed\n").ok());
  ASSERT_TRUE(EnsureDir(config.state_dir).ok());
  auto vault = TokenStore::Open(config.DatabasePath());
  ASSERT_TRUE(vault.ok()) << vault.error();
  ChannelConfig channel;
  channel.name = "zalo";
  channel.type = "zalo";
  auto settings = std::make_shared<ZaloSettings>(ZaloSettingsFor(fake.base_url()));
  channel.settings = settings;
  auto c = MakeConnector(channel, config, vault->get(), clock);
  ASSERT_TRUE(c.ok()) << c.error();

  const Item item = MakeItem(2, kHostileTitle);
  const PublishRequest request = Request(item, "zalo");
  const ChannelPreview p = PreviewOf(*FindChannelType("zalo"), *settings, request);
  (*c)->Publish(request);
  ASSERT_EQ(fake.articles().size(), 1u);
  const json sent = fake.articles()[0].request;
  ASSERT_NE(p.Field("request body"), nullptr);
  EXPECT_EQ(sent, json::parse(p.Field("request body")->value));
  EXPECT_EQ(sent["title"], p.Field("title")->value);
  EXPECT_EQ(sent["description"], p.Field("description")->value);
  EXPECT_EQ(sent["cover"]["photo_url"], p.Field("cover.photo_url")->value);
  EXPECT_EQ(sent["body"][0]["content"], p.Field("body.text")->value);
  // The cover is the first image, fetched from media_base_url.
  ASSERT_EQ(p.media.size(), 2u);
  EXPECT_EQ(p.media[0].role, "cover");
  EXPECT_EQ(p.media[0].url, sent["cover"]["photo_url"]);
}

TEST_F(PreviewTest, WordPressPreviewIsThePostCreated) {
  fakes::FakeWordPress wp("loa-bot", "abcd efgh ijkl mnop qrst uvwx");
  WordPressSettings s;
  s.base_url = wp.base_url();
  s.username = "loa-bot";
  s.categories = {{"dich-vu-cong", 12}};
  s.http.timeout = std::chrono::seconds(5);
  auto c = WordPressConnector::Create(SystemClock(), s, "abcd efgh ijkl mnop qrst uvwx", 0);
  ASSERT_TRUE(c.ok()) << c.error();
  const Item item = MakeItem(3, kHostileTitle);
  const PublishRequest request = Request(item, "portal");
  const ChannelPreview p = PreviewOf(*FindChannelType("wordpress"), s, request);
  Outcome o = (*c)->Publish(request);
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ASSERT_EQ(wp.posts().size(), 1u);
  const auto post = wp.posts()[0];
  const auto media = wp.media();
  ASSERT_EQ(media.size(), 3u);
  EXPECT_EQ(post.title, p.Field("title")->value);
  EXPECT_EQ(post.excerpt, p.Field("excerpt")->value);
  // The content with the stand-ins for the uploads' addresses replaced by
  // the addresses WordPress gave them.
  std::string content = p.Field("content")->value;
  for (size_t i = 0; i < media.size(); ++i) {
    const std::string stand_in = kWordPressPreviewUrl + std::to_string(i + 1);
    EXPECT_EQ(p.media[i].url, stand_in);
    for (size_t at = content.find(stand_in); at != std::string::npos; at = content.find(stand_in)) {
      content.replace(at, stand_in.size(), media[i].source_url);
    }
  }
  EXPECT_EQ(post.content, content);
  EXPECT_EQ(post.featured_media, media[0].id);
  EXPECT_EQ(p.media[0].role, "featured");
  EXPECT_EQ(p.media[1].role, "figure");
}

TEST_F(PreviewTest, WebhookPreviewIsTheBodyPosted) {
  fakes::FakeWebhook hook("whsec-preview");
  WebhookSettings s;
  s.url = hook.url();
  s.http.timeout = std::chrono::seconds(5);
  auto c = WebhookConnector::Create(SystemClock(), s, "whsec-preview");
  ASSERT_TRUE(c.ok()) << c.error();
  const Item item = MakeItem(2, kHostileTitle);
  const PublishRequest request = Request(item, "cchc");
  const ChannelPreview p = PreviewOf(*FindChannelType("webhook"), s, request);
  Outcome o = (*c)->Publish(request);
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  ASSERT_EQ(hook.deliveries().size(), 1u);
  json sent = json::parse(hook.deliveries()[0].body);
  // The files' bytes go where the preview shows null.
  ASSERT_EQ(sent["media"].size(), 2u);
  EXPECT_EQ(sent["media"][0]["data_base64"], Base64Encode(kPng));
  for (auto& m : sent["media"]) m["data_base64"] = nullptr;
  EXPECT_EQ(sent, json::parse(p.Field("request body")->value));
  EXPECT_EQ(sent["text"], p.Field("text")->value);
  EXPECT_THAT(p.requests[0], HasSubstr(request.IdempotencyKey()));
  EXPECT_THAT(p.requests[0], Not(HasSubstr("/loa/items")));  // a path may hold a token
}

TEST_F(PreviewTest, FilePreviewIsWhatTheFileChannelWrites) {
  FileSettings s;
  s.dir = root_ / "outbox";
  auto c = FileConnector::Create(s);
  ASSERT_TRUE(c.ok()) << c.error();
  const Item item = MakeItem(2, kHostileTitle);
  const PublishRequest request = Request(item, "outbox");
  const ChannelPreview p = PreviewOf(*FindChannelType("file"), s, request);
  Outcome o = (*c)->Publish(request);
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(ReadFile((*c)->HtmlPath(item.id)).value(), p.Field(item.id + ".html")->value);
  EXPECT_EQ(ReadFile((*c)->TextPath(item.id)).value(), p.Field(item.id + ".txt")->value);
  EXPECT_EQ(ReadFile((*c)->JsonPath(item.id)).value(), p.Field(item.id + ".json")->value);
  ASSERT_EQ(p.media.size(), 2u);
  EXPECT_EQ(p.media[1].url, "2026-12-02-dich-vu-cong/anh%202.jpg");
}

// ---------------------------------------------------------------------------
// The page.

std::map<std::string, fs::path> Files(const fs::path& dir, const Item& item) {
  std::map<std::string, fs::path> files;
  for (const MediaFile& m : item.media) files[m.name] = dir / item.id / m.name;
  return files;
}

// What a browser reads from a srcdoc attribute: its value unescaped once.
std::string Unescaped(std::string text) {
  const std::pair<const char*, const char*> entities[] = {
      {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, c] : entities) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string_view(entity).size(), c);
    }
  }
  return text;
}

// The documents of the page's sandboxed frames, as the browser reads them.
std::vector<std::string> FrameDocuments(const std::string& page) {
  std::vector<std::string> docs;
  for (size_t at = page.find("srcdoc=\""); at != std::string::npos;
       at = page.find("srcdoc=\"", at + 1)) {
    const size_t end = page.find('"', at + 8);
    if (end == std::string::npos) break;
    docs.push_back(Unescaped(page.substr(at + 8, end - at - 8)));
  }
  return docs;
}

// Every src="..." of `html` (a srcdoc's escaped quotes are not counted).
std::vector<std::string> Sources(const std::string& html) {
  std::vector<std::string> sources;
  for (size_t at = html.find(" src=\""); at != std::string::npos;
       at = html.find(" src=\"", at + 1)) {
    const size_t end = html.find('"', at + 6);
    if (end == std::string::npos) break;
    sources.push_back(html.substr(at + 6, end - at - 6));
  }
  return sources;
}

// The page's own text and markup without its frames' documents and the
// requests as sent (<details class="wire">): what a reader sees first.
std::string OutsideFramesAndRequests(std::string page) {
  for (size_t at = page.find("srcdoc=\""); at != std::string::npos;
       at = page.find("srcdoc=\"", at + 1)) {
    page.erase(at + 8, page.find('"', at + 8) - at - 8);
  }
  for (size_t at = page.find("<details class=\"wire\">"); at != std::string::npos;
       at = page.find("<details class=\"wire\">", at + 1)) {
    page.erase(at, page.find("</details>", at) - at);
  }
  return page;
}

// The section of the page for `channel`.
std::string Section(const std::string& page, const std::string& channel) {
  const size_t at = page.find("data-channel=\"" + channel + "\"");
  if (at == std::string::npos) return "";
  return page.substr(at, page.find("</section>", at) - at);
}

TEST_F(PreviewTest, PageEscapesItemTextEmbedsImagesAndLoadsNothingFromOutside) {
  const Config config = MakeConfig();
  const Item item = MakeItem(3, kHostileTitle);
  auto previews = BuildPreviews(item, config, "");
  ASSERT_TRUE(previews.ok()) << previews.error();
  ASSERT_EQ(previews->size(), 5u);
  PreviewImages images;
  images.files = Files(media_dir_, item);
  const std::string page = PreviewPage(item, *previews, images, config.timezone);

  EXPECT_THAT(page, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(page, HasSubstr("Content-Security-Policy"));
  // Item text never reaches the page as markup, in the page or in a frame.
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  // ... nor in a frame's document: a srcdoc is unescaped once by the browser.
  size_t frames = 0;
  for (size_t at = page.find("srcdoc=\""); at != std::string::npos;
       at = page.find("srcdoc=\"", at + 1)) {
    const size_t end = page.find('"', at + 8);
    ASSERT_NE(end, std::string::npos);
    const std::string srcdoc = page.substr(at + 8, end - at - 8);
    EXPECT_THAT(srcdoc, Not(HasSubstr("&lt;script"))) << srcdoc;
    EXPECT_THAT(srcdoc, Not(HasSubstr("&lt;img src=x")));
    // The uploads' stand-in addresses point at the page's images.
    EXPECT_THAT(srcdoc, Not(HasSubstr(kWordPressPreviewUrl)));
    ++frames;
  }
  EXPECT_EQ(frames, 3u);  // Zalo's body, WordPress's content, the file's page
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("onerror")));
  EXPECT_THAT(page, Not(HasSubstr("<b>đậm")));
  EXPECT_THAT(page, HasSubstr("Chú thích &quot;1&quot; &lt;i&gt;"));
  // Every image embedded; the sandboxed frames point at the same data.
  const std::string png = "data:image/png;base64," + Base64Encode(kPng);
  const std::string jpeg = "data:image/jpeg;base64," + Base64Encode(kJpeg);
  EXPECT_THAT(page, HasSubstr("src=\"" + png + "\""));
  EXPECT_THAT(page, HasSubstr("src=\"" + jpeg + "\""));
  EXPECT_THAT(page, HasSubstr("src=&quot;" + jpeg + "&quot;"));  // WordPress figure, in srcdoc
  EXPECT_THAT(page, HasSubstr("<iframe class=\"wp-content\" sandbox=\"\""));
  // Nothing loads from outside: no src or href into http(s) except the
  // item's link, which is a link, not a resource.
  EXPECT_THAT(page, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(page, Not(HasSubstr("src=&quot;http")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
  // Each channel laid out as its platform.
  for (const char* layout : {"facebook", "zalo", "wordpress", "webhook", "file"}) {
    EXPECT_THAT(page, HasSubstr("data-layout=\"" + std::string(layout) + "\"")) << layout;
  }
  EXPECT_THAT(page, HasSubstr("class=\"fb-grid n3\""));
  EXPECT_THAT(page, HasSubstr("class=\"zalo-cover\""));
  EXPECT_THAT(page, HasSubstr("class=\"wp-featured\""));
}

TEST_F(PreviewTest, LargeOrChangedImagesAreNotEmbedded) {
  const Config config = MakeConfig();
  Item item = MakeItem(2);
  item.media[1].sha256 = Sha256Hex("something else");
  item.media[0].size = kMaxEmbeddedImage + 1;
  auto previews = BuildPreviews(item, config, "facebook");
  ASSERT_TRUE(previews.ok()) << previews.error();
  PreviewImages images;
  images.files = Files(media_dir_, item);
  const std::string page = PreviewPage(item, *previews, images, config.timezone);
  EXPECT_THAT(page, Not(HasSubstr("data:image")));
  EXPECT_THAT(page, HasSubstr("too large to embed"));
  EXPECT_THAT(page, HasSubstr("the file changed since it was accepted"));
}

// An image over the bound inside loa's HTML (the file channel's page, the
// WordPress content) is not left as a src the frame cannot load: a notice
// names it, as it does outside the frames.
TEST_F(PreviewTest, ImagesTooLargeToEmbedAreNamedInsideFramesToo) {
  const Config config = MakeConfig();
  Item item = MakeItem(2);
  item.media[1].name = "anh \"2\" <b>.jpg";
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / item.id / item.media[1].name, kJpeg).ok());
  item.media[0].size = kMaxEmbeddedImage + 1;
  item.media[1].size = kMaxEmbeddedImage + 1;
  auto previews = BuildPreviews(item, config, "");
  ASSERT_TRUE(previews.ok()) << previews.error();
  PreviewImages images;
  images.files = Files(media_dir_, item);
  const std::string page = PreviewPage(item, *previews, images, config.timezone);
  const std::vector<std::string> frames = FrameDocuments(page);
  ASSERT_EQ(frames.size(), 3u);  // Zalo's body, WordPress's content, the file's page
  for (const std::string& frame : frames) EXPECT_THAT(Sources(frame), IsEmpty()) << frame;
  const std::string& wordpress = frames[1];
  const std::string& file = frames[2];
  EXPECT_THAT(wordpress, HasSubstr("anh &quot;2&quot; &lt;b&gt;.jpg"));
  EXPECT_THAT(wordpress, HasSubstr("too large to embed"));
  EXPECT_THAT(file, HasSubstr("anh-1.png"));
  EXPECT_THAT(file, HasSubstr("anh &quot;2&quot; &lt;b&gt;.jpg"));
  EXPECT_THAT(file, Not(HasSubstr("<b>")));
  // Outside the frames, the featured image and the photos are named too.
  EXPECT_THAT(Section(page, "portal"), HasSubstr("anh-1.png<br><small>"));
}

// Times read as the Office's other pages write them (daemon/report.h
// VietnameseTime), not as RFC 3339; the requests keep what is sent.
TEST_F(PreviewTest, PageShowsTimesAsTheOfficeWritesThem) {
  const Config config = MakeConfig();
  const Item item = MakeItem(1);
  auto previews = BuildPreviews(item, config, "");
  ASSERT_TRUE(previews.ok()) << previews.error();
  PreviewImages images;
  images.files = Files(media_dir_, item);
  const std::string page = PreviewPage(item, *previews, images, config.timezone);
  const std::string shown = OutsideFramesAndRequests(page);
  EXPECT_THAT(shown, HasSubstr("Thời gian đăng: 02/12/2026 08:00"));
  EXPECT_THAT(Section(page, "facebook"), HasSubstr("02/12/2026 08:00 · Công khai"));
  EXPECT_THAT(shown, Not(HasSubstr("2026-12-02T08:00")));
}

TEST_F(PreviewTest, ChannelChoiceAndSummary) {
  const Config config = MakeConfig();
  const Item item = MakeItem(1, "Tiêu đề\x1b[31m đỏ");
  auto one = BuildPreviews(item, config, "zalo");
  ASSERT_TRUE(one.ok()) << one.error();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].type, "zalo");
  auto none = BuildPreviews(item, config, "khong-co");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), Error::Code::kInvalid);
  Item retract = item;
  retract.action = "retract";
  EXPECT_FALSE(BuildPreviews(retract, config, "").ok());

  auto all = BuildPreviews(item, config, "");
  ASSERT_TRUE(all.ok());
  const std::string summary = PreviewSummary(item, *all, config.timezone);
  EXPECT_THAT(summary, Not(HasSubstr("\x1b")));
  EXPECT_THAT(summary,
              HasSubstr("facebook (facebook, Facebook Page), due 2026-12-02T08:00:00+07:00"));
  EXPECT_THAT(summary, HasSubstr("    caption: Tiêu đề\\x1b[31m đỏ"));
  EXPECT_THAT(summary, HasSubstr("photo: anh-1.png (image/png, 15 B)"));
  EXPECT_THAT(summary, HasSubstr("POST /wp-json/wp/v2/posts"));
}

// ---------------------------------------------------------------------------
// GET /preview/ID on a real store, images from the state folder's copy.

TEST_F(PreviewTest, ControlApiServesTheStoredItemsPage) {
  Config config = MakeConfig();
  config.state_dir = root_ / "state";
  ASSERT_TRUE(EnsureDir(config.state_dir).ok());
  media_dir_ = config.MediaDir();
  const Item item = MakeItem(2, kHostileTitle);
  auto store = SqliteStore::Open(config.DatabasePath());
  ASSERT_TRUE(store.ok()) << store.error();
  ASSERT_TRUE((*store)->UpsertPost(item, kDue).ok());
  ManualClock clock(kDue);
  ControlSources sources;
  sources.store = store->get();
  sources.config = [&]() -> const Config& { return config; };
  sources.clock = &clock;
  ControlApi api(sources);

  ControlRequest get{"GET", "/preview/" + item.id, {}, ""};
  ControlAnswer page = api.Serve(get);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("data:image/png;base64," + Base64Encode(kPng)));
  EXPECT_THAT(page.body, Not(HasSubstr("<script")));
  // The browser is told too: nothing from outside, no script.
  EXPECT_THAT(page.headers,
              Contains(Pair("Content-Security-Policy",
                            AllOf(HasSubstr("default-src 'none'"), Not(HasSubstr("script-src"))))));
  EXPECT_THAT(page.headers, Contains(Pair("X-Content-Type-Options", "nosniff")));

  get.query = {{"channel", "facebook"}, {"format", "text"}};
  ControlAnswer text = api.Serve(get);
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_THAT(text.body, HasSubstr("facebook (facebook"));
  EXPECT_THAT(text.body, Not(HasSubstr("zalo (zalo")));

  get.query = {{"channel", "khong-co"}};
  EXPECT_EQ(api.Serve(get).status, 404);
  get.query = {{"colour", "red"}};
  EXPECT_EQ(api.Serve(get).status, 400);
  EXPECT_EQ(api.Serve({"GET", "/preview/khong-co-tin", {}, ""}).status, 404);
  EXPECT_EQ(api.Serve({"GET", "/preview/..%2F", {}, ""}).status, 400);
}

// After a correction, each channel shows what it carries or will carry: one
// that has the first revision (published, being sent, outcome unknown)
// says so, with its link, and that the correction does not reach it; one
// still scheduled shows the correction as it will be sent.
TEST_F(PreviewTest, AfterACorrectionEachChannelShowsWhatItCarries) {
  Config config = MakeConfig();
  config.state_dir = root_ / "state";
  ASSERT_TRUE(EnsureDir(config.state_dir).ok());
  media_dir_ = config.MediaDir();
  const Item first = MakeItem(1, "Bản đầu: lịch tiếp công dân");
  auto opened = SqliteStore::Open(config.DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error();
  SqliteStore& store = **opened;
  ASSERT_TRUE(store.UpsertPost(first, kDue).ok());
  auto on = [&](const std::string& channel) {
    for (const Delivery& d : store.ListDeliveries(first.id).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery on " << channel;
    return Delivery{};
  };
  auto finish = [&](const std::string& channel, AttemptOutcome outcome, const std::string& url) {
    auto begun = store.BeginAttempt(on(channel).id, kDue);
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = begun->id;
    rec.number = begun->attempts;
    rec.started_at = kDue;
    rec.ended_at = kDue;
    rec.outcome = outcome;
    rec.remote_url = url;
    ASSERT_TRUE(store.FinishAttempt(rec).ok());
  };
  const std::string post = "https://www.facebook.com/104857600123456/posts/77?a=1&b=2";
  finish("facebook", AttemptOutcome::kPublished, post);
  finish("outbox", AttemptOutcome::kPublished, "file:///srv/loa/outbox/tin.html");
  finish("portal", AttemptOutcome::kUncertain, "");
  ASSERT_TRUE(store.BeginAttempt(on("zalo").id, kDue).ok());  // being sent
  ManualClock clock(kDue);
  ControlSources sources;
  sources.store = &store;
  sources.config = [&]() -> const Config& { return config; };
  sources.clock = &clock;
  ControlApi api(sources);
  const ControlRequest get{"GET", "/preview/" + first.id, {}, ""};

  // Published and not corrected: the channel has it; nothing is "not sent yet".
  ControlAnswer before = api.Serve(get);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_THAT(before.body, Not(HasSubstr("chưa có gì được gửi")));
  EXPECT_THAT(Section(before.body, "facebook"), HasSubstr("bản số 1"));
  EXPECT_THAT(Section(before.body, "facebook"), Not(HasSubstr("Bản sửa")));

  // The correction no longer names the file channel, which keeps its post.
  Item second = MakeItem(1, "Bản sửa: lịch tiếp công dân tháng 12");
  second.channels = {"facebook", "zalo", "portal", "cchc"};
  ASSERT_TRUE(store.UpsertPost(second, kDue + std::chrono::minutes(5)).ok());
  ControlAnswer page = api.Serve(get);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, Not(HasSubstr("chưa có gì được gửi")));
  const std::string facebook = Section(page.body, "facebook");
  EXPECT_THAT(facebook, HasSubstr("đã đăng"));
  EXPECT_THAT(facebook, HasSubstr("bản số 1"));
  EXPECT_THAT(facebook, HasSubstr("Bản đầu: lịch tiếp công dân"));
  EXPECT_THAT(facebook, HasSubstr("<a href=\"" + EscapeHtml(post) + "\""));
  EXPECT_THAT(facebook, HasSubstr("bản số 2"));
  EXPECT_THAT(facebook, HasSubstr("không được gửi tới kênh này"));
  for (const char* channel : {"facebook", "zalo", "portal", "outbox"}) {
    SCOPED_TRACE(channel);
    const std::string section = Section(page.body, channel);
    ASSERT_FALSE(section.empty());
    EXPECT_THAT(section, Not(HasSubstr("Bản sửa: lịch tiếp")));
    EXPECT_THAT(section, Not(HasSubstr("Thời gian đăng")));
    EXPECT_THAT(section, Not(HasSubstr("Yêu cầu gửi đi")));
    EXPECT_THAT(section, HasSubstr("không được gửi tới kênh này"));
  }
  EXPECT_THAT(Section(page.body, "zalo"), HasSubstr("đang gửi"));
  EXPECT_THAT(Section(page.body, "portal"), HasSubstr("chưa rõ kết quả"));
  // Not a web address: named, not linked.
  EXPECT_THAT(Section(page.body, "outbox"), HasSubstr("file:///srv/loa/outbox/tin.html"));
  EXPECT_THAT(Section(page.body, "outbox"), Not(HasSubstr("href=\"file:")));
  // Still scheduled: the correction, as it will be sent.
  const std::string cchc = Section(page.body, "cchc");
  EXPECT_THAT(cchc, HasSubstr("Bản sửa: lịch tiếp công dân tháng 12"));
  EXPECT_THAT(cchc, HasSubstr("Thời gian đăng"));

  ControlRequest text = get;
  text.query = {{"format", "text"}};
  ControlAnswer summary = api.Serve(text);
  ASSERT_EQ(summary.status, 200) << summary.body;
  const std::string facebook_text =
      summary.body.substr(summary.body.find("\nfacebook "),
                          summary.body.find("\nzalo ") - summary.body.find("\nfacebook "));
  EXPECT_THAT(facebook_text, HasSubstr("published revision 1"));
  EXPECT_THAT(facebook_text, HasSubstr(post));
  EXPECT_THAT(facebook_text, HasSubstr("revision 2"));
  EXPECT_THAT(facebook_text, Not(HasSubstr("Bản sửa: lịch tiếp")));
  EXPECT_THAT(summary.body, HasSubstr("cchc (webhook"));

  // A channel the correction no longer names can still be asked for.
  text.query = {{"channel", "outbox"}, {"format", "text"}};
  ControlAnswer outbox = api.Serve(text);
  ASSERT_EQ(outbox.status, 200) << outbox.body;
  EXPECT_THAT(outbox.body, HasSubstr("outbox (file"));
}

// ---------------------------------------------------------------------------
// `loa preview` as a command.

struct RunResult {
  int code = -1;
  std::string out, err;
};

RunResult RunLoa(const fs::path& cwd, const std::vector<std::string>& args) {
  fakes::LoaCommand command(LOA_BINARY, args, cwd, cwd / ".out");
  command.err = cwd / ".err";
  RunResult r;
  {
    fakes::LoaProcess loa(std::move(command));
    r.code = loa.Wait(std::chrono::seconds(20));
  }
  r.out = fakes::ReadText(cwd / ".out");
  r.err = fakes::ReadText(cwd / ".err");
  return r;
}

TEST_F(PreviewTest, CommandPreviewsASampleItem) {
  const fs::path sample = fs::path(LOA_SAMPLES_DIR) / "2026-12-10-infographic-de-an-06";
  const fs::path example = fs::path(LOA_SAMPLES_DIR) / "../../config/loa.example.json";
  RunResult summary = RunLoa(root_, {"preview", "--config", example.string(), sample.string()});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_THAT(summary.out, HasSubstr("facebook (facebook, Facebook Page)"));
  EXPECT_THAT(summary.out, HasSubstr("zalo (zalo, Zalo Official Account)"));
  EXPECT_THAT(summary.out, HasSubstr("photo: infographic.png"));

  const fs::path out = root_ / "xem-truoc";
  RunResult written = RunLoa(
      root_, {"preview", "--config", example.string(), sample.string(), "--out", out.string()});
  ASSERT_EQ(written.code, 0) << written.err;
  const fs::path html = out / "2026-12-10-infographic-de-an-06.html";
  EXPECT_EQ(written.out, html.string() + "\n");
  const std::string page = fakes::ReadText(html);
  // Its images are in it: nothing is written beside it.
  EXPECT_THAT(page, HasSubstr("src=\"data:image/png;base64," +
                              Base64Encode(fakes::ReadText(sample / "infographic.png")) + "\""));
  EXPECT_FALSE(fs::exists(out / "2026-12-10-infographic-de-an-06.media"));

  // The embedded default config (file channels) in a folder of its own.
  RunResult plain = RunLoa(
      root_, {"preview",
              (fs::path(LOA_SAMPLES_DIR) / "2026-12-02-dich-vu-cong-truc-tuyen.json").string()});
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("(file, Files)"));
}

// A page written with --out is opened from disk (file://), where a
// sandboxed frame has an opaque origin and loads no file beside the page:
// every image, in the frames too, is embedded.
TEST_F(PreviewTest, CommandPageFramesLoadOnlyEmbeddedImages) {
  const std::string id = "2026-12-10-infographic-de-an-06";
  const fs::path sample = fs::path(LOA_SAMPLES_DIR) / id;
  const fs::path config = root_ / "loa.json";
  fakes::WriteText(config, json{{"state_dir", "state"},
                                {"inbox", "inbox"},
                                {"channels",
                                 {{"facebook", {{"type", "file"}, {"dir", "out-facebook"}}},
                                  {"zalo",
                                   {{"type", "wordpress"},
                                    {"base_url", "https://stp.example.gov.vn"},
                                    {"username", "loa-bot"},
                                    {"app_password_file", "wp-password"}}},
                                  {"cchc", {{"type", "file"}, {"dir", "out-cchc"}}}}}}
                               .dump());
  const fs::path out = root_ / "xem-truoc";
  RunResult written = RunLoa(
      root_, {"preview", "--config", config.string(), sample.string(), "--out", out.string()});
  ASSERT_EQ(written.code, 0) << written.err;
  const std::string page = fakes::ReadText(out / (id + ".html"));
  const std::string png =
      "data:image/png;base64," + Base64Encode(fakes::ReadText(sample / "infographic.png"));
  const std::vector<std::string> frames = FrameDocuments(page);
  ASSERT_EQ(frames.size(), 3u);  // two file pages, the WordPress content
  for (const std::string& frame : frames) {
    for (const std::string& src : Sources(frame)) EXPECT_EQ(src, png) << frame;
  }
  EXPECT_THAT(frames[0], HasSubstr("src=\"" + png + "\""));
  for (const std::string& src : Sources(page)) EXPECT_EQ(src, png);
  EXPECT_THAT(page, HasSubstr("img-src data:;"));
}

TEST_F(PreviewTest, CommandExitCodes) {
  const fs::path sample = fs::path(LOA_SAMPLES_DIR) / "2026-12-10-infographic-de-an-06";
  EXPECT_EQ(RunLoa(root_, {"preview", sample.string(), "--channel", "khong-co"}).code, 2);
  EXPECT_EQ(RunLoa(root_, {"preview", (root_ / "khong-co.json").string()}).code, 2);
  EXPECT_EQ(RunLoa(root_, {"preview", "Không hợp lệ!"}).code, 2);
  fakes::WriteText(root_ / "hong.json", "{\"title\": 1}");
  RunResult broken = RunLoa(root_, {"preview", (root_ / "hong.json").string()});
  EXPECT_EQ(broken.code, 2);
  EXPECT_THAT(broken.err, HasSubstr("not a valid item"));
  // An id asks the daemon; none listens on this port.
  const fs::path config = root_ / "loa.json";
  fakes::WriteText(
      config, "{\"state_dir\": \"" + (root_ / "state").string() + "\", \"inbox\": \"" +
                  (root_ / "inbox").string() +
                  "\", \"control\": {\"listen\": \"127.0.0.1:" + std::to_string(fakes::FreePort()) +
                  "\"}, \"channels\": {\"outbox\": {\"type\": \"file\", \"dir\": \"" +
                  (root_ / "outbox").string() + "\"}}}");
  RunResult unreachable = RunLoa(root_, {"preview", "--config", config.string(), "tin-da-luu"});
  EXPECT_EQ(unreachable.code, 3) << unreachable.err;
}

// An id asks the running daemon: the item it accepted, its images from the
// state folder's copy, embedded in the page.
TEST_F(PreviewTest, CommandAsksTheDaemonForAStoredItem) {
  const int port = fakes::FreePort();
  const fs::path config = root_ / "loa.json";
  fakes::WriteText(config, json{{"state_dir", "state"},
                                {"inbox", "inbox"},
                                {"log_dir", "log"},
                                {"settle_time", "1s"},
                                {"shutdown_timeout", "3s"},
                                {"control", {{"listen", "127.0.0.1:" + std::to_string(port)}}},
                                // The sample's channels, each a folder here.
                                {"channels",
                                 {{"facebook", {{"type", "file"}, {"dir", "out-facebook"}}},
                                  {"zalo", {{"type", "file"}, {"dir", "out-zalo"}}},
                                  {"cchc", {{"type", "file"}, {"dir", "out-cchc"}}}}}}
                               .dump());
  fakes::LoaProcess loa(fakes::DaemonCommand(LOA_BINARY, root_, config, root_ / "daemon.log"));
  ASSERT_TRUE(loa.WaitReady()) << loa.Log();
  const std::string id = "2026-12-10-infographic-de-an-06";
  fs::copy(fs::path(LOA_SAMPLES_DIR) / id, root_ / "inbox" / id, fs::copy_options::recursive);
  ASSERT_TRUE(fakes::PollUntil([&] { return fs::exists(root_ / "inbox" / "accepted" / id); }))
      << loa.Log();

  RunResult summary = RunLoa(root_, {"preview", "--config", config.string(), id});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_THAT(summary.out, HasSubstr("zalo (file, Files)"));
  EXPECT_THAT(summary.out, HasSubstr("file: infographic.png (image/png"));

  RunResult page = RunLoa(root_, {"preview", "--config", config.string(), id, "--out", "trang"});
  ASSERT_EQ(page.code, 0) << page.err;
  const std::string html = fakes::ReadText(root_ / "trang" / (id + ".html"));
  EXPECT_THAT(
      html,
      HasSubstr("data:image/png;base64," +
                Base64Encode(fakes::ReadText(fs::path(LOA_SAMPLES_DIR) / id / "infographic.png"))));

  RunResult unknown = RunLoa(root_, {"preview", "--config", config.string(), "khong-co-tin"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no item named"));
  EXPECT_EQ(loa.Stop(SIGTERM), 0) << loa.Log();
}

}  // namespace
}  // namespace loa
