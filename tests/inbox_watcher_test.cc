// The inbox watcher against real inotify in a temp folder (the injected
// clock decides when a drop has settled), and ingest against a real store.
#include "daemon/inbox_watcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/time.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/daemon.h"
#include "daemon/ingest.h"
#include "queue/delivery_log.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

fs::path MakeTempDir() {
  std::string templ = "/tmp/loa-inbox-watcher-test-XXXXXX";
  char* dir = ::mkdtemp(templ.data());
  EXPECT_NE(dir, nullptr);
  return fs::path(templ);
}

void WriteText(const fs::path& path, const std::string& text, bool append = false) {
  std::ofstream out(path, append ? std::ios::app | std::ios::binary : std::ios::binary);
  out << text;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the io_context until `done` holds or `limit` of real time passes.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done,
              Millis limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

// Runs the io_context for a fixed real time: enough for several check ticks
// and inotify deliveries, used only to show that something does NOT happen.
void RunFor(asio::io_context& io, Millis d) {
  io.restart();
  io.run_for(d);
}

class InboxWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    inbox_ = root_ / "inbox";
    fs::create_directories(inbox_ / "accepted");
    fs::create_directories(inbox_ / "rejected");
  }
  void TearDown() override {
    watcher_.reset();
    fs::remove_all(root_);
  }

  void StartWatcher(Millis rescan = std::chrono::hours(1)) {
    InboxWatcherOptions options;
    options.inbox = inbox_;
    options.settle_time = kSettle;
    options.rescan_interval = rescan;
    watcher_ = std::make_unique<InboxWatcher>(io_, options, clock_, [this](const fs::path& p) {
      if (room_ == 0) {
        refused_.push_back(p);
        return false;
      }
      if (room_ > 0) --room_;
      taken_.push_back(p);
      if (handler_) handler_(p);
      return true;
    });
    auto st = watcher_->Start();
    ASSERT_TRUE(st.ok()) << st.error();
  }

  // The handler a daemon would install: move the item out of the inbox.
  void MoveTakenItems() {
    handler_ = [this](const fs::path& p) {
      auto moved = MoveIntoFolder(p, inbox_ / "accepted", SystemClock().Now());
      ASSERT_TRUE(moved.ok()) << moved.error();
    };
  }

  static constexpr Millis kSettle = 100ms;
  fs::path root_, inbox_;
  asio::io_context io_;
  ManualClock clock_{FromUnixMillis(1'800'000'000'000)};
  std::unique_ptr<InboxWatcher> watcher_;
  std::vector<fs::path> taken_;
  int room_ = -1;  // items the handler takes before it refuses; -1: no limit
  std::vector<fs::path> refused_;
  std::function<void(const fs::path&)> handler_;
};

TEST(InboxNamesTest, IgnoresHiddenTemporaryAndOutcomeFolders) {
  for (const char* name : {"accepted", "rejected", ".hidden.json", "~lock.json", "a.json.tmp",
                           "b.json.part", "c.json.crdownload", "D.JSON.TMP", ""}) {
    EXPECT_TRUE(IsIgnoredInboxName(name)) << name;
  }
  for (const char* name : {"a.json", "2026-12-10-folder", "tin-bai.JSON", "accepted.json"}) {
    EXPECT_FALSE(IsIgnoredInboxName(name)) << name;
  }
}

