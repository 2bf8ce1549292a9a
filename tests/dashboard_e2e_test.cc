// The dashboard end to end: the real `loa daemon` binary (LOA_BINARY) with
// its control server on a free loopback port, fed through its inbox (an item
// scheduled in two days on a file channel, one a webhook published with a
// link, one a webhook refused for good, one rejected at ingest), opened in
// Debian's headless Chromium as the Office opens it. The DOM Chromium
// dumps must show the three in the calendar and the lists with the post's
// link, Chromium must reach nothing outside loa (every connection not to
// loopback goes to a recording proxy, which must see none), and a
// screenshot is kept as the test's artifact (README "Dashboard").
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "tests/fakes/fake_webhook.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::DaemonCommand;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kCchcSecret = "dashboard-cchc-secret-51a0";
constexpr const char* kLegalAidSecret = "dashboard-legal-aid-secret-9d3e";
const TimeZone kZone = std::chrono::hours(7);

const std::string kScheduled = "hoi-nghi-tong-ket-nam";      // portal, in two days
const std::string kPublished = "thong-bao-lich-tiep-dan";    // cchc, published now
const std::string kFailed = "tin-tro-giup-phap-ly";          // legal-aid, refused (400)
const std::string kRejectedFile = "tin-thieu-tieu-de.json";  // no title: rejected
const std::string kMissed = "tin-qua-han";                   // portal, due 40 days ago: missed now
const std::string kScheduledTitle = "Hội nghị tổng kết công tác tư pháp năm 2026";
const std::string kPublishedTitle = "Thông báo lịch tiếp công dân tháng 12";
const std::string kFailedTitle = "Tư vấn trợ giúp pháp lý lưu động";
const std::string kMissedTitle = "Tin đến quá hạn bốn mươi ngày";

// Debian's chromium, from PATH.
fs::path FindChromium() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / "chromium";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// A loopback listener standing in for a proxy: Chromium sends it every
// request not to loopback, and it records the first line of each (the
// method and the address asked for), answering nothing.
class RecordingProxy {
 public:
  RecordingProxy() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 64) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~RecordingProxy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::string first = "(connection without a request)";
      pollfd c{client, POLLIN, 0};
      char buffer[1024];
      if (::poll(&c, 1, 2000) > 0) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n > 0) first = std::string(buffer, n).substr(0, std::string(buffer, n).find("\r\n"));
      }
      ::close(client);
      std::lock_guard lock(mu_);
      seen_.push_back(first);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> seen_;
};

// The host a proxy request asks for: "CONNECT host:443 HTTP/1.1" or
// "GET http://host:port/path HTTP/1.1".
std::string HostOf(const std::string& request_line) {
  std::istringstream words(request_line);
  std::string method, target;
  words >> method >> target;
  if (const size_t scheme = target.find("://"); scheme != std::string::npos) {
    target = target.substr(scheme + 3);
  }
  return target.substr(0, target.find_first_of(":/"));
}

// Chromium's own services, which it calls whatever the page (Debian's build
// still checks for component updates and the Google account even with
// --disable-background-networking and --disable-component-update). Exact
// names: a font or script host (fonts.googleapis.com, ...) is not among them.
bool IsChromiumService(const std::string& host) {
  static const std::set<std::string> kHosts = {
      "update.googleapis.com", "accounts.google.com",        "clients2.google.com",
      "redirector.gvt1.com",   "edgedl.me.gvt1.com",         "clients2.googleusercontent.com",
      "www.google.com",        "safebrowsing.googleapis.com"};
  return kHosts.contains(host);
}

// What the recorder saw that Chromium did not ask for itself: what the
// page loaded from outside.
std::vector<std::string> PageRequests(const std::vector<std::string>& seen) {
  std::vector<std::string> out;
  for (const std::string& line : seen) {
    if (!IsChromiumService(HostOf(line))) out.push_back(line);
  }
  return out;
}

