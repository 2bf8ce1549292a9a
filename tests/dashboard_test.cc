// The dashboard on the control server (daemon/dashboard.h) over real
// loopback HTTP, on a real SQLite store, engine and file connectors: the
// page and its files with their security headers, nothing in them loaded
// from outside, /api/rejected, the calendar feed, and Basic logins beyond
// loopback (docs/control-api.md "Dashboard").
#include "daemon/dashboard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/control_server.h"
#include "daemon/daemon.h"
#include "daemon/dashboard_assets.h"
#include "queue/sqlite_store.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

using namespace std::chrono;
using json = nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const TimeZone kZone = hours(7);
constexpr const char* kToken = "dashboard-test-token-7c2e4b19a0";
constexpr const char* kPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

TimePoint Local(const char* text) { return ParseTime(text, kZone).value(); }

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + Base64Encode(user + ":" + password);
}

// Where a served text names something outside loa: an address with a
// scheme, or a scheme-relative "//host" in an attribute, a string or url().
std::vector<std::string> ExternalReferences(const std::string& text) {
  std::vector<std::string> found;
  static const std::regex external(R"re((https?|ftp|wss?)://|[="'(]\s*//)re", std::regex::icase);
  for (std::sregex_iterator it(text.begin(), text.end(), external), end; it != end; ++it) {
    found.push_back(text.substr(std::max<size_t>(it->position(), 20) - 20, 60));
  }
  return found;
}

class DashboardTest : public ::testing::Test {
 protected:
  DashboardTest() : clock_(Local("2026-12-01 08:00")) {}

  void SetUp() override {
    dir_ = fakes::MakeTempDir("dashboard-test");
    ASSERT_FALSE(dir_.empty());
    auto config = ParseConfig(R"({
      "timezone": "+07:00", "state_dir": "state", "inbox": "inbox", "log_dir": "log",
      "channels": {"portal": {"type": "file", "dir": "out/portal"},
                   "facebook": {"type": "file", "dir": "out/facebook"}}})",
                              dir_, ConfigSchemas());
    ASSERT_TRUE(config.ok()) << config.error();
    config_ = std::make_shared<const Config>(std::move(config).value());
    ASSERT_TRUE(CreateFolders(*config_).ok());
    auto store = SqliteStore::Open(config_->DatabasePath());
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    auto log = DeliveryLog::Open(config_->DeliveryLogPath());
    ASSERT_TRUE(log.ok()) << log.error();
    log_ = std::move(log).value();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    guard_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    engine_.reset();
    fs::remove_all(dir_);
  }

  void Add(const std::string& id, const std::string& title, const char* publish_at,
           std::vector<std::string> channels) {
    Item item;
    item.id = id;
    item.title = title;
    item.body_markdown = "Nội dung";
    item.publish_at = Local(publish_at);
    item.channels = std::move(channels);
    item.approved_by = "Chánh Văn phòng";
    auto r = store_->UpsertPost(item, clock_.Now());
    ASSERT_TRUE(r.ok()) << r.error();
  }

  void Start(const std::string& listen = "127.0.0.1:0") {
    auto connectors = BuildConnectors(*config_, nullptr, clock_);
    ASSERT_TRUE(connectors.ok()) << connectors.error();
    engine_ =
        std::make_unique<Engine>(io_, config_, *store_, *log_, env_, std::move(connectors).value());
    engine_->Start();
    io_thread_ = std::thread([this] { io_.run(); });
    ControlSources sources;
    sources.store = store_.get();
    sources.engine = engine_.get();
    sources.config = [this]() -> const Config& { return *config_; };
    sources.clock = &clock_;
    sources.version = "0.1.0";
    ControlServerOptions options;
    options.address = ParseListenAddress(listen, /*allow_any_port=*/true).value();
    options.token = kToken;
    server_ = std::make_unique<ControlServer>(io_, std::move(sources), std::move(options));
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }

  void ExpectPageHeaders(const httplib::Result& r, const std::string& path) {
    SCOPED_TRACE(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Security-Policy"), kPolicy);
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  }

  fs::path dir_;
  ManualClock clock_;
  TestEnv env_{clock_};
  std::shared_ptr<const Config> config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread io_thread_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DashboardTest, ThePageAndItsFilesAreServedWithTheirSecurityHeaders) {
  Start();
  auto page = client_->Get("/");
  ExpectPageHeaders(page, "/");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page->body, HasSubstr("<html lang=\"vi\">"));
  EXPECT_THAT(page->body, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(page->body, HasSubstr("<script src=\"/assets/app.js\" defer></script>"));
  EXPECT_THAT(page->body, HasSubstr("<link rel=\"stylesheet\" href=\"/assets/style.css\">"));
  for (const char* heading : {"Cần xử lý", "Lịch đăng", "Hàng đợi", "Đã đăng gần đây"}) {
    EXPECT_THAT(page->body, HasSubstr(heading));
  }
  // The policy allows no inline script or style: the page has none.
  EXPECT_EQ(std::regex_search(page->body, std::regex("<script(?![^>]*\\ssrc=)")), false);
  EXPECT_THAT(page->body, Not(HasSubstr("<style")));
  EXPECT_THAT(page->body, Not(HasSubstr(" style=")));
  EXPECT_EQ(std::regex_search(page->body, std::regex("\\son[a-z]+=", std::regex::icase)), false);

  auto script = client_->Get("/assets/app.js");
  ExpectPageHeaders(script, "/assets/app.js");
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(script->body, HasSubstr("textContent"));
  // Data goes in as text only.
  EXPECT_THAT(script->body, Not(HasSubstr("innerHTML")));
  EXPECT_THAT(script->body, Not(HasSubstr("insertAdjacentHTML")));
  EXPECT_THAT(script->body, Not(HasSubstr("document.write")));
  EXPECT_THAT(script->body, Not(HasSubstr("eval(")));
  auto style = client_->Get("/assets/style.css");
  ExpectPageHeaders(style, "/assets/style.css");
  EXPECT_EQ(style->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_THAT(style->body, Not(HasSubstr("@import")));
  EXPECT_THAT(style->body, Not(HasSubstr("@font-face")));

  auto missing = client_->Get("/assets/nope.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto post = client_->Post("/", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);  // a change needs the token; and "/" takes none
}

TEST_F(DashboardTest, TheBinaryServesTheFilesAsTheyAreInTheTree) {
  Start();
  const std::map<std::string, std::string> files = {
      {"/", "index.html"}, {"/assets/style.css", "style.css"}, {"/assets/app.js", "app.js"}};
  EXPECT_EQ(DashboardAssets().size(), files.size());
  for (const auto& [path, file] : files) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    const std::string source =
        fakes::ReadText(fs::path(LOA_SOURCE_DIR) / "daemon/dashboard" / file);
    ASSERT_FALSE(source.empty()) << file;
    EXPECT_EQ(r->body, source) << file << " is not what the binary serves: rebuild";
  }
}

TEST_F(DashboardTest, NothingInThePageIsLoadedFromOutside) {
  Start();
  for (const char* path : {"/", "/assets/style.css", "/assets/app.js"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_THAT(ExternalReferences(r->body), ElementsAre()) << path;
  }
  // The scan itself finds what it looks for.
  EXPECT_EQ(ExternalReferences("<img src=\"https://cdn.example/x.png\">").size(), 1u);
  EXPECT_EQ(ExternalReferences("<script src='//cdn.example/x.js'>").size(), 1u);
  EXPECT_EQ(ExternalReferences("a { background: url( //cdn.example/x.png) }").size(), 1u);
  EXPECT_EQ(ExternalReferences("/* a comment */ const a = 1; // another").size(), 0u);
}

TEST_F(DashboardTest, RejectedItemsOfTheLastThirtyDaysNewestFirst) {
  const fs::path rejected = config_->inbox / "rejected";
  fs::create_directories(rejected);
  auto report = [&](const std::string& name, const std::string& text, TimePoint at) {
    fakes::WriteText(rejected / name, "{}");
    const fs::path path = rejected / (name + ".error.txt");
    fakes::WriteText(path, text);
    fs::last_write_time(path, std::chrono::file_clock::from_sys(
                                  std::chrono::system_clock::time_point(at.time_since_epoch())));
  };
  report("tin-thieu-tieu-de.json", "Thiếu trường \"title\".\nThe field \"title\" is missing.",
         clock_.Now() - hours(2));
  report("tin-cu.json", "Quá cũ", clock_.Now() - days(40));
  report("tin-<b>la\x1b.json", "Kênh \"tiktok\" không có.", clock_.Now() - days(3));
  Start();
  auto r = client_->Get("/api/rejected");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json j = json::parse(r->body);
  ASSERT_EQ(j["rejected"].size(), 2u) << r->body;
  EXPECT_EQ(j["rejected"][0]["name"], "tin-thieu-tieu-de.json");
  EXPECT_EQ(j["rejected"][0]["rejected_at"], "2026-12-01T06:00:00+07:00");
  EXPECT_EQ(j["rejected"][0]["report"], "Thiếu trường \"title\".\nThe field \"title\" is missing.");
  // The editor's file name is shown escaped; the page sets it as text.
  EXPECT_EQ(j["rejected"][1]["name"], "tin-<b>la\\u001B.json");
  EXPECT_EQ(j["rejected"][1]["rejected_at"], "2026-11-28T08:00:00+07:00");

  auto with_query = client_->Get("/api/rejected?limit=1000");
  ASSERT_TRUE(with_query);
  EXPECT_EQ(with_query->status, 400);
}

TEST_F(DashboardTest, TheCalendarFeedHasOneEventPerItemAndDueTime) {
  Add("hoi-nghi-2026", "Hội nghị tổng kết, năm 2026; phần 1", "2026-12-03 08:00",
      {"portal", "facebook"});
  Add("lich-tiep-dan", "Lịch tiếp công dân tháng 12 của Sở Tư pháp tỉnh An Giang, theo kế hoạch",
      "2026-12-05 14:30", {"facebook"});
  Start();
  auto r = client_->Get("/calendar.ics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/calendar; charset=utf-8");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  const std::string& ics = r->body;
  EXPECT_TRUE(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(ics.ends_with("END:VCALENDAR\r\n"));
  EXPECT_EQ(fakes::Count(ics, "BEGIN:VEVENT\r\n"), 2u);
  EXPECT_EQ(fakes::Count(ics, "END:VEVENT\r\n"), 2u);
  EXPECT_EQ(fakes::Count(ics, "\n"), fakes::Count(ics, "\r\n"));
  // Unfolded, the events say what is due where.
  std::string unfolded = ics;
  for (size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(at, 3);
  EXPECT_THAT(unfolded,
              HasSubstr("UID:hoi-nghi-2026-20261203T010000Z@loa\r\n"
                        "DTSTAMP:20261201T010000Z\r\n"
                        "DTSTART:20261203T010000Z\r\n"
                        "SUMMARY:Hội nghị tổng kết\\, năm 2026\\; phần 1\r\n"
                        "DESCRIPTION:Kênh: portal (Chờ đăng)\\, facebook (Chờ đăng)\\nMã tin: "
                        "hoi-nghi-2026\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("UID:lich-tiep-dan-20261205T073000Z@loa\r\n"));
  EXPECT_THAT(unfolded,
              HasSubstr("SUMMARY:Lịch tiếp công dân tháng 12 của Sở Tư pháp tỉnh An Giang\\, "
                        "theo kế hoạch\r\n"));
  // The long title was folded on the wire.
  EXPECT_THAT(ics,
              Not(HasSubstr("SUMMARY:Lịch tiếp công dân tháng 12 của Sở Tư pháp tỉnh An Giang\\, "
                            "theo kế hoạch")));

  // The same UIDs on the next fetch, and a cancelled delivery leaves the feed.
  auto again = client_->Get("/calendar.ics");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, ics);
  auto cancel =
      client_->Post("/api/items/lich-tiep-dan/cancel",
                    {{"Authorization", std::string("Bearer ") + kToken}}, "{}", "application/json");
  ASSERT_TRUE(cancel);
  ASSERT_EQ(cancel->status, 200) << cancel->body;
  auto after = client_->Get("/calendar.ics");
  ASSERT_TRUE(after);
  EXPECT_EQ(fakes::Count(after->body, "BEGIN:VEVENT"), 1u);
  EXPECT_THAT(after->body, Not(HasSubstr("lich-tiep-dan")));
}

TEST_F(DashboardTest, TheCalendarFeedKeepsWhatBecameOfTheLastQuarter) {
  // Now is 2026-12-01 08:00; max_lateness is 7 days.
  Add("da-dang", "Đã đăng hôm qua", "2026-11-30 08:00", {"portal"});
  Add("bo-lo", "Bỏ lỡ tháng trước", "2026-11-01 08:00", {"facebook"});
  Add("qua-cu", "Bỏ lỡ quý trước", "2026-08-01 08:00", {"portal"});
  Add("sap-toi", "Sắp tới", "2026-12-05 08:00", {"portal", "facebook"});
  Start();
  // The engine publishes the first and marks the next two missed at start.
  DeliveryFilter overdue;
  overdue.states = {DeliveryState::kScheduled, DeliveryState::kSending};
  overdue.due_to = clock_.Now();
  ASSERT_TRUE(fakes::PollUntil([&] {
    auto left = store_->FindDeliveries(overdue);
    return left.ok() && left->empty();
  })) << "the overdue deliveries were not settled";
  auto r = client_->Get("/calendar.ics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string unfolded = r->body;
  for (size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(at, 3);
  EXPECT_EQ(fakes::Count(unfolded, "BEGIN:VEVENT\r\n"), 3u) << unfolded;
  // In time order: what became of each delivery beside its channel.
  const size_t missed = unfolded.find("UID:bo-lo-20261101T010000Z@loa");
  const size_t published = unfolded.find("UID:da-dang-20261130T010000Z@loa");
  const size_t coming = unfolded.find("UID:sap-toi-20261205T010000Z@loa");
  ASSERT_NE(missed, std::string::npos) << unfolded;
  ASSERT_NE(published, std::string::npos) << unfolded;
  ASSERT_NE(coming, std::string::npos) << unfolded;
  EXPECT_LT(missed, published);
  EXPECT_LT(published, coming);
  EXPECT_THAT(unfolded, HasSubstr("DESCRIPTION:Kênh: facebook (Bỏ lỡ)\\nMã tin: bo-lo\r\n"));
  // A file channel's file:// address is no link for a calendar.
  EXPECT_THAT(unfolded, HasSubstr("DESCRIPTION:Kênh: portal (Đã đăng)\\nMã tin: da-dang\r\n"));
  EXPECT_THAT(unfolded, HasSubstr("DESCRIPTION:Kênh: portal (Chờ đăng)\\, facebook (Chờ đăng)"
                                  "\\nMã tin: sap-toi\r\n"));
  // Due before the last quarter: no longer in the calendar.
  EXPECT_THAT(unfolded, Not(HasSubstr("qua-cu")));
}

TEST_F(DashboardTest, BeyondLoopbackBrowsersLogInWithTheTokenAsPassword) {
  Start("0.0.0.0:0");
  // A page asks the browser for a login; the API keeps its bearer challenge.
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 401);
  EXPECT_EQ(page->get_header_value("WWW-Authenticate"), R"(Basic realm="loa", charset="UTF-8")");
  EXPECT_THAT(page->body, Not(HasSubstr("<html")));
  for (const char* path : {"/assets/app.js", "/calendar.ics", "/preview/tin-1"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), R"(Basic realm="loa", charset="UTF-8")")
        << path;
  }
  auto api = client_->Get("/api/status");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
  EXPECT_EQ(api->get_header_value("WWW-Authenticate"), "Bearer");

  // Any user name, the token as the password: every read, pages and API.
  for (const char* path :
       {"/", "/assets/style.css", "/api/status", "/api/rejected", "/calendar.ics"}) {
    auto r = client_->Get(path, {{"Authorization", Basic("Văn phòng", kToken)}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  }
  auto bearer = client_->Get("/", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);

  // A wrong or broken login is refused, and says nothing of the token.
  testing::internal::CaptureStderr();
  for (const std::string& header : std::vector<std::string>{
           Basic("office", "nope"), Basic("office", std::string(kToken) + "x"), Basic(kToken, ""),
           "Basic " + Base64Encode(kToken), "Basic ###", "Digest username=\"office\""}) {
    auto r = client_->Get("/", {{"Authorization", header}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << header;
    EXPECT_THAT(r->body, Not(HasSubstr(kToken)));
  }
  // A change needs the bearer token: a browser's kept login changes nothing.
  auto change =
      client_->Post("/api/items/tin-1/cancel", {{"Authorization", Basic("office", kToken)}}, "{}",
                    "application/json");
  ASSERT_TRUE(change);
  EXPECT_EQ(change->status, 401);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("control: refused GET \"/\": wrong Basic login"));
  EXPECT_THAT(log,
              HasSubstr("control: refused POST \"/api/items/tin-1/cancel\": wrong Basic login"));
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
}

TEST_F(DashboardTest, OnLoopbackThePageIsOpenAsEveryRead) {
  Start();
  for (const char* path : {"/", "/assets/app.js", "/api/rejected", "/calendar.ics"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
  }
}

}  // namespace
}  // namespace loa
