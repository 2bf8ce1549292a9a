// `loa report` end to end: the real `loa daemon` binary (LOA_BINARY) with
// its control server on a free loopback port, fed through its inbox (two
// file channels that publish, a webhook that refuses for good), and the
// real `loa report` run as a child process as the Office runs it: to a
// file in each format, to stdout, with wrong dates, and with no daemon.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
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
using fakes::DaemonCommand;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kSecret = "report-webhook-secret-5d1e";
const TimeZone kZone = std::chrono::hours(7);

struct CliRun {
  int code = -1;
  std::string out, err;
};

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("report-cli-test");
    ASSERT_FALSE(dir_.empty());
    WriteSecret(dir_ / "cchc.secret", std::string(kSecret) + "\n");
    ASSERT_NO_FATAL_FAILURE(StartDaemon());
    webhook_.FailNext(1, 422);
    Drop("tin-mot-cua", {"portal", "bulletin"}, "Sở Tư pháp đẩy mạnh cơ chế một cửa");
    Drop("tin-bi-tu-choi", {"cchc"}, "Thông báo lịch tiếp công dân");
    ASSERT_TRUE(PollUntil([&] {
      auto r = api_->Get("/api/status");
      if (!r || r->status != 200) return false;
      int published = 0, failed = 0;
      const json status = json::parse(r->body);
      for (const auto& c : status["channels"]) {
        published += c["queue"]["published"].get<int>();
        failed += c["queue"]["failed"].get<int>();
      }
      return published == 2 && failed == 1;
    })) << daemon_->Log();
    const TimePoint now = SystemClock().Now();
    // A day either side: a publication just before local midnight stays in.
    from_ = FormatLocal(now - std::chrono::hours(24), kZone).substr(0, 10);
    to_ = FormatLocal(now + std::chrono::hours(24), kZone).substr(0, 10);
  }

  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
    }
    fs::remove_all(dir_);
  }

  void StartDaemon() {
    for (int round = 0; round < 5; ++round) {
      port_ = fakes::FreePort();
      ASSERT_NE(port_, 0);
      json config = {
          {"timezone", "+07:00"},
          {"state_dir", "var/state"},
          {"inbox", "var/inbox"},
          {"log_dir", "var/log"},
          {"settle_time", "200ms"},
          {"rescan_interval", "1s"},
          {"shutdown_timeout", "5s"},
          {"control", {{"listen", "127.0.0.1:" + std::to_string(port_)}}},
          {"labels", {{"channels", {{"bulletin", "Bản tin nội bộ"}}}}},
          {"channels",
           {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
            {"bulletin", {{"type", "file"}, {"dir", "var/outbox/bulletin"}}},
            {"cchc",
             {{"type", "webhook"}, {"url", webhook_.url()}, {"secret_file", "cchc.secret"}}}}}};
      config_ = dir_ / "loa.json";
      WriteText(config_, config.dump(2));
      daemon_ = std::make_unique<LoaProcess>(DaemonCommand(
          LOA_BINARY, dir_, config_, dir_ / ("daemon-" + std::to_string(round) + ".log")));
      if (daemon_->WaitReady()) {
        api_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
        api_->set_read_timeout(std::chrono::seconds(10));
        return;
      }
      const std::string log = daemon_->Log();
      daemon_->Kill();
      daemon_.reset();
      ASSERT_THAT(log, HasSubstr("cannot listen")) << log;
    }
    FAIL() << "no free port in 5 rounds";
  }

  void Drop(const std::string& id, const std::vector<std::string>& channels,
            const std::string& title) {
    json item = {{"id", id},
                 {"title", title},
                 {"body", "Nội dung."},
                 {"channels", channels},
                 {"topics", {"mot-cua"}},
                 {"form", "news"},
                 {"unit", "Văn phòng Sở"},
                 {"approved_by", "Chánh Văn phòng"}};
    fs::path staging = dir_ / "staging" / (id + ".json");
    WriteText(staging, item.dump(2));
    fs::rename(staging, dir_ / "var" / "inbox" / (id + ".json"));
  }

  CliRun Loa(std::vector<std::string> args, const fs::path& config = {}) {
    args.push_back("--config");
    args.push_back((config.empty() ? config_ : config).string());
    const std::string tag = std::to_string(++runs_);
    LoaCommand command(LOA_BINARY, args, dir_, dir_ / ("cli-" + tag + ".out"));
    command.err = dir_ / ("cli-" + tag + ".err");
    command.umask = 022;
    LoaProcess process(command);
    CliRun run;
    run.code = process.Wait();
    run.out = ReadText(command.out);
    run.err = ReadText(command.err);
    return run;
  }

  fakes::FakeWebhook webhook_{kSecret};
  fs::path dir_, config_;
  int port_ = 0;
  std::unique_ptr<LoaProcess> daemon_;
  std::unique_ptr<httplib::Client> api_;
  std::string from_, to_;
  int runs_ = 0;
};