// The part of `dom` from the element with id="ID" to the next <section> or
// the end: one section of the page.
std::string SectionOf(const std::string& dom, const std::string& id) {
  const size_t start = dom.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  const size_t end = dom.find("<section", start);
  return dom.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The calendar's entries: each `<div class="entry STATE">…</div>` block's
// state and text, in order.
std::vector<std::pair<std::string, std::string>> CalendarEntries(const std::string& dom) {
  std::vector<std::pair<std::string, std::string>> entries;
  const std::string calendar = SectionOf(dom, "lich-dang");
  static const std::regex entry(R"re(<div class="entry ([a-z]+)">(.*?)</div>)re");
  for (std::sregex_iterator it(calendar.begin(), calendar.end(), entry), end; it != end; ++it) {
    entries.emplace_back((*it)[1], (*it)[2]);
  }
  return entries;
}

bool HasEntry(const std::string& dom, const std::string& state, const std::string& text) {
  for (const auto& [s, t] : CalendarEntries(dom)) {
    if (s == state && t.find(text) != std::string::npos) return true;
  }
  return false;
}

class DashboardEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    ASSERT_FALSE(chromium_.empty())
        << "Debian's chromium is not installed: this test opens the dashboard in it. "
           "`./dev test` installs it (or: sudo apt-get install chromium).";
    dir_ = fakes::MakeTempDir("dashboard-e2e-test");
    ASSERT_FALSE(dir_.empty());
    WriteSecret(dir_ / "cchc.secret", std::string(kCchcSecret) + "\n");
    WriteSecret(dir_ / "legal-aid.secret", std::string(kLegalAidSecret) + "\n");
    legal_aid_.FailNext(1000, 400);
    ASSERT_NO_FATAL_FAILURE(StartDaemon());
    ASSERT_NO_FATAL_FAILURE(Seed());
  }

  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
      daemon_.reset();
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  json Config(int port) const {
    return {{"timezone", "+07:00"},
            {"state_dir", "var/state"},
            {"inbox", "var/inbox"},
            {"log_dir", "var/log"},
            {"settle_time", "200ms"},
            {"rescan_interval", "1s"},
            {"shutdown_timeout", "5s"},
            {"control", {{"listen", listen_host_ + ":" + std::to_string(port)}}},
            {"channels",
             {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
              {"cchc", {{"type", "webhook"}, {"url", cchc_.url()}, {"secret_file", "cchc.secret"}}},
              {"legal-aid",
               {{"type", "webhook"},
                {"url", legal_aid_.url()},
                {"secret_file", "legal-aid.secret"}}}}}};
  }

  // As operations_e2e_test: a new port when another process took this one.
  void StartDaemon() {
    for (int round = 0; round < 5; ++round) {
      port_ = fakes::FreePort();
      ASSERT_NE(port_, 0);
      const fs::path config = dir_ / "loa.json";
      WriteText(config, Config(port_).dump(2));
      daemon_ = std::make_unique<LoaProcess>(DaemonCommand(
          LOA_BINARY, dir_, config, dir_ / ("daemon-" + std::to_string(round) + ".log")));
      if (daemon_->WaitReady()) {
        token_ = ReadText(dir_ / "var" / "state" / "control-token");
        ASSERT_EQ(token_.size(), 64u);
        api_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
        api_->set_read_timeout(std::chrono::seconds(10));
        api_->set_bearer_token_auth(token_);
        return;
      }
      const std::string log = daemon_->Log();
      daemon_->Kill();
      daemon_.reset();
      ASSERT_THAT(log, HasSubstr("cannot listen")) << log;
    }
    FAIL() << "no free port in 5 rounds";
  }

  void Drop(const std::string& name, const json& item) {
    fs::path staging = dir_ / "staging" / name;
    fs::create_directories(staging.parent_path());
    WriteText(staging, item.dump(2));
    fs::rename(staging, dir_ / "var" / "inbox" / name);
  }
  void DropItem(const std::string& id, const std::string& title, const json& fields) {
    json item = {{"id", id},
                 {"title", title},
                 {"body", "Nội dung của **" + id + "**."},
                 {"form", "announcement"},
                 {"approved_by", "Chánh Văn phòng"}};
    item.update(fields);
    Drop(id + ".json", item);
  }

  void Seed() {
    scheduled_at_ =
        std::chrono::floor<std::chrono::minutes>(SystemClock().Now() + std::chrono::days(2));
    DropItem(kScheduled, kScheduledTitle,
             {{"channels", {"portal"}}, {"publish_at", FormatLocal(scheduled_at_, kZone)}});
    DropItem(kPublished, kPublishedTitle, {{"channels", {"cchc"}}});
    DropItem(kFailed, kFailedTitle, {{"channels", {"legal-aid"}}});
    // Missed now, though due long before the last 30 days: it needs a
    // decision today.
    DropItem(kMissed, kMissedTitle,
             {{"channels", {"portal"}},
              {"publish_at", FormatLocal(std::chrono::floor<std::chrono::minutes>(
                                             SystemClock().Now() - std::chrono::days(40)),
                                         kZone)}});
    Drop(kRejectedFile, {{"id", "tin-thieu-tieu-de"},
                         {"body", "Không có tiêu đề."},
                         {"channels", {"portal"}},
                         {"approved_by", "Chánh Văn phòng"}});
    ASSERT_TRUE(PollUntil([&] {
      return State(kScheduled) == "scheduled" && State(kPublished) == "published" &&
             State(kFailed) == "failed" && State(kMissed) == "failed" &&
             fs::exists(dir_ / "var" / "inbox" / "rejected" / (kRejectedFile + ".error.txt"));
    })) << daemon_->Log();
    published_url_ = Delivery(kPublished)["url"].get<std::string>();
    ASSERT_THAT(published_url_, HasSubstr("/items/"));
  }

  json Delivery(const std::string& item) {
    auto r = api_->Get("/api/items/" + item);
    if (!r || r->status != 200) return nullptr;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j["deliveries"].empty()) return nullptr;
    return j["deliveries"][0];
  }
  std::string State(const std::string& item) {
    json d = Delivery(item);
    return d.is_object() ? d["state"].get<std::string>() : "";
  }

  std::string Url(const std::string& fragment = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + fragment;
  }
  static std::string LocalDate(TimePoint t) { return FormatLocal(t, kZone).substr(0, 10); }

  // Chromium headless on `url` with `what` (--dump-dom, --screenshot=...),
  // every connection beyond loopback sent to `proxy`; its stdout.
  std::string Chromium(const std::vector<std::string>& what, const std::string& url,
                       const RecordingProxy& proxy) {
    const std::string tag = std::to_string(++runs_);
    std::vector<std::string> args = {
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + (dir_ / ("chromium-profile-" + tag)).string(), "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-default-apps", "--disable-sync",
        "--disable-extensions", "--disable-breakpad", "--metrics-recording-only",
        "--disable-features=NetworkTimeServiceQuerying", "--no-pings",
        // Loopback goes direct (Chromium's implicit bypass); everything
        // else goes to the recorder.
        "--proxy-server=127.0.0.1:" + std::to_string(proxy.port()), "--virtual-time-budget=10000"};
    args.insert(args.end(), what.begin(), what.end());
    args.push_back(url);
    LoaCommand command(chromium_, args, dir_, dir_ / ("chromium-" + tag + ".out"));
    command.err = dir_ / ("chromium-" + tag + ".err");
    command.env = {"HOME=" + dir_.string()};
    LoaProcess process(command);
    const int code = process.Wait(std::chrono::seconds(90));
    if (code == -1) process.Kill();
    EXPECT_EQ(code, 0) << ReadText(command.err);
    return ReadText(command.out);
  }

  fakes::FakeWebhook cchc_{kCchcSecret};
  fakes::FakeWebhook legal_aid_{kLegalAidSecret};
  fs::path chromium_, dir_;
  std::string listen_host_ = "127.0.0.1";
  std::string token_;
  int port_ = 0;
  int runs_ = 0;
  std::unique_ptr<LoaProcess> daemon_;
  std::unique_ptr<httplib::Client> api_;
  TimePoint scheduled_at_{};
  std::string published_url_;
};

