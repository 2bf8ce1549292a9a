#include "connectors/file/file_connector.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/http/item_payload.h"
#include "connectors/registry.h"

namespace loa {
namespace {

class FileConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-file-connector-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    media_dir_ = root_ / "media" / "2026-12-10-infographic";
    out_dir_ = root_ / "outbox" / "portal";
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
    item.id = "2026-12-10-infographic";
    item.title = "Infographic: Đề án 06 <mới> & tiện ích";
    item.summary = "Năm tiện ích của định danh điện tử.";
    item.body_markdown =
        "Đề án 06 giúp người dân **không phải nộp bản sao**.\n\n- Tra cứu\n- Thanh toán\n\n"
        "<script>alert(1)</script>\n";
    item.publish_at = *ParseTime("2026-12-10T19:30:00+07:00", std::chrono::hours(7));
    item.channels = {"portal"};
    item.topics = {"de-an-06", "chuyen-doi-so"};
    item.form = "infographic";
    item.unit = "Trung tâm Trợ giúp pháp lý";
    item.approved_by = "Giám đốc Sở";
    item.link = "https://dichvucong.gov.vn/";
    item.media.push_back(AddMedia("infographic.png", "image/png",
                                  std::string("\x89PNG\r\n\x1a\n\0\1", 10), "Đề án 06 — tiện ích"));
    item.media.push_back(AddMedia("huong dan.pdf", "application/pdf", "%PDF-1.4 fake"));
    return item;
  }

  PublishRequest Request(const Item& item, const std::string& channel = "portal") {
    PublishRequest r;
    r.item = &item;
    r.channel = channel;
    r.due_at = item.publish_at;
    r.media_dir = media_dir_;
    return r;
  }

  std::unique_ptr<FileConnector> Connector() {
    auto c = FileConnector::Create(FileSettings{out_dir_});
    EXPECT_TRUE(c.ok()) << c.error();
    return std::move(c).value();
  }

  static std::string Read(const fs::path& p) {
    auto r = ReadFile(p);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : "";
  }

  fs::path root_, media_dir_, out_dir_;
};

TEST_F(FileConnectorTest, PublishWritesEveryOutput) {
  Item item = MakeItem();
  auto c = Connector();
  Outcome o = c->Publish(Request(item));
  ASSERT_EQ(o.kind, Outcome::Kind::kPublished) << o.message;
  EXPECT_EQ(o.remote_id, item.id);
  EXPECT_EQ(o.url, "file://" + (out_dir_ / (item.id + ".html")).string());
  EXPECT_EQ(o.error_class, ErrorClass::kNone);

  std::string html = Read(out_dir_ / (item.id + ".html"));
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("<title>Infographic: Đề án 06 &lt;mới&gt; &amp; tiện ích</title>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<strong>không phải nộp bản sao</strong>"), std::string::npos);
  EXPECT_NE(html.find("<li>Tra cứu</li>"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(
      html.find("<img src=\"2026-12-10-infographic/infographic.png\" alt=\"Đề án 06 — tiện ích\">"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("href=\"2026-12-10-infographic/huong%20dan.pdf\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://dichvucong.gov.vn/\">"), std::string::npos);

  EXPECT_EQ(Read(out_dir_ / (item.id + ".txt")),
            "Infographic: Đề án 06 <mới> & tiện ích\n\nNăm tiện ích của định danh điện tử.\n\n"
            "https://dichvucong.gov.vn/\n");

  auto json = nlohmann::json::parse(Read(out_dir_ / (item.id + ".json")));
  EXPECT_EQ(json["id"], item.id);
  EXPECT_EQ(json["channel"], "portal");
  EXPECT_EQ(json["publish_at"], "2026-12-10T12:30:00.000Z");
  EXPECT_EQ(json["topics"], nlohmann::json({"de-an-06", "chuyen-doi-so"}));
  ASSERT_EQ(json["media"].size(), 2u);
  EXPECT_EQ(json["media"][0]["name"], "infographic.png");
  EXPECT_EQ(json["media"][0]["sha256"], item.media[0].sha256);
  EXPECT_EQ(json["media"][0]["caption"], "Đề án 06 — tiện ích");
  EXPECT_TRUE(json["media"][0]["data_base64"].is_null());
  EXPECT_TRUE(json["media"][1]["caption"].is_null());

  EXPECT_EQ(Read(out_dir_ / item.id / "infographic.png"), Read(media_dir_ / "infographic.png"));
  EXPECT_EQ(Read(out_dir_ / item.id / "huong dan.pdf"), "%PDF-1.4 fake");
}

TEST_F(FileConnectorTest, LeavesNoTemporaryFiles) {
  Item item = MakeItem();
  auto c = Connector();
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);  // rewrite
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(out_dir_)) {
    names.push_back(fs::relative(e.path(), out_dir_).string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"2026-12-10-infographic", "2026-12-10-infographic.html",
                                      "2026-12-10-infographic.json", "2026-12-10-infographic.txt",
                                      "2026-12-10-infographic/huong dan.pdf",
                                      "2026-12-10-infographic/infographic.png"}));
}