TEST_F(InboxWatcherTest, FileWrittenInTwoStepsIsTakenOnlyOnceStable) {
  MoveTakenItems();
  StartWatcher();
  fs::path item = inbox_ / "tin.json";
  WriteText(item, "{\"title\": ");
  ASSERT_TRUE(RunUntil(io_, [&] { return watcher_->PendingCount() == 1; }));

  // Still inside the settle time when the second half lands: the change
  // restarts the wait.
  clock_.Advance(kSettle - 1ms);
  RunFor(io_, 60ms);
  WriteText(item, "\"x\"}", /*append=*/true);
  clock_.Advance(2ms);
  RunFor(io_, 150ms);
  EXPECT_TRUE(taken_.empty()) << "taken before it was stable";

  clock_.Advance(kSettle);
  ASSERT_TRUE(RunUntil(io_, [&] { return !taken_.empty(); }));
  ASSERT_EQ(taken_.size(), 1u);
  EXPECT_EQ(taken_[0], item);
  EXPECT_EQ(ReadText(inbox_ / "accepted" / "tin.json"), "{\"title\": \"x\"}");

  // Taken once only, even as time goes on.
  clock_.Advance(10 * kSettle);
  RunFor(io_, 100ms);
  EXPECT_EQ(taken_.size(), 1u);
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(InboxWatcherTest, FolderIsTakenOnlyOncePostJsonExists) {
  MoveTakenItems();
  StartWatcher();
  fs::path folder = inbox_ / "2026-12-10-infographic";
  fs::create_directory(folder);
  WriteText(folder / "anh.png", "not really a png");
  WriteText(folder / "noi-dung.md", "# Tin");
  ASSERT_TRUE(RunUntil(io_, [&] { return watcher_->PendingCount() == 1; }));
  clock_.Advance(10 * kSettle);
  RunFor(io_, 150ms);
  EXPECT_TRUE(taken_.empty()) << "a folder without post.json was taken";

  // post.json arrives (seen through the watch on the folder itself: the
  // periodic rescan is an hour away), then the folder settles.
  WriteText(folder / "post.json", "{}");
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle / 2);
    return !taken_.empty();
  }));
  ASSERT_EQ(taken_.size(), 1u);
  EXPECT_EQ(taken_[0], folder);
  EXPECT_TRUE(fs::exists(inbox_ / "accepted" / "2026-12-10-infographic" / "post.json"));
}

TEST_F(InboxWatcherTest, ChangeInsideAFolderRestartsTheWait) {
  MoveTakenItems();
  StartWatcher();
  fs::path folder = inbox_ / "bai-viet";
  fs::create_directory(folder);
  WriteText(folder / "post.json", "{}");
  ASSERT_TRUE(RunUntil(io_, [&] { return watcher_->PendingCount() == 1; }));
  clock_.Advance(kSettle - 1ms);
  RunFor(io_, 60ms);
  WriteText(folder / "video.mp4", "still copying");  // a media file still arriving
  clock_.Advance(2ms);
  RunFor(io_, 150ms);
  EXPECT_TRUE(taken_.empty());
  clock_.Advance(kSettle);
  ASSERT_TRUE(RunUntil(io_, [&] { return !taken_.empty(); }));
  EXPECT_EQ(taken_.size(), 1u);
}

TEST_F(InboxWatcherTest, IgnoresOutcomeFoldersHiddenAndTemporaryFiles) {
  StartWatcher();
  WriteText(inbox_ / "accepted" / "old.json", "{}");
  WriteText(inbox_ / "rejected" / "bad.json", "{}");
  WriteText(inbox_ / ".hidden.json", "{}");
  WriteText(inbox_ / "~$draft.json", "{}");
  WriteText(inbox_ / "copy.json.part", "{}");
  WriteText(inbox_ / "notes.txt", "not an item");
  clock_.Advance(10 * kSettle);
  RunFor(io_, 150ms);
  watcher_->Rescan();
  clock_.Advance(10 * kSettle);
  RunFor(io_, 150ms);
  EXPECT_TRUE(taken_.empty());
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(InboxWatcherTest, StartScanFindsItemsDroppedWhileNotRunning) {
  MoveTakenItems();
  WriteText(inbox_ / "before-start.json", "{}");
  StartWatcher();
  EXPECT_EQ(watcher_->PendingCount(), 1u);  // found by the first scan, not by inotify
  clock_.Advance(kSettle);
  ASSERT_TRUE(RunUntil(io_, [&] { return taken_.size() == 1; }));
  EXPECT_EQ(taken_[0], inbox_ / "before-start.json");

  watcher_->Stop();
  WriteText(inbox_ / "while-stopped.json", "{}");
  RunFor(io_, 50ms);
  ASSERT_TRUE(watcher_->Start().ok());
  clock_.Advance(kSettle);
  ASSERT_TRUE(RunUntil(io_, [&] { return taken_.size() == 2; }));
  EXPECT_EQ(taken_[1], inbox_ / "while-stopped.json");
}

TEST_F(InboxWatcherTest, AnItemRefusedForLackOfRoomIsOfferedAgainAtTheNextLook) {
  MoveTakenItems();
  room_ = 1;
  StartWatcher();  // no rescan within the test: only the looks may offer again
  for (const char* name : {"a.json", "b.json", "c.json"}) WriteText(inbox_ / name, "{}");
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle / 2);
    return !refused_.empty();
  }));
  ASSERT_EQ(taken_.size(), 1u);
  // The first refusal ends the look: c is not offered while b waits.
  for (const fs::path& p : refused_) EXPECT_EQ(p, inbox_ / "b.json");
  room_ = -1;  // room again
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle / 2);
    return taken_.size() == 3;
  }));
  EXPECT_EQ(taken_[1], inbox_ / "b.json");
  EXPECT_EQ(taken_[2], inbox_ / "c.json");
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(InboxWatcherTest, PeriodicRescanOffersAgainAnItemLeftInTheInbox) {
  // The first time, the handler leaves the item where it is (as a failed
  // commit would); the periodic rescan must offer it again.
  int calls = 0;
  handler_ = [&](const fs::path& p) {
    if (++calls > 1) {
      ASSERT_TRUE(MoveIntoFolder(p, inbox_ / "accepted", SystemClock().Now()).ok());
    }
  };
  // Written before the start, so no inotify event can offer it a second time.
  WriteText(inbox_ / "retry.json", "{}");
  StartWatcher(/*rescan=*/50ms);
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle / 2);
    return calls == 2;
  }));
  EXPECT_EQ(taken_.size(), 2u);
  EXPECT_TRUE(fs::exists(inbox_ / "accepted" / "retry.json"));
}

