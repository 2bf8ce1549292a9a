// The operator's commands (daemon/operator_commands.h) run as the real `loa`
// binary against an in-process HTTP server on loopback that answers as
// docs/control-api.md specifies, with the fixtures below: what each command
// prints, sends, and exits with.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4";

// docs/control-api.md, GET /api/status, with times as the API writes them.
// facebook's times are in UTC: shown in the configured zone all the same.
const json kStatus = json::parse(R"json({
  "version": "0.1.0", "now": "2026-12-02T14:20:05+07:00", "timezone": "+07:00",
  "in_flight": 1, "next_wake": "2026-12-03T08:00:00+07:00", "held_outcomes": 0,
  "channels": [
    {"name": "portal", "type": "wordpress", "paused": false, "paused_reason": null,
     "queue": {"scheduled": 3, "sending": 1, "published": 10, "failed": 1,
               "cancelled": 0, "retracted": 0, "uncertain": 0},
     "next_due": "2026-12-03T08:00:00+07:00", "last_success": "2026-12-02T09:00:00+07:00",
     "last_failure": {"at": "2026-12-02T10:15:00+07:00", "error": "HTTP 503 from the site"},
     "token_expires_at": null},
    {"name": "facebook", "type": "facebook", "paused": true,
     "paused_reason": "the Page token was refused (code 190)",
     "queue": {"scheduled": 2, "sending": 0, "published": 4, "failed": 0,
               "cancelled": 1, "retracted": 0, "uncertain": 1},
     "next_due": null, "last_success": "2026-12-01T02:00:00Z", "last_failure": null,
     "token_expires_at": "2026-12-20T01:00:00Z"
}
  ]
  })json");

json Delivery(int id, const std::string& item, const std::string& title, const std::string& channel,
              const std::string& state, const std::string& due) {
  return json{{"id", id},
              {"item", item},
              {"title", title},
              {"channel", channel},
              {"state", state},
              {"due_at", due},
              {"next_attempt_at", nullptr},
              {"attempts", 0},
              {"remote_id", nullptr},
              {"url", nullptr},
              {"last_error", nullptr},
              {"error_class", "none"},
              {"updated_at", "2026-12-02T10:00:00+07:00"},
              {"retract_pending", false}};
}

const std::string kTitle =
    "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến trên Cổng Dịch vụ công Quốc gia";

json QueueFixture() {
  json d1 = Delivery(12, "2026-12-02-dich-vu-cong-truc-tuyen", kTitle, "portal", "scheduled",
                     "2026-12-03T08:00:00+07:00");
  json d2 =
      Delivery(13, "tt-2026-002", "Tập huấn", "facebook", "uncertain", "2026-12-03T01:30:00Z");
  d2["attempts"] = 1;
  d2["last_error"] = "timeout after 30 s";
  d2["error_class"] = "transient";
  return json{{"deliveries", json::array({d1, d2})}};
}

