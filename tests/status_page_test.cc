// The editors' status page in the inbox (daemon/status_page.h): rendered
// from hostile texts, refused names in the config, and kept up to date by the
// real daemon (LOA_BINARY) as items are dropped, published and rejected.
#include "daemon/status_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/daemon.h"
#include "queue/sqlite_store.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::DaemonCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const StatusPageZone kZone = std::chrono::hours(7);
// 2026-12-03 08:00 at +07:00.
const TimePoint kMorning =
    TimePoint(std::chrono::sys_days(std::chrono::year(2026) / std::chrono::December / 3)) +
    std::chrono::hours(1);

// The part of the page from the heading with `id` to the next heading.
std::string Section(const std::string& page, const std::string& id) {
  size_t start = page.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  size_t end = page.find("<h2", start);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Nothing the page holds loads from elsewhere or runs: its tags are those
// the page itself writes (escaped text holds no '<'), none with a source,
// a script, a style sheet or an event handler.
void ExpectSelfContained(const std::string& page) {
  EXPECT_THAT(page, HasSubstr("<meta charset=\"utf-8\">"));
  const std::set<std::string> allowed = {
      "!DOCTYPE", "html", "head", "meta", "title", "style", "body",    "h1",      "h2",  "p", "b",
      "table",    "tr",   "th",   "td",   "br",    "span",  "details", "summary", "pre", "a"};
  for (size_t at = page.find('<'); at != std::string::npos; at = page.find('<', at + 1)) {
    const size_t end = page.find('>', at);
    ASSERT_NE(end, std::string::npos);
    const std::string tag = page.substr(at + 1, end - at - 1);
    std::string name = tag.substr(tag.starts_with("/") ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \n"));
    EXPECT_TRUE(allowed.count(name)) << "<" << tag << ">";
    EXPECT_THAT(tag, Not(HasSubstr("src=")));
    EXPECT_THAT(tag, Not(HasSubstr(" on")));
    if (tag.starts_with("a ")) {
      EXPECT_THAT(tag, ::testing::StartsWith("a href=\"http"));
    }
  }
  EXPECT_THAT(page, Not(HasSubstr("@import")));
  EXPECT_THAT(page, Not(HasSubstr("url(")));
}

SettledDelivery Settled(const std::string& id, const std::string& channel, AttemptOutcome outcome,
                        const std::string& title) {
  SettledDelivery s;
  s.delivery.post_id = id;
  s.delivery.channel = channel;
  s.outcome = outcome;
  s.settled_at = kMorning;
  s.title = title;
  return s;
}

TEST(StatusPageHtmlTest, ShowsEachSectionInVietnameseWithEveryTextEscaped) {
  StatusPageData data;
  data.generated_at = kMorning + std::chrono::minutes(5);
  data.upcoming.push_back({"lich-tiep-dan",
                           "Lịch tiếp dân <script>alert(\"x\")</script> & 'Hỏi'",
                           kMorning + std::chrono::days(1),
                           {"portal", "facebook"},
                           false});
  SettledDelivery published =
      Settled("tin-da-dang", "facebook", AttemptOutcome::kPublished, "Tin <b>đã</b> đăng");
  published.delivery.remote_url = "https://www.facebook.com/104857600123456_1?a=1&b=\"2\"";
  SettledDelivery trick =
      Settled("tin-lua", "portal", AttemptOutcome::kPublished, "Tin có liên kết lạ");
  trick.delivery.remote_url = "javascript:alert(1)";
  SettledDelivery failed = Settled("tin-loi", "cchc", AttemptOutcome::kFailed, "Tin lỗi");
  failed.error = "HTTP 422: <html>\x1b[31m bad";
  SettledDelivery missed = Settled("tin-lo", "zalo", AttemptOutcome::kMissed, "Tin bỏ lỡ");
  missed.error = "missed: due 2026-11-20T01:00:00Z";
  SettledDelivery uncertain =
      Settled("tin-chua-ro", "facebook", AttemptOutcome::kUncertain, "Tin chưa rõ");
  data.settled = {published, trick, failed, missed, uncertain};
  data.rejected.push_back(
      {"<img src=x onerror=alert(1)>.json", kMorning,
       "Bài viết \"<img>\" chưa được đăng vì có 1 lỗi.\n   Lỗi: Thiếu tiêu đề"});

  const std::string page = RenderStatusPage(data, kZone);
  ExpectSelfContained(page);
  EXPECT_THAT(page, HasSubstr("<html lang=\"vi\">"));
  EXPECT_THAT(page, HasSubstr("Cập nhật lúc <b id=\"cap-nhat\">03/12/2026 08:05</b> (giờ +07:00)"));

  const std::string upcoming = Section(page, "sap-dang");
  EXPECT_THAT(upcoming, HasSubstr("Sắp đăng (1)"));
  EXPECT_THAT(upcoming, HasSubstr("<td class=\"time\">04/12/2026 08:00</td>"));
  EXPECT_THAT(upcoming,
              HasSubstr("Lịch tiếp dân &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                        "&#39;Hỏi&#39;"));
  EXPECT_THAT(upcoming, HasSubstr("<td>portal, facebook</td>"));

  const std::string settled = Section(page, "ket-qua");
  EXPECT_THAT(settled, HasSubstr("Kết quả 30 ngày qua (5)"));
  EXPECT_THAT(settled, HasSubstr("Tin &lt;b&gt;đã&lt;/b&gt; đăng"));
  EXPECT_THAT(settled, HasSubstr("<a href=\"https://www.facebook.com/104857600123456_1?a=1&amp;"
                                 "b=&quot;2&quot;\""));
  // Only http(s) addresses become links.
  EXPECT_THAT(settled, Not(HasSubstr("href=\"javascript")));
  EXPECT_THAT(settled, HasSubstr("<span class=\"url\">javascript:alert(1)</span>"));
  EXPECT_THAT(settled, HasSubstr(">Đã đăng<"));
  EXPECT_THAT(settled, HasSubstr(">Thất bại<"));
  EXPECT_THAT(settled, HasSubstr(">Bỏ lỡ<"));
  EXPECT_THAT(settled, HasSubstr(">Chưa rõ kết quả<"));
  // A platform's error on one line, its markup and control bytes harmless.
  EXPECT_THAT(settled, HasSubstr("HTTP 422: &lt;html&gt;\\u001B[31m bad"));

  const std::string rejected = Section(page, "bi-tu-choi");
  EXPECT_THAT(rejected, HasSubstr("Bị từ chối (1)"));
  EXPECT_THAT(rejected, HasSubstr("&lt;img src=x onerror=alert(1)&gt;.json — 03/12/2026 08:00"));
  EXPECT_THAT(rejected, HasSubstr("Bài viết &quot;&lt;img&gt;&quot; chưa được đăng"));
}

TEST(StatusPageHtmlTest, SaysWhenASectionIsEmptyOrCannotBeRead) {
  StatusPageData data;
  data.generated_at = kMorning;
  data.settled_error = "database is locked <x>";
  const std::string page = RenderStatusPage(data, kZone);
  ExpectSelfContained(page);
  EXPECT_THAT(Section(page, "sap-dang"), HasSubstr("Không có bài nào đang chờ đăng."));
  EXPECT_THAT(Section(page, "ket-qua"),
              HasSubstr("Không đọc được kết quả: database is locked &lt;x&gt;"));
  EXPECT_THAT(Section(page, "bi-tu-choi"),
              HasSubstr("Không có bài nào bị từ chối trong 30 ngày qua."));
}

TEST(StatusPageConfigTest, TakesAFileNameEndingInHtmlOrNothing) {
  auto parse = [](const std::string& page) {
    json config = {{"channels", {{"portal", {{"type", "file"}, {"dir", "out"}}}}}};
    if (page != "(absent)") config["status_page"] = page;
    return ParseConfig(config.dump(), "/srv/loa", ConfigSchemas());
  };
  auto absent = parse("(absent)");
  ASSERT_TRUE(absent.ok()) << absent.error();
  EXPECT_EQ(absent->status_page, "TRANG-THAI.html");
  EXPECT_EQ(parse("")->status_page, "");
  EXPECT_EQ(parse("Trang_Thai-2.HTML")->status_page, "Trang_Thai-2.HTML");
  for (const char* bad : {"../TRANG-THAI.html", "sub/a.html", "TRANG THAI.html", "trang.json",
                          ".an.html", "~a.html", "a?.html", "trạng-thái.html", "a.html\n"}) {
    auto config = parse(bad);
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_THAT(config.error(), HasSubstr("status_page: ")) << bad;
  }
}

// The real daemon on file channels, its inbox fed as editors feed it.
class StatusPageDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("status-page-test");
    ASSERT_FALSE(dir_.empty());
    inbox_ = dir_ / "var" / "inbox";
    page_ = inbox_ / "TRANG-THAI.html";
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
      daemon_.reset();
    }
    fs::remove_all(dir_);
  }

  void Start(const json& extra = json::object()) {
    json config = {{"timezone", "+07:00"},
                   {"state_dir", "var/state"},
                   {"inbox", "var/inbox"},
                   {"log_dir", "var/log"},
                   {"settle_time", "100ms"},
                   {"rescan_interval", "1s"},
                   {"shutdown_timeout", "5s"},
                   {"control", {{"listen", ""}}},
                   {"channels",
                    {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
                     {"facebook", {{"type", "file"}, {"dir", "var/outbox/facebook"}}}}}};
    config.update(extra);
    WriteText(dir_ / "loa.json", config.dump(2));
    daemon_ = std::make_unique<LoaProcess>(
        DaemonCommand(LOA_BINARY, dir_, dir_ / "loa.json", dir_ / "daemon.log"));
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->Log();
  }

  // Written beside the inbox, then moved in whole, as the Samba share does.
  void Drop(const std::string& name, const json& item) {
    fs::path staging = dir_ / "staging" / name;
    fs::create_directories(staging.parent_path());
    WriteText(staging, item.dump(2));
    fs::rename(staging, inbox_ / name);
  }

  // Waits until the page holds every one of `needles`.
  bool PageShows(const std::vector<std::string>& needles) {
    return PollUntil([&] {
      std::string page = ReadText(page_);
      for (const auto& n : needles) {
        if (page.find(n) == std::string::npos) return false;
      }
      return true;
    });
  }

  fs::path dir_, inbox_, page_;
  std::unique_ptr<LoaProcess> daemon_;
};

TEST_F(StatusPageDaemonTest, RewrittenAfterADropAPublishAndARejection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // At start: nothing yet.
  ASSERT_TRUE(PageShows({"Không có bài nào đang chờ đăng."})) << daemon_->Log();
  struct stat st {};
  ASSERT_EQ(::stat(page_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);  // the inbox's group reads it over Samba

  // A drop due in two days: upcoming, its title escaped.
  const TimePoint due = std::chrono::floor<std::chrono::minutes>(SystemClock().Now() + 48h);
  const std::string local = FormatLocal(due, kZone);
  const std::string shown_due = local.substr(8, 2) + "/" + local.substr(5, 2) + "/" +
                                local.substr(0, 4) + " " + local.substr(11, 5);
  Drop("lich-tiep-dan.json", {{"title", "Lịch tiếp dân <script>alert(1)</script> & \"Hỏi đáp\""},
                              {"body", "Nội dung"},
                              {"publish_at", local},
                              {"channels", {"portal", "facebook"}},
                              {"approved_by", "Chánh Văn phòng"}});
  ASSERT_TRUE(PageShows({"Sắp đăng (1)", shown_due,
                         "Lịch tiếp dân &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
                         "&quot;Hỏi đáp&quot;",
                         "portal, facebook"}))
      << ReadText(page_) << daemon_->Log();

  // A drop due now: published on the portal, listed with where it went.
  Drop("tin-da-dang.json", {{"title", "Thông báo lịch nghỉ Tết"},
                            {"body", "Nội dung"},
                            {"channels", {"portal"}},
                            {"approved_by", "Chánh Văn phòng"}});
  ASSERT_TRUE(PageShows(
      {"Kết quả 30 ngày qua (1)", "Thông báo lịch nghỉ Tết", ">Đã đăng<", "tin-da-dang.html"}))
      << ReadText(page_) << daemon_->Log();
  EXPECT_THAT(Section(ReadText(page_), "ket-qua"), HasSubstr("<td>portal</td>"));

  // A rejected drop with a name made to break the page.
  Drop(
      "<img src=x onerror=alert(1)>.json",
      {{"body", "Không có tiêu đề"}, {"channels", {"portal"}}, {"approved_by", "Chánh Văn phòng"}});
  ASSERT_TRUE(PageShows(
      {"Bị từ chối (1)", "&lt;img src=x onerror=alert(1)&gt;.json", "Thiếu tiêu đề (title)."}))
      << ReadText(page_) << daemon_->Log();

  const std::string page = ReadText(page_);
  ExpectSelfContained(page);
  // The page is never taken as an item: it stays, nothing else about it is
  // said, and no item came of it.
  EXPECT_TRUE(fs::exists(page_));
  EXPECT_FALSE(fs::exists(inbox_ / "rejected" / "TRANG-THAI.html"));
  EXPECT_FALSE(fs::exists(inbox_ / "accepted" / "TRANG-THAI.html"));
  EXPECT_FALSE(fs::exists(inbox_ / "rejected" / "TRANG-THAI.html.error.txt"));
  EXPECT_THAT(daemon_->Log(), Not(HasSubstr("TRANG-THAI")));
}

TEST_F(StatusPageDaemonTest, NoPageWhenTheConfigSaysNone) {
  ASSERT_NO_FATAL_FAILURE(Start({{"status_page", ""}}));
  Drop("tin.json", {{"title", "Tin"},
                    {"body", "Nội dung"},
                    {"channels", {"portal"}},
                    {"approved_by", "Chánh Văn phòng"}});
  ASSERT_TRUE(PollUntil([&] { return fs::exists(dir_ / "var/outbox/portal/tin.html"); }))
      << daemon_->Log();
  EXPECT_FALSE(fs::exists(page_));
}

Item MakeItem(const std::string& id, TimePoint due, std::vector<std::string> channels) {
  Item item;
  item.id = id;
  item.title = "Thông báo " + id;
  item.body_markdown = "Nội dung";
  item.publish_at = due;
  item.channels = std::move(channels);
  item.approved_by = "Chánh Văn phòng";
  return item;
}

TEST(StatusPageReadTest, GroupsWhatIsDueByItemAndTimeSoonestFirst) {
  fs::path dir = fakes::MakeTempDir("status-page-read");
  ASSERT_FALSE(dir.empty());
  json text = {{"inbox", (dir / "inbox").string()},
               {"state_dir", (dir / "state").string()},
               {"channels",
                {{"portal", {{"type", "file"}, {"dir", (dir / "out").string()}}},
                 {"facebook", {{"type", "file"}, {"dir", (dir / "out2").string()}}}}}};
  auto config = ParseConfig(text.dump(), dir, ConfigSchemas());
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_TRUE(CreateFolders(*config).ok());
  auto store = SqliteStore::Open(config->DatabasePath());
  ASSERT_TRUE(store.ok()) << store.error();

  // Two channels at one time; the other's facebook post a day later.
  Item later = MakeItem("tin-sau", kMorning + 48h, {"portal", "facebook"});
  later.overrides["facebook"].publish_at = kMorning + 72h;
  ASSERT_TRUE((*store)->UpsertPost(later, kMorning).ok());
  ASSERT_TRUE(
      (*store)
          ->UpsertPost(MakeItem("tin-truoc", kMorning + 24h, {"facebook", "portal"}), kMorning)
          .ok());
  StatusPageData data = ReadStatusPage(**store, *config, kMorning);
  ASSERT_EQ(data.upcoming.size(), 3u);
  EXPECT_EQ(data.upcoming[0].id, "tin-truoc");
  EXPECT_EQ(data.upcoming[0].due, kMorning + 24h);
  EXPECT_EQ(data.upcoming[0].channels.size(), 2u);
  EXPECT_EQ(data.upcoming[1].id, "tin-sau");
  EXPECT_EQ(data.upcoming[1].channels, std::vector<std::string>{"portal"});
  EXPECT_EQ(data.upcoming[1].title, "Thông báo tin-sau");
  EXPECT_EQ(data.upcoming[2].id, "tin-sau");
  EXPECT_EQ(data.upcoming[2].channels, std::vector<std::string>{"facebook"});
  EXPECT_EQ(data.upcoming[2].due, kMorning + 72h);
  EXPECT_TRUE(data.settled.empty());
  EXPECT_TRUE(data.rejected.empty());
  EXPECT_EQ(data.upcoming_error, "");

  // What one rewrite costs on the io thread with a full queue (measured,
  // for docs/design.md "Threads"; not asserted: machines differ).
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(
        (*store)
            ->UpsertPost(MakeItem("tin-" + std::to_string(i),
                                  kMorning + std::chrono::minutes(10 * i), {"portal", "facebook"}),
                         kMorning)
            .ok());
  }
  const auto start = std::chrono::steady_clock::now();
  StatusPageData full = ReadStatusPage(**store, *config, kMorning);
  const std::string page = RenderStatusPage(full, kZone);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  EXPECT_EQ(full.upcoming.size(), kStatusPageMaxUpcoming);
  EXPECT_EQ(full.upcoming_more, 403u - kStatusPageMaxUpcoming);
  EXPECT_THAT(page, HasSubstr("… và " + std::to_string(full.upcoming_more) + " bài khác."));
  std::printf("status page: %zu upcoming rows read and rendered (%zu bytes) in %lld us\n",
              full.upcoming.size(), page.size(), static_cast<long long>(took.count()));
  fs::remove_all(dir);
}

// The page lists the newest outcomes of the month and says older ones
// exist, reading no more than it shows however busy the month was.
TEST(StatusPageReadTest, ShowsTheNewestOutcomesAndSaysOlderOnesExist) {
  fs::path dir = fakes::MakeTempDir("status-page-settled");
  ASSERT_FALSE(dir.empty());
  json text = {{"inbox", (dir / "inbox").string()},
               {"state_dir", (dir / "state").string()},
               {"channels", {{"portal", {{"type", "file"}, {"dir", (dir / "out").string()}}}}}};
  auto config = ParseConfig(text.dump(), dir, ConfigSchemas());
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_TRUE(CreateFolders(*config).ok());
  auto store = SqliteStore::Open(config->DatabasePath());
  ASSERT_TRUE(store.ok()) << store.error();
  auto publish = [&](int i) {
    const std::string id = "tin-" + std::to_string(i);
    const TimePoint at = kMorning - 48h + std::chrono::minutes(i);
    ASSERT_TRUE((*store)->UpsertPost(MakeItem(id, at, {"portal"}), at - 1h).ok());
    auto begun = (*store)->BeginAttempt((*store)->ListDeliveries(id).value().at(0).id, at);
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = begun->id;
    rec.number = begun->attempts;
    rec.started_at = at;
    rec.ended_at = at + std::chrono::seconds(1);
    rec.outcome = AttemptOutcome::kPublished;
    rec.remote_url = "https://sotuphap.angiang.gov.vn/" + id;
    ASSERT_TRUE((*store)->FinishAttempt(rec).ok());
  };
  for (size_t i = 0; i < kStatusPageMaxSettled; ++i) publish(static_cast<int>(i));

  StatusPageData data = ReadStatusPage(**store, *config, kMorning);
  ASSERT_EQ(data.settled.size(), kStatusPageMaxSettled);
  EXPECT_FALSE(data.older_settled);
  EXPECT_THAT(RenderStatusPage(data, kZone), Not(HasSubstr("kết quả cũ hơn")));
  EXPECT_THAT(RenderStatusPage(data, kZone),
              HasSubstr("ngày qua (" + std::to_string(kStatusPageMaxSettled) + ")</h2>"));

  publish(static_cast<int>(kStatusPageMaxSettled));
  data = ReadStatusPage(**store, *config, kMorning);
  ASSERT_EQ(data.settled.size(), kStatusPageMaxSettled);
  EXPECT_TRUE(data.older_settled);
  EXPECT_EQ(data.settled.front().delivery.post_id, "tin-" + std::to_string(kStatusPageMaxSettled));
  EXPECT_EQ(data.settled.back().delivery.post_id, "tin-1");  // tin-0, the oldest, left off
  EXPECT_THAT(RenderStatusPage(data, kZone), HasSubstr("… và các kết quả cũ hơn."));
  // The count says the list is cut, not that it is all.
  EXPECT_THAT(RenderStatusPage(data, kZone),
              HasSubstr("ngày qua (" + std::to_string(kStatusPageMaxSettled) + " mới nhất)</h2>"));
  fs::remove_all(dir);
}

TEST(StatusPageWriteTest, AFailureIsLoggedOnceAndItsEndOnce) {
  fs::path dir = fakes::MakeTempDir("status-page-write");
  ASSERT_FALSE(dir.empty());
  json text = {{"inbox", (dir / "inbox").string()},
               {"state_dir", (dir / "state").string()},
               {"channels", {{"portal", {{"type", "file"}, {"dir", (dir / "out").string()}}}}}};
  auto config = ParseConfig(text.dump(), dir, ConfigSchemas());
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_TRUE(CreateFolders(*config).ok());
  auto store = SqliteStore::Open(config->DatabasePath());
  ASSERT_TRUE(store.ok()) << store.error();
  asio::io_context io;
  ManualClock clock(kMorning);
  StatusPage page(io, **store, &*config, clock);
  ASSERT_EQ(page.path(), dir / "inbox" / "TRANG-THAI.html");

  // A folder where the page should be: every write fails, and says so once.
  fs::create_directories(page.path());
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(page.Write().ok());
  EXPECT_FALSE(page.Write().ok());
  EXPECT_FALSE(page.Write().ok());
  fs::remove(page.path());
  EXPECT_TRUE(page.Write().ok());
  EXPECT_TRUE(page.Write().ok());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(fakes::Count(log, "status page: cannot write"), 1u) << log;
  EXPECT_EQ(fakes::Count(log, "written again"), 1u) << log;
  // No temporary file left behind by the failed writes.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "inbox")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 3u);  // accepted/, rejected/ and the page
  EXPECT_THAT(ReadText(page.path()), HasSubstr("03/12/2026 08:00"));

  // Changes within kMinSpacing of the last write wait for it, and are
  // written once, on the io thread.
  clock.Advance(std::chrono::minutes(1));
  page.Changed();
  page.Changed();
  EXPECT_EQ(io.poll(), 0u);
  EXPECT_THAT(ReadText(page.path()), HasSubstr("03/12/2026 08:00"));
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(io.run_for(std::chrono::seconds(10)), 1u);  // one timer, one write
  EXPECT_GE(std::chrono::steady_clock::now() - before, StatusPage::kMinSpacing - 500ms);
  EXPECT_THAT(ReadText(page.path()), HasSubstr("03/12/2026 08:01"));
  page.Stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace loa
