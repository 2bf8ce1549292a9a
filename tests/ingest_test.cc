// Ingest in two phases: the media copy that also hashes (one pass, bounded
// chunks, a changing source refused, a crash's half copy cleaned up), and
// the worker that prepares items off the io thread and commits them on it,
// so a 200 MB video does not hold up the io thread's timers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/encode.h"
#include "base/fs.h"
#include "base/time.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/daemon.h"
#include "daemon/ingest.h"
#include "daemon/ingest_prepare.h"
#include "daemon/ingest_worker.h"
#include "queue/delivery_log.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

fs::path MakeTempDir() {
  std::string templ = "/tmp/loa-ingest-test-XXXXXX";
  char* dir = ::mkdtemp(templ.data());
  EXPECT_NE(dir, nullptr);
  return fs::path(templ);
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SHA-256 of a file read through OpenSSL directly, apart from the code
// under test.
std::string FileSha256(const fs::path& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buf(4 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(md.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

// A big file made fast: sparse (ftruncate) with a few written blocks, so
// that its hash depends on where they are. Reading it still goes through
// every byte.
void MakeBigFile(const fs::path& path, int64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  const std::string block(static_cast<size_t>(std::min<int64_t>(4096, size)), 'v');
  const int64_t last = size - static_cast<int64_t>(block.size());
  for (int64_t at : {int64_t{0}, size / 3, size / 2 + 12345, last}) {
    at = std::min(at, last);
    ASSERT_EQ(::pwrite(fd, block.data(), block.size(), at), static_cast<ssize_t>(block.size()));
  }
  ::close(fd);
}

std::vector<std::string> Names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---- the copy ----------------------------------------------------------------------

class MediaCopyTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MediaCopyTest, CopiesAndHashesInOnePassAcrossChunks) {
  // More than two chunks and not a multiple of one.
  std::string data;
  for (size_t i = 0; data.size() < 2 * kMediaChunkBytes + 17; ++i) data += std::to_string(i);
  WriteText(dir_ / "clip.mp4", data);
  auto sha =
      CopyAndHashMedia(dir_ / "clip.mp4", dir_ / "copy.mp4", static_cast<int64_t>(data.size()));
  ASSERT_TRUE(sha.ok()) << sha.error();
  EXPECT_EQ(*sha, Sha256Hex(data));
  EXPECT_EQ(ReadText(dir_ / "copy.mp4"), data);
  EXPECT_EQ(Names(dir_), (std::vector<std::string>{"clip.mp4", "copy.mp4"}));
}

TEST_F(MediaCopyTest, StreamedHashEqualsTheWholeHash) {
  Sha256Stream sha;
  sha.Update("loa ");
  sha.Update("");
  sha.Update("phát thanh");
  EXPECT_EQ(sha.HexDigest(), Sha256Hex("loa phát thanh"));
}

TEST_F(MediaCopyTest, AFileThatChangedSinceItWasCheckedIsNotStored) {
  WriteText(dir_ / "stored.png", "what the connectors send now");
  // The parser saw 9 bytes; the file has grown since, then shrunk.
  WriteText(dir_ / "anh.png", "twenty bytes exactly");
  auto grown = CopyAndHashMedia(dir_ / "anh.png", dir_ / "stored.png", 9);
  ASSERT_FALSE(grown.ok());
  EXPECT_NE(grown.error().find("changed after it was validated"), std::string::npos);
  WriteText(dir_ / "anh.png", "short");
  auto shrunk = CopyAndHashMedia(dir_ / "anh.png", dir_ / "stored.png", 9);
  ASSERT_FALSE(shrunk.ok());
  EXPECT_NE(shrunk.error().find("changed after it was validated"), std::string::npos);
  // The stored file is untouched and no temporary file is left.
  EXPECT_EQ(ReadText(dir_ / "stored.png"), "what the connectors send now");
  EXPECT_EQ(Names(dir_), (std::vector<std::string>{"anh.png", "stored.png"}));
}

TEST_F(MediaCopyTest, ASourceWrittenToDuringTheCopyIsNotStored) {
  const int64_t size = 200 << 20;
  const fs::path source = dir_ / "clip.mp4";
  MakeBigFile(source, size);
  // An old mtime, so the write below moves it whatever the clock's grain.
  const struct timespec old_times[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, source.c_str(), old_times, 0), 0);

  Result<std::string> copied = Error{"not run"};
  std::thread copier([&] { copied = CopyAndHashMedia(source, dir_ / "stored.mp4", size); });
  // Once the copy is under way, an editor saves over the start of the file
  // (same size): the bytes already hashed are stale.
  const fs::path temp = dir_ / ("stored.mp4.tmp-" + std::to_string(::getpid()));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists(temp) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  int fd = ::open(source.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "edited", 6, 0), 6);
  ::close(fd);
  copier.join();
  ASSERT_FALSE(copied.ok()) << "the copy finished before the write: make the file larger";
  EXPECT_NE(copied.error().find("changed after it was validated"), std::string::npos)
      << copied.error();
  EXPECT_EQ(Names(dir_), (std::vector<std::string>{"clip.mp4"}));
}

TEST_F(MediaCopyTest, ASourceSwappedForSomethingElseIsRefused) {
  fs::create_symlink("/etc/passwd", dir_ / "anh.png");
  EXPECT_FALSE(CopyAndHashMedia(dir_ / "anh.png", dir_ / "stored.png", 10).ok());
  ASSERT_EQ(::mkfifo((dir_ / "pipe.png").c_str(), 0600), 0);
  auto fifo = CopyAndHashMedia(dir_ / "pipe.png", dir_ / "stored.png", 10);  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().find("no longer a regular file"), std::string::npos) << fifo.error();
  EXPECT_FALSE(fs::exists(dir_ / "stored.png"));
}