TEST_F(DashboardEndToEndTest, ChromiumShowsTheScheduleTheOutcomesAndWhatNeedsADecision) {
  RecordingProxy proxy;
  ASSERT_NE(proxy.port(), 0);
  const std::string today = LocalDate(SystemClock().Now());

  // This week: the published and the failed item, due now.
  const std::string dom = Chromium({"--dump-dom"}, Url("#view=week&date=" + today), proxy);
  ASSERT_THAT(dom, HasSubstr("Cập nhật lúc")) << dom;
  EXPECT_THAT(dom, HasSubstr("<p id=\"problem\" class=\"problem\" hidden=\"\"></p>"));
  EXPECT_TRUE(HasEntry(dom, "published", kPublishedTitle)) << SectionOf(dom, "lich-dang");
  EXPECT_TRUE(HasEntry(dom, "failed", kFailedTitle)) << SectionOf(dom, "lich-dang");
  // The post's link, opened apart from the dashboard.
  const std::string link = "<a href=\"" + published_url_ +
                           "\" target=\"_blank\" rel=\"noopener noreferrer\">Mở bài đăng</a>";
  const std::string recent = SectionOf(dom, "da-dang");
  EXPECT_THAT(recent, HasSubstr(kPublishedTitle));
  EXPECT_THAT(recent, HasSubstr(link)) << recent;
  EXPECT_THAT(recent, Not(HasSubstr(kFailedTitle)));
  // What needs a decision: the refused delivery with its error, the
  // rejected file with its report.
  const std::string decisions = SectionOf(dom, "can-xu-ly");
  EXPECT_THAT(decisions, HasSubstr(kFailedTitle));
  EXPECT_THAT(decisions, HasSubstr("Thất bại"));
  EXPECT_THAT(decisions, HasSubstr("HTTP 400"));
  EXPECT_THAT(decisions, HasSubstr(kMissedTitle));
  EXPECT_THAT(decisions, HasSubstr("Bỏ lỡ"));
  EXPECT_THAT(decisions, HasSubstr(kRejectedFile));
  EXPECT_THAT(decisions, HasSubstr("title"));
  EXPECT_THAT(decisions, Not(HasSubstr(kPublishedTitle)));
  // The queue: the scheduled item at its local time, with its preview.
  const std::string queue = SectionOf(dom, "hang-doi");
  EXPECT_THAT(queue, HasSubstr(kScheduledTitle));
  const std::string local = FormatLocal(scheduled_at_, kZone);
  EXPECT_THAT(queue, HasSubstr(local.substr(8, 2) + "/" + local.substr(5, 2) + "/" +
                               local.substr(0, 4) + " " + local.substr(11, 5)));
  EXPECT_THAT(queue, HasSubstr("href=\"/preview/" + kScheduled + "\""));
  // Channel health: every channel, the refusing one with its last failure.
  const std::string channels = SectionOf(dom, "kenh");
  for (const char* name : {"portal", "cchc", "legal-aid"}) EXPECT_THAT(channels, HasSubstr(name));
  EXPECT_THAT(channels, HasSubstr("Hoạt động"));

  // The scheduled item's week: it is in the calendar, due on its day.
  const std::string week =
      Chromium({"--dump-dom"}, Url("#view=week&date=" + LocalDate(scheduled_at_)), proxy);
  EXPECT_TRUE(HasEntry(week, "scheduled", kScheduledTitle)) << SectionOf(week, "lich-dang");

  // The month, as a picture: the test's artifact and the README's.
  const fs::path artifacts = LOA_ARTIFACTS_DIR;
  fs::create_directories(artifacts);
  const fs::path shot = artifacts / "dashboard.png";
  fs::remove(shot);
  Chromium({"--screenshot=" + shot.string(), "--window-size=1280,1600", "--hide-scrollbars"},
           Url("#view=month&date=" + today), proxy);
  const std::string png = ReadText(shot);
  ASSERT_GT(png.size(), 10000u) << shot;
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::cout << "dashboard screenshot: " << shot.string() << std::endl;

  // Nothing the page loaded went anywhere but loopback.
  EXPECT_THAT(PageRequests(proxy.seen()), ElementsAre());
}

