// End to end: the real `loa daemon` binary (LOA_BINARY) with WordPress,
// webhook, Facebook Graph and Zalo OA fakes and a file channel, fed through
// its inbox as an editor would, stopped with SIGTERM and started again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "tests/fakes/fake_facebook.h"
#include "tests/fakes/fake_webhook.h"
#include "tests/fakes/fake_wordpress.h"
#include "tests/fakes/fake_zalo.h"
#include "tests/loa_process.h"
#include "tests/notify_socket.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::DaemonCommand;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::NotifySocket;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kWpUser = "loa-bot";
constexpr const char* kWpPassword = "abcd efgh ijkl mnop qrst uvwx";
constexpr const char* kWebhookSecret = "e2e-webhook-secret-5f3a";
constexpr const char* kFbPage = "104857600123456";
constexpr const char* kFbToken = "EAAe2e-page-token-9c1d";
constexpr const char* kFbAppSecret = "e2e-app-secret-77b0";
constexpr const char* kZaloAppId = "1234567890123456789";
constexpr const char* kZaloSecretKey = "e2e-zalo-secret-key-41aa";
constexpr const char* kZaloRefreshToken = "e2e-zalo-first-refresh-token";
constexpr const char* kZaloMediaBase = "https://sotuphap.example.gov.vn/loa-media";