TEST_F(FileConnectorTest, RepublishReplacesOutputs) {
  Item item = MakeItem();
  auto c = Connector();
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  item.title = "Tiêu đề đã sửa";
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  auto json = nlohmann::json::parse(Read(out_dir_ / (item.id + ".json")));
  EXPECT_EQ(json["title"], "Tiêu đề đã sửa");
  EXPECT_EQ(Read(out_dir_ / (item.id + ".txt")).rfind("Tiêu đề đã sửa\n\n", 0), 0u);
}

TEST_F(FileConnectorTest, HonoursChannelOverridesAndDueTime) {
  Item item = MakeItem();
  item.overrides["facebook"] =
      ChannelOverride{"Tiêu đề cho Facebook", "Nội dung riêng #DeAn06", std::nullopt};
  auto c = Connector();
  PublishRequest r = Request(item, "facebook");
  r.due_at = item.publish_at + std::chrono::hours(2);
  ASSERT_EQ(c->Publish(r).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(Read(out_dir_ / (item.id + ".txt")), "Nội dung riêng #DeAn06\n");
  auto json = nlohmann::json::parse(Read(out_dir_ / (item.id + ".json")));
  EXPECT_EQ(json["title"], "Tiêu đề cho Facebook");
  EXPECT_EQ(json["channel"], "facebook");
  EXPECT_EQ(json["publish_at"], "2026-12-10T14:30:00.000Z");
  EXPECT_NE(Read(out_dir_ / (item.id + ".html")).find("<h1>Tiêu đề cho Facebook</h1>"),
            std::string::npos);
}

TEST_F(FileConnectorTest, AbsentOptionalFieldsAreNull) {
  Item item;
  item.id = "2026-12-05-tap-huan";
  item.title = "Tập huấn";
  item.body_markdown = "Sáng ngày 05/12/2026, Sở Tư pháp tổ chức *tập huấn*.";
  item.approved_by = "Chánh Văn phòng";
  auto c = Connector();
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  auto json = nlohmann::json::parse(Read(out_dir_ / (item.id + ".json")));
  for (const char* key : {"summary", "form", "unit", "link"}) {
    EXPECT_TRUE(json.contains(key) && json[key].is_null()) << key;
  }
  EXPECT_EQ(json["media"], nlohmann::json::array());
  EXPECT_EQ(json["topics"], nlohmann::json::array());
  // Without a summary the social text is the body as plain text.
  EXPECT_EQ(Read(out_dir_ / (item.id + ".txt")),
            "Tập huấn\n\nSáng ngày 05/12/2026, Sở Tư pháp tổ chức tập huấn.\n");
  EXPECT_FALSE(fs::exists(out_dir_ / item.id));  // no media, no media folder
}

TEST_F(FileConnectorTest, ReconcileChecksOutputs) {
  Item item = MakeItem();
  auto c = Connector();
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);

  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  Reconciliation r = c->Reconcile(Request(item));
  ASSERT_EQ(r.kind, Reconciliation::Kind::kPublished) << r.message;
  EXPECT_EQ(r.published.kind, Outcome::Kind::kPublished);
  EXPECT_EQ(r.published.remote_id, item.id);
  EXPECT_EQ(r.published.url, "file://" + (out_dir_ / (item.id + ".html")).string());

  // A changed item no longer matches what was written.
  Item changed = item;
  changed.summary = "Tóm tắt khác";
  EXPECT_EQ(c->Reconcile(Request(changed)).kind, Reconciliation::Kind::kAbsent);

  fs::remove(out_dir_ / item.id / "infographic.png");
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);
  ASSERT_EQ(c->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kPublished);

  ASSERT_TRUE(WriteFileAtomic(out_dir_ / (item.id + ".json"), "{\"truncated\":").ok());
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);
  fs::remove(out_dir_ / (item.id + ".txt"));
  EXPECT_EQ(c->Reconcile(Request(item)).kind, Reconciliation::Kind::kAbsent);
}

