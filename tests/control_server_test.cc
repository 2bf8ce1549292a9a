// The control server (daemon/control_server.h) over real loopback HTTP, on
// a real SQLite store, engine and file connectors, with the io thread
// running as in the daemon; and the real binary for what only it does (the
// token made at first start, an address in use). docs/control-api.md is
// the contract checked here.
#include "daemon/control_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/control_token.h"
#include "daemon/daemon.h"
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
constexpr const char* kToken = "control-test-token-5f1e9a0c7b3d";

TimePoint Local(const char* text) { return ParseTime(text, kZone).value(); }

Item MakeItem(const std::string& id, const char* publish_at, std::vector<std::string> channels) {
  Item item;
  item.id = id;
  item.title = "Tin " + id;
  item.body_markdown = "Nội dung";
  item.publish_at = Local(publish_at);
  item.channels = std::move(channels);
  item.topics = {"cchc"};
  item.unit = "Văn phòng";
  item.approved_by = "Chánh Văn phòng";
  item.media = {{"anh-1.jpg", "", "image/jpeg", std::string(64, 'a'), 123}};
  return item;
}

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

// One request written by hand, for paths an HTTP client would clean up.
std::string RawRequest(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(fd);
  return out;
}

void ExpectEnvelope(const httplib::Result& r, int status, const std::string& code) {
  ASSERT_TRUE(r) << "no answer";
  EXPECT_EQ(r->status, status) << r->body;
  json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r->body;
  ASSERT_TRUE(j.contains("error")) << r->body;
  EXPECT_EQ(j["error"]["code"], code) << r->body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r->body;
  EXPECT_EQ(j.size(), 1u);
}

// The keys of `j`, in order.
std::vector<std::string> Keys(const json& j) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  return keys;
}

bool IsTimeOrNull(const json& j) {
  if (j.is_null()) return true;
  return j.is_string() && ParseTime(j.get<std::string>(), kZone).ok() &&
         j.get<std::string>().ends_with("+07:00");
}

void ExpectDeliveryShape(const json& d) {
  EXPECT_THAT(Keys(d), ::testing::IsSupersetOf({"id", "item", "title", "channel", "state", "due_at",
                                                "next_attempt_at", "attempts", "remote_id", "url",
                                                "last_error", "error_class", "updated_at",
                                                "retract_pending", "resume_pending"}));
  EXPECT_TRUE(d["id"].is_number_integer());
  EXPECT_TRUE(d["item"].is_string());
  EXPECT_TRUE(d["title"].is_string());
  EXPECT_TRUE(d["channel"].is_string());
  EXPECT_TRUE(d["state"].is_string());
  EXPECT_TRUE(IsTimeOrNull(d["due_at"]) && d["due_at"].is_string());
  EXPECT_TRUE(IsTimeOrNull(d["next_attempt_at"]));
  EXPECT_TRUE(d["attempts"].is_number_integer());
  EXPECT_TRUE(d["remote_id"].is_null() || d["remote_id"].is_string());
  EXPECT_TRUE(d["url"].is_null() || d["url"].is_string());
  EXPECT_TRUE(d["last_error"].is_null() || d["last_error"].is_string());
  EXPECT_TRUE(d["error_class"].is_string());
  EXPECT_TRUE(IsTimeOrNull(d["updated_at"]) && d["updated_at"].is_string());
  EXPECT_TRUE(d["retract_pending"].is_boolean());
  EXPECT_TRUE(d["resume_pending"].is_boolean());
}

class ControlServerTest : public ::testing::Test {
 protected:
  ControlServerTest() : clock_(Local("2026-12-01 08:00")) {}