const std::string kSample1 = "2026-12-02-dich-vu-cong-truc-tuyen";
const std::string kSample2 = "2026-12-05-tap-huan-kiem-soat-tthc";
const std::string kSample3 = "2026-12-10-infographic-de-an-06";
const std::string kLater = "e2e-thong-bao-muon-hon";

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("e2e-test");
    ASSERT_FALSE(dir_.empty());
    inbox_ = dir_ / "var" / "inbox";
    outbox_ = dir_ / "var" / "outbox";
    WriteSecret(dir_ / "portal.secret", std::string(kWpPassword) + "\n");
    WriteSecret(dir_ / "cchc.secret", std::string(kWebhookSecret) + "\n");
    WriteSecret(dir_ / "facebook-page-token", std::string(kFbToken) + "\n");
    WriteSecret(dir_ / "facebook-app-secret", std::string(kFbAppSecret) + "\n");
    WriteSecret(dir_ / "zalo-secret-key", std::string(kZaloSecretKey) + "\n");
    WriteSecret(dir_ / "zalo-refresh-token", std::string(kZaloRefreshToken) + "\n");
    json config = {
        {"timezone", "+07:00"},
        {"state_dir", "var/state"},
        {"inbox", "var/inbox"},
        {"log_dir", "var/log"},
        {"settle_time", "200ms"},
        {"rescan_interval", "1s"},
        {"shutdown_timeout", "5s"},
        // Tests run side by side: no control server on the fixed port.
        {"control", {{"listen", ""}}},
        {"channels",
         {{"portal",
           {{"type", "wordpress"},
            {"base_url", wordpress_.base_url()},
            {"username", kWpUser},
            {"app_password_file", "portal.secret"},
            {"categories", {{"mot-cua", 14}, {"kiem-soat-tthc", 12}}}}},
          {"cchc", {{"type", "webhook"}, {"url", webhook_.url()}, {"secret_file", "cchc.secret"}}},
          {"facebook",
           {{"type", "facebook"},
            {"page_id", kFbPage},
            {"graph_base_url", facebook_.graph_base_url()},
            {"page_token_file", "facebook-page-token"},
            {"app_secret_file", "facebook-app-secret"}}},
          {"zalo",
           {{"type", "zalo"},
            {"app_id", kZaloAppId},
            {"secret_key_file", "zalo-secret-key"},
            {"refresh_token_file", "zalo-refresh-token"},
            {"api_base_url", zalo_.base_url()},
            {"oauth_base_url", zalo_.base_url()},
            {"author", "Sở Tư pháp An Giang"},
            {"cover_url", "https://sotuphap.example.gov.vn/images/banner.jpg"},
            {"media_base_url", kZaloMediaBase}}},
          {"legal-aid", {{"type", "file"}, {"dir", "var/outbox/legal-aid"}}}}}};
    config_ = dir_ / "loa.json";
    WriteText(config_, "// written by e2e_test\n" + config.dump(2));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes the item outside the inbox, then renames it in, as a careful
  // editor's tool does.
  void Drop(const std::string& name, const std::function<void(const fs::path&)>& write) {
    fs::path staging = dir_ / "staging" / name;
    fs::create_directories(staging.parent_path());
    write(staging);
    fs::rename(staging, inbox_ / name);
  }

  void DropSampleDueAt(const std::string& name, TimePoint due) {
    Drop(name, [&](const fs::path& to) {
      fs::path from = fs::path(LOA_SAMPLES_DIR) / name;
      fs::path post = to;
      if (fs::is_directory(from)) {
        fs::create_directories(to);
        for (const auto& e : fs::directory_iterator(from)) {
          WriteText(to / e.path().filename(), ReadText(e.path()));
        }
        post = to / "post.json";
        from = from / "post.json";
      }
      json j = json::parse(ReadText(from));
      j["publish_at"] = FormatUtc(due);
      WriteText(post, j.dump(2));
    });
  }

  void DropJson(const std::string& name, const json& j) {
    Drop(name, [&](const fs::path& to) { WriteText(to, j.dump(2)); });
  }

  std::vector<json> DeliveryLines() {
    std::vector<json> lines;
    std::istringstream in(ReadText(dir_ / "var" / "log" / "deliveries.jsonl"));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(json::parse(line));
    }
    return lines;
  }

  // Names of the HTML files a file channel wrote.
  std::set<std::string> OutboxIds(const std::string& channel) {
    std::set<std::string> ids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(outbox_ / channel, ec)) {
      if (e.path().extension() == ".html") ids.insert(e.path().stem().string());
    }
    return ids;
  }

  // What every fake and channel has received, to compare before and after a restart.
  // Zalo token refreshes are left out: a restarted daemon may refresh
  // without publishing anything.
  struct Counts {
    size_t wp_posts, wp_requests, webhook_deliveries, webhook_requests, fb_posts, fb_photos,
        fb_writes, zalo_articles, zalo_creates, log_lines;
    std::map<std::string, size_t> outbox_files;
    bool operator==(const Counts&) const = default;
  };
  Counts Snapshot() {
    size_t fb_writes = 0;
    for (const auto& r : facebook_.requests()) fb_writes += r.method != "GET";
    Counts c{wordpress_.posts().size(),
             wordpress_.requests().size(),
             webhook_.deliveries().size(),
             webhook_.requests().size(),
             facebook_.posts().size(),
             facebook_.photos().size(),
             fb_writes,
             zalo_.articles().size(),
             zalo_.CountRequests(fakes::FakeZalo::kCreateRoute),
             DeliveryLines().size(),
             {}};
    for (const char* ch : {"legal-aid"}) {
      size_t n = 0;
      for (auto it = fs::recursive_directory_iterator(outbox_ / ch);
           it != fs::recursive_directory_iterator(); ++it) {
        ++n;
      }
      c.outbox_files[ch] = n;
    }
    return c;
  }

  fakes::FakeWordPress wordpress_{kWpUser, kWpPassword};
  fakes::FakeWebhook webhook_{kWebhookSecret};
  fakes::FakeFacebook facebook_{kFbPage, kFbToken, kFbAppSecret};
  fakes::FakeZalo zalo_{kZaloAppId, kZaloSecretKey, kZaloRefreshToken, SystemClock()};
  fs::path dir_, inbox_, outbox_, config_;
};

