#include "queue/token_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "queue/sqlite_store.h"

namespace loa {
namespace {

namespace fs = std::filesystem;

constexpr char kAccess[] = "ZLac_test_access_token_8f3b2a";
constexpr char kRefresh[] = "ZLrt_test_refresh_token_c71d9e";

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/loa-token-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    db_ = root_ / "state" / "loa.db";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<TokenStore> OpenStore(TokenStore::Options options = {}) {
    auto s = TokenStore::Open(db_, options);
    EXPECT_TRUE(s.ok()) << s.error();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static TokenPair Pair(const std::string& access, const std::string& refresh, int64_t obtained_ms,
                        int64_t expires_ms) {
    TokenPair p;
    p.access_token = access;
    p.refresh_token = refresh;
    p.obtained_at = FromUnixMillis(obtained_ms);
    p.access_expires_at = FromUnixMillis(expires_ms);
    return p;
  }

  fs::path root_, db_;
};

void ExpectSamePair(const TokenPair& got, const TokenPair& want) {
  EXPECT_EQ(got.access_token, want.access_token);
  EXPECT_EQ(got.refresh_token, want.refresh_token);
  EXPECT_EQ(got.access_expires_at, want.access_expires_at);
  EXPECT_EQ(got.obtained_at, want.obtained_at);
}

TEST_F(TokenStoreTest, OpenCreatesTheQueueDatabaseWithItsSchema) {
  ASSERT_FALSE(fs::exists(db_));
  auto tokens = OpenStore();
  ASSERT_NE(tokens, nullptr);
  auto store = SqliteStore::Open(db_);
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_GE((*store)->SchemaVersion().value(), 2);
  EXPECT_EQ(*(*store)->Pragma("journal_mode"), "wal");
}

TEST_F(TokenStoreTest, UnknownChannelHasNoPair) {
  auto tokens = OpenStore();
  auto loaded = tokens->Load("zalo");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(TokenStoreTest, SavedPairLoadsBackAndReplacesTheOldOne) {
  auto tokens = OpenStore();
  TokenPair first = Pair(kAccess, kRefresh, 1'790'000'000'000, 1'790'090'000'000);
  ASSERT_TRUE(tokens->Save("zalo", first).ok());
  auto loaded = tokens->Load("zalo");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  ExpectSamePair(**loaded, first);

  TokenPair second = Pair("ZLac_second", "ZLrt_second", 1'790'072'000'000, 1'790'162'000'000);
  ASSERT_TRUE(tokens->Save("zalo", second).ok());
  loaded = tokens->Load("zalo");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  ExpectSamePair(**loaded, second);

  // One row per channel.
  SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM oauth_tokens").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT updated_at FROM oauth_tokens").getInt64(), 1'790'072'000'000);
}

TEST_F(TokenStoreTest, ChannelsKeepTheirOwnPairs) {
  auto tokens = OpenStore();
  TokenPair a = Pair("ZLac_a", "ZLrt_a", 1000, 2000);
  TokenPair b = Pair("ZLac_b", "ZLrt_b", 3000, 4000);
  ASSERT_TRUE(tokens->Save("zalo", a).ok());
  ASSERT_TRUE(tokens->Save("zalo-2", b).ok());
  ExpectSamePair(tokens->Load("zalo")->value(), a);
  ExpectSamePair(tokens->Load("zalo-2")->value(), b);
}

TEST_F(TokenStoreTest, SavedPairSurvivesReopen) {
  TokenPair pair = Pair(kAccess, kRefresh, 1'790'000'000'000, 1'790'090'000'000);
  {
    auto tokens = OpenStore();
    ASSERT_TRUE(tokens->Save("zalo", pair).ok());
  }
  // The queue reopening (and migrating, a no-op now) keeps the row too.
  ASSERT_TRUE(SqliteStore::Open(db_).ok());
  auto tokens = OpenStore();
  auto loaded = tokens->Load("zalo");
  ASSERT_TRUE(loaded.ok() && loaded->has_value()) << (loaded.ok() ? "none" : loaded.error());
  ExpectSamePair(**loaded, pair);
}

TEST_F(TokenStoreTest, SaveIsCommittedWhenItReturns) {
  auto writer = OpenStore();
  auto reader = OpenStore();
  ASSERT_TRUE(reader->Load("zalo")->has_value() == false);
  TokenPair pair = Pair(kAccess, kRefresh, 5000, 9000);
  ASSERT_TRUE(writer->Save("zalo", pair).ok());
  // Another connection sees it at once: it is committed, not pending.
  auto seen = reader->Load("zalo");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  ExpectSamePair(**seen, pair);
}

TEST_F(TokenStoreTest, LockedDatabaseFailsTheSaveWithoutNamingTheTokens) {
  TokenStore::Options quick;
  quick.busy_timeout = Millis(50);
  auto tokens = OpenStore(quick);
  SQLite::Database other(db_.string(), SQLite::OPEN_READWRITE);
  {
    SQLite::Transaction hold(other, SQLite::TransactionBehavior::IMMEDIATE);
    Status saved = tokens->Save("zalo", Pair(kAccess, kRefresh, 1, 2));
    ASSERT_FALSE(saved.ok());
    EXPECT_NE(saved.error().find("channel zalo"), std::string::npos) << saved.error();
    EXPECT_NE(saved.error().find("locked"), std::string::npos) << saved.error();
    EXPECT_EQ(saved.error().find(kAccess), std::string::npos);
    EXPECT_EQ(saved.error().find(kRefresh), std::string::npos);
  }  // rolled back: the lock is released
  EXPECT_FALSE(tokens->Load("zalo")->has_value());
  ASSERT_TRUE(tokens->Save("zalo", Pair(kAccess, kRefresh, 1, 2)).ok());
  EXPECT_TRUE(tokens->Load("zalo")->has_value());
}

}  // namespace
}  // namespace loa