TEST_F(MediaCopyTest, ACancelledCopyLeavesNothingBehind) {
  MakeBigFile(dir_ / "clip.mp4", 8 * static_cast<int64_t>(kMediaChunkBytes));
  std::atomic<bool> cancel{true};
  auto r = CopyAndHashMedia(dir_ / "clip.mp4", dir_ / "stored.mp4",
                            8 * static_cast<int64_t>(kMediaChunkBytes), &cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("abandoned"), std::string::npos) << r.error();
  EXPECT_EQ(Names(dir_), (std::vector<std::string>{"clip.mp4"}));
}

// ---- prepare and commit ------------------------------------------------------------

class IngestPhasesTest : public ::testing::Test {
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
  void TearDown() override {
    worker_.reset();
    fs::remove_all(root_);
  }

  static json ItemJson(const std::string& id, const json& media = json::array()) {
    return {{"id", id},
            {"title", "Video hướng dẫn nộp hồ sơ trực tuyến"},
            {"body", "Sở Tư pháp hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến."},
            {"publish_at", "2026-12-20T08:00:00+07:00"},
            {"channels", {"portal"}},
            {"approved_by", "Chánh Văn phòng"},
            {"media", media}};
  }

  // A folder item NAME/ holding post.json and one video of `size` bytes.
  fs::path DropVideoItem(const std::string& id, int64_t size) {
    fs::path folder = config_.inbox / id;
    fs::create_directories(folder);
    MakeBigFile(folder / "video.mp4", size);
    WriteText(folder / "post.json", ItemJson(id, {{{"file", "video.mp4"}}}).dump());
    return folder;
  }

  void StartWorker(size_t max_queued = IngestWorker::kMaxQueued) {
    worker_ = std::make_unique<IngestWorker>(
        io_, ctx_, [this](const IngestResult& r) { results_.push_back(r); }, max_queued);
  }

  // Runs the io thread (this one) until `n` results have come back.
  bool RunUntilResults(size_t n, Millis limit = 60s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (results_.size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(5ms);
    }
    return true;
  }

  fs::path root_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  ManualClock clock_{FromUnixMillis(1'795'000'000'000)};  // 2026-11-18
  IngestContext ctx_;
  int wakes_ = 0;
  asio::io_context io_;
  std::unique_ptr<IngestWorker> worker_;
  std::vector<IngestResult> results_;
};