TEST_F(EndToEndTest, PublishesEachItemOnceOnTimeAndSurvivesARestart) {
  NotifySocket notify(dir_ / "notify.sock");
  ASSERT_TRUE(notify.bound());
  LoaCommand first = DaemonCommand(LOA_BINARY, dir_, config_, dir_ / "daemon-1.log");
  first.env = {"NOTIFY_SOCKET=" + (dir_ / "notify.sock").string()};
  auto daemon = std::make_unique<LoaProcess>(first);
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();

  // Ready means: its folders exist and systemd was told.
  for (fs::path p : {inbox_ / "accepted", inbox_ / "rejected", dir_ / "var" / "state",
                     dir_ / "var" / "log", outbox_ / "legal-aid"}) {
    EXPECT_TRUE(fs::is_directory(p)) << p;
  }
  EXPECT_TRUE(PollUntil([&] { return notify.Drain().find("READY=1") != std::string::npos; }, 5s))
      << notify.Drain();

  // Whole seconds, so every way of writing the time back compares equal.
  const TimePoint due = std::chrono::ceil<std::chrono::seconds>(SystemClock().Now() + 3s);
  const TimePoint later_due = due + 2s;
  DropSampleDueAt(kSample1 + ".json", due);
  DropSampleDueAt(kSample2 + ".json", due);
  DropSampleDueAt(kSample3, due);
  DropJson(kLater + ".json", {{"id", kLater},
                              {"title", "Thông báo thay đổi lịch tiếp công dân"},
                              {"body", "Lịch tiếp công dân **tháng 12** thay đổi như sau."},
                              {"publish_at", FormatUtc(later_due)},
                              {"channels", {"portal", "cchc", "legal-aid"}},
                              {"topics", {"mot-cua"}},
                              {"form", "announcement"},
                              {"approved_by", "Chánh Văn phòng"}});
  json no_title = {
      {"body", "Thiếu tiêu đề"}, {"channels", {"portal"}}, {"approved_by", "Chánh Văn phòng"}};
  DropJson("thieu-tieu-de.json", no_title);
  json unknown_channel = {{"title", "Kênh lạ"},
                          {"body", "Nội dung"},
                          {"channels", {"portal", "tiktok"}},
                          {"approved_by", "Chánh Văn phòng"}};
  DropJson("kenh-la.json", unknown_channel);
  json bad_time = {{"title", "Sai giờ"},
                   {"body", "Nội dung"},
                   {"publish_at", "31/12/2026 8h sáng"},
                   {"channels", {"portal"}},
                   {"approved_by", "Chánh Văn phòng"}};
  DropJson("sai-gio.json", bad_time);
  // Fits every channel but Zalo, whose titles stop at 150 characters: refused
  // at ingest, naming the channel, rather than failed at the due time.
  std::string long_title = "Thông báo";
  while (long_title.size() < 400) long_title += " về việc tiếp nhận hồ sơ";
  json too_long_for_zalo = {{"title", long_title},
                            {"body", "Nội dung"},
                            {"channels", {"portal", "zalo"}},
                            {"approved_by", "Chánh Văn phòng"}};
  DropJson("qua-dai-cho-zalo.json", too_long_for_zalo);

  // Every (item, channel) pair, as it must appear once in each place.
  const std::map<std::string, std::vector<std::string>> expected = {
      {kSample1, {"portal", "cchc", "facebook", "zalo"}},
      {kSample2, {"portal", "cchc", "facebook", "zalo", "legal-aid"}},
      {kSample3, {"facebook", "zalo", "cchc"}},
      {kLater, {"portal", "cchc", "legal-aid"}},
  };
  size_t expected_deliveries = 0;
  for (const auto& [id, channels] : expected) expected_deliveries += channels.size();

  // Watch the later item arrive: never before its time, soon after it.
  std::optional<TimePoint> later_seen;
  bool later_early = false;
  auto later_visible = [&] {
    for (const auto& p : wordpress_.posts()) {
      if (p.slug == kLater) return true;
    }
    for (const auto& d : webhook_.deliveries()) {
      if (d.idempotency_key == kLater + ":cchc") return true;
    }
    return fs::exists(outbox_ / "legal-aid" / (kLater + ".html"));
  };
  ASSERT_TRUE(PollUntil([&] {
    TimePoint now = SystemClock().Now();
    if (!later_seen && later_visible()) {
      later_seen = now;
      if (now < later_due) later_early = true;
    }
    return DeliveryLines().size() >= expected_deliveries &&
           fs::exists(inbox_ / "rejected" / "sai-gio.json.error.txt") &&
           fs::exists(inbox_ / "rejected" / "qua-dai-cho-zalo.json.error.txt");
  })) << daemon->Log();
  EXPECT_FALSE(later_early) << "the later item went out before its publish_at";
  ASSERT_TRUE(later_seen);
  EXPECT_LE(*later_seen - later_due, 1s + 100ms);
  // The file channel's write time is the precise receive time.
  struct stat st {};
  ASSERT_EQ(::stat((outbox_ / "legal-aid" / (kLater + ".html")).c_str(), &st), 0);
  TimePoint written =
      TimePoint(Millis(int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000));
  EXPECT_GE(written, later_due);
  EXPECT_LE(written - later_due, 1s);

  // WordPress: one post per item, found by its slug.
  std::map<std::string, int> slugs;
  for (const auto& p : wordpress_.posts()) {
    ++slugs[p.slug];
    EXPECT_EQ(p.status, "publish");
  }
  EXPECT_EQ(slugs, (std::map<std::string, int>{{kSample1, 1}, {kSample2, 1}, {kLater, 1}}));
  EXPECT_EQ(wordpress_.CountRequests("POST", "/wp-json/wp/v2/posts"), 3u);

  // Webhook: one accepted body per idempotency key, with the due time.
  std::map<std::string, int> keys;
  for (const auto& d : webhook_.deliveries()) {
    ++keys[d.idempotency_key];
    auto at = ParseTime(d.json.value("publish_at", ""), std::chrono::hours(7));
    ASSERT_TRUE(at.ok()) << d.body;
    EXPECT_EQ(*at, d.json["id"] == kLater ? later_due : due) << d.json["id"];
    EXPECT_EQ(d.json["channel"], "cchc");
  }
  EXPECT_EQ(keys, (std::map<std::string, int>{{kSample1 + ":cchc", 1},
                                              {kSample2 + ":cchc", 1},
                                              {kSample3 + ":cchc", 1},
                                              {kLater + ":cchc", 1}}));
  for (const auto& r : webhook_.requests()) EXPECT_TRUE(r.signature_ok);

  // Facebook: one post per item, its message the title then the summary or
  // the body; the infographic as a one-photo post.
  const std::map<std::string, std::string> titles = {
      {kSample1, "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến trên Cổng Dịch vụ công Quốc gia"},
      {kSample2, "Tập huấn nghiệp vụ kiểm soát thủ tục hành chính năm 2026"},
      {kSample3, "Infographic: Đề án 06 và tiện ích cho người dân khi làm thủ tục tư pháp"}};
  const std::string sample3_png =
      ReadText(fs::path(LOA_SAMPLES_DIR) / kSample3 / "infographic.png");
  std::map<std::string, std::string> fb_post_of;  // item -> post id
  for (const auto& post : facebook_.posts()) {
    EXPECT_FALSE(post.deleted);
    for (const auto& [id, title] : titles) {
      if (post.message.rfind(title + "\n\n", 0) != 0) continue;
      EXPECT_TRUE(fb_post_of.emplace(id, post.id).second) << id << " posted twice on Facebook";
      if (id == kSample1) {
        EXPECT_EQ(post.message, title +
                                    "\n\nNgười dân có thể đề nghị cấp Phiếu lý lịch tư pháp trực "
                                    "tuyến toàn trình, không phải đến Bộ phận Một cửa.\n\n"
                                    "https://dichvucong.gov.vn/");
        EXPECT_EQ(post.link, "https://dichvucong.gov.vn/");
      }
      if (id == kSample3) {
        EXPECT_FALSE(post.photo_id.empty());
      }
    }
  }
  EXPECT_EQ(fb_post_of.size(), 3u);
  EXPECT_EQ(facebook_.posts().size(), 3u);
  ASSERT_EQ(facebook_.photos().size(), 1u);
  EXPECT_EQ(facebook_.photos()[0].data, sample3_png);
  for (const auto& r : facebook_.requests()) {
    EXPECT_TRUE(r.token_ok && r.proof_ok) << r.method << " " << r.path;
  }

  // Zalo: one article per item; with media_base_url the infographic is the
  // cover and an image block, served from loa's media folder.
  std::map<std::string, std::string> zalo_article_of;  // item -> article id
  for (const auto& article : zalo_.articles()) {
    EXPECT_FALSE(article.removed);
    for (const auto& [id, title] : titles) {
      if (article.title != title) continue;
      EXPECT_TRUE(zalo_article_of.emplace(id, article.id).second) << id << " twice on Zalo";
      EXPECT_EQ(article.request["author"], "Sở Tư pháp An Giang");
      if (id == kSample3) {
        std::string url = std::string(kZaloMediaBase) + "/" + kSample3 + "/infographic.png";
        EXPECT_EQ(article.request["cover"]["photo_url"], url);
        EXPECT_NE(article.request["body"].dump().find(url), std::string::npos);
        EXPECT_EQ(ReadText(dir_ / "var" / "state" / "media" / kSample3 / "infographic.png"),
                  sample3_png);
      }
      if (id == kSample2) {  // no summary: the first paragraph describes it
        EXPECT_EQ(article.request["description"],
                  "Sáng ngày 05/12/2026, Sở Tư pháp tổ chức hội nghị tập huấn nghiệp vụ kiểm "
                  "soát thủ tục hành chính và văn hóa giao tiếp, ứng xử cho công chức làm việc "
                  "tại Bộ phận Một cửa.");
      }
    }
  }
  EXPECT_EQ(zalo_article_of.size(), 3u);
  EXPECT_EQ(zalo_.articles().size(), 3u);
  EXPECT_EQ(zalo_.CountRequests(fakes::FakeZalo::kCreateRoute), 3u);
  // The first refresh token from the file was used once, then rotated.
  EXPECT_NE(zalo_.current_refresh_token(), kZaloRefreshToken);

  // The file channel: what each item would publish.
  EXPECT_EQ(OutboxIds("legal-aid"), (std::set<std::string>{kSample2, kLater}));
  for (const char* ext : {".txt", ".json"}) {
    EXPECT_TRUE(fs::exists(outbox_ / "legal-aid" / (kSample2 + ext))) << ext;
  }

  // deliveries.jsonl: one line per attempt, every field of the contract.
  std::vector<json> lines = DeliveryLines();
  ASSERT_EQ(lines.size(), expected_deliveries);
  std::set<std::pair<std::string, std::string>> logged;
  for (const auto& line : lines) {
    SCOPED_TRACE(line.dump());
    for (const char* key : {"ts", "item", "channel", "attempt", "outcome", "remote_id", "url",
                            "http_status", "latency_ms", "error"}) {
      EXPECT_TRUE(line.contains(key)) << key;
    }
    EXPECT_EQ(line["outcome"], "published");
    EXPECT_EQ(line["attempt"], 1);
    EXPECT_TRUE(line["error"].is_null());
    EXPECT_TRUE(line["latency_ms"].is_number());
    std::string ts = line["ts"];
    auto t = ParseTime(ts, std::chrono::hours(0));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(FormatUtc(*t), ts);  // UTC RFC 3339 with milliseconds
    TimePoint item_due = line["item"] == kLater ? later_due : due;
    EXPECT_GE(*t, item_due);
    EXPECT_LE(*t - item_due, line["item"] == kLater ? Millis(1s) : Millis(3s));
    std::string channel = line["channel"];
    std::string item = line["item"];
    if (channel == "legal-aid") {
      EXPECT_EQ(line["url"].get<std::string>().rfind("file://", 0), 0u);
    } else if (channel == "facebook") {
      ASSERT_TRUE(fb_post_of.count(item));
      EXPECT_EQ(line["remote_id"], fb_post_of[item]);
      EXPECT_EQ(line["url"], "https://www.facebook.com/" + std::string(kFbPage) + "/posts/" +
                                 fb_post_of[item].substr(fb_post_of[item].find('_') + 1) + "/");
    } else if (channel == "zalo") {
      ASSERT_TRUE(zalo_article_of.count(item));
      EXPECT_EQ(line["remote_id"], zalo_article_of[item]);
      EXPECT_EQ(line["url"], "https://zalo.me/oa/article/" + zalo_article_of[item]);
    } else {
      EXPECT_TRUE(line["remote_id"].is_string());
      EXPECT_TRUE(line["http_status"].is_number());
    }
    EXPECT_TRUE(logged.insert({line["item"], channel}).second) << "logged twice";
  }
  for (const auto& [id, channels] : expected) {
    for (const auto& c : channels) EXPECT_TRUE(logged.count({id, c})) << id << " on " << c;
  }

  // Sources: valid ones in accepted/, invalid ones in rejected/ with reports.
  for (const std::string& name :
       {kSample1 + ".json", kSample2 + ".json", kSample3, kLater + ".json"}) {
    EXPECT_TRUE(fs::exists(inbox_ / "accepted" / name)) << name;
  }
  const std::map<std::string, std::string> problems = {
      {"thieu-tieu-de.json", "title"},
      {"kenh-la.json", "tiktok"},
      {"sai-gio.json", "publish_at"},
      {"qua-dai-cho-zalo.json", "Kênh zalo: tiêu đề dài"}};
  for (const auto& [name, word] : problems) {
    EXPECT_TRUE(fs::exists(inbox_ / "rejected" / name)) << name;
    EXPECT_THAT(ReadText(inbox_ / "rejected" / (name + ".error.txt")), HasSubstr(word)) << name;
  }
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(inbox_)) {
    // The status page may be caught in the middle of a rewrite.
    const std::string name = e.path().filename().string();
    if (!name.starts_with("TRANG-THAI.html.tmp-")) left.insert(name);
  }
  // Besides the editors' status page (daemon/status_page.h), nothing stays.
  EXPECT_EQ(left, (std::set<std::string>{"accepted", "rejected", "TRANG-THAI.html"}));

  // SIGTERM: a clean stop.
  EXPECT_EQ(daemon->Stop(SIGTERM), 0) << daemon->Log();
  EXPECT_THAT(notify.Drain(), HasSubstr("STOPPING=1"));
  Counts before = Snapshot();

  // Restart on the same config: nothing is sent again, not even when an
  // already published item is dropped a second time.
  daemon =
      std::make_unique<LoaProcess>(DaemonCommand(LOA_BINARY, dir_, config_, dir_ / "daemon-2.log"));
  ASSERT_TRUE(daemon->WaitReady()) << daemon->Log();
  TimePoint ready_at = SystemClock().Now();
  DropSampleDueAt(kSample1 + ".json", due);
  ASSERT_TRUE(PollUntil([&] {
    return !fs::exists(inbox_ / (kSample1 + ".json")) &&
           SystemClock().Now() - ready_at > 1500ms;  // past one rescan
  })) << daemon->Log();
  EXPECT_THAT(daemon->Log(),
              HasSubstr("item " + kSample1 + " is already queued exactly as dropped"));
  EXPECT_TRUE(Snapshot() == before) << daemon->Log();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0) << daemon->Log();
  EXPECT_TRUE(Snapshot() == before);
}