TEST_F(InboxWatcherTest, SymlinkIsTakenWhateverItsNameSoItCanBeRefusedWithAReport) {
  MoveTakenItems();
  StartWatcher();
  fs::create_symlink("/etc", inbox_ / "lien-ket");
  fs::create_symlink("/etc/passwd", inbox_ / "mat-khau");
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle);
    return taken_.size() == 2;
  }));
  EXPECT_EQ(taken_[0], inbox_ / "lien-ket");
  EXPECT_EQ(taken_[1], inbox_ / "mat-khau");
}

TEST_F(InboxWatcherTest, ItemMovedInWholeIsTaken) {
  MoveTakenItems();
  StartWatcher();
  fs::path outside = root_ / "staging";
  fs::create_directories(outside / "folder-item");
  WriteText(outside / "folder-item" / "post.json", "{}");
  WriteText(outside / "file-item.json", "{}");
  fs::rename(outside / "folder-item", inbox_ / "folder-item");
  fs::rename(outside / "file-item.json", inbox_ / "file-item.json");
  ASSERT_TRUE(RunUntil(io_, [&] {
    clock_.Advance(kSettle / 2);
    return taken_.size() == 2;
  }));
}

// ---- ingest ----

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    config_ = DefaultConfig(root_);
    ASSERT_TRUE(CreateFolders(config_).ok());
    auto store = SqliteStore::Open(config_.DatabasePath());
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    auto log = DeliveryLog::Open(config_.DeliveryLogPath());
    ASSERT_TRUE(log.ok()) << log.error();
    log_ = std::move(log).value();
    ctx_.config = &config_;
    ctx_.store = store_.get();
    ctx_.delivery_log = log_.get();
    ctx_.clock = &clock_;
    ctx_.wake = [this] { ++wakes_; };
  }
  void TearDown() override { fs::remove_all(root_); }

  // Copies a sample into the inbox (samples are read-only in the tree).
  fs::path DropSample(const std::string& name) {
    fs::path from = fs::path(LOA_SAMPLES_DIR) / name;
    fs::path to = config_.inbox / name;
    fs::copy(from, to, fs::copy_options::recursive);
    fs::permissions(to, fs::perms::owner_write, fs::perm_options::add);
    if (fs::is_directory(to)) {
      for (auto& e : fs::directory_iterator(to)) {
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
      }
    }
    return to;
  }

  fs::path DropJson(const std::string& name, const json& j) {
    fs::path to = config_.inbox / name;
    WriteText(to, j.dump(2));
    return to;
  }

  std::vector<json> LogLines() {
    std::vector<json> lines;
    std::istringstream in(ReadText(config_.DeliveryLogPath()));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(json::parse(line));
    }
    return lines;
  }

  static json ValidItem(const std::string& id) {
    return {{"id", id},
            {"title", "Thông báo lịch tiếp công dân"},
            {"body", "Sở Tư pháp thông báo lịch tiếp công dân tháng 12."},
            {"publish_at", "2026-12-20T08:00:00+07:00"},
            {"channels", {"portal", "facebook"}},
            {"approved_by", "Chánh Văn phòng"}};
  }

  fs::path root_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  ManualClock clock_{FromUnixMillis(1'795'000'000'000)};  // 2026-11-18, before the samples
  IngestContext ctx_;
  int wakes_ = 0;
};