TEST_F(DashboardEndToEndTest, AnItemsDetailsListItsRevisionsAndWhichChannelCarriesWhich) {
  // A correction of the published item, dropped after it went out: the
  // channel keeps revision 1, the item's record is revision 2.
  DropItem(kPublished, "Bản sửa: " + kPublishedTitle, {{"channels", {"cchc"}}});
  ASSERT_TRUE(PollUntil([&] {
    auto r = api_->Get("/api/items/" + kPublished);
    if (!r || r->status != 200) return false;
    json j = json::parse(r->body, nullptr, false);
    return j.is_object() && j["revisions"].size() == 2;
  })) << daemon_->Log();
  RecordingProxy proxy;
  ASSERT_NE(proxy.port(), 0);
  const std::string today = LocalDate(SystemClock().Now());
  const std::string dom =
      Chromium({"--dump-dom"}, Url("#view=week&date=" + today + "&tin=" + kPublished), proxy);
  const std::string detail = SectionOf(dom, "chi-tiet");
  ASSERT_THAT(detail, HasSubstr("Chi tiết tin")) << dom;
  EXPECT_THAT(detail, Not(HasSubstr("hidden")));
  EXPECT_THAT(detail, HasSubstr("Bản sửa: " + kPublishedTitle));
  EXPECT_THAT(detail, HasSubstr("2 (mới nhất)"));
  EXPECT_THAT(detail, HasSubstr("Chánh Văn phòng"));
  // The channel that published keeps revision 1, and the page says so.
  EXPECT_THAT(detail, HasSubstr("Giữ bản cũ"));
  EXPECT_THAT(detail, HasSubstr("cchc (bản 1)"));
  EXPECT_THAT(detail, HasSubstr("href=\"" + published_url_ + "\""));
  // Every title in the lists opens such details.
  EXPECT_THAT(SectionOf(dom, "hang-doi"), HasSubstr("tin=" + kScheduled));
  EXPECT_THAT(PageRequests(proxy.seen()), ElementsAre());

  // Without `tin`, no details.
  const std::string plain = Chromium({"--dump-dom"}, Url("#view=week&date=" + today), proxy);
  EXPECT_THAT(plain, HasSubstr("<section id=\"chi-tiet\" hidden=\"\">"));
}