  void SetUp() override {
    dir_ = fakes::MakeTempDir("control-test");
    ASSERT_FALSE(dir_.empty());
    auto config = ParseConfig(R"({
      "state_dir": "state", "inbox": "inbox", "log_dir": "log",
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

  void Add(const Item& item) {
    auto r = store_->UpsertPost(item, clock_.Now());
    ASSERT_TRUE(r.ok()) << r.error();
  }

  int64_t DeliveryId(const std::string& item, const std::string& channel) {
    for (const Delivery& d : store_->ListDeliveries(item).value()) {
      if (d.channel == channel) return d.id;
    }
    ADD_FAILURE() << "no delivery of " << item << " on " << channel;
    return 0;
  }

  // A try that ended with `outcome`, as the engine records one.
  void Try(const std::string& item, const std::string& channel, AttemptOutcome outcome,
           const std::string& error = "") {
    const int64_t id = DeliveryId(item, channel);
    auto begun = store_->BeginAttempt(id, clock_.Now() - minutes(5));
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = id;
    rec.number = begun->attempts;
    rec.started_at = clock_.Now() - minutes(5);
    rec.ended_at = clock_.Now() - minutes(4);
    rec.outcome = outcome;
    rec.latency_ms = 180;
    if (outcome == AttemptOutcome::kPublished) {
      rec.remote_id = "123";
      rec.remote_url = "https://portal.example.gov.vn/?p=123";
      rec.http_status = 201;
    } else {
      rec.error = error;
      rec.http_status = 400;
      rec.error_class =
          outcome == AttemptOutcome::kUncertain ? ErrorClass::kUncertain : ErrorClass::kPermanent;
    }
    ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  }

  // Three items: one due later on both channels, one published on the
  // portal and failed on facebook, one uncertain on facebook.
  void Seed() {
    Add(MakeItem("tt-2026-001", "2026-12-05 08:00", {"portal", "facebook"}));
    Add(MakeItem("tt-2026-002", "2026-11-30 08:00", {"portal", "facebook"}));
    Try("tt-2026-002", "portal", AttemptOutcome::kPublished);
    Try("tt-2026-002", "facebook", AttemptOutcome::kFailed, "POST /feed: HTTP 400: bad \xff text");
    Add(MakeItem("tt-2026-003", "2026-12-03 08:00", {"portal", "facebook"}));
    Try("tt-2026-003", "facebook", AttemptOutcome::kUncertain, "the answer was lost");
  }

  ControlServerOptions Options(const std::string& listen = "127.0.0.1:0") {
    ControlServerOptions options;
    options.address = ParseListenAddress(listen, /*allow_any_port=*/true).value();
    options.token = kToken;
    return options;
  }

  // The engine on real file connectors, the io thread, and the server.
  void Start(ControlServerOptions options, ControlSources extra = {}) {
    auto connectors = BuildConnectors(*config_, nullptr, clock_);
    ASSERT_TRUE(connectors.ok()) << connectors.error();
    engine_ =
        std::make_unique<Engine>(io_, config_, *store_, *log_, env_, std::move(connectors).value());
    engine_->Start();
    io_thread_ = std::thread([this] { io_.run(); });
    ControlSources sources = std::move(extra);
    sources.store = store_.get();
    sources.engine = engine_.get();
    sources.config = [this]() -> const Config& { return *config_; };
    sources.clock = &clock_;
    sources.version = "0.1.0";
    server_ = std::make_unique<ControlServer>(io_, std::move(sources), std::move(options));
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error();
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }
  void Start() { Start(Options()); }

  // Runs `f` on the io thread (the store's) and waits for it.
  void OnIo(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  json GetJson(const std::string& path, int status = 200) {
    auto r = client_->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, status) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }

  httplib::Result PostJson(const std::string& path, const std::string& body,
                           const std::string& token = kToken) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client_->Post(path.c_str(), headers, body, "application/json");
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

TEST_F(ControlServerTest, StatusHasEveryChannelWithItsQueueAndHistory) {
  Seed();
  ControlSources hooks;
  hooks.token_expiry = [] {
    return std::map<std::string, TimePoint>{{"facebook", Local("2027-01-31 00:00")}};
  };
  Start(Options(), std::move(hooks));
  json s = GetJson("/api/status");
  EXPECT_THAT(Keys(s), ElementsAre("version", "now", "timezone", "in_flight", "next_wake",
                                   "held_outcomes", "channels"));
  EXPECT_EQ(s["version"], "0.1.0");
  EXPECT_EQ(s["now"], "2026-12-01T08:00:00+07:00");
  EXPECT_EQ(s["timezone"], "+07:00");
  EXPECT_EQ(s["in_flight"], 0);
  EXPECT_TRUE(IsTimeOrNull(s["next_wake"]));
  EXPECT_EQ(s["held_outcomes"], 0);
  ASSERT_EQ(s["channels"].size(), 2u);
  const json& fb = s["channels"][0];
  const json& portal = s["channels"][1];
  EXPECT_THAT(Keys(portal),
              ElementsAre("name", "type", "paused", "paused_reason", "queue", "next_due",
                          "last_success", "last_failure", "token_expires_at"));
  EXPECT_EQ(portal["name"], "portal");
  EXPECT_EQ(portal["type"], "file");
  EXPECT_EQ(portal["paused"], false);
  EXPECT_TRUE(portal["paused_reason"].is_null());
  EXPECT_EQ(portal["queue"], (json{{"scheduled", 2},
                                   {"sending", 0},
                                   {"published", 1},
                                   {"failed", 0},
                                   {"cancelled", 0},
                                   {"retracted", 0},
                                   {"uncertain", 0}}));
  EXPECT_EQ(portal["next_due"], "2026-12-03T08:00:00+07:00");
  EXPECT_EQ(portal["last_success"], "2026-12-01T07:56:00+07:00");
  EXPECT_TRUE(portal["last_failure"].is_null());
  EXPECT_TRUE(portal["token_expires_at"].is_null());
  EXPECT_EQ(fb["name"], "facebook");
  EXPECT_EQ(fb["queue"]["failed"], 1);
  EXPECT_EQ(fb["queue"]["uncertain"], 1);
  EXPECT_EQ(fb["queue"]["scheduled"], 1);
  EXPECT_TRUE(fb["last_success"].is_null());
  ASSERT_TRUE(fb["last_failure"].is_object());
  EXPECT_EQ(fb["last_failure"]["at"], "2026-12-01T07:56:00+07:00");
  EXPECT_EQ(fb["last_failure"]["error"], "the answer was lost");
  EXPECT_EQ(fb["token_expires_at"], "2027-01-31T00:00:00+07:00");
}

TEST_F(ControlServerTest, QueueListsWhatIsNotSettledByDueTimeAndFilters) {
  Seed();
  Start();
  json q = GetJson("/api/queue");
  EXPECT_THAT(Keys(q), ElementsAre("deliveries"));
  std::vector<std::string> listed;
  for (const json& d : q["deliveries"]) {
    ExpectDeliveryShape(d);
    listed.push_back(d["item"].get<std::string>() + "/" + d["channel"].get<std::string>() + "/" +
                     d["state"].get<std::string>());
  }
  // By due time, then id: 003 (due 3 Dec) before 001 (due 5 Dec).
  EXPECT_THAT(listed,
              ElementsAre("tt-2026-003/portal/scheduled", "tt-2026-003/facebook/uncertain",
                          "tt-2026-001/portal/scheduled", "tt-2026-001/facebook/scheduled"));
  EXPECT_EQ(q["deliveries"][0]["title"], "Tin tt-2026-003");
  EXPECT_EQ(q["deliveries"][0]["due_at"], "2026-12-03T08:00:00+07:00");

  json published = GetJson("/api/queue?state=published");
  ASSERT_EQ(published["deliveries"].size(), 1u);
  EXPECT_EQ(published["deliveries"][0]["url"], "https://portal.example.gov.vn/?p=123");
  EXPECT_EQ(published["deliveries"][0]["remote_id"], "123");
  json failed = GetJson("/api/queue?state=failed&channel=facebook");
  ASSERT_EQ(failed["deliveries"].size(), 1u);
  EXPECT_EQ(failed["deliveries"][0]["error_class"], "permanent");
  // The stored error held a byte that is not UTF-8: replaced, still JSON.
  EXPECT_THAT(failed["deliveries"][0]["last_error"].get<std::string>(),
              HasSubstr("HTTP 400: bad \xEF\xBF\xBD text"));
  EXPECT_EQ(GetJson("/api/queue?channel=portal")["deliveries"].size(), 2u);
  json window = GetJson("/api/queue?from=2026-12-03T08:00:00%2B07:00&to=2026-12-05%2008:00");
  ASSERT_EQ(window["deliveries"].size(), 2u);  // from inclusive, to exclusive
  EXPECT_EQ(window["deliveries"][0]["item"], "tt-2026-003");
  EXPECT_EQ(GetJson("/api/queue?state=cancelled")["deliveries"].size(), 0u);
  // changed_from bounds when the delivery came to its state (inclusive),
  // whenever it was due.
  const std::string failed_at = failed["deliveries"][0]["updated_at"];
  EXPECT_EQ(GetJson("/api/queue?state=failed&changed_from=" +
                    httplib::detail::encode_query_param(failed_at))["deliveries"]
                .size(),
            1u);
  EXPECT_EQ(GetJson("/api/queue?state=failed&changed_from=2026-12-31%2000:00")["deliveries"].size(),
            0u);

  ExpectEnvelope(client_->Get("/api/queue?state=lost"), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/queue?sort=due"), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/queue?from=tomorrow"), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/queue?state=failed&state=published"), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/queue?channel=Portal"), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/queue?channel=tiktok"), 404, "not_found");
}

TEST_F(ControlServerTest, ItemShowsItsFieldsRevisionsAndAttemptLogs) {
  Seed();
  Item changed = MakeItem("tt-2026-001", "2026-12-06 08:00", {"portal", "facebook"});
  changed.link = "https://sotuphap.example.gov.vn/tin";
  Add(changed);  // revision 2
  Start();
  json j = GetJson("/api/items/tt-2026-002");
  EXPECT_THAT(Keys(j), ElementsAre("item", "revisions", "deliveries"));
  EXPECT_THAT(Keys(j["item"]),
              ElementsAre("id", "title", "action", "publish_at", "channels", "topics", "form",
                          "unit", "approved_by", "link", "media"));
  EXPECT_EQ(j["item"]["id"], "tt-2026-002");
  EXPECT_EQ(j["item"]["action"], "publish");
  EXPECT_EQ(j["item"]["publish_at"], "2026-11-30T08:00:00+07:00");
  EXPECT_EQ(j["item"]["channels"], json({"portal", "facebook"}));
  EXPECT_EQ(j["item"]["topics"], json({"cchc"}));
  EXPECT_TRUE(j["item"]["form"].is_null());
  EXPECT_EQ(j["item"]["unit"], "Văn phòng");
  EXPECT_TRUE(j["item"]["link"].is_null());
  EXPECT_EQ(j["item"]["media"], json::parse(R"([{"name": "anh-1.jpg", "size": 123, "sha256": ")" +
                                            std::string(64, 'a') + "\"}]"));
  // Added by the store directly: no file name. The hash is of the item as
  // stored.
  json revision = json::parse(R"({"revision": 1, "accepted_at": "2026-12-01T08:00:00+07:00",
                                  "file": null, "sha256": "", "approved_by": "Chánh Văn phòng",
                                  "title": ""})");
  revision["sha256"] = Sha256Hex(ItemToJson(store_->GetPost("tt-2026-002").value()).dump());
  revision["title"] = j["item"]["title"];
  EXPECT_EQ(j["revisions"], json::array({revision}));
  ASSERT_EQ(j["deliveries"].size(), 2u);
  for (const json& d : j["deliveries"]) {
    ExpectDeliveryShape(d);
    EXPECT_EQ(d["revision"], 1);
    ASSERT_TRUE(d["attempt_log"].is_array());
    ASSERT_EQ(d["attempt_log"].size(), 1u);
    const json& a = d["attempt_log"][0];
    EXPECT_THAT(Keys(a), ElementsAre("seq", "number", "action", "outcome", "started_at", "ended_at",
                                     "next_attempt_at", "remote_id", "url", "http_status",
                                     "error_class", "error", "latency_ms", "actor"));
    EXPECT_TRUE(a["seq"].is_number_integer());
    EXPECT_EQ(a["number"], 1);
    EXPECT_EQ(a["action"], "publish");
    EXPECT_EQ(a["started_at"], "2026-12-01T07:55:00+07:00");
    EXPECT_EQ(a["ended_at"], "2026-12-01T07:56:00+07:00");
    EXPECT_TRUE(a["next_attempt_at"].is_null());
    EXPECT_EQ(a["latency_ms"], 180);
    EXPECT_EQ(a["actor"], "loa");
  }
  const json& published = j["deliveries"][0]["attempt_log"][0];
  EXPECT_EQ(published["outcome"], "published");
  EXPECT_EQ(published["url"], "https://portal.example.gov.vn/?p=123");
  EXPECT_EQ(published["http_status"], 201);
  EXPECT_TRUE(published["error"].is_null());
  EXPECT_EQ(j["deliveries"][1]["attempt_log"][0]["outcome"], "failed");
  EXPECT_EQ(j["deliveries"][1]["attempt_log"][0]["error_class"], "permanent");