// `loa check` applies the same platform limits as the daemon, so an editor
// hears before dropping that an item cannot go out on a channel.
TEST_F(EndToEndTest, CheckNamesTheChannelAnItemCannotFit) {
  fs::path item = dir_ / "staging" / "tieu-de-dai.json";
  std::string title(151, 'a');
  WriteText(item, json{{"title", title},
                       {"body", "Nội dung"},
                       {"channels", {"portal", "zalo"}},
                       {"approved_by", "Chánh Văn phòng"}}
                      .dump());
  fs::path fits = dir_ / "staging" / "vua.json";
  WriteText(fits, json{{"title", title},
                       {"body", "Nội dung"},
                       {"channels", {"portal", "facebook"}},
                       {"approved_by", "Chánh Văn phòng"}}
                      .dump());
  LoaProcess check(LoaCommand(
      LOA_BINARY,
      {"check", "--lang", "en", "--config", config_.string(), item.string(), fits.string()}, dir_,
      dir_ / "check.out"));
  const int code = check.Wait();
  const std::string text = check.Log();
  EXPECT_EQ(code, 1) << text;
  EXPECT_THAT(text, HasSubstr("title: channel zalo: the title is 151 characters, over Zalo's "
                              "limit of 150"));
  EXPECT_THAT(text, HasSubstr("OK " + fits.string()));
}

}  // namespace
}  // namespace loa