TEST_F(IngestTest, SamplesAreCommittedThenMovedToAccepted) {
  struct Case {
    std::string name, id;
    size_t channels;
  };
  std::vector<Case> cases = {
      {"2026-12-02-dich-vu-cong-truc-tuyen.json", "2026-12-02-dich-vu-cong-truc-tuyen", 4},
      {"2026-12-05-tap-huan-kiem-soat-tthc.json", "2026-12-05-tap-huan-kiem-soat-tthc", 5},
      {"2026-12-10-infographic-de-an-06", "2026-12-10-infographic-de-an-06", 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fs::path path = DropSample(c.name);
    IngestResult r = IngestItem(path, ctx_);
    EXPECT_EQ(r.kind, IngestResult::Kind::kAccepted) << r.message;
    EXPECT_EQ(r.id, c.id);
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(r.moved_to, config_.inbox / "accepted" / c.name);
    EXPECT_TRUE(fs::exists(r.moved_to));
    auto post = store_->GetPost(c.id);
    ASSERT_TRUE(post.ok()) << post.error();
    auto deliveries = store_->ListDeliveries(c.id).value();
    EXPECT_EQ(deliveries.size(), c.channels);
    for (const auto& d : deliveries) EXPECT_EQ(d.state, DeliveryState::kScheduled);
  }
  EXPECT_EQ(wakes_, 3);
  // The folder item's media are kept for the connectors, byte for byte.
  fs::path media = config_.MediaDir() / "2026-12-10-infographic-de-an-06" / "infographic.png";
  ASSERT_TRUE(fs::exists(media));
  EXPECT_EQ(ReadText(media), ReadText(fs::path(LOA_SAMPLES_DIR) /
                                      "2026-12-10-infographic-de-an-06" / "infographic.png"));
  EXPECT_TRUE(fs::is_empty(config_.inbox / "rejected"));
}

TEST_F(IngestTest, InvalidItemIsRejectedWithItsReport) {
  json bad = ValidItem("thieu-tieu-de");
  bad.erase("title");
  bad["channels"] = {"portal", "tiktok"};
  fs::path path = DropJson("thieu-tieu-de.json", bad);
  IngestResult r = IngestItem(path, ctx_);
  EXPECT_EQ(r.kind, IngestResult::Kind::kRejected) << r.message;
  EXPECT_FALSE(fs::exists(path));
  fs::path moved = config_.inbox / "rejected" / "thieu-tieu-de.json";
  EXPECT_EQ(r.moved_to, moved);
  EXPECT_TRUE(fs::exists(moved));
  std::string report = ReadText(config_.inbox / "rejected" / "thieu-tieu-de.json.error.txt");
  EXPECT_NE(report.find("title"), std::string::npos) << report;
  EXPECT_NE(report.find("tiktok"), std::string::npos) << report;
  EXPECT_FALSE(store_->GetPost("thieu-tieu-de").ok());
  EXPECT_EQ(wakes_, 0);
}

TEST_F(IngestTest, RejectedNameClashKeepsBothWithTheirReports) {
  json bad = ValidItem("x");
  bad["publish_at"] = "ngày mai";
  IngestResult first = IngestItem(DropJson("trung-ten.json", bad), ctx_);
  IngestResult second = IngestItem(DropJson("trung-ten.json", bad), ctx_);
  ASSERT_EQ(first.kind, IngestResult::Kind::kRejected);
  ASSERT_EQ(second.kind, IngestResult::Kind::kRejected);
  EXPECT_NE(first.moved_to, second.moved_to);
  for (const auto& p : {first.moved_to, second.moved_to}) {
    EXPECT_TRUE(fs::exists(p));
    fs::path report = p.parent_path() / (p.filename().string() + ".error.txt");
    EXPECT_NE(ReadText(report).find("publish_at"), std::string::npos) << report;
  }
}

TEST_F(IngestTest, ReingestingAnIdenticalItemDuplicatesNothing) {
  // As after a crash between the commit and the move: the same item is
  // taken a second time.
  IngestResult first = IngestItem(DropJson("lich.json", ValidItem("lich")), ctx_);
  ASSERT_EQ(first.kind, IngestResult::Kind::kAccepted) << first.message;
  auto before = store_->ListDeliveries("lich").value();
  IngestResult second = IngestItem(DropJson("lich.json", ValidItem("lich")), ctx_);
  EXPECT_EQ(second.kind, IngestResult::Kind::kReplaced) << second.message;
  auto after = store_->ListDeliveries("lich").value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].channel, before[i].channel);
    EXPECT_EQ(after[i].state, DeliveryState::kScheduled);
    EXPECT_EQ(after[i].due_at, before[i].due_at);
  }
  // Both sources are kept in accepted/, the second under a suffixed name.
  EXPECT_TRUE(fs::exists(first.moved_to));
  EXPECT_TRUE(fs::exists(second.moved_to));
  EXPECT_NE(first.moved_to, second.moved_to);
  EXPECT_TRUE(LogLines().empty());  // nothing was attempted or cancelled
}