  json replaced = GetJson("/api/items/tt-2026-001");
  EXPECT_EQ(replaced["item"]["link"], "https://sotuphap.example.gov.vn/tin");
  ASSERT_EQ(replaced["revisions"].size(), 2u);
  EXPECT_EQ(replaced["revisions"][0]["revision"], 1);
  EXPECT_EQ(replaced["revisions"][1]["revision"], 2);
  EXPECT_NE(replaced["revisions"][0]["sha256"], replaced["revisions"][1]["sha256"]);
  EXPECT_EQ(replaced["deliveries"][0]["revision"], 2);  // not out yet: carries the new one
  EXPECT_EQ(replaced["deliveries"][0]["due_at"], "2026-12-06T08:00:00+07:00");
  EXPECT_EQ(replaced["deliveries"][0]["attempt_log"].size(), 0u);

  ExpectEnvelope(client_->Get("/api/items/tt-2099-404"), 404, "not_found");
}

TEST_F(ControlServerTest, HostileIdsAndPathsAreRefusedWithTheEnvelope) {
  Seed();
  Start();
  for (const char* path : {"/api/items/TT-2026-001", "/api/items/..", "/api/items/-x",
                           "/api/items/a%20b", "/api/items/%00", "/api/items/a%0Aloa%20ready",
                           "/api/items/%C3%A1", "/api/items/a%2F..%2F..%2Fetc%2Fpasswd"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << path << " " << r->status;
    json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << path << ": " << r->body;
    EXPECT_TRUE(j["error"]["code"] == "bad_request" || j["error"]["code"] == "not_found") << path;
  }
  ExpectEnvelope(client_->Get(("/api/items/" + std::string(121, 'a')).c_str()), 400, "bad_request");
  ExpectEnvelope(client_->Get("/api/nothing"), 404, "not_found");
  ExpectEnvelope(client_->Get("/api/items/tt-2026-001/retry"), 404, "not_found");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/publish", "{}"), 404, "not_found");
  ExpectEnvelope(PostJson("/api/status", "{}"), 404, "not_found");
  ExpectEnvelope(client_->Put("/api/status", "{}", "application/json"), 404, "not_found");

  // Written by hand: bytes a client would encode, and a path with no end.
  std::string raw = RawRequest(server_->port(),
                               "GET /api/items/\x01\xff\x1b[2J HTTP/1.1\r\nHost: x\r\n"
                               "Connection: close\r\n\r\n");
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 4"));
  raw = RawRequest(server_->port(), "GET /" + std::string(100000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_THAT(raw, Not(HasSubstr("200 OK")));
  // Still serving.
  EXPECT_EQ(GetJson("/healthz")["status"], "ok");
}

TEST_F(ControlServerTest, ChangesNeedTheTokenAndBodiesAreChecked) {
  Seed();
  Start();
  testing::internal::CaptureStderr();
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{}", ""), 401, "unauthorized");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{}", "wrong"), 401, "unauthorized");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{}", std::string(kToken) + "x"), 401,
                 "unauthorized");
  auto wrong_upper = client_->Post("/api/items/tt-2026-001/cancel",
                                   {{"Authorization", "BEARER wrong"}}, "{}", "application/json");
  ExpectEnvelope(wrong_upper, 401, "unauthorized");
  EXPECT_EQ(wrong_upper->get_header_value("WWW-Authenticate"), "Bearer");
  // The scheme's name is case-insensitive (RFC 7235): the right token in
  // "bearer" gets past the check (to an item that does not exist).
  ExpectEnvelope(
      client_->Post("/api/items/no-such-item/cancel",
                    {{"Authorization", std::string("bearer ") + kToken}}, "{}", "application/json"),
      404, "not_found");
  // Refused before the body is read for what it says: no token, no 400.
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{not json", ""), 401, "unauthorized");

  // With the token, the body is checked field by field.
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{not json"), 400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "[]"), 400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", R"({"chanel": "portal"})"), 400,
                 "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", R"({"channel": 7})"), 400,
                 "bad_request");
  ExpectEnvelope(
      PostJson("/api/items/tt-2026-001/cancel", R"({"channel": "portal", "channel": "facebook"})"),
      400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/reschedule", "{}"), 400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/reschedule", R"({"due_at": "soon"})"), 400,
                 "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-003/resolve", R"({"published": true})"), 400,
                 "bad_request");
  ExpectEnvelope(
      PostJson("/api/items/tt-2026-003/resolve", R"({"channel": "facebook", "published": true})"),
      400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-003/resolve",
                          R"({"channel": "facebook", "published": true, "url": "javascript:x"})"),
                 400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-003/resolve",
                          R"({"channel": "facebook", "published": false, "url": "https://x"})"),
                 400, "bad_request");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/retry", std::string(5000, '[')), 400,
                 "bad_request");
  // Over 64 KiB: 413, whatever it holds.
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/retry",
                          R"({"channel": ")" + std::string(70 * 1024, 'a') + "\"}"),
                 413, "too_large");

  // A good request reaches the engine's decision, and its answer is mapped
  // (docs/control-api.md, "Errors").
  auto r = PostJson("/api/items/tt-2026-003/retry", R"({"channel": "facebook"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json answer = json::parse(r->body, nullptr, false);
  EXPECT_THAT(Keys(answer), ElementsAre("changed"));
  ASSERT_EQ(answer["changed"].size(), 1u);
  ExpectDeliveryShape(answer["changed"][0]);
  EXPECT_EQ(answer["changed"][0]["channel"], "facebook");
  EXPECT_EQ(answer["changed"][0]["state"], "scheduled");
  json shown = GetJson("/api/items/tt-2026-003");
  const json& log_rows = shown["deliveries"][1]["attempt_log"];
  ASSERT_EQ(log_rows.size(), 2u);
  EXPECT_EQ(log_rows[0]["actor"], "loa");
  EXPECT_EQ(log_rows[1]["actor"], "operator");
  ExpectEnvelope(PostJson("/api/items/tt-2026-002/cancel", R"({"channel": "portal"})"), 409,
                 "invalid_state");
  ExpectEnvelope(PostJson("/api/items/tt-2099-404/cancel", "{}"), 404, "not_found");
  ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", R"({"channel": "zalo"})"), 404,
                 "not_found");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("control: refused POST \"/api/items/tt-2026-001/cancel\": no bearer"));
  EXPECT_THAT(log, HasSubstr("wrong bearer token"));
  EXPECT_THAT(log, HasSubstr("control: operator retry of item \"tt-2026-003\" on \"facebook\": "
                             "done, 1 changed (facebook scheduled)"));
  EXPECT_THAT(log, HasSubstr("control: operator cancel of item \"tt-2026-002\" on \"portal\" "
                             "refused (409)"));
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
}

