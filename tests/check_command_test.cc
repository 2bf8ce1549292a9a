// `loa check` as editors run it (the real binary, LOA_BINARY): in
// Vietnamese by default and in English by flag or locale, against the config
// it names, with its warnings about due times in the past and ids the
// running daemon already has (daemon/check_command.h). The daemon asked is
// the real one, or the real control server on a real store holding states
// only a call under way reaches, or something else on the port.
#include "daemon/check_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/asio.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/check_messages.h"
#include "daemon/cli.h"
#include "daemon/control_server.h"
#include "inbox/item_messages.h"
#include "queue/sqlite_store.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::ReadText;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const TimeZone kZone = std::chrono::hours(7);

struct CheckRun {
  int code = -1;
  std::string out, err;
};

// "02/12/2026 08:00" and "2026-12-02 08:00 +07:00": a due time as each
// language shows it.
std::string Vi(TimePoint t) {
  const std::string s = FormatLocal(t, kZone);
  return s.substr(8, 2) + "/" + s.substr(5, 2) + "/" + s.substr(0, 4) + " " + s.substr(11, 5);
}
std::string En(TimePoint t) {
  const std::string s = FormatLocal(t, kZone);
  return s.substr(0, 10) + " " + s.substr(11, 5) + " +07:00";
}
// "08:00": the local time of day, as a window is written.
std::string HourMinute(TimePoint t) { return FormatLocal(t, kZone).substr(11, 5); }

// The real control server (daemon/control_server.h) over loopback on a real
// SQLite store the test fills, without an engine: deliveries stay in the
// states a daemon holds only while a call is under way (sending, holding a
// resume token), or reaches only through a channel that takes posts down.
class StoreServer {
 public:
  explicit StoreServer(const fs::path& dir) {
    auto config = ParseConfig(R"({"timezone": "+07:00", "state_dir": "served",
        "inbox": "served/inbox", "log_dir": "served/log",
        "channels": {"portal": {"type": "file", "dir": "served/out"}}})",
                              dir, ConfigSchemas());
    EXPECT_TRUE(config.ok()) << config.error();
    config_ = std::move(config).value();
    fs::create_directories(config_.state_dir);
    auto store = SqliteStore::Open(config_.DatabasePath());
    EXPECT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
  }
  ~StoreServer() {
    if (server_) server_->Stop();
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Add(const std::string& id, std::vector<std::string> channels, TimePoint due) {
    Item item;
    item.id = id;
    item.title = "Thông báo " + id;
    item.body_markdown = "Nội dung";
    item.publish_at = due;
    item.channels = std::move(channels);
    item.approved_by = "Chánh Văn phòng";
    ASSERT_TRUE(store_->UpsertPost(item, due).ok());
  }
  // scheduled -> sending: a call under way.
  void Begin(const std::string& id, const std::string& channel) {
    ASSERT_TRUE(store_->BeginAttempt(DeliveryOf(id, channel), SystemClock().Now()).ok());
  }
  // A call that ended with `outcome` (`token`: a pending one's resume token).
  void Ended(const std::string& id, const std::string& channel, AttemptOutcome outcome,
             const std::string& token = "") {
    const TimePoint now = SystemClock().Now();
    auto begun = store_->BeginAttempt(DeliveryOf(id, channel), now);
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = begun->id;
    rec.number = begun->attempts;
    rec.started_at = now;
    rec.ended_at = now;
    rec.outcome = outcome;
    if (outcome == AttemptOutcome::kPublished) rec.remote_id = "1";
    if (outcome == AttemptOutcome::kUncertain) rec.error_class = ErrorClass::kUncertain;
    if (outcome == AttemptOutcome::kPending) {
      rec.resume_token = token;
      rec.next_attempt_at = now + std::chrono::hours(1);
    }
    Status st = store_->FinishAttempt(rec);
    ASSERT_TRUE(st.ok()) << st.error();
  }
  void TakenDown(const std::string& id, const std::string& channel) {
    ASSERT_TRUE(store_
                    ->Transition(DeliveryOf(id, channel), DeliveryState::kPublished,
                                 DeliveryState::kRetracted, "taken down", SystemClock().Now())
                    .ok());
  }

  // Serves the store from now on; the test writes to it no more.
  void Start() {
    thread_ = std::thread([this] { io_.run(); });
    ControlSources sources;
    sources.store = store_.get();
    sources.config = [this]() -> const Config& { return config_; };
    sources.clock = &SystemClock();
    sources.version = "test";
    ControlServerOptions options;
    options.address = ParseListenAddress("127.0.0.1:0", /*allow_any_port=*/true).value();
    options.token = "check-command-test-token";
    server_ = std::make_unique<ControlServer>(io_, std::move(sources), std::move(options));
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error();
  }
  int port() const { return server_->port(); }

 private:
  int64_t DeliveryOf(const std::string& id, const std::string& channel) {
    for (const Delivery& d : store_->ListDeliveries(id).value()) {
      if (d.channel == channel) return d.id;
    }
    ADD_FAILURE() << "no delivery of " << id << " on " << channel;
    return 0;
  }

  Config config_;
  std::unique_ptr<SqliteStore> store_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread thread_;
  std::unique_ptr<ControlServer> server_;
};