TEST_F(ReportCliTest, WritesEachFormatToAFileAsTheApiHasIt) {
  CliRun csv = Loa({"report", "--from", from_, "--to", to_, "--out", "bao-cao.csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("wrote bao-cao.csv (csv): 1 items, 2 publications, 1 to handle"));
  const std::string text = ReadText(dir_ / "bao-cao.csv");
  EXPECT_THAT(text, StartsWith("\xEF\xBB\xBF"
                               "STT,Thời gian,Kết quả,Kênh,Tiêu đề,"));
  EXPECT_EQ(fakes::Count(text, "\r\n"), 4u) << text;  // the header, two published, one failed
  EXPECT_EQ(fakes::Count(text, ",Đã đăng,"), 2u);
  EXPECT_THAT(text,
              HasSubstr(",Đã đăng,Bản tin nội bộ,Sở Tư pháp đẩy mạnh cơ chế một cửa,file://"));
  EXPECT_THAT(text,
              HasSubstr(",Thất bại,Trang Cải cách hành chính tỉnh,Thông báo lịch tiếp công dân,,"
                        "\"Cơ chế một cửa, một cửa liên thông\",Tin,Văn phòng Sở,"
                        "tin-bi-tu-choi,1,"));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "bao-cao.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // The same rows the API gives the dashboard.
  auto api = api_->Get("/api/report?from=" + from_ + "&to=" + to_ + "&format=csv");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(api->body.substr(0, api->body.find("\r\n")), text.substr(0, text.find("\r\n")));

  // The format from the file's name; written again over the old file.
  WriteText(dir_ / "bao-cao.html", "old");
  CliRun html = Loa({"report", "--from", from_, "--to", to_, "--out", "bao-cao.html"});
  ASSERT_EQ(html.code, 0) << html.err;
  const std::string page = ReadText(dir_ / "bao-cao.html");
  EXPECT_THAT(page, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("<h1>BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN</h1>"));
  EXPECT_THAT(page, HasSubstr("<td>Bản tin nội bộ</td><td class=\"n\">1</td>"));
  auto served = api_->Get("/api/report?from=" + from_ + "&to=" + to_ + "&format=html");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->get_header_value("Content-Type"), "text/html; charset=utf-8");
  // The same page but for the minute it was made in.
  EXPECT_EQ(served->body.substr(0, served->body.find("Số liệu do hệ thống")),
            page.substr(0, page.find("Số liệu do hệ thống")));

  // --format wins over the name.
  CliRun json_file =
      Loa({"report", "--from", from_, "--to", to_, "--format", "json", "--out", "r.txt"});
  ASSERT_EQ(json_file.code, 0) << json_file.err;
  json j = json::parse(ReadText(dir_ / "r.txt"));
  EXPECT_EQ(j["publications"], 2);
  EXPECT_EQ(j["problems"][0]["outcome"], "failed");
}

TEST_F(ReportCliTest, PrintsMarkdownByDefaultAndRefusesWrongDates) {
  CliRun md = Loa({"report", "--from", from_, "--to", to_});
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("# BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN\n"));
  EXPECT_THAT(md.out, HasSubstr("| Thất bại |"));

  CliRun backwards = Loa({"report", "--from", to_, "--to", from_});
  EXPECT_EQ(backwards.code, 2);
  EXPECT_THAT(backwards.err, HasSubstr("is after to"));
  CliRun bad = Loa({"report", "--from", "2026-13-01", "--to", to_});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("from: no such date"));
  CliRun format = Loa({"report", "--from", from_, "--to", to_, "--format", "pdf"});
  EXPECT_EQ(format.code, 2);
  CliRun missing = Loa({"report", "--from", from_});
  EXPECT_EQ(missing.code, 2);
  CliRun nowhere = Loa({"report", "--from", from_, "--to", to_, "--out", "no/such/dir/r.html"});
  EXPECT_EQ(nowhere.code, 1);
  EXPECT_THAT(nowhere.err, HasSubstr("cannot write"));
}

TEST_F(ReportCliTest, ExitsThreeWhenTheDaemonCannotBeReached) {
  json config = json::parse(ReadText(config_));
  config["control"]["listen"] = "127.0.0.1:" + std::to_string(fakes::FreePort());
  WriteText(dir_ / "other.json", config.dump());
  CliRun run =
      Loa({"report", "--from", from_, "--to", to_, "--out", "x.html"}, dir_ / "other.json");
  EXPECT_EQ(run.code, 3);
  EXPECT_THAT(run.err, HasSubstr("cannot reach loa's control API"));
  EXPECT_FALSE(fs::exists(dir_ / "x.html"));
}

}  // namespace
}  // namespace loa