// Listening beyond loopback: the Office's browser logs in with the control
// token as the password, and the page's own reads go with that login.
class DashboardBeyondLoopbackTest : public DashboardEndToEndTest {
 protected:
  void SetUp() override {
    listen_host_ = "0.0.0.0";
    DashboardEndToEndTest::SetUp();
  }
};

TEST_F(DashboardBeyondLoopbackTest, ChromiumLogsInWithTheTokenAsPassword) {
  RecordingProxy proxy;
  ASSERT_NE(proxy.port(), 0);
  const std::string without = Chromium({"--dump-dom"}, Url(), proxy);
  // Headless Chromium cannot answer the login prompt: no dashboard.
  EXPECT_THAT(without, Not(HasSubstr("Cập nhật lúc")));
  EXPECT_THAT(without, Not(HasSubstr(kPublishedTitle)));

  const std::string with_login = "http://office:" + token_ + "@127.0.0.1:" + std::to_string(port_) +
                                 "/#view=week&date=" + LocalDate(SystemClock().Now());
  const std::string dom = Chromium({"--dump-dom"}, with_login, proxy);
  EXPECT_THAT(dom, HasSubstr("Cập nhật lúc"));
  EXPECT_THAT(dom, HasSubstr("<p id=\"problem\" class=\"problem\" hidden=\"\"></p>"));
  EXPECT_TRUE(HasEntry(dom, "published", kPublishedTitle)) << SectionOf(dom, "lich-dang");
  EXPECT_THAT(SectionOf(dom, "da-dang"), HasSubstr("href=\"" + published_url_ + "\""));
  // The token never shows in the page, nor in loa's log.
  EXPECT_THAT(dom, Not(HasSubstr(token_)));
  EXPECT_THAT(daemon_->Log(), Not(HasSubstr(token_)));
  EXPECT_THAT(PageRequests(proxy.seen()), ElementsAre());
}

TEST_F(DashboardEndToEndTest, TheRecorderSeesAPageThatLoadsFromOutside) {
  // The check above can fail: a page that names an outside image makes
  // Chromium ask the recorder for it.
  httplib::Server page;
  page.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<!doctype html><img src=\"http://loa-outside.invalid/x.png\">", "text/html");
  });
  const int port = page.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { page.listen_after_bind(); });
  RecordingProxy proxy;
  ASSERT_NE(proxy.port(), 0);
  Chromium({"--dump-dom"}, "http://127.0.0.1:" + std::to_string(port) + "/", proxy);
  page.stop();
  serving.join();
  const std::vector<std::string> seen = PageRequests(proxy.seen());
  ASSERT_EQ(seen.size(), 1u) << ::testing::PrintToString(proxy.seen());
  EXPECT_EQ(HostOf(seen[0]), "loa-outside.invalid") << seen[0];
  EXPECT_EQ(HostOf("CONNECT fonts.googleapis.com:443 HTTP/1.1"), "fonts.googleapis.com");
  EXPECT_THAT(PageRequests({"CONNECT fonts.googleapis.com:443 HTTP/1.1",
                            "GET http://update.googleapis.com/x HTTP/1.1"}),
              ElementsAre("CONNECT fonts.googleapis.com:443 HTTP/1.1"));
}

}  // namespace
}  // namespace loa