// Something on the control port that takes the connection and then stalls:
// `drip` sends the status line and one header line a second, never ending
// the header; otherwise nothing is ever read or answered (the kernel
// completes the connection on its own).
class StallingServer {
 public:
  explicit StallingServer(bool drip) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(listen_, 8), 0);
    EXPECT_EQ(::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    EXPECT_EQ(::pipe(stop_), 0);
    if (drip) thread_ = std::thread([this] { Drip(); });
  }
  ~StallingServer() {
    (void)!::write(stop_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
    for (int fd : {listen_, stop_[0], stop_[1]}) ::close(fd);
  }
  int port() const { return port_; }

 private:
  void Drip() {
    std::vector<int> clients;
    for (int line = 0;; ++line) {
      pollfd fds[2] = {{listen_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, 1000) < 0 || fds[1].revents != 0) break;
      if (fds[0].revents & POLLIN) {
        int c = ::accept(listen_, nullptr, nullptr);
        if (c >= 0) clients.push_back(c);
        Send(c, "HTTP/1.1 200 OK\r\n");
        continue;
      }
      for (int c : clients) Send(c, "X-Line-" + std::to_string(line) + ": x\r\n");
    }
    for (int c : clients) ::close(c);
  }
  static void Send(int fd, const std::string& text) {
    if (fd >= 0) (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  }

  int listen_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

class CheckCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each test says which locale loa sees.
    for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) ::unsetenv(name);
    dir_ = fakes::MakeTempDir("check-command-test");
    ASSERT_FALSE(dir_.empty());
    WriteConfig("");
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
      daemon_.reset();
    }
    fs::remove_all(dir_);
  }

  // File channels portal and facebook, and any other `channels` names;
  // their keys as `channels` gives them (a window). The control API at
  // `listen` ("" off).
  void WriteConfig(const std::string& listen, const std::string& max_lateness = "7d",
                   const json& channels = json::object()) {
    json all = {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
                {"facebook", {{"type", "file"}, {"dir", "var/outbox/facebook"}}}};
    for (const auto& [name, keys] : channels.items()) {
      if (!all.contains(name)) all[name] = {{"type", "file"}, {"dir", "var/outbox/" + name}};
      all[name].update(keys);
    }
    json config = {{"timezone", "+07:00"},
                   {"state_dir", "var/state"},
                   {"inbox", "var/inbox"},
                   {"log_dir", "var/log"},
                   {"settle_time", "100ms"},
                   {"rescan_interval", "1s"},
                   {"shutdown_timeout", "5s"},
                   {"max_lateness", max_lateness},
                   {"control", {{"listen", listen}}},
                   {"channels", all}};
    config_ = dir_ / "loa.json";
    WriteText(config_, config.dump(2));
  }

  fs::path Item(const std::string& id, json fields = json::object()) {
    json item = {{"id", id},
                 {"title", "Thông báo " + id},
                 {"body", "Nội dung"},
                 {"channels", {"portal", "facebook"}},
                 {"approved_by", "Chánh Văn phòng"}};
    item.update(fields);
    fs::path path = dir_ / "items" / (id + ".json");
    WriteText(path, item.dump(2));
    return path;
  }

  CheckRun Loa(std::vector<std::string> args, std::vector<std::string> env = {}) {
    const std::string tag = std::to_string(++runs_);
    LoaCommand command(LOA_BINARY, std::move(args), dir_, dir_ / ("check-" + tag + ".out"));
    command.err = dir_ / ("check-" + tag + ".err");
    command.env = std::move(env);
    LoaProcess process(command);
    CheckRun run;
    run.code = process.Wait();
    run.out = ReadText(command.out);
    run.err = ReadText(command.err);
    return run;
  }

  CheckRun Check(const std::vector<std::string>& paths, std::vector<std::string> env = {},
                 std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"check", "--config", config_.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), paths.begin(), paths.end());
    return Loa(std::move(args), std::move(env));
  }

  // The daemon on this config, its control API on a free port.
  void StartDaemon() {
    for (int round = 0; round < 5; ++round) {
      WriteConfig("127.0.0.1:" + std::to_string(fakes::FreePort()));
      daemon_ = std::make_unique<LoaProcess>(fakes::DaemonCommand(
          LOA_BINARY, dir_, config_, dir_ / ("daemon-" + std::to_string(round) + ".log")));
      if (daemon_->WaitReady()) return;
      const std::string log = daemon_->Log();
      daemon_->Kill();
      daemon_.reset();
      ASSERT_THAT(log, HasSubstr("cannot listen")) << log;
    }
    FAIL() << "no free port in 5 rounds";
  }

  fs::path dir_, config_;
  std::unique_ptr<LoaProcess> daemon_;
  int runs_ = 0;
};