json ItemFixture() {
  json published = Delivery(12, "tt-2026-001", "Tập huấn kiểm soát TTHC", "portal", "published",
                            "2026-12-03T08:00:00+07:00");
  published["attempts"] = 1;
  published["revision"] = 1;
  published["remote_id"] = "123";
  published["url"] = "https://stp.angiang.gov.vn/tap-huan";
  published["attempt_log"] = json::array({json::parse(R"(
    {"seq": 41, "number": 1, "action": "publish", "outcome": "published",
     "started_at": "2026-12-03T08:00:00+07:00", "ended_at": "2026-12-03T08:00:01+07:00",
     "next_attempt_at": null, "remote_id": "123", "url": "https://stp.angiang.gov.vn/tap-huan",
     "http_status": 201, "error_class": "none", "error": null, "latency_ms": 180,
     "actor": "loa"})")});
  json uncertain = Delivery(13, "tt-2026-001", "Tập huấn kiểm soát TTHC", "facebook", "uncertain",
                            "2026-12-03T08:00:00+07:00");
  uncertain["revision"] = 2;
  uncertain["attempts"] = 1;
  uncertain["last_error"] = "no answer within 30 s";
  uncertain["attempt_log"] = json::array({json::parse(R"(
    {"seq": 42, "number": 1, "action": "publish", "outcome": "uncertain",
     "started_at": "2026-12-03T01:00:02Z", "ended_at": "2026-12-03T01:00:32Z",
     "next_attempt_at": null, "remote_id": null, "url": null, "http_status": null,
     "error_class": "transient", "error": "no answer within 30 s", "latency_ms": 30000,
     "actor": "loa"})")});
  json item = json::parse(R"({
    "id": "tt-2026-001", "title": "Tập huấn kiểm soát TTHC", "action": "publish",
    "publish_at": "2026-12-03T08:00:00+07:00", "channels": ["portal", "facebook"],
    "topics": ["cchc"], "form": "news", "unit": "Văn phòng Sở", "approved_by": "Chánh Văn phòng",
    "link": null,
    "media": [{"name": "anh-1.jpg", "size": 123, "sha256": "ab12"}]})");
  return json{{"item", item},
              {"revisions", json::parse(R"([
                 {"revision": 1, "accepted_at": "2026-12-01T09:00:00+07:00",
                  "file": "tap-huan.json", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
                  "approved_by": "Chánh Văn phòng", "title": "Tập huấn kiểm soát TTHC"},
                 {"revision": 2, "accepted_at": "2026-12-02T10:00:00+07:00", "file": null,
                  "sha256": "ab12", "approved_by": "Giám đốc Sở",
                  "title": "Tập huấn kiểm soát thủ tục hành chính năm 2026 tại Sở Tư pháp"}])")},
              {"deliveries", json::array({published, uncertain})}};
}

// One request as the server saw it.
struct Seen {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string authorization;  // "" when absent
  std::string body;
};

// The daemon's control API as docs/control-api.md shows it, answering each
// "METHOD path" with the status and body a test sets.
class FakeControl {
 public:
  FakeControl() {
    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Seen seen{req.method, req.path, {}, req.get_header_value("Authorization"), req.body};
      for (const auto& [k, v] : req.params) seen.params.emplace(k, v);
      seen_.push_back(seen);
      auto it = answers_.find(req.method + " " + req.path);
      if (it == answers_.end()) {
        res.status = 404;
        res.set_content(R"({"error": {"code": "not_found", "message": "no such path"}})",
                        "application/json");
        return;
      }
      res.status = it->second.first;
      res.set_content(it->second.second, "application/json");
    };
    server_.Get(R"(/.*)", handle);
    server_.Post(R"(/.*)", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Start-up, not a schedule: listen_after_bind runs on the new thread.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeControl() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  void Answer(const std::string& method_path, int status, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[method_path] = {status, body};
  }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> answers_;
  std::vector<Seen> seen_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class OperatorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("operator-commands-test");
    ASSERT_FALSE(dir_.empty());
    WriteConfig(R"("listen": "127.0.0.1:)" + std::to_string(server_.port()) +
                R"(", "token_file": "control-token")");
    WriteSecret(dir_ / "control-token", std::string(kToken) + "\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A config as the daemon reads it, with `control` as the control section.
  void WriteConfig(const std::string& control) {
    WriteText(dir_ / "loa.json", R"({
      // the operator's commands read control, timezone and state_dir
      "timezone": "+07:00",
      "state_dir": "state",
      "control": {)" + control + R"(},
      "channels": {"portal": {"type": "file", "dir": "outbox/portal"}}
    })");
  }

  RunResult Loa(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back((dir_ / "loa.json").string());
    return LoaRaw(args);
  }
  RunResult LoaRaw(const std::vector<std::string>& args) {
    fakes::LoaCommand command(LOA_BINARY, args, dir_, dir_ / ".out");
    command.err = dir_ / ".err";
    RunResult r;
    {
      fakes::LoaProcess loa(std::move(command));
      r.exit_code = loa.Wait(std::chrono::seconds(30));
    }
    r.out = ReadText(dir_ / ".out");
    r.err = ReadText(dir_ / ".err");
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kToken)));
    return r;
  }

  FakeControl server_;
  fs::path dir_;
};

