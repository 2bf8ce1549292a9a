// Revisions end to end: every accepted drop of an id is a revision (with
// its file, hash, time and approver), each delivery carries one, and a
// correction that comes after a channel published leaves that channel with
// the old revision and tells the editor so in inbox/accepted/. Real parts:
// the SQLite store, ingest from an inbox folder, deliveries.jsonl, the
// control API's answer and `loa show`'s view of it.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/control_api.h"
#include "daemon/correction_note.h"
#include "daemon/daemon.h"
#include "daemon/ingest.h"
#include "daemon/operator_views.h"
#include "queue/delivery_log.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;

fs::path MakeTempDir() {
  std::string templ = "/tmp/loa-revisions-test-XXXXXX";
  char* dir = ::mkdtemp(templ.data());
  EXPECT_NE(dir, nullptr);
  return fs::path(templ);
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kId = "2026-12-20-ly-lich-tu-phap";
constexpr const char* kFirstTitle = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến";
constexpr const char* kSecondTitle = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến (đính chính)";

class RevisionsTest : public ::testing::Test {
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
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  static json ItemJson(const std::string& title, const std::string& approved_by,
                       const std::vector<std::string>& channels) {
    return {{"id", kId},
            {"title", title},
            {"body", "Sở Tư pháp hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến."},
            {"publish_at", "2026-12-20T08:00:00+07:00"},
            {"channels", channels},
            {"topics", {"cchc"}},
            {"approved_by", approved_by}};
  }

  // Drops `item` as inbox/NAME and takes it as the daemon would.
  IngestResult Drop(const std::string& name, const json& item) {
    fs::path path = config_.inbox / name;
    std::ofstream(path, std::ios::binary) << item.dump();
    return IngestItem(path, ctx_);
  }

  Delivery On(const std::string& channel) {
    for (const Delivery& d : store_->ListDeliveries(kId).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery on " << channel;
    return {};
  }

  // The channel sends the delivery and answers with `url`.
  void Publish(const std::string& channel, const std::string& url) {
    auto begun = store_->BeginAttempt(On(channel).id, clock_.Now());
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = begun->id;
    rec.number = begun->attempts;
    rec.started_at = clock_.Now();
    rec.ended_at = clock_.Now();
    rec.outcome = AttemptOutcome::kPublished;
    rec.remote_id = "77";
    rec.remote_url = url;
    ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  }

  std::map<std::string, int> CarriedRevisions() {
    std::map<std::string, int> out;
    for (const Delivery& d : store_->ListDeliveries(kId).value()) out[d.channel] = d.revision;
    return out;
  }

  std::vector<json> LogLines() {
    EXPECT_TRUE(log_->CatchUp(*store_).ok());
    std::vector<json> out;
    std::istringstream in(ReadText(config_.DeliveryLogPath()));
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  json ShowAnswer() {
    ControlSources sources;
    sources.store = store_.get();
    sources.config = [this]() -> const Config& { return config_; };
    sources.clock = &clock_;
    sources.version = "test";
    ControlApi api(sources);
    ControlAnswer answer = api.Serve({"GET", std::string("/api/items/") + kId, {}, ""});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body);
  }

  fs::path root_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  ManualClock clock_{FromUnixMillis(1'795'000'000'000)};  // 2026-11-18
  IngestContext ctx_;
};

TEST_F(RevisionsTest, ACorrectionBeforePublishingReachesEveryChannel) {
  IngestResult first =
      Drop("ly-lich.json", ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal", "facebook"}));
  ASSERT_EQ(first.kind, IngestResult::Kind::kAccepted) << first.message;
  EXPECT_EQ(first.revision, 1);
  EXPECT_EQ(CarriedRevisions(), (std::map<std::string, int>{{"facebook", 1}, {"portal", 1}}));

  clock_.Advance(hours(1));
  IngestResult second =
      Drop("ly-lich-sua.json", ItemJson(kSecondTitle, "Giám đốc Sở", {"portal", "facebook"}));
  ASSERT_EQ(second.kind, IngestResult::Kind::kReplaced) << second.message;
  EXPECT_EQ(second.revision, 2);
  EXPECT_TRUE(second.kept.empty());
  EXPECT_TRUE(second.note.empty());
  EXPECT_EQ(CarriedRevisions(), (std::map<std::string, int>{{"facebook", 2}, {"portal", 2}}));
  // No note beside either accepted file: nothing kept an old text.
  for (const auto& entry : fs::directory_iterator(AcceptedDir(config_))) {
    EXPECT_EQ(entry.path().string().find(".note.txt"), std::string::npos) << entry.path();
  }

  std::vector<ItemRevision> revisions = store_->ListRevisions(kId).value();
  ASSERT_EQ(revisions.size(), 2u);
  EXPECT_EQ(revisions[0].revision, 1);
  EXPECT_EQ(revisions[0].file, "ly-lich.json");
  EXPECT_EQ(revisions[0].approved_by, "Chánh Văn phòng");
  EXPECT_EQ(revisions[0].title, kFirstTitle);
  EXPECT_EQ(revisions[0].topics, std::vector<std::string>{"cchc"});
  EXPECT_EQ(revisions[1].revision, 2);
  EXPECT_EQ(revisions[1].file, "ly-lich-sua.json");
  EXPECT_EQ(revisions[1].accepted_at, clock_.Now());
  EXPECT_EQ(revisions[1].approved_by, "Giám đốc Sở");
  EXPECT_EQ(revisions[1].title, kSecondTitle);
  // The hash is of the item as stored (its normalized JSON), which is what
  // the store gives back.
  Item stored = store_->GetPost(kId).value();
  EXPECT_EQ(revisions[1].item_json, ItemToJson(stored).dump());
  EXPECT_EQ(revisions[1].sha256, Sha256Hex(ItemToJson(stored).dump()));
  EXPECT_NE(revisions[0].sha256, revisions[1].sha256);

  Publish("portal", "https://sotuphap.example.gov.vn/ly-lich/");
  std::vector<json> lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["revision"], 2) << lines[0].dump();
  EXPECT_EQ(lines[0]["title"], kSecondTitle);
}

TEST_F(RevisionsTest, ARepeatedDropWithoutATimeIsNoNewRevisionEither) {
  // Without publish_at an item is due when it is read; dropped again
  // unchanged five minutes later, it is still the same item.
  json item = ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal"});
  item.erase("publish_at");
  ASSERT_EQ(Drop("ly-lich.json", item).kind, IngestResult::Kind::kAccepted);
  clock_.Advance(minutes(5));
  IngestResult again = Drop("ly-lich-lan-2.json", item);
  EXPECT_EQ(again.kind, IngestResult::Kind::kReplaced) << again.message;
  EXPECT_EQ(again.revision, 1);
  EXPECT_TRUE(again.note.empty());
  EXPECT_EQ(store_->ListRevisions(kId).value().size(), 1u);
  EXPECT_EQ(On("portal").due_at, clock_.Now() - minutes(5));
  // A real change is a revision, due when it is read.
  item["title"] = kSecondTitle;
  IngestResult changed = Drop("ly-lich-sua.json", item);
  EXPECT_EQ(changed.revision, 2);
  EXPECT_EQ(On("portal").due_at, clock_.Now());
}

TEST_F(RevisionsTest, ATryCutShortKeepsItsRevisionAndItsRetrySendsItAgain) {
  // The portal is being sent revision 1 when the correction comes: it keeps
  // revision 1. The try then ends in a retry (a timeout: it may have
  // landed); the next try sends revision 1 again, as the note promised.
  ASSERT_EQ(Drop("ly-lich.json", ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal"})).kind,
            IngestResult::Kind::kAccepted);
  auto begun = store_->BeginAttempt(On("portal").id, clock_.Now());
  ASSERT_TRUE(begun.ok()) << begun.error();
  IngestResult r = Drop("đính chính.json", ItemJson(kSecondTitle, "Giám đốc Sở", {"portal"}));
  ASSERT_EQ(r.kind, IngestResult::Kind::kReplaced) << r.message;
  ASSERT_EQ(r.kept.size(), 1u);
  EXPECT_EQ(r.kept[0].revision, 1);

  AttemptRecord timeout;
  timeout.delivery_id = begun->id;
  timeout.number = begun->attempts;
  timeout.started_at = clock_.Now();
  timeout.ended_at = clock_.Now() + minutes(1);
  timeout.outcome = AttemptOutcome::kRetry;
  timeout.error_class = ErrorClass::kTransient;
  timeout.error = "timeout: no answer";
  timeout.next_attempt_at = clock_.Now() + minutes(2);
  ASSERT_TRUE(store_->FinishAttempt(timeout).ok());
  EXPECT_EQ(On("portal").state, DeliveryState::kScheduled);
  EXPECT_EQ(On("portal").revision, 1);
  // What the next try sends is revision 1, as stored when it was accepted.
  Item resent = store_->GetPostRevisionItem(kId, On("portal").revision).value();
  EXPECT_EQ(resent.title, kFirstTitle);
  EXPECT_EQ(store_->GetPostRevisionItem(kId, 2).value().title, kSecondTitle);
  EXPECT_EQ(store_->GetPostRevisionItem(kId, 3).code(), Error::Code::kNotFound);

  Publish("portal", "https://sotuphap.example.gov.vn/ly-lich/");
  std::vector<json> lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  for (const json& line : lines) {
    EXPECT_EQ(line["revision"], 1) << line.dump();
    EXPECT_EQ(line["title"], kFirstTitle) << line.dump();
  }
}

TEST_F(RevisionsTest, ACorrectionThatLeavesOutAPublishedChannelSaysItKeepsTheOldText) {
  ASSERT_EQ(
      Drop("ly-lich.json", ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal", "facebook"})).kind,
      IngestResult::Kind::kAccepted);
  Publish("portal", "https://sotuphap.example.gov.vn/ly-lich/");
  // The correction names facebook only: the portal keeps revision 1.
  IngestResult r = Drop("đính chính.json", ItemJson(kSecondTitle, "Giám đốc Sở", {"facebook"}));
  ASSERT_EQ(r.kind, IngestResult::Kind::kReplaced) << r.message;
  ASSERT_EQ(r.kept.size(), 1u);
  EXPECT_EQ(r.kept[0].channel, "portal");
  ASSERT_FALSE(r.note.empty());
  EXPECT_NE(ReadText(r.note).find("- portal: bản số 1, đã đăng"), std::string::npos)
      << ReadText(r.note);
  EXPECT_EQ(On("portal").state, DeliveryState::kPublished);
  EXPECT_EQ(On("facebook").revision, 2);
}

TEST_F(RevisionsTest, AChannelsOwnTitleIsTheTitleRecordedForIt) {
  json item = ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal", "facebook"});
  item["overrides"] = {{"facebook", {{"title", "Tiêu đề riêng cho Facebook"}}}};
  ASSERT_EQ(Drop("ly-lich.json", item).kind, IngestResult::Kind::kAccepted);
  Publish("portal", "https://sotuphap.example.gov.vn/ly-lich/");
  Publish("facebook", "https://facebook.com/123_456");
  std::map<std::string, std::string> logged;
  for (const json& line : LogLines()) logged[line["channel"]] = line["title"];
  EXPECT_EQ(logged["portal"], kFirstTitle);
  EXPECT_EQ(logged["facebook"], "Tiêu đề riêng cho Facebook");
  // The report's read and the listings say the same.
  std::map<std::string, std::string> settled;
  for (const SettledDelivery& s :
       store_->SettledBetween(clock_.Now() - hours(1), clock_.Now() + hours(1)).value()) {
    settled[s.delivery.channel] = s.title;
  }
  EXPECT_EQ(settled, logged);
  DeliveryFilter published;
  published.states = {DeliveryState::kPublished};
  std::map<std::string, std::string> listed;
  for (const DeliveryListing& l : store_->FindDeliveries(published).value()) {
    listed[l.delivery.channel] = l.title;
  }
  EXPECT_EQ(listed, logged);
  std::map<std::string, std::string> shown;
  const json answer = ShowAnswer();
  for (const json& d : answer["deliveries"]) shown[d["channel"]] = d["title"];
  EXPECT_EQ(shown, logged);
}

TEST_F(RevisionsTest, ARepeatedDropIsNoNewRevision) {
  json item = ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal"});
  ASSERT_EQ(Drop("ly-lich.json", item).kind, IngestResult::Kind::kAccepted);
  clock_.Advance(minutes(5));
  IngestResult again = Drop("ly-lich.json", item);
  EXPECT_EQ(again.kind, IngestResult::Kind::kReplaced) << again.message;
  EXPECT_EQ(again.revision, 1);
  EXPECT_TRUE(again.note.empty());
  std::vector<ItemRevision> revisions = store_->ListRevisions(kId).value();
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].accepted_at, clock_.Now() - minutes(5));
  EXPECT_EQ(store_->GetPostRevision(kId).value().revision, 1);
  EXPECT_TRUE(store_->ListRevisions("no-such-item").value().empty());
}

TEST_F(RevisionsTest, ACorrectionAfterPublishingLeavesThePublishedChannelItsRevisionAndSaysSo) {
  ASSERT_EQ(
      Drop("ly-lich.json", ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal", "facebook", "zalo"}))
          .kind,
      IngestResult::Kind::kAccepted);
  clock_.Advance(hours(1));
  Publish("portal", "https://sotuphap.example.gov.vn/ly-lich/");

  // The correction names the portal and facebook; zalo is dropped.
  clock_.Advance(hours(1));
  IngestResult r =
      Drop("đính chính.json", ItemJson(kSecondTitle, "Giám đốc Sở", {"portal", "facebook"}));
  ASSERT_EQ(r.kind, IngestResult::Kind::kReplaced) << r.message;
  EXPECT_EQ(r.revision, 2);
  ASSERT_EQ(r.kept.size(), 1u);
  EXPECT_EQ(r.kept[0].channel, "portal");
  EXPECT_EQ(r.kept[0].revision, 1);
  EXPECT_EQ(r.kept[0].remote_url, "https://sotuphap.example.gov.vn/ly-lich/");
  EXPECT_EQ(CarriedRevisions(),
            (std::map<std::string, int>{{"facebook", 2}, {"portal", 1}, {"zalo", 1}}));
  EXPECT_EQ(On("zalo").state, DeliveryState::kCancelled);

  // The note sits beside the accepted file, private like the other files
  // loa writes into the inbox, Vietnamese first.
  ASSERT_FALSE(r.note.empty());
  EXPECT_EQ(r.note, CorrectionNotePath(r.moved_to));
  EXPECT_EQ(r.note.parent_path(), AcceptedDir(config_));
  struct stat st;
  ASSERT_EQ(::stat(r.note.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << std::oct << st.st_mode;
  const std::string note = ReadText(r.note);
  const size_t vi = note.find("Bản sửa của tin bài \"" + std::string(kId) + "\"");
  const size_t en = note.find("The correction of item \"" + std::string(kId) + "\"");
  ASSERT_NE(vi, std::string::npos) << note;
  ASSERT_NE(en, std::string::npos) << note;
  EXPECT_LT(vi, en);
  EXPECT_NE(note.find("- portal: bản số 1, đã đăng, https://sotuphap.example.gov.vn/ly-lich/\n"),
            std::string::npos)
      << note;
  EXPECT_NE(
      note.find("- portal: revision 1, published, https://sotuphap.example.gov.vn/ly-lich/\n"),
      std::string::npos)
      << note;
  EXPECT_NE(note.find("These channels will publish the correction (revision 2):\n"
                      "- facebook, at 2026-12-20 08:00\n"),
            std::string::npos)
      << note;
  EXPECT_NE(
      note.find("Các kênh sau sẽ đăng bản sửa (bản số 2):\n- facebook, lúc 2026-12-20 08:00\n"),
      std::string::npos)
      << note;
  EXPECT_NE(note.find("cancelled:\n- zalo\n"), std::string::npos) << note;
  EXPECT_NE(note.find("tệp \"đính chính.json\""), std::string::npos) << note;

  // The revisions as stored: both, each with its file name.
  std::vector<ItemRevision> revisions = store_->ListRevisions(kId).value();
  ASSERT_EQ(revisions.size(), 2u);
  EXPECT_EQ(revisions[1].file, "đính chính.json");

  // The control API lists both and which revision each channel carries,
  // with the title that revision had.
  json answer = ShowAnswer();
  ASSERT_EQ(answer["revisions"].size(), 2u);
  const json& r1 = answer["revisions"][0];
  EXPECT_EQ(r1["revision"], 1);
  EXPECT_EQ(r1["accepted_at"], "2026-11-18T18:06:40+07:00");
  EXPECT_EQ(r1["file"], "ly-lich.json");
  EXPECT_EQ(r1["sha256"], revisions[0].sha256);
  EXPECT_EQ(r1["approved_by"], "Chánh Văn phòng");
  EXPECT_EQ(r1["title"], kFirstTitle);
  EXPECT_EQ(answer["revisions"][1]["revision"], 2);
  EXPECT_EQ(answer["revisions"][1]["title"], kSecondTitle);
  std::map<std::string, json> carried;
  for (const json& d : answer["deliveries"]) carried[d["channel"]] = d;
  EXPECT_EQ(carried["portal"]["revision"], 1);
  EXPECT_EQ(carried["portal"]["title"], kFirstTitle);
  EXPECT_EQ(carried["facebook"]["revision"], 2);
  EXPECT_EQ(carried["facebook"]["title"], kSecondTitle);
  EXPECT_EQ(carried["zalo"]["revision"], 1);

  // Listings (/api/queue, the dashboard) name the title each channel
  // carries too, not the newest revision's.
  DeliveryFilter every;
  every.states = {DeliveryState::kPublished, DeliveryState::kScheduled, DeliveryState::kCancelled};
  std::map<std::string, std::pair<int, std::string>> listed;
  for (const DeliveryListing& l : store_->FindDeliveries(every).value()) {
    listed[l.delivery.channel] = {l.delivery.revision, l.title};
  }
  EXPECT_EQ(listed["portal"], std::make_pair(1, std::string(kFirstTitle)));
  EXPECT_EQ(listed["facebook"], std::make_pair(2, std::string(kSecondTitle)));
  EXPECT_EQ(listed["zalo"], std::make_pair(1, std::string(kFirstTitle)));

  // `loa show` prints the revisions and a REV column.
  const std::string view = ItemView(answer, config_.timezone);
  EXPECT_NE(view.find("REV  ACCEPTED          FILE"), std::string::npos) << view;
  EXPECT_NE(view.find("1    2026-11-18 18:06  ly-lich.json"), std::string::npos) << view;
  EXPECT_NE(view.find("Giám đốc Sở"), std::string::npos) << view;
  EXPECT_NE(view.find(revisions[1].sha256.substr(0, 12)), std::string::npos) << view;
  EXPECT_EQ(view.find(revisions[1].sha256.substr(0, 13)), std::string::npos) << view;
  EXPECT_NE(view.find("ID  CHANNEL   STATE      REV"), std::string::npos) << view;

  // deliveries.jsonl: the portal's line is about revision 1 and its title,
  // zalo's cancellation too; facebook's publish is about revision 2.
  Publish("facebook", "https://facebook.com/123_456");
  std::vector<json> lines = LogLines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["channel"], "portal");
  EXPECT_EQ(lines[0]["revision"], 1);
  EXPECT_EQ(lines[0]["title"], kFirstTitle);
  EXPECT_EQ(lines[1]["channel"], "zalo");
  EXPECT_EQ(lines[1]["outcome"], "cancelled");
  EXPECT_EQ(lines[1]["revision"], 1);
  EXPECT_EQ(lines[2]["channel"], "facebook");
  EXPECT_EQ(lines[2]["revision"], 2);
  EXPECT_EQ(lines[2]["title"], kSecondTitle);
  // A file rebuilt from the rows says the same.
  fs::remove(config_.DeliveryLogPath());
  log_ = DeliveryLog::Open(config_.DeliveryLogPath()).value();
  EXPECT_EQ(LogLines(), lines);
}

TEST_F(RevisionsTest, ADeliverySentAfreshCarriesTheLatestRevision) {
  // Uncertain when the correction came (kept, revision 1); the operator's
  // retry sends it again, with what the store holds now: revision 2.
  ASSERT_EQ(Drop("a.json", ItemJson(kFirstTitle, "Chánh Văn phòng", {"portal"})).kind,
            IngestResult::Kind::kAccepted);
  auto begun = store_->BeginAttempt(On("portal").id, clock_.Now());
  ASSERT_TRUE(begun.ok());
  AttemptRecord lost;
  lost.delivery_id = begun->id;
  lost.number = 1;
  lost.started_at = lost.ended_at = clock_.Now();
  lost.outcome = AttemptOutcome::kUncertain;
  ASSERT_TRUE(store_->FinishAttempt(lost).ok());
  IngestResult r = Drop("b.json", ItemJson(kSecondTitle, "Chánh Văn phòng", {"portal"}));
  ASSERT_EQ(r.kept.size(), 1u);
  EXPECT_NE(ReadText(r.note).find("- portal: bản số 1, chưa rõ kết quả\n"), std::string::npos)
      << ReadText(r.note);
  EXPECT_EQ(On("portal").revision, 1);

  Store::OperatorDecision retry;
  retry.post_id = kId;
  ASSERT_TRUE(store_->DecideAsOperator(retry, clock_.Now()).ok());
  EXPECT_EQ(On("portal").state, DeliveryState::kScheduled);
  EXPECT_EQ(On("portal").revision, 2);
  std::vector<json> lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["revision"], 1);  // the uncertain try
  EXPECT_EQ(lines[1]["revision"], 2);  // the retry: sent afresh with revision 2
  EXPECT_EQ(lines[1]["actor"], "operator");
}

TEST(CorrectionNoteTest, NamesEveryKeptChannelWithItsStateAndEscapesLinks) {
  CorrectionNote note;
  note.id = "x";
  note.revision = 3;
  note.file = "x.json";
  note.accepted_at = "2026-12-02 10:00";
  Delivery sending;
  sending.channel = "legal-aid";
  sending.state = DeliveryState::kSending;
  sending.revision = 2;
  Delivery published;
  published.channel = "portal";
  published.state = DeliveryState::kPublished;
  published.revision = 1;
  published.remote_url = "https://x.gov.vn/\n\x1b[2J";
  note.kept = {sending, published};
  const std::string text = CorrectionNoteText(note);
  EXPECT_NE(text.find("- legal-aid: bản số 2, đang gửi\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- legal-aid: revision 2, being sent\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- portal: revision 1, published, https://x.gov.vn/\\u000A\\u001B[2J\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("will publish"), std::string::npos) << "no channel takes revision 3";
  EXPECT_EQ(CorrectionNotePath("/in/accepted/x.json"), fs::path("/in/accepted/x.json.note.txt"));
}

}  // namespace
}  // namespace loa