TEST_F(CheckCommandTest, SpeaksVietnameseByDefaultAndEnglishWithTheFlag) {
  fs::path broken = dir_ / "items" / "thieu-tieu-de.json";
  WriteText(broken, R"({"body": "x", "channels": ["portal"], "approved_by": "B"})");
  fs::path good =
      Item("tin-hop-le", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}});

  CheckRun vi = Check({good.string(), broken.string()});
  EXPECT_EQ(vi.code, 1) << vi.out << vi.err;
  EXPECT_THAT(vi.out,
              StartsWith("Cấu hình: " + config_.string() + " (các kênh: facebook, portal)\n"));
  EXPECT_THAT(vi.out, HasSubstr("OK " + good.string() + "\n"));
  EXPECT_THAT(vi.out, HasSubstr(broken.string() +
                                ":\n  title: Thiếu tiêu đề (title). Hãy thêm trường \"title\" với "
                                "tiêu đề bài viết.\n"));
  EXPECT_THAT(vi.out, HasSubstr("  title: " + messages::TitleMissing().vi + "\n"));
  EXPECT_THAT(vi.out, Not(HasSubstr("title is missing")));
  // The control API is off here: said, not failed on.
  EXPECT_THAT(vi.out, HasSubstr("Lưu ý: không hỏi được loa đang chạy (control.listen is \"\""));
  // A reload refuses to change control.listen (daemon/reload.cc).
  EXPECT_THAT(vi.out, HasSubstr("and restart loa: a reload cannot change it"));
  EXPECT_THAT(vi.out, Not(HasSubstr("and reload loa")));
  EXPECT_THAT(vi.out, HasSubstr("nên chưa kiểm tra được mã bài viết (id) đã được đăng hay chưa."));

  CheckRun en = Check({good.string(), broken.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 1) << en.out << en.err;
  EXPECT_THAT(en.out,
              StartsWith("Config: " + config_.string() + " (channels: facebook, portal)\n"));
  EXPECT_THAT(en.out, HasSubstr(broken.string() + ":\n  title: title is missing\n"));
  EXPECT_THAT(en.out, HasSubstr("Note: the running loa could not be asked"));
  EXPECT_THAT(en.out, Not(HasSubstr("Thiếu tiêu đề")));

  // A value quoted in each language.
  fs::path bad_form = Item("sai-hinh-thuc", {{"form", "tin"}});
  EXPECT_THAT(Check({bad_form.string()}).out, HasSubstr("(giá trị: tin)"));
  EXPECT_THAT(Check({bad_form.string()}, {}, {"--lang", "en"}).out, HasSubstr("(value: tin)"));

  CheckRun bad_lang = Check({good.string()}, {}, {"--lang", "fr"});
  EXPECT_EQ(bad_lang.code, 2);
}

TEST_F(CheckCommandTest, TakesTheLanguageFromTheLocaleUnlessTheFlagSaysOtherwise) {
  fs::path broken = dir_ / "items" / "hong.json";
  WriteText(broken, R"({"body": "x", "channels": ["portal"], "approved_by": "B"})");
  const std::string vi_line = "  title: " + messages::TitleMissing().vi + "\n";
  const std::string en_line = "  title: title is missing\n";
  struct Case {
    std::vector<std::string> env;
    std::vector<std::string> flags;
    bool english;
  };
  const std::vector<Case> cases = {
      {{}, {}, false},
      {{"LANG=en_US.UTF-8"}, {}, true},
      {{"LANG=en"}, {}, true},
      {{"LANG=vi_VN.UTF-8"}, {}, false},
      {{"LANG=C.UTF-8"}, {}, false},
      {{"LC_MESSAGES=en_GB.UTF-8", "LANG=vi_VN.UTF-8"}, {}, true},
      {{"LC_ALL=vi_VN.UTF-8", "LC_MESSAGES=en_US.UTF-8", "LANG=en_US.UTF-8"}, {}, false},
      {{"LC_ALL=", "LANG=en_US.UTF-8"}, {}, true},  // an empty one does not count
      {{"LANG=en_US.UTF-8"}, {"--lang", "vi"}, false},
      {{"LANG=vi_VN.UTF-8"}, {"--lang", "en"}, true},
      // "en" only as a whole language code, in any case.
      {{"LANG=en.UTF-8"}, {}, true},
      {{"LANG=en@euro"}, {}, true},
      {{"LANG=EN_us.utf8"}, {}, true},
      {{"LANG=english"}, {}, false},
      {{"LANG=enx_US.UTF-8"}, {}, false},
      // LANGUAGE first, as gettext: its first entry loa speaks decides.
      {{"LANGUAGE=en:vi", "LC_ALL=vi_VN.UTF-8"}, {}, true},
      {{"LANGUAGE=fr:vi:en", "LANG=en_US.UTF-8"}, {}, false},
      {{"LANGUAGE=en_GB", "LANG=vi_VN.UTF-8"}, {}, true},
      {{"LANGUAGE=fr:de", "LANG=en_US.UTF-8"}, {}, true},  // none it speaks: the locale
      {{"LANGUAGE=", "LANG=en_US.UTF-8"}, {}, true},
      {{"LANGUAGE=english:vi", "LANG=en_US.UTF-8"}, {}, false},
      {{"LANGUAGE=en"}, {"--lang", "vi"}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.env) + ::testing::PrintToString(c.flags));
    CheckRun r = Check({broken.string()}, c.env, c.flags);
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_THAT(r.out, HasSubstr(c.english ? en_line : vi_line)) << r.out;
    EXPECT_THAT(r.out, StartsWith(c.english ? "Config: " : "Cấu hình: "));
  }
}

