#include "daemon/rejected_items.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace loa {
namespace {

namespace fs = std::filesystem;

class RejectedItemsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "loa-rejected-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(const std::string& name, const std::string& text, std::chrono::seconds age) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    fs::last_write_time(dir_ / name, fs::file_time_type::clock::now() - age);
  }
  fs::path dir_;
};

TEST_F(RejectedItemsTest, ListsReportsNewestFirstWithTheirText) {
  Write("a.json", "{", std::chrono::seconds(0));
  Write("a.json.error.txt", "Lỗi: thiếu tiêu đề\nError: no title\n", std::chrono::seconds(60));
  Write("b.json.error.txt", "Lỗi thứ hai\n", std::chrono::seconds(10));
  Write("old.json.error.txt", "cũ\n", std::chrono::hours(24 * 40));
  TimePoint since = SystemClock().Now() - std::chrono::hours(24 * 30);
  auto items = ListRejectedItems(dir_, since, 10);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "b.json");
  EXPECT_EQ(items[0].report, "Lỗi thứ hai\n");
  EXPECT_EQ(items[1].name, "a.json");
  EXPECT_EQ(items[1].report, "Lỗi: thiếu tiêu đề\nError: no title\n");
  EXPECT_GT(items[0].at, items[1].at);
  EXPECT_EQ(ListRejectedItems(dir_, since, 1).size(), 1u);
}

TEST_F(RejectedItemsTest, HostileNamesAndTextsAreMadeSafe) {
  Write("\x1b[31mred\xff.json.error.txt", std::string("bad \xff byte\n") + std::string(40000, 'x'),
        std::chrono::seconds(0));
  auto items = ListRejectedItems(dir_, TimePoint{}, 10);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].name.find('\x1b'), std::string::npos);
  EXPECT_LE(items[0].report.size(), kMaxRejectedReportBytes);
  EXPECT_EQ(items[0].report.find('\xff'), std::string::npos);
  EXPECT_TRUE(items[0].report.ends_with("…"));
}

TEST_F(RejectedItemsTest, MissingFolderHasNone) {
  EXPECT_TRUE(ListRejectedItems(dir_ / "nope", TimePoint{}, 10).empty());
}

}  // namespace
}  // namespace loa