TEST_F(IngestTest, ReplacementKeepsPublishedChannelsAndCancelsDroppedOnes) {
  json item = ValidItem("thay-the");
  item["channels"] = {"portal", "facebook", "zalo"};
  ASSERT_EQ(IngestItem(DropJson("thay-the.json", item), ctx_).kind, IngestResult::Kind::kAccepted);
  // portal goes out.
  std::optional<Delivery> portal;
  for (const auto& d : store_->ListDeliveries("thay-the").value()) {
    if (d.channel == "portal") portal = d;
  }
  ASSERT_TRUE(portal);
  ASSERT_TRUE(store_->BeginAttempt(portal->id, clock_.Now()).ok());
  AttemptRecord sent;
  sent.delivery_id = portal->id;
  sent.number = 1;
  sent.started_at = sent.ended_at = clock_.Now();
  sent.outcome = AttemptOutcome::kPublished;
  sent.remote_id = "101";
  ASSERT_TRUE(store_->FinishAttempt(sent).ok());

  item["title"] = "Tiêu đề đã sửa";
  item["channels"] = {"portal", "facebook"};  // zalo dropped
  IngestResult r = IngestItem(DropJson("thay-the.json", item), ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kReplaced) << r.message;
  EXPECT_NE(r.message.find("kept portal"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("cancelled zalo"), std::string::npos) << r.message;
  std::map<std::string, DeliveryState> states;
  for (const auto& d : store_->ListDeliveries("thay-the").value()) states[d.channel] = d.state;
  EXPECT_EQ(states["portal"], DeliveryState::kPublished);
  EXPECT_EQ(states["facebook"], DeliveryState::kScheduled);
  EXPECT_EQ(states["zalo"], DeliveryState::kCancelled);
  // The log is the attempt rows: portal's try (committed above) and zalo's
  // cancellation.
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["channel"], "portal");
  EXPECT_EQ(lines[1]["item"], "thay-the");
  EXPECT_EQ(lines[1]["channel"], "zalo");
  EXPECT_EQ(lines[1]["outcome"], "cancelled");
}