TEST_F(CheckCommandTest, SaysItUsesTheEmbeddedDefaultWithoutInstalledConfig) {
  if (fs::exists(kInstalledConfig)) GTEST_SKIP() << "this machine has " << kInstalledConfig;
  fs::path good = Item("tin", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}});
  CheckRun vi = Loa({"check", good.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;
  EXPECT_THAT(vi.out, StartsWith("Cấu hình: cấu hình mặc định có sẵn của loa, vì không có "
                                 "/etc/loa/loa.json (các kênh: cchc, facebook, legal-aid, portal, "
                                 "zalo). Chọn tệp cấu hình khác bằng --config TỆP.\n"));
  CheckRun en = Loa({"check", "--lang", "en", good.string()});
  EXPECT_THAT(en.out, StartsWith("Config: loa's embedded default, as there is no "
                                 "/etc/loa/loa.json (channels: "));
  // check only reads.
  EXPECT_FALSE(fs::exists(dir_ / "var"));
}

TEST_F(CheckCommandTest, WarnsWhenTheItemIsDueInThePast) {
  const TimePoint now = SystemClock().Now();
  const TimePoint hour_ago = std::chrono::floor<std::chrono::minutes>(now - 1h);
  const TimePoint days_ago = std::chrono::floor<std::chrono::minutes>(now - 72h);
  const TimePoint tomorrow = std::chrono::floor<std::chrono::minutes>(now + 24h);
  WriteConfig("", "2d");

  // Due an hour ago: sent at once, on both channels.
  fs::path late = Item("tin-tre", {{"publish_at", FormatLocal(hour_ago, kZone)}});
  CheckRun vi = Check({late.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;  // a warning keeps exit code 0
  EXPECT_THAT(vi.out,
              HasSubstr("OK " + late.string() + "\n  Cảnh báo: thời gian đăng " + Vi(hour_ago) +
                        " đã qua: nếu đặt bài vào thư mục nhận bài bây giờ, loa sẽ đăng "
                        "ngay trên các kênh portal, facebook.\n"));
  EXPECT_THAT(vi.out, HasSubstr("Cảnh báo không làm bài viết bị từ chối và không thay đổi mã "
                                "thoát (exit code).\n"));
  CheckRun en = Check({late.string()}, {"LANG=en_US.UTF-8"});
  EXPECT_EQ(en.code, 0);
  EXPECT_THAT(en.out, HasSubstr("  warning: publish_at " + En(hour_ago) +
                                " is in the past: dropped now, the item is sent at once on "
                                "channels portal, facebook.\n"));
  EXPECT_THAT(en.out, HasSubstr("Warnings do not make an item invalid and do not change the "
                                "exit code.\n"));

  // Three days ago with max_lateness 2d: missed on the portal; the
  // facebook override is tomorrow, no warning for it.
  fs::path missed = Item(
      "tin-lo", {{"publish_at", FormatLocal(days_ago, kZone)},
                 {"overrides", {{"facebook", {{"publish_at", FormatLocal(tomorrow, kZone)}}}}}});
  vi = Check({missed.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;
  EXPECT_THAT(vi.out, HasSubstr("  Cảnh báo: thời gian đăng " + Vi(days_ago) +
                                " đã qua hơn 2 ngày (max_lateness): loa sẽ không đăng mà đánh dấu "
                                "bỏ lỡ (missed) trên các kênh portal. Hãy sửa \"publish_at\" nếu "
                                "vẫn muốn đăng.\n"));
  EXPECT_THAT(vi.out, Not(HasSubstr("facebook.")));
  en = Check({missed.string()}, {}, {"--lang", "en"});
  EXPECT_THAT(en.out, HasSubstr("  warning: publish_at " + En(days_ago) +
                                " is more than max_lateness (2d) in the past: loa will not send "
                                "it but mark it missed on channels portal. Change \"publish_at\" "
                                "to have it sent.\n"));

  // Due tomorrow, or now (no publish_at): no warning, no closing note.
  fs::path fine = Item("tin-mai", {{"publish_at", FormatLocal(tomorrow, kZone)}});
  fs::path now_item = Item("tin-ngay");
  vi = Check({fine.string(), now_item.string()});
  EXPECT_EQ(vi.code, 0);
  EXPECT_THAT(vi.out, Not(HasSubstr("Cảnh báo")));
}

TEST_F(CheckCommandTest, WarnsWhenTheRunningDaemonAlreadyHasTheId) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const std::string later = FormatLocal(SystemClock().Now() + 48h, kZone);
  // Published on the portal; the other is scheduled for later.
  fs::path published = Item("tin-da-dang", {{"channels", {"portal"}}});
  fs::path scheduled = Item("tin-sap-dang", {{"publish_at", later}});
  fs::create_directories(dir_ / "var" / "inbox");
  fs::copy_file(published, dir_ / "var" / "inbox" / "tin-da-dang.json");
  fs::copy_file(scheduled, dir_ / "var" / "inbox" / "tin-sap-dang.json");
  ASSERT_TRUE(fakes::PollUntil([&] {
    return fs::exists(dir_ / "var" / "outbox" / "portal" / "tin-da-dang.html") &&
           fs::exists(dir_ / "var" / "inbox" / "accepted" / "tin-sap-dang.json");
  })) << daemon_->Log();

  fs::path again =
      Item("tin-da-dang", {{"channels", {"portal", "facebook"}}, {"publish_at", later}});
  fs::path fresh = Item("tin-moi", {{"publish_at", later}});
  CheckRun vi = Check({again.string(), scheduled.string(), fresh.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;
  EXPECT_THAT(vi.out, HasSubstr("OK " + again.string() +
                                "\n  Cảnh báo: mã bài viết (id) \"tin-da-dang\" đã được đăng trên "
                                "các kênh portal. Nếu đặt bài này vào thư mục nhận bài, các kênh "
                                "đó vẫn giữ bài cũ; chỉ các kênh chưa đăng nhận nội dung mới. Bài "
                                "mới cần một mã khác.\n"));
  EXPECT_THAT(vi.out, HasSubstr("OK " + scheduled.string() +
                                "\n  Cảnh báo: mã bài viết (id) \"tin-sap-dang\" đã có trong loa "
                                "nhưng chưa được đăng trên kênh nào: nếu đặt bài này vào thư mục "
                                "nhận bài, nó sẽ thay thế bài cũ.\n"));
  EXPECT_THAT(vi.out, HasSubstr("OK " + fresh.string() + "\n"));
  EXPECT_THAT(vi.out, Not(HasSubstr("tin-moi\"")));
  EXPECT_THAT(vi.out, Not(HasSubstr("Lưu ý")));

  CheckRun en = Check({again.string()}, {"LANG=en_US.UTF-8"});
  EXPECT_THAT(en.out, HasSubstr("  warning: id \"tin-da-dang\" is already published on channels "
                                "portal: dropped, this item leaves the old text there and "
                                "replaces it only on the channels not published yet. A new item "
                                "needs a new id.\n"));

  // The daemon gone: the check says it could not ask, and passes.
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
  daemon_.reset();
  vi = Check({again.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;
  EXPECT_THAT(vi.out, HasSubstr("OK " + again.string() + "\n"));
  EXPECT_THAT(vi.out, HasSubstr("Lưu ý: không hỏi được loa đang chạy ("));
  EXPECT_THAT(vi.out, Not(HasSubstr("đã được đăng trên")));
}

TEST_F(CheckCommandTest, NamesTheChannelsThatKeepWhatTheyHaveAndSendsNothingThere) {
  const TimePoint now = SystemClock().Now();
  const TimePoint hour_ago = std::chrono::floor<std::chrono::minutes>(now - 1h);
  const std::vector<std::string> five = {"portal", "facebook", "zalo", "cchc", "legal-aid"};
  StoreServer served(dir_);
  // Published on the portal, being sent on facebook, of unknown outcome on
  // zalo, taken by cchc and not finished (a resume token), taken down from
  // legal-aid: a new drop reaches none of them (queue/store.h UpsertPost).
  ASSERT_NO_FATAL_FAILURE(served.Add("tin-sua", five, now - 2h));
  ASSERT_NO_FATAL_FAILURE(served.Ended("tin-sua", "portal", AttemptOutcome::kPublished));
  ASSERT_NO_FATAL_FAILURE(served.Begin("tin-sua", "facebook"));
  ASSERT_NO_FATAL_FAILURE(served.Ended("tin-sua", "zalo", AttemptOutcome::kUncertain));
  ASSERT_NO_FATAL_FAILURE(served.Ended("tin-sua", "cchc", AttemptOutcome::kPending, "resume-1"));
  ASSERT_NO_FATAL_FAILURE(served.Ended("tin-sua", "legal-aid", AttemptOutcome::kPublished));
  ASSERT_NO_FATAL_FAILURE(served.TakenDown("tin-sua", "legal-aid"));
  // Being sent on the portal only; facebook not tried yet.
  ASSERT_NO_FATAL_FAILURE(served.Add("tin-nua", {"portal", "facebook"}, now - 2h));
  ASSERT_NO_FATAL_FAILURE(served.Begin("tin-nua", "portal"));
  ASSERT_NO_FATAL_FAILURE(served.Start());
  WriteConfig("127.0.0.1:" + std::to_string(served.port()), "7d",
              {{"zalo", json::object()}, {"cchc", json::object()}, {"legal-aid", json::object()}});

  fs::path kept =
      Item("tin-sua", {{"channels", five}, {"publish_at", FormatLocal(hour_ago, kZone)}});
  CheckRun en = Check({kept.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  EXPECT_THAT(en.out,
              HasSubstr("OK " + kept.string() +
                        "\n  warning: id \"tin-sua\" is already published on channels portal; "
                        "being sent, or of unknown outcome, on channels facebook, zalo, cchc; "
                        "taken down from channels legal-aid: dropped, this item does not reach "
                        "those channels (those that have it, or may have it, keep the old text; "
                        "those it was taken down from do not get it again) and replaces it only "
                        "on the other channels. A new item needs a new id.\n"));
  // Due an hour ago, but nothing goes out: no "sent at once" at all.
  EXPECT_THAT(en.out, Not(HasSubstr("sent at once")));
  EXPECT_THAT(en.out, Not(HasSubstr("replaces it.")));
  EXPECT_THAT(en.out, Not(HasSubstr("could not be asked"))) << en.out;
  CheckRun vi = Check({kept.string()});
  EXPECT_THAT(vi.out,
              HasSubstr("  Cảnh báo: mã bài viết (id) \"tin-sua\" đã được đăng trên các kênh "
                        "portal; đang được gửi hoặc chưa rõ kết quả trên các kênh facebook, zalo, "
                        "cchc; đã được gỡ khỏi các kênh legal-aid. Nếu đặt bài này vào thư mục "
                        "nhận bài, nội dung mới không tới các kênh đó: kênh đã có hoặc có thể đã "
                        "có bài vẫn giữ bài cũ, kênh đã gỡ bài không đăng lại; chỉ các kênh còn "
                        "lại nhận nội dung mới. Bài mới cần một mã khác.\n"));
  EXPECT_THAT(vi.out, Not(HasSubstr("sẽ đăng ngay")));

  // Sent at once only where the drop is taken: facebook, not the portal.
  fs::path half = Item("tin-nua", {{"publish_at", FormatLocal(hour_ago, kZone)}});
  en = Check({half.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  EXPECT_THAT(en.out, HasSubstr("OK " + half.string() + "\n  warning: publish_at " + En(hour_ago) +
                                " is in the past: dropped now, the item is sent at once on "
                                "channels facebook.\n  warning: id \"tin-nua\" is already being "
                                "sent, or of unknown outcome, on channels portal: dropped, this "
                                "item does not reach those channels (those that have it, or may "
                                "have it, keep the old text) and replaces it only on the other "
                                "channels. A new item needs a new id.\n"));
}

TEST_F(CheckCommandTest, ChecksARetractAgainstTheRunningDaemon) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  fs::create_directories(dir_ / "var" / "inbox");
  fs::copy_file(Item("tin-co", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}}),
                dir_ / "var" / "inbox" / "tin-co.json");
  ASSERT_TRUE(fakes::PollUntil([&] {
    return fs::exists(dir_ / "var" / "inbox" / "accepted" / "tin-co.json");
  })) << daemon_->Log();

  fs::path known = Item("tin-co", {{"action", "retract"}});
  fs::path unknown = Item("tin-khong-co", {{"action", "retract"}});
  const check_messages::Text nothing = check_messages::NothingToRetract();
  CheckRun vi = Check({known.string(), unknown.string()});
  EXPECT_EQ(vi.code, 1) << vi.out << vi.err;
  EXPECT_THAT(vi.out, HasSubstr("OK " + known.string() + "\n"));
  EXPECT_THAT(vi.out, HasSubstr(unknown.string() + ":\n  id: " + nothing.vi +
                                " (giá trị: tin-khong-co)\n"));
  EXPECT_THAT(vi.out, Not(HasSubstr("OK " + unknown.string())));
  CheckRun en = Check({unknown.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 1) << en.out << en.err;
  EXPECT_THAT(en.out,
              HasSubstr(unknown.string() +
                        ":\n  id: no item with this id is known, so there is nothing to retract; "
                        "check the id (value: tin-khong-co)\n"));

  // The daemon rejects it in the same words.
  fs::copy_file(unknown, dir_ / "var" / "inbox" / "tin-khong-co.json");
  const fs::path rejected = dir_ / "var" / "inbox" / "rejected";
  std::string report;
  ASSERT_TRUE(fakes::PollUntil([&] {
    if (!fs::exists(rejected)) return false;
    for (const auto& entry : fs::directory_iterator(rejected)) {
      if (entry.path().string().ends_with(".error.txt")) report = ReadText(entry.path());
    }
    return !report.empty();
  })) << daemon_->Log();
  EXPECT_THAT(report, HasSubstr(nothing.vi));
  EXPECT_THAT(report, HasSubstr(nothing.en));

  // The daemon gone: the retract passes, and the note says it was not checked.
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
  daemon_.reset();
  vi = Check({unknown.string()});
  EXPECT_EQ(vi.code, 0) << vi.out << vi.err;
  EXPECT_THAT(vi.out, HasSubstr("OK " + unknown.string() + "\n"));
  EXPECT_THAT(vi.out, HasSubstr("Lưu ý: không hỏi được loa đang chạy ("));
  EXPECT_THAT(vi.out, HasSubstr("Cũng chưa kiểm tra được loa có biết mã của các bài cần gỡ "
                                "(retract) hay không: loa từ chối lệnh gỡ một mã nó không biết."));
  en = Check({unknown.string()}, {}, {"--lang", "en"});
  EXPECT_THAT(en.out, HasSubstr("Nor whether loa knows the ids the retract items name: it "
                                "rejects a retract of an id it does not know."));
}

TEST_F(CheckCommandTest, SaysWhenAWindowLetsALateItemOut) {
  const TimePoint now = SystemClock().Now();
  const TimePoint hour_ago = std::chrono::floor<std::chrono::minutes>(now - 1h);
  // A window that opens in two hours: closed now.
  const TimePoint opens = std::chrono::floor<std::chrono::minutes>(now + 2h);
  const std::string closed = HourMinute(opens) + "-" + HourMinute(opens + 2h);
  WriteConfig("", "7d", {{"portal", {{"window", closed}}}});
  fs::path late = Item("tin-dem", {{"publish_at", FormatLocal(hour_ago, kZone)}});

  CheckRun en = Check({late.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  EXPECT_THAT(en.out, HasSubstr("  warning: publish_at " + En(hour_ago) +
                                " is in the past, but channels portal publish only within " +
                                closed + " (window): dropped now, the item is sent on them at " +
                                En(opens) + ".\n"));
  EXPECT_THAT(en.out, HasSubstr("  warning: publish_at " + En(hour_ago) +
                                " is in the past: dropped now, the item is sent at once on "
                                "channels facebook.\n"));
  CheckRun vi = Check({late.string()});
  EXPECT_THAT(vi.out,
              HasSubstr("  Cảnh báo: thời gian đăng " + Vi(hour_ago) +
                        " đã qua, nhưng các kênh portal chỉ đăng trong khung giờ " + closed +
                        " (window): nếu đặt bài vào thư mục nhận bài bây giờ, loa sẽ đăng "
                        "trên các kênh đó lúc " +
                        Vi(opens) + ".\n"));

  // A window open now lets it out at once.
  const TimePoint opened = std::chrono::floor<std::chrono::minutes>(now - 1h);
  WriteConfig("", "7d",
              {{"portal", {{"window", HourMinute(opened) + "-" + HourMinute(opened + 3h)}}}});
  en = Check({late.string()}, {}, {"--lang", "en"});
  EXPECT_THAT(en.out, HasSubstr("the item is sent at once on channels portal, facebook.\n"));
  EXPECT_THAT(en.out, Not(HasSubstr("(window)")));
}

// Root reads anything: as root the check runs as nobody, to whom a root
// folder of mode 0700 is closed, as /etc/loa can be.
TEST_F(CheckCommandTest, AnInstalledConfigItCannotLookAtIsAnError) {
  const bool root = ::geteuid() == 0;
  const fs::path etc = dir_ / "etc-loa";
  const fs::path installed = etc / "loa.json";
  WriteText(installed, ReadText(config_));
  fs::permissions(dir_, fs::perms(0755));
  fs::path item = Item("tin", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}});

  // RunCheck in a child process, its output in files, as `nobody` when root.
  auto run = [&](const std::string& tag) {
    CheckArgs args;
    args.lang = "en";
    args.installed_config = installed.string();
    args.paths = {item.string()};
    const fs::path out = dir_ / (tag + ".out"), err = dir_ / (tag + ".err");
    std::cout.flush();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(100);
      if (root && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
        ::_exit(101);
      }
      const int code = RunCheck(args);
      std::cout.flush();
      ::_exit(code);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    return CheckRun{WEXITSTATUS(status), ReadText(out), ReadText(err)};
  };

  fs::permissions(etc, root ? fs::perms(0700) : fs::perms::none);
  CheckRun closed = run("closed");
  fs::permissions(etc, fs::perms(0755));
  EXPECT_EQ(closed.code, 2) << closed.out << closed.err;
  EXPECT_THAT(closed.err, HasSubstr("cannot read the installed config " + installed.string() +
                                    ": Permission denied"));
  EXPECT_THAT(closed.out, Not(HasSubstr("embedded default")));

  // Open, it is the config checked against; gone, the embedded default.
  CheckRun open = run("open");
  EXPECT_EQ(open.code, 0) << open.out << open.err;
  EXPECT_THAT(open.out, StartsWith("Config: " + installed.string() + " (channels: "));
  fs::remove(installed);
  CheckRun gone = run("gone");
  EXPECT_EQ(gone.code, 0) << gone.out << gone.err;
  EXPECT_THAT(gone.out, StartsWith("Config: loa's embedded default, as there is no " +
                                   installed.string() + " (channels: "));
}

TEST_F(CheckCommandTest, GivesUpOnAServerThatStallsWithinSeconds) {
  fs::path item = Item("tin", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}});
  auto timed = [&](int port) {
    WriteConfig("127.0.0.1:" + std::to_string(port));
    const auto start = std::chrono::steady_clock::now();
    CheckRun r = Check({item.string()}, {}, {"--lang", "en"});
    return std::make_pair(r, std::chrono::steady_clock::now() - start);
  };
  {
    // A header line a second: no one read waits long, the whole answer never comes.
    StallingServer dripping(/*drip=*/true);
    auto [r, took] = timed(dripping.port());
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_LT(took, 9s);
    EXPECT_THAT(r.out, HasSubstr("OK " + item.string() + "\n"));
    EXPECT_THAT(r.out, HasSubstr("Note: the running loa could not be asked (no complete answer "
                                 "from 127.0.0.1:" +
                                 std::to_string(dripping.port()) + " within 5 s"));
  }
  {
    StallingServer silent(/*drip=*/false);
    auto [r, took] = timed(silent.port());
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_LT(took, 7s);
    EXPECT_THAT(r.out, HasSubstr("Note: the running loa could not be asked (cannot reach loa's "
                                 "control API at 127.0.0.1:" +
                                 std::to_string(silent.port()) + ": no answer ("));
  }
}

TEST_F(CheckCommandTest, OnlyLoasOwnNotFoundMeansAnUnknownId) {
  std::atomic<bool> envelope{false};
  httplib::Server other;
  other.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    if (envelope) {
      // loa's envelope, but about the path, not the item.
      res.set_content(
          json{{"error", {{"code", "not_found"}, {"message", "no such path: GET " + req.path}}}}
              .dump(),
          "application/json");
    } else {
      res.set_content("404 page not found", "text/plain");
    }
  });
  const int port = other.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { other.listen_after_bind(); });
  WriteConfig("127.0.0.1:" + std::to_string(port));
  fs::path item = Item("tin", {{"publish_at", FormatLocal(SystemClock().Now() + 48h, kZone)}});
  fs::path retract = Item("tin-go", {{"action", "retract"}});

  CheckRun en = Check({item.string(), retract.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  EXPECT_THAT(en.out, HasSubstr("OK " + retract.string() + "\n"));
  EXPECT_THAT(en.out, HasSubstr("Note: the running loa could not be asked (127.0.0.1:" +
                                std::to_string(port) +
                                " answered HTTP 404 without loa's error envelope: is it loa's "
                                "control API (control.listen)?)"));
  EXPECT_THAT(en.out, HasSubstr("Nor whether loa knows the ids the retract items name"));

  envelope = true;
  en = Check({retract.string()}, {}, {"--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  EXPECT_THAT(en.out, HasSubstr("Note: the running loa could not be asked (loa refused: no such "
                                "path: GET /api/items/tin-go (HTTP 404 not_found))"));
  other.stop();
  serving.join();
}

}  // namespace
}  // namespace loa