TEST_F(OperatorCommandsTest, StatusTable) {
  server_.Answer("GET /api/status", 200, kStatus.dump());
  RunResult r = Loa({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "loa 0.1.0, now 2026-12-02 14:20 (+07:00): 1 in flight, next wake 2026-12-03 08:00\n"
            "\n"
            "CHANNEL   TYPE       STATE   SCHEDULED  SENDING  UNCERTAIN  FAILED  PUBLISHED  "
            "NEXT DUE          LAST SUCCESS\n"
            "portal    wordpress  active  3          1        0          1       10         "
            "2026-12-03 08:00  2026-12-02 09:00\n"
            "facebook  facebook   paused  2          0        1          0       4          "
            "-                 2026-12-01 09:00\n"
            "\n"
            "portal: last failure 2026-12-02 10:15: HTTP 503 from the site\n"
            "facebook: paused: the Page token was refused (code 190)\n"
            "facebook: credential expires 2026-12-20 08:00\n");
  EXPECT_EQ(r.err, "");
  // A read on loopback goes without the token.
  ASSERT_EQ(server_.seen().size(), 1u);
  EXPECT_EQ(server_.seen()[0].method, "GET");
  EXPECT_EQ(server_.seen()[0].authorization, "");

  // Outcomes the store refused are said at once, under the headline.
  json held = kStatus;
  held["held_outcomes"] = 2;
  server_.Answer("GET /api/status", 200, held.dump());
  r = Loa({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("next wake 2026-12-03 08:00\nheld outcomes: 2 ("));
}

TEST_F(OperatorCommandsTest, JsonPrintsTheServedObject) {
  server_.Answer("GET /api/status", 200, kStatus.dump());
  server_.Answer("GET /api/queue", 200, QueueFixture().dump());
  server_.Answer("GET /api/items/tt-2026-001", 200, ItemFixture().dump());
  std::vector<std::pair<std::vector<std::string>, json>> cases = {
      {{"status", "--json"}, kStatus},
      {{"queue", "--json"}, QueueFixture()},
      {{"show", "tt-2026-001", "--json"}, ItemFixture()}};
  for (const auto& [args, served] : cases) {
    RunResult r = Loa(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(json::parse(r.out), served) << args[0];
    EXPECT_THAT(r.out, HasSubstr("\n  \"")) << "pretty, indented";
  }
}

TEST_F(OperatorCommandsTest, QueueTableKeepsVietnameseTitlesAligned) {
  server_.Answer("GET /api/queue", 200, QueueFixture().dump());
  RunResult r = Loa({"queue"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The title cut at 40 code points with "…"; the item id at 32; the UTC
  // due time shown at 08:30 in +07:00.
  EXPECT_EQ(r.out,
            "ID  DUE               CHANNEL   STATE      TRIES  ITEM                              "
            "TITLE\n"
            "12  2026-12-03 08:00  portal    scheduled  0      2026-12-02-dich-vu-cong-truc-tu…  "
            "Hướng dẫn nộp hồ sơ lý lịch tư pháp trự…\n"
            "13  2026-12-03 08:30  facebook  uncertain  1      tt-2026-002                       "
            "Tập huấn\n"
            "2 deliveries\n");
  ASSERT_EQ(server_.seen().size(), 1u);
  EXPECT_TRUE(server_.seen()[0].params.empty());
}

TEST_F(OperatorCommandsTest, QueueSendsItsFiltersAsQueryParameters) {
  server_.Answer("GET /api/queue", 200, R"({"deliveries": []})");
  RunResult r = Loa({"queue", "--channel", "legal-aid", "--state", "failed", "--from",
                     "2026-12-01 00:00", "--to", "2026-12-07T17:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no deliveries\n");
  ASSERT_EQ(server_.seen().size(), 1u);
  std::multimap<std::string, std::string> expected = {
      {"channel", "legal-aid"},
      {"state", "failed"},
      {"from", "2026-12-01T00:00:00+07:00"},  // read in the configured zone
      {"to", "2026-12-08T00:00:00+07:00"}};
  EXPECT_EQ(server_.seen()[0].params, expected);
}

TEST_F(OperatorCommandsTest, ShowTable) {
  server_.Answer("GET /api/items/tt-2026-001", 200, ItemFixture().dump());
  RunResult r = Loa({"show", "tt-2026-001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "tt-2026-001  Tập huấn kiểm soát TTHC\n"
            "action: publish, publish at 2026-12-03 08:00\n"
            "channels: portal, facebook\n"
            "topics: cchc; form: news\n"
            "unit: Văn phòng Sở; approved by: Chánh Văn phòng\n"
            "link: -\n"
            "media: anh-1.jpg (123 bytes, sha256 ab12)\n"
            "\n"
            "REV  ACCEPTED          FILE           APPROVED BY      SHA256        TITLE\n"
            "1    2026-12-01 09:00  tap-huan.json  Chánh Văn phòng  9f86d081884c  "
            "Tập huấn kiểm soát TTHC\n"
            "2    2026-12-02 10:00  -              Giám đốc Sở      ab12          "
            "Tập huấn kiểm soát thủ tục hành chính n…\n"
            "\n"
            "ID  CHANNEL   STATE      REV  DUE               NEXT TRY  TRIES  URL / LAST ERROR\n"
            "12  portal    published  1    2026-12-03 08:00  -         1      "
            "https://stp.angiang.gov.vn/tap-huan\n"
            "13  facebook  uncertain  2    2026-12-03 08:00  -         1      "
            "no answer within 30 s\n"
            "\n"
            "SEQ  CHANNEL   #  ACTION   OUTCOME    STARTED           HTTP  MS     BY   DETAIL\n"
            "41   portal    1  publish  published  2026-12-03 08:00  201   180    loa  "
            "https://stp.angiang.gov.vn/tap-huan\n"
            "42   facebook  1  publish  uncertain  2026-12-03 08:00  -     30000  loa  "
            "no answer within 30 s\n");
  ASSERT_EQ(server_.seen().size(), 1u);
  EXPECT_EQ(server_.seen()[0].path, "/api/items/tt-2026-001");
}

TEST_F(OperatorCommandsTest, ShowEncodesTheIdInThePath) {
  server_.Answer("GET /api/items/a b/c", 200, ItemFixture().dump());
  RunResult r = Loa({"show", "a b/c"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(server_.seen().size(), 1u);
  EXPECT_EQ(server_.seen()[0].path, "/api/items/a b/c");  // decoded by the server
}

json Changed(std::vector<json> deliveries) { return json{{"changed", deliveries}}; }

TEST_F(OperatorCommandsTest, ActionsSendTheirBodiesWithTheToken) {
  json retried = Delivery(13, "tt-2026-001", "x", "facebook", "scheduled", "2026-12-02T07:20:00Z");
  json cancelled =
      Delivery(12, "tt-2026-001", "x", "portal", "cancelled", "2026-12-03T08:00:00+07:00");
  json moved_a =
      Delivery(12, "tt-2026-001", "x", "portal", "scheduled", "2026-12-04T09:30:00+07:00");
  json moved_b = Delivery(14, "tt-2026-001", "x", "zalo", "scheduled", "2026-12-04T09:30:00+07:00");
  json resolved =
      Delivery(13, "tt-2026-001", "x", "facebook", "published", "2026-12-03T08:00:00+07:00");
  resolved["url"] = "https://facebook.com/1_2";
  json not_resolved =
      Delivery(13, "tt-2026-001", "x", "facebook", "failed", "2026-12-03T08:00:00+07:00");
  server_.Answer("POST /api/items/tt-2026-001/retry", 200, Changed({retried}).dump());
  server_.Answer("POST /api/items/tt-2026-001/cancel", 200, Changed({cancelled}).dump());
  server_.Answer("POST /api/items/tt-2026-001/reschedule", 200, Changed({moved_a, moved_b}).dump());

  struct Case {
    std::vector<std::string> args;
    std::string path;
    json body;
    std::string out;
  };
  std::vector<Case> cases = {
      {{"retry", "tt-2026-001", "facebook"},
       "/api/items/tt-2026-001/retry",
       json{{"channel", "facebook"}},
       "facebook: scheduled, due 2026-12-02 14:20 (delivery 13, item tt-2026-001)\n"},
      {{"retry", "tt-2026-001"},
       "/api/items/tt-2026-001/retry",
       json::object(),
       "facebook: scheduled, due 2026-12-02 14:20 (delivery 13, item tt-2026-001)\n"},
      {{"cancel", "tt-2026-001", "portal"},
       "/api/items/tt-2026-001/cancel",
       json{{"channel", "portal"}},
       "portal: cancelled (delivery 12, item tt-2026-001)\n"},
      {{"cancel", "tt-2026-001"},
       "/api/items/tt-2026-001/cancel",
       json::object(),
       "portal: cancelled (delivery 12, item tt-2026-001)\n"},
      {{"reschedule", "tt-2026-001", "2026-12-04 09:30"},
       "/api/items/tt-2026-001/reschedule",
       json{{"due_at", "2026-12-04T09:30:00+07:00"}},
       "portal: scheduled, due 2026-12-04 09:30 (delivery 12, item tt-2026-001)\n"
       "zalo: scheduled, due 2026-12-04 09:30 (delivery 14, item tt-2026-001)\n"},
  };
  for (const Case& c : cases) {
    size_t before = server_.seen().size();
    RunResult r = Loa(c.args);
    ASSERT_EQ(r.exit_code, 0) << c.args[0] << ": " << r.err;
    EXPECT_EQ(r.out, c.out) << c.args[0];
    ASSERT_EQ(server_.seen().size(), before + 1);
    Seen seen = server_.seen().back();
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, c.path);
    EXPECT_EQ(json::parse(seen.body), c.body) << c.args[0];
    EXPECT_EQ(seen.authorization, std::string("Bearer ") + kToken);
  }

  server_.Answer("POST /api/items/tt-2026-001/resolve", 200, Changed({resolved}).dump());
  RunResult r =
      Loa({"resolve", "tt-2026-001", "facebook", "--published", "https://facebook.com/1_2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "facebook: published, https://facebook.com/1_2 (delivery 13, item tt-2026-001)\n");
  EXPECT_EQ(
      json::parse(server_.seen().back().body),
      json({{"channel", "facebook"}, {"published", true}, {"url", "https://facebook.com/1_2"}}));

  server_.Answer("POST /api/items/tt-2026-001/resolve", 200, Changed({not_resolved}).dump());
  r = Loa({"resolve", "tt-2026-001", "facebook", "--not-published", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), Changed({not_resolved}));
  EXPECT_EQ(json::parse(server_.seen().back().body),
            json({{"channel", "facebook"}, {"published", false}}));
  EXPECT_EQ(server_.seen().back().authorization, std::string("Bearer ") + kToken);
}

TEST_F(OperatorCommandsTest, UsageErrorsExitTwoWithoutARequest) {
  std::vector<std::vector<std::string>> cases = {
      {"resolve", "tt-2026-001", "facebook"},
      {"resolve", "tt-2026-001", "facebook", "--published", "https://x.vn/1", "--not-published"},
      {"resolve", "tt-2026-001", "facebook", "--published", "not a url"},
      {"resolve", "tt-2026-001"},
      {"show"},
      {"retry"},
      {"reschedule", "tt-2026-001"},
      {"reschedule", "tt-2026-001", "thứ hai"},
      {"queue", "--state", "lost"},
      {"queue", "--from", "yesterday"},
      {"status", "extra"},
  };
  for (const auto& args : cases) {
    RunResult r = Loa(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << "\n" << r.out << r.err;
    EXPECT_NE(r.err, "") << ::testing::PrintToString(args);
  }
  EXPECT_TRUE(server_.seen().empty());
}

TEST_F(OperatorCommandsTest, TheApisErrorMessageExitsOne) {
  server_.Answer("GET /api/items/nope", 404,
                 R"({"error": {"code": "not_found", "message": "no item named \"nope\""}})");
  RunResult r = Loa({"show", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: loa show: loa refused: no item named \"nope\" (HTTP 404 not_found)\n");

  server_.Answer("POST /api/items/tt-2026-001/cancel", 409,
                 R"({"error": {"code": "invalid_state", "message": "no scheduled delivery"}})");
  r = Loa({"cancel", "tt-2026-001"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no scheduled delivery (HTTP 409 invalid_state)"));

  // A wrong token: said so, with where the command read it.
  server_.Answer("POST /api/items/tt-2026-001/retry", 401,
                 R"({"error": {"code": "unauthorized", "message": "wrong token"}})");
  r = Loa({"retry", "tt-2026-001"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("wrong token (HTTP 401 unauthorized): is the token"));

  // Not an envelope, or not JSON at all: the status is what there is.
  server_.Answer("GET /api/status", 502, "<html>Bad Gateway</html>");
  r = Loa({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("HTTP 502"));
  server_.Answer("GET /api/status", 200, "[1, 2]");
  r = Loa({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a JSON object"));
}

TEST_F(OperatorCommandsTest, NoDaemonExitsThreeWithTheAddress) {
  // A port nothing listens on: bound, then closed.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  int port = ntohs(addr.sin_port);
  WriteConfig(R"("listen": "127.0.0.1:)" + std::to_string(port) +
              R"(", "token_file": "control-token")");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"retry", "tt-2026-001"}}) {
    RunResult r = Loa(args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_THAT(r.err, HasSubstr("127.0.0.1:" + std::to_string(port)));
    EXPECT_THAT(r.err, HasSubstr("Is loa running"));
  }
}

TEST_F(OperatorCommandsTest, ConfigurationErrorsExitTwo) {
  WriteConfig(R"("listen": "")");
  RunResult r = Loa({"status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("control.listen"));
  WriteConfig(R"("listen": "127.0.0.1:99999")");
  r = Loa({"status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("control.listen"));
  r = LoaRaw({"status", "--config", (dir_ / "missing.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(server_.seen().empty());
}

TEST_F(OperatorCommandsTest, TheTokenComesFromTheStateDirWithoutTokenFile) {
  WriteConfig(R"("listen": "127.0.0.1:)" + std::to_string(server_.port()) + R"(")");
  server_.Answer("GET /api/status", 200, kStatus.dump());
  server_.Answer("POST /api/items/tt-2026-001/retry", 200, Changed({}).dump());
  // No state_dir/control-token yet: reads still work, changes cannot.
  EXPECT_EQ(Loa({"status"}).exit_code, 0);
  RunResult r = Loa({"retry", "tt-2026-001"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("control token"));
  EXPECT_THAT(r.err, HasSubstr((dir_ / "state" / "control-token").string()));
  EXPECT_EQ(server_.seen().size(), 1u);  // the retry never left

  fs::create_directories(dir_ / "state");
  WriteSecret(dir_ / "state" / "control-token", "other-token");
  r = Loa({"retry", "tt-2026-001"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "nothing changed\n");
  EXPECT_EQ(server_.seen().back().authorization, "Bearer other-token");
}

TEST_F(OperatorCommandsTest, HostileTextIsEscapedForTheTerminal) {
  // A title and an error carrying a screen clear, a window-title change, a
  // C1 CSI and a right-to-left override.
  std::string hostile =
      "Tin\x1b[2J\x1b]0;pwned\x07 \xc2\x9b"
      "31m x\u202egnp.exe";
  json queue = QueueFixture();
  queue["deliveries"][0]["title"] = hostile;
  server_.Answer("GET /api/queue", 200, queue.dump());
  json item = ItemFixture();
  item["item"]["title"] = hostile;
  item["deliveries"][1]["attempt_log"][0]["error"] = hostile;
  server_.Answer("GET /api/items/tt-2026-001", 200, item.dump());
  server_.Answer("GET /api/items/evil", 404,
                 json{{"error", {{"code", "not_found"}, {"message", hostile}}}}.dump());
  auto clean = [](const std::string& text) {
    for (char c : {'\x1b', '\x07'}) {
      if (text.find(c) != std::string::npos) return false;
    }
    return text.find("\xc2\x9b") == std::string::npos && text.find("\u202e") == std::string::npos;
  };

  RunResult r = Loa({"queue"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(clean(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Tin\\x1b[2J\\x1b]0;pwned\\x07 \\u009b31m x\\…"));

  r = Loa({"show", "tt-2026-001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(clean(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tt-2026-001  Tin\\x1b[2J\\x1b]0;pwned\\x07 \\u009b31m "
                               "x\\u202egnp.exe\n"));

  r = Loa({"queue", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(clean(r.out)) << r.out;
  EXPECT_EQ(json::parse(r.out), queue);  // the same object, escaped as JSON

  r = Loa({"show", "evil"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(clean(r.err)) << r.err;
  EXPECT_THAT(r.err, HasSubstr("pwned"));
}

}  // namespace
}  // namespace loa