TEST_F(IngestTest, RetractCancelsWhatHasNotGoneOutAndReportsWhatHas) {
  json item = ValidItem("go-bai");
  item["channels"] = {"portal", "facebook", "zalo"};
  ASSERT_EQ(IngestItem(DropJson("go-bai.json", item), ctx_).kind, IngestResult::Kind::kAccepted);
  std::map<std::string, Delivery> by_channel;
  for (const auto& d : store_->ListDeliveries("go-bai").value()) by_channel[d.channel] = d;
  // portal is already out.
  ASSERT_TRUE(store_->BeginAttempt(by_channel["portal"].id, clock_.Now()).ok());
  AttemptRecord sent;
  sent.delivery_id = by_channel["portal"].id;
  sent.number = 1;
  sent.started_at = sent.ended_at = clock_.Now();
  sent.outcome = AttemptOutcome::kPublished;
  sent.remote_url = "https://portal.example/go-bai/";
  ASSERT_TRUE(store_->FinishAttempt(sent).ok());

  // The editor drops the item again, asking to retract it from portal and facebook.
  item["action"] = "retract";
  item["channels"] = {"portal", "facebook"};
  int wakes_before = wakes_;
  IngestResult r = IngestItem(DropJson("go-bai.json", item), ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kRetracted) << r.message;
  EXPECT_NE(r.message.find("cancelled facebook"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("portal (https://portal.example/go-bai/)"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("taking it down from portal"), std::string::npos) << r.message;
  EXPECT_TRUE(fs::exists(r.moved_to));
  EXPECT_EQ(r.moved_to.parent_path(), config_.inbox / "accepted");
  EXPECT_EQ(wakes_, wakes_before + 1);

  std::map<std::string, DeliveryState> states;
  for (const auto& d : store_->ListDeliveries("go-bai").value()) states[d.channel] = d.state;
  EXPECT_EQ(states["portal"], DeliveryState::kPublished);  // until the engine takes it down
  EXPECT_TRUE(store_->NextRetract("portal")->has_value());
  EXPECT_EQ(states["facebook"], DeliveryState::kCancelled);
  EXPECT_EQ(states["zalo"], DeliveryState::kScheduled);  // not named by the retract
  auto attempts = store_->ListAttempts(by_channel["facebook"].id).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kCancelled);
  // The log is the attempt rows: portal's try (committed above) and
  // facebook's cancellation.
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["channel"], "portal");
  EXPECT_EQ(lines[1]["item"], "go-bai");
  EXPECT_EQ(lines[1]["channel"], "facebook");
  EXPECT_EQ(lines[1]["outcome"], "cancelled");
  EXPECT_EQ(lines[1]["error"], "retracted before it went out");
}

TEST_F(IngestTest, RetractOfAnUnknownItemIsRejected) {
  json item = ValidItem("khong-co");
  item["action"] = "retract";
  IngestResult r = IngestItem(DropJson("khong-co.json", item), ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kRejected) << r.message;
  std::string report = ReadText(config_.inbox / "rejected" / "khong-co.json.error.txt");
  EXPECT_NE(report.find("khong-co"), std::string::npos) << report;
  EXPECT_TRUE(store_->ListDeliveries("khong-co").value().empty());
}

TEST_F(IngestTest, RetractWhileTheStoreCannotBeReadStaysInTheInbox) {
  // "No such item" and "the store cannot say" are different answers: the
  // editor gets no wrong rejection, and the instruction is taken again later.
  IngestResult first = IngestItem(DropJson("co.json", ValidItem("co")), ctx_);
  ASSERT_EQ(first.kind, IngestResult::Kind::kAccepted) << first.message;
  json item = ValidItem("co");
  item["action"] = "retract";
  const fs::path path = DropJson("co.json", item);
  ASSERT_TRUE(store_->ExecForTest("ALTER TABLE posts RENAME TO posts_away").ok());
  IngestResult r = IngestItem(path, ctx_);
  EXPECT_EQ(r.kind, IngestResult::Kind::kError) << r.message;
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(config_.inbox / "rejected" / "co.json.error.txt"));

  ASSERT_TRUE(store_->ExecForTest("ALTER TABLE posts_away RENAME TO posts").ok());
  r = IngestItem(path, ctx_);
  EXPECT_EQ(r.kind, IngestResult::Kind::kRetracted) << r.message;
}