TEST_F(IngestPhasesTest, TheStoredItemCarriesTheHashOfTheCopyAndTheParserNone) {
  fs::path sample = fs::path(LOA_SAMPLES_DIR) / "2026-12-10-infographic-de-an-06";
  fs::path path = config_.inbox / sample.filename();
  fs::copy(sample, path, fs::copy_options::recursive);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);

  PreparedItem prepared = PrepareItem(path, MakePrepareOptions(config_, clock_.Now()));
  ASSERT_TRUE(prepared.parsed.ok());
  ASSERT_TRUE(prepared.media_error.empty()) << prepared.media_error;
  const std::string want = Sha256Hex(ReadText(sample / "infographic.png"));
  ASSERT_EQ(prepared.parsed.item->media.size(), 1u);
  EXPECT_EQ(prepared.parsed.item->media[0].sha256, want);
  // Preparing committed nothing and moved nothing.
  EXPECT_FALSE(store_->GetPost("2026-12-10-infographic-de-an-06").ok());
  EXPECT_TRUE(fs::exists(path / "post.json"));

  IngestResult r = CommitItem(prepared, ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kAccepted) << r.message;
  auto post = store_->GetPost("2026-12-10-infographic-de-an-06");
  ASSERT_TRUE(post.ok()) << post.error();
  ASSERT_EQ(post->media.size(), 1u);
  EXPECT_EQ(post->media[0].sha256, want);
  EXPECT_EQ(FileSha256(config_.MediaDir() / "2026-12-10-infographic-de-an-06" / "infographic.png"),
            want);

  // Dropped again as it was: the same hash, so the store sees no change.
  fs::copy(sample, path, fs::copy_options::recursive);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  IngestResult again = IngestItem(path, ctx_);
  EXPECT_EQ(again.kind, IngestResult::Kind::kReplaced) << again.message;
  EXPECT_NE(again.message.find("nothing changed"), std::string::npos) << again.message;
}

TEST_F(IngestPhasesTest, AHalfCopyLeftByACrashIsRemovedByTheNextTake) {
  fs::path path = DropVideoItem("video-do-dang", 3 * static_cast<int64_t>(kMediaChunkBytes));
  fs::path media = config_.MediaDir() / "video-do-dang";
  fs::create_directories(media);
  WriteText(media / "video.mp4.tmp-4242", "half a copy from a daemon that died");
  IngestResult r = IngestItem(path, ctx_);
  ASSERT_EQ(r.kind, IngestResult::Kind::kAccepted) << r.message;
  EXPECT_EQ(Names(media), (std::vector<std::string>{"video.mp4"}));
}

TEST_F(IngestPhasesTest, AFailedMediaCopyCommitsNothingAndLeavesTheItem) {
  fs::path path = DropVideoItem("video-loi", 1000);
  WriteText(config_.MediaDir() / "video-loi", "a file where the media folder should be");
  StartWorker();
  ASSERT_TRUE(worker_->Offer(path));
  ASSERT_TRUE(RunUntilResults(1));
  EXPECT_EQ(results_[0].kind, IngestResult::Kind::kError) << results_[0].message;
  EXPECT_NE(results_[0].message.find("storing its media failed"), std::string::npos);
  EXPECT_TRUE(fs::exists(path / "post.json"));
  EXPECT_FALSE(store_->GetPost("video-loi").ok());
  EXPECT_EQ(wakes_, 0);
}

TEST_F(IngestPhasesTest, TheWorkerCommitsItemsInTheOrderTheyWereOffered) {
  StartWorker();
  std::vector<fs::path> paths;
  for (const char* id : {"bai-c", "bai-a", "bai-b"}) {
    paths.push_back(config_.inbox / (std::string(id) + ".json"));
    json item = ItemJson(id);
    item.erase("media");
    WriteText(paths.back(), item.dump());
    ASSERT_TRUE(worker_->Offer(paths.back()));
  }
  ASSERT_TRUE(worker_->Offer(paths[2]));  // already queued: not taken twice
  // Under way: taken once more after it only if still in the inbox then;
  // it is in accepted/ by then.
  ASSERT_TRUE(worker_->Offer(paths[0]));
  EXPECT_EQ(worker_->PendingCount(), 3u);
  ASSERT_TRUE(RunUntilResults(3));
  RunUntilResults(4, 200ms);
  ASSERT_EQ(results_.size(), 3u);
  EXPECT_EQ(results_[0].id, "bai-c");
  EXPECT_EQ(results_[1].id, "bai-a");
  EXPECT_EQ(results_[2].id, "bai-b");
  for (const auto& r : results_) EXPECT_EQ(r.kind, IngestResult::Kind::kAccepted) << r.message;
  EXPECT_EQ(worker_->PendingCount(), 0u);
  // Once per committed batch: how the three were batched depends on timing.
  EXPECT_GE(wakes_, 1);
  EXPECT_LE(wakes_, 3);
}