TEST_F(FileConnectorTest, MissingOrChangedMediaFailsPermanently) {
  Item item = MakeItem();
  auto c = Connector();
  ASSERT_TRUE(WriteFileAtomic(media_dir_ / "infographic.png", "not the same bytes").ok());
  Outcome o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_NE(o.message.find("infographic.png"), std::string::npos) << o.message;
  EXPECT_FALSE(fs::exists(out_dir_ / (item.id + ".json")));

  // The same size with other bytes shows only once the whole file was read:
  // the copy is never put in place.
  ASSERT_TRUE(
      WriteFileAtomic(media_dir_ / "infographic.png", std::string(item.media[0].size, 'z')).ok());
  o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_EQ(o.error_class, ErrorClass::kPermanent);
  EXPECT_NE(o.message.find("infographic.png changed"), std::string::npos) << o.message;
  EXPECT_FALSE(fs::exists(out_dir_ / item.id / "infographic.png"));
  EXPECT_FALSE(fs::exists(out_dir_ / (item.id + ".json")));

  fs::remove(media_dir_ / "infographic.png");
  o = c->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kFailed);
  EXPECT_NE(o.message.find("infographic.png"), std::string::npos) << o.message;
}

TEST_F(FileConnectorTest, UnwritableFolderIsTransient) {
  ASSERT_TRUE(EnsureDir(out_dir_.parent_path()).ok());
  ASSERT_TRUE(WriteFileAtomic(out_dir_, "a file where the folder should be").ok());
  Item item = MakeItem();
  Outcome o = Connector()->Publish(Request(item));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.error_class, ErrorClass::kTransient);
  EXPECT_FALSE(o.message.empty());
}

TEST_F(FileConnectorTest, MakeConnectorBuildsFileChannels) {
  Config config;
  config.config_dir = root_;
  ChannelConfig channel;
  channel.name = "portal";
  channel.type = "file";
  channel.settings = std::make_shared<FileSettings>(out_dir_);
  auto c = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
  ASSERT_TRUE(c.ok()) << c.error();
  Item item = MakeItem();
  EXPECT_EQ((*c)->Publish(Request(item)).kind, Outcome::Kind::kPublished);
  EXPECT_TRUE(fs::exists(out_dir_ / (item.id + ".html")));
}

TEST(FileUrl, PercentEncodesUnsafeBytes) {
  EXPECT_EQ(FileUrl("/var/lib/loa/outbox/portal/a.html"),
            "file:///var/lib/loa/outbox/portal/a.html");
  EXPECT_EQ(FileUrl("/srv/xuất bản/a#1.html"), "file:///srv/xu%E1%BA%A5t%20b%E1%BA%A3n/a%231.html");
}

TEST(OutcomeNames, MatchTheDeliveryLogVocabulary) {
  EXPECT_STREQ(ErrorClassName(ErrorClass::kNone), "");
  EXPECT_STREQ(ErrorClassName(ErrorClass::kTransient), "transient");
  EXPECT_STREQ(ErrorClassName(ErrorClass::kRateLimited), "rate_limited");
  EXPECT_STREQ(ErrorClassName(ErrorClass::kAuth), "auth");
  EXPECT_STREQ(ErrorClassName(ErrorClass::kPermanent), "permanent");
  EXPECT_STREQ(ErrorClassName(ErrorClass::kUncertain), "uncertain");
  EXPECT_STREQ(OutcomeKindName(Outcome::Kind::kPublished), "published");
  EXPECT_STREQ(OutcomeKindName(Outcome::Kind::kRetry), "retry");
  EXPECT_STREQ(OutcomeKindName(Outcome::Kind::kFailed), "failed");
  EXPECT_STREQ(OutcomeKindName(Outcome::Kind::kUncertain), "uncertain");

  Outcome u = Outcome::Uncertain("lost", 0);
  EXPECT_EQ(u.kind, Outcome::Kind::kUncertain);
  EXPECT_EQ(u.error_class, ErrorClass::kUncertain);
  Outcome r = Outcome::Retry(ErrorClass::kRateLimited, "slow down", 429, Millis(5000));
  EXPECT_EQ(r.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(r.retry_after, Millis(5000));
  EXPECT_EQ(r.http_status, 429);
}

}  // namespace
}  // namespace loa