TEST_F(IngestTest, ItemWhoseMediaCannotBeStoredStaysInTheInbox) {
  // Media are stored before the commit: when that fails, nothing is
  // committed and the folder stays in the inbox for the next scan.
  fs::path path = DropSample("2026-12-10-infographic-de-an-06");
  fs::path media_dir = config_.MediaDir() / "2026-12-10-infographic-de-an-06";
  WriteText(media_dir, "a file where the media folder should be");
  IngestResult r = IngestItem(path, ctx_);
  EXPECT_EQ(r.kind, IngestResult::Kind::kError) << r.message;
  EXPECT_TRUE(fs::exists(path / "post.json"));
  EXPECT_FALSE(store_->GetPost("2026-12-10-infographic-de-an-06").ok());
  EXPECT_EQ(wakes_, 0);

  // Once the obstacle is gone, the next scan takes it.
  fs::remove(media_dir);
  EXPECT_EQ(IngestItem(path, ctx_).kind, IngestResult::Kind::kAccepted);
}

TEST_F(IngestTest, ANameTooLongForItsReportIsStoredShortenedWithTheReportBesideIt) {
  // 255 bytes: the longest name a file can have, so "NAME.error.txt" cannot exist.
  const std::string name = std::string(250, 'a') + ".json";
  json bad = ValidItem("ten-dai");
  bad.erase("title");
  for (int drop = 0; drop < 2; ++drop) {  // the second one clashes and gets a suffix too
    IngestResult r = IngestItem(DropJson(name, bad), ctx_);
    ASSERT_EQ(r.kind, IngestResult::Kind::kRejected) << r.message;
    EXPECT_FALSE(fs::exists(config_.inbox / name));
    EXPECT_EQ(r.moved_to.filename().string().substr(0, 150), std::string(150, 'a'));
    EXPECT_LE(r.moved_to.filename().string().size(), kMaxStoredNameBytes + 20);
    fs::path report = r.moved_to.parent_path() / (r.moved_to.filename().string() + ".error.txt");
    ASSERT_TRUE(fs::exists(report)) << report;
    std::string text = ReadText(report);
    EXPECT_NE(text.find("Item \"" + name + "\" was rejected"), std::string::npos) << text;
    EXPECT_NE(text.find("stored in rejected/ as \"" + r.moved_to.filename().string() + "\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("title is missing"), std::string::npos) << text;
  }
  EXPECT_EQ(StoredName(name), fs::path(StoredName(name)).filename().string());

  // A valid item under such a name is accepted and moved out all the same.
  IngestResult ok = IngestItem(DropJson(name, ValidItem("ten-dai")), ctx_);
  ASSERT_EQ(ok.kind, IngestResult::Kind::kAccepted) << ok.message;
  EXPECT_EQ(ok.moved_to, config_.inbox / "accepted" / StoredName(name));
  EXPECT_FALSE(fs::exists(config_.inbox / name));
}

TEST_F(IngestTest, ControlCharactersInAnItemNeverReachTheStoreOrTheReportRaw) {
  json bad = ValidItem("dieu-khien");
  bad["title"] = "Tin \x1b[31mđỏ\x07";
  fs::path path = DropJson("dieu\nkhien.json", bad);
  IngestResult r = IngestItem(path, ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kRejected) << r.message;
  EXPECT_FALSE(store_->GetPost("dieu-khien").ok());
  std::string report =
      ReadText(r.moved_to.parent_path() / (r.moved_to.filename().string() + ".error.txt"));
  EXPECT_NE(report.find("Item \"dieu\\u000Akhien.json\" was rejected"), std::string::npos)
      << report;
  EXPECT_NE(report.find("title holds the control character U+001B (ESC) at character 5"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find('\x1b'), std::string::npos);
  EXPECT_EQ(report.find('\x07'), std::string::npos);
  EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
}

TEST_F(IngestTest, MediaThatIsAFifoIsRejectedByKindWithoutBlocking) {
  fs::path path = DropSample("2026-12-10-infographic-de-an-06");
  // A FIFO nobody writes to would block open() and read() for ever.
  fs::path image = path / "infographic.png";
  fs::remove(image);
  ASSERT_EQ(::mkfifo(image.c_str(), 0644), 0);
  IngestResult r = IngestItem(path, ctx_);
  EXPECT_EQ(r.kind, IngestResult::Kind::kRejected) << r.message;
  std::string report =
      ReadText(r.moved_to.parent_path() / (r.moved_to.filename().string() + ".error.txt"));
  EXPECT_NE(report.find("is a named pipe (FIFO)"), std::string::npos) << report;
}

}  // namespace
}  // namespace loa