// A batch shares one transaction: when SQLite undoes it (here a trigger
// that raises ROLLBACK, as a full disk or an I/O error would), no item of it
// is moved out of the inbox nor logged as taken, and an invalid item of the
// batch is still rejected. The next batch commits whole, with one wake.
TEST_F(IngestPhasesTest, ABatchCommitsTogetherAndAnUndoneBatchLeavesItsItemsInTheInbox) {
  auto drop = [&](const std::string& id, bool valid = true) {
    fs::path path = config_.inbox / (id + ".json");
    json item = ItemJson(id);
    item.erase("media");
    if (!valid) item.erase("title");
    WriteText(path, item.dump());
    return path;
  };
  auto prepare = [&](const std::vector<fs::path>& paths) {
    std::vector<PreparedItem> out;
    for (const auto& p : paths)
      out.push_back(PrepareItem(p, MakePrepareOptions(config_, clock_.Now())));
    return out;
  };
  ASSERT_TRUE(
      store_
          ->ExecForTest("CREATE TEMP TRIGGER undo_all BEFORE INSERT ON main.posts "
                        "WHEN NEW.id = 'bai-3' BEGIN SELECT RAISE(ROLLBACK, 'disk gone'); END")
          .ok());
  std::vector<fs::path> paths = {drop("bai-1"), drop("bai-sai", false), drop("bai-3"),
                                 drop("bai-4")};
  std::vector<IngestResult> undone = CommitItems(prepare(paths), ctx_);
  ASSERT_EQ(undone.size(), 4u);
  EXPECT_EQ(undone[0].kind, IngestResult::Kind::kError);
  EXPECT_NE(undone[0].message.find("could not commit"), std::string::npos) << undone[0].message;
  EXPECT_EQ(undone[1].kind, IngestResult::Kind::kRejected) << undone[1].message;
  EXPECT_EQ(undone[2].kind, IngestResult::Kind::kError);
  EXPECT_EQ(undone[3].kind, IngestResult::Kind::kError);
  for (size_t i : {0u, 2u, 3u}) {
    EXPECT_TRUE(fs::exists(paths[i])) << paths[i];
    EXPECT_FALSE(store_->GetPost(undone[i].id).ok()) << undone[i].id;
  }
  EXPECT_FALSE(fs::exists(paths[1]));
  EXPECT_EQ(wakes_, 0);

  ASSERT_TRUE(store_->ExecForTest("DROP TRIGGER undo_all").ok());
  std::vector<IngestResult> taken = CommitItems(prepare({paths[0], paths[2], paths[3]}), ctx_);
  ASSERT_EQ(taken.size(), 3u);
  for (const auto& r : taken) {
    EXPECT_EQ(r.kind, IngestResult::Kind::kAccepted) << r.message;
    EXPECT_TRUE(store_->GetPost(r.id).ok()) << r.id;
    EXPECT_TRUE(fs::exists(r.moved_to)) << r.moved_to;
  }
  for (size_t i : {0u, 2u, 3u}) EXPECT_FALSE(fs::exists(paths[i])) << paths[i];
  EXPECT_EQ(wakes_, 1);
}