TEST_F(ControlServerTest, AGuessingCallerCannotFloodTheJournal) {
  Start();
  testing::internal::CaptureStderr();
  for (int i = 0; i < 100; ++i) {
    ExpectEnvelope(PostJson("/api/items/tt-2026-001/cancel", "{}", "guess-" + std::to_string(i)),
                   401, "unauthorized");
  }
  const std::string log = testing::internal::GetCapturedStderr();
  size_t lines = 0;
  for (size_t at = log.find("control: refused"); at != std::string::npos;
       at = log.find("control: refused", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 20u) << log;
  EXPECT_THAT(log, HasSubstr("20 refused requests this minute; the next are counted, not logged"));
  EXPECT_THAT(log, Not(HasSubstr("guess-")));
  // Still answering the owner of the token.
  EXPECT_EQ(GetJson("/healthz")["status"], "ok");
}

TEST_F(ControlServerTest, OnLoopbackAReadAddressedToAnotherSiteIsRefused) {
  // A page of evil.example that made its name resolve to 127.0.0.1 (DNS
  // rebinding) sends its own name as Host; the dashboard's reads would be
  // open to it.
  Seed();
  Start();
  for (const char* path : {"/api/status", "/api/items/tt-2026-001", "/", "/calendar.ics"}) {
    ExpectEnvelope(client_->Get(path, {{"Host", "evil.example:8470"}}), 403, "forbidden");
  }
  ExpectEnvelope(client_->Get("/api/status", {{"Host", "127.0.0.1.evil.example"}}), 403,
                 "forbidden");
  // Loopback names, with or without a port, are answered.
  for (const char* host :
       {"127.0.0.1:8470", "localhost", "LOCALHOST:1", "[::1]:8470", "127.8.9.1"}) {
    auto r = client_->Get("/api/status", {{"Host", host}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << host;
  }
  // The token still opens it (a script or proxy addressing loa by name), and
  // health answers whoever asks.
  auto with_token =
      client_->Get("/api/status",
                   {{"Host", "loa.internal"}, {"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 200);
  auto health = client_->Get("/healthz", {{"Host", "evil.example"}});
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ControlServerTest, BeyondLoopbackEveryReadButHealthNeedsTheToken) {
  Seed();
  Start(Options("0.0.0.0:0"));
  ExpectEnvelope(client_->Get("/api/status"), 401, "unauthorized");
  ExpectEnvelope(client_->Get("/api/queue"), 401, "unauthorized");
  ExpectEnvelope(client_->Get("/api/items/tt-2026-001"), 401, "unauthorized");
  ExpectEnvelope(client_->Get("/metrics"), 401, "unauthorized");
  ExpectEnvelope(client_->Get("/api/status", {{"Authorization", "Bearer nope"}}), 401,
                 "unauthorized");
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto status = client_->Get("/api/status", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200) << status->body;
}

TEST_F(ControlServerTest, IdleConnectionsDoNotStarveOtherCallers) {
  Start(Options());
  // A browser keeps up to six spare connections open, a stalled caller
  // sends nothing: eight sockets that never send a request.
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  std::this_thread::sleep_for(milliseconds(200));  // let the server take them all
  const auto start = steady_clock::now();
  EXPECT_EQ(GetJson("/healthz"), json({{"status", "ok"}}));
  EXPECT_EQ(client_->Get("/api/status")->status, 200);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
  for (int fd : idle) ::close(fd);
}

TEST_F(ControlServerTest, HealthIsDegradedWhenTheStoreCannotBeRead) {
  Seed();
  Start();
  EXPECT_EQ(GetJson("/healthz"), json({{"status", "ok"}}));
  // The rows and each channel's latest outcomes kept beside them
  // (queue/store_sql.h): what /healthz and /api/status read.
  OnIo([&] {
    ASSERT_TRUE(store_
                    ->ExecForTest("ALTER TABLE attempts RENAME TO gone; "
                                  "ALTER TABLE channel_history RENAME TO gone_history")
                    .ok());
  });
  json degraded = GetJson("/healthz", 503);
  EXPECT_EQ(degraded["status"], "degraded");
  ASSERT_EQ(degraded["problems"].size(), 1u);
  EXPECT_THAT(degraded["problems"][0].get<std::string>(), HasSubstr("the store cannot be read"));
  ExpectEnvelope(client_->Get("/api/status"), 503, "unavailable");
  OnIo([&] {
    ASSERT_TRUE(store_
                    ->ExecForTest("ALTER TABLE gone RENAME TO attempts; "
                                  "ALTER TABLE gone_history RENAME TO channel_history")
                    .ok());
  });
  EXPECT_EQ(GetJson("/healthz")["status"], "ok");
}

TEST_F(ControlServerTest, AnIoThreadThatDoesNotAnswerIsABounded503) {
  ControlServerOptions options = Options();
  options.answer_timeout = milliseconds(300);
  Start(std::move(options));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  asio::post(io_, [released] { released.wait(); });
  const auto start = steady_clock::now();
  json degraded = GetJson("/healthz", 503);
  EXPECT_EQ(degraded["status"], "degraded");
  ExpectEnvelope(client_->Get("/api/status"), 503, "unavailable");
  EXPECT_LT(steady_clock::now() - start, seconds(3));
  release.set_value();
  EXPECT_EQ(GetJson("/healthz")["status"], "ok");
  // Stopping: answered 503 at once.
  server_->BeginStop();
  ExpectEnvelope(client_->Get("/api/status"), 503, "unavailable");
  EXPECT_EQ(GetJson("/healthz", 503),
            json::parse(R"({"status": "degraded", "problems": ["loa is stopping"]})"));
}

TEST_F(ControlServerTest, MetricsServeTheHookOrTheGaugesTheApiHas) {
  Seed();
  Start();
  auto r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_THAT(r->body, HasSubstr("\nloa_up 1\n"));
  EXPECT_THAT(r->body, HasSubstr("\nloa_in_flight 0\n"));
  EXPECT_THAT(r->body, HasSubstr("loa_queue_depth{channel=\"portal\",state=\"scheduled\"} 2\n"));
  EXPECT_THAT(r->body, HasSubstr("loa_queue_depth{channel=\"facebook\",state=\"failed\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("# TYPE loa_queue_depth gauge\n"));
}

TEST_F(ControlServerTest, MetricsHookIsServedAsItIs) {
  ControlSources hooks;
  hooks.metrics_text = [] { return std::string("# TYPE loa_x counter\nloa_x 7\n"); };
  Start(Options(), std::move(hooks));
  auto r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "# TYPE loa_x counter\nloa_x 7\n");
}

TEST_F(ControlServerTest, AnAddressInUseIsAnErrorNamingIt) {
  Start();
  ControlServer second(io_, {}, Options("127.0.0.1:" + std::to_string(server_->port())));
  Status st = second.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error(), HasSubstr("control.listen: cannot listen on 127.0.0.1:" +
                                    std::to_string(server_->port())));
  EXPECT_THAT(st.error(), HasSubstr("in use"));
}

TEST_F(ControlServerTest, ListingsOfAThousandDeliveriesAnswerQuickly) {
  for (int i = 0; i < 500; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "tt-2026-%04d", i);
    Add(MakeItem(id, i % 2 ? "2026-12-05 08:00" : "2026-12-04 08:00", {"portal", "facebook"}));
  }
  for (int i = 0; i < 500; i += 2) {
    char id[32];
    std::snprintf(id, sizeof id, "tt-2026-%04d", i);
    Try(id, "portal", AttemptOutcome::kPublished);
  }
  Start();
  auto measure = [&](const char* path) {
    std::vector<double> ms;
    for (int i = 0; i < 20; ++i) {
      auto start = steady_clock::now();
      auto r = client_->Get(path);
      ms.push_back(duration<double, std::milli>(steady_clock::now() - start).count());
      EXPECT_TRUE(r && r->status == 200) << path;
    }
    std::sort(ms.begin(), ms.end());
    std::cout << "[ latency  ] GET " << path << " with 1,000 deliveries: p50 " << ms[10]
              << " ms, max " << ms.back() << " ms\n";
    return ms[10];
  };
  EXPECT_LT(measure("/api/status"), 500.0);
  EXPECT_LT(measure("/api/queue"), 2000.0);
  EXPECT_EQ(GetJson("/api/queue")["deliveries"].size(), 750u);
  EXPECT_EQ(GetJson("/api/queue?state=published")["deliveries"].size(), 250u);
}

// ---- The token ----------------------------------------------------------------

TEST_F(ControlServerTest, LoasOwnTokenIsMadePrivateOnceAndKept) {
  const fs::path path = config_->ControlTokenPath();
  EXPECT_TRUE(CheckControl(*config_).ok());  // to be made: nothing to check yet
  auto not_made = LoadControlToken(*config_, /*create=*/false);
  EXPECT_FALSE(not_made.ok());
  EXPECT_FALSE(fs::exists(path));
  auto made = LoadControlToken(*config_, /*create=*/true);
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_EQ(made->size(), 64u);
  EXPECT_EQ(made->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ModeOf(path), 0600);
  auto again = LoadControlToken(*config_, /*create=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *made);
  EXPECT_TRUE(CheckControl(*config_).ok());
  ::chmod(path.c_str(), 0644);
  Status open = CheckControl(*config_);
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(open.error(), HasSubstr("chmod 600"));
  EXPECT_THAT(open.error(), Not(HasSubstr(*made)));
}

TEST_F(ControlServerTest, ATokenFileIsReadThroughTheSecretLookup) {
  Config config = *config_;
  config.control.token_file = "control-token";
  Status missing = CheckControl(config);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("control.token_file: secret file"));
  fakes::WriteSecret(dir_ / "control-token", "  from-beside-the-config\n");
  EXPECT_EQ(LoadControlToken(config, true).value(), "from-beside-the-config");
  fakes::WriteSecret(dir_ / "creds" / "control-token", "from-credentials\n");
  ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "creds").c_str(), 1);
  auto token = LoadControlToken(config, true);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  EXPECT_EQ(token.value(), "from-credentials");
  EXPECT_FALSE(fs::exists(config.ControlTokenPath()));
}

// The real daemon: the token made at first start and kept at the next, the
// API up once loa is ready, and an address in use a start-up error (exit 1).
TEST(ControlDaemonTest, TheDaemonMakesItsTokenOnceAndRefusesAnAddressInUse) {
  fs::path dir = fakes::MakeTempDir("control-daemon-test");
  ASSERT_FALSE(dir.empty());
  const int port = fakes::FreePort();
  auto write_config = [&](const fs::path& path, const std::string& state) {
    fakes::WriteText(path,
                     json{{"state_dir", state},
                          {"inbox", state + "-inbox"},
                          {"log_dir", state + "-log"},
                          {"shutdown_timeout", "3s"},
                          {"control", {{"listen", "127.0.0.1:" + std::to_string(port)}}},
                          {"channels", {{"portal", {{"type", "file"}, {"dir", state + "-out"}}}}}}
                         .dump());
  };
  write_config(dir / "a.json", "a");
  write_config(dir / "b.json", "b");
  std::string token;
  for (int run = 0; run < 2; ++run) {
    fakes::LoaProcess loa(fakes::DaemonCommand(LOA_BINARY, dir, dir / "a.json",
                                               dir / ("a-" + std::to_string(run) + ".log")));
    ASSERT_TRUE(loa.WaitReady()) << loa.Log();
    const fs::path token_path = dir / "a" / "control-token";
    EXPECT_EQ(ModeOf(token_path), 0600);
    const std::string now = fakes::ReadText(token_path);
    if (run == 0) token = now;
    EXPECT_EQ(now, token);
    ASSERT_EQ(token.size(), 64u);
    httplib::Client client("127.0.0.1", port);
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200) << health->body;
    auto status = client.Get("/api/status");
    ASSERT_TRUE(status);
    EXPECT_EQ(json::parse(status->body)["channels"][0]["name"], "portal");
    auto refused = client.Post("/api/items/x/retry", "{}", "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);

    if (run == 1) {
      fakes::LoaProcess second(
          fakes::DaemonCommand(LOA_BINARY, dir, dir / "b.json", dir / "b.log"));
      EXPECT_EQ(second.Wait(), 1) << second.Log();
      EXPECT_THAT(second.Log(), HasSubstr("loa cannot start: control.listen: cannot listen on "
                                          "127.0.0.1:" +
                                          std::to_string(port)));
      EXPECT_THAT(second.Log(), Not(HasSubstr("loa ready")));
    }
    EXPECT_EQ(loa.Stop(SIGTERM), 0) << loa.Log();
    EXPECT_THAT(loa.Log(), Not(HasSubstr(token)));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace loa