TEST_F(IngestPhasesTest, AFullQueueLeavesTheItemInTheInbox) {
  StartWorker(/*max_queued=*/1);
  fs::path a = DropVideoItem("mot", 2 * static_cast<int64_t>(kMediaChunkBytes));
  fs::path b = DropVideoItem("hai", 1000);
  fs::path c = DropVideoItem("ba", 1000);
  EXPECT_TRUE(worker_->Offer(a));   // under way
  EXPECT_TRUE(worker_->Offer(b));   // queued
  EXPECT_FALSE(worker_->Offer(c));  // refused: stays for the next rescan
  ASSERT_TRUE(RunUntilResults(2));
  EXPECT_TRUE(fs::exists(c / "post.json"));
  EXPECT_TRUE(worker_->Offer(c));
  ASSERT_TRUE(RunUntilResults(3));
  EXPECT_EQ(results_[2].id, "ba");
}

TEST_F(IngestPhasesTest, StoppingAbandonsTheCopyAndKeepsTheItemInTheInbox) {
  // Large enough for the copy to be seen under way before the stop comes.
  fs::path path = DropVideoItem("video-dung", 200 << 20);
  StartWorker();
  ASSERT_TRUE(worker_->Offer(path));
  const fs::path temp =
      config_.MediaDir() / "video-dung" / ("video.mp4.tmp-" + std::to_string(::getpid()));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists(temp) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(fs::exists(temp)) << "the copy never started";
  worker_->Stop();
  EXPECT_FALSE(worker_->Offer(path));
  worker_.reset();  // joins the worker thread
  io_.restart();
  io_.run_for(50ms);  // a completion already posted must do nothing
  EXPECT_TRUE(results_.empty());
  EXPECT_TRUE(fs::exists(path / "post.json"));
  EXPECT_FALSE(store_->GetPost("video-dung").ok());
  // The copy under way was abandoned whole: no temporary file remains.
  for (const auto& name : Names(config_.MediaDir() / "video-dung")) {
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
  }
}

// The acceptance test: a 200 MB video is read, copied and hashed while a
// timer on the io thread ticks every 10 ms; the timer's worst delay stays
// small, and the item is accepted with the right hash.
TEST_F(IngestPhasesTest, A200MbVideoIsTakenWithoutHoldingUpTheIoThread) {
  constexpr int64_t kSize = 200 << 20;  // the largest media file an item may have
  fs::path path = DropVideoItem("video-200mb", kSize);
  const std::string want = FileSha256(path / "video.mp4");

  using Steady = std::chrono::steady_clock;
  constexpr auto kTick = 10ms;
  asio::steady_timer timer(io_);
  Steady::duration worst{0};
  int ticks = 0;
  bool done = false;
  Steady::time_point due = Steady::now() + kTick;
  std::function<void()> arm = [&] {
    timer.expires_at(due);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec || done) return;
      worst = std::max(worst, Steady::now() - due);
      ++ticks;
      due = Steady::now() + kTick;
      arm();
    });
  };
  arm();
  StartWorker();
  auto start = Steady::now();
  ASSERT_TRUE(worker_->Offer(path));
  ASSERT_TRUE(RunUntilResults(1, 300s));
  done = true;
  timer.cancel();
  auto took = Steady::now() - start;

  auto ms = [](Steady::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1000.0;
  };
  std::printf("200 MB video taken in %.0f ms; io timer: %d ticks, worst delay %.1f ms\n", ms(took),
              ticks, ms(worst));
  ASSERT_EQ(results_[0].kind, IngestResult::Kind::kAccepted) << results_[0].message;
  // The timer kept ticking all along (the copy takes far longer than a
  // tick) and was never held up for long.
  EXPECT_GE(ticks, static_cast<int>(took / kTick) / 4);
  EXPECT_LT(worst, 250ms) << "worst delay " << ms(worst) << " ms";

  auto post = store_->GetPost("video-200mb");
  ASSERT_TRUE(post.ok()) << post.error();
  ASSERT_EQ(post->media.size(), 1u);
  EXPECT_EQ(post->media[0].size, kSize);
  EXPECT_EQ(post->media[0].sha256, want);
  fs::path stored = config_.MediaDir() / "video-200mb" / "video.mp4";
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(stored)), kSize);
  EXPECT_EQ(FileSha256(stored), want);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(config_.inbox / "accepted" / "video-200mb" / "video.mp4"));
}

}  // namespace
}  // namespace loa
