// Text for the operator's terminal (daemon/tables.h): widths of Vietnamese
// text, cutting, escaping, times, aligned tables.
#include "daemon/tables.h"

#include <gtest/gtest.h>

#include <chrono>

namespace loa {
namespace {

using nlohmann::json;

constexpr TimeZone kVietnam = std::chrono::hours(7);

TEST(TablesTest, WidthCountsCodePointsNotBytesOrMarks) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Tư pháp"), 7u);                  // precomposed, as ingest stores it (NFC)
  EXPECT_EQ(DisplayWidth("Tu\xcc\x9b pha\xcc\x81p"), 7u);  // decomposed: marks take no column
  EXPECT_EQ(DisplayWidth(""), 0u);
}

TEST(TablesTest, TruncateKeepsWholeLettersAndEndsInAnEllipsis) {
  EXPECT_EQ(TruncateToWidth("Hướng dẫn", 20), "Hướng dẫn");
  EXPECT_EQ(TruncateToWidth("Hướng dẫn", 9), "Hướng dẫn");
  EXPECT_EQ(TruncateToWidth("Hướng dẫn", 6), "Hướng…");
  EXPECT_EQ(DisplayWidth(TruncateToWidth("Hướng dẫn", 6)), 6u);
  // A mark stays with its letter.
  EXPECT_EQ(TruncateToWidth("pha\xcc\x81p luật", 4), "pha\xcc\x81…");
  EXPECT_EQ(TruncateToWidth("abc", 0), "");
}

TEST(TablesTest, TerminalTextEscapesWhatATerminalActsOn) {
  EXPECT_EQ(TerminalText("Sở Tư pháp"), "Sở Tư pháp");
  EXPECT_EQ(TerminalText("a\x1b[31mb\n\x07"), "a\\x1b[31mb\\n\\x07");
  EXPECT_EQ(TerminalText("\xc2\x9b"
                         "1m"),
            "\\u009b1m");                            // C1 CSI
  EXPECT_EQ(TerminalText("x\u202ey"), "x\\u202ey");  // right-to-left override
  EXPECT_EQ(TerminalText("\xff"), "\\xff");          // not UTF-8
}

TEST(TablesTest, TimesInTheConfiguredZone) {
  json utc = "2026-12-03T01:00:00Z";
  json local = "2026-12-03T08:00:59+07:00";
  json null = nullptr;
  json junk = "sắp tới\x1b";
  EXPECT_EQ(ShowTime(&utc, kVietnam), "2026-12-03 08:00");
  EXPECT_EQ(ShowTime(&local, kVietnam), "2026-12-03 08:00");
  EXPECT_EQ(ShowTime(&null, kVietnam), "-");
  EXPECT_EQ(ShowTime(nullptr, kVietnam), "-");
  EXPECT_EQ(ShowTime(&junk, kVietnam), "sắp tới\\x1b");
}

TEST(TablesTest, JsonForTerminalIsTheSameValue) {
  json value = {{"title", "Tin\x1b[2J \xc2\x9b x\u202e y \u2028"}, {"n", 1}};
  std::string text = JsonForTerminal(value);
  EXPECT_EQ(json::parse(text), value);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(text.find("\u202e"), std::string::npos);
  EXPECT_EQ(text.find("\u2028"), std::string::npos);
  EXPECT_EQ(JsonForTerminal(json{{"a", "Tư pháp"}}), "{\n  \"a\": \"Tư pháp\"\n}\n");
}

TEST(TablesTest, TableAlignsByColumnsAndCutsLongCells) {
  TextTable table({"ID", "TITLE", "STATE"});
  table.SetMaxWidth(1, 8);
  table.AddRow({"1", "Hướng dẫn nộp hồ sơ", "scheduled"});
  table.AddRow({"12", "Tập huấn", "failed"});
  table.AddRow({"3", "a\x1b", ""});
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.Render(),
            "ID  TITLE     STATE\n"
            "1   Hướng d…  scheduled\n"
            "12  Tập huấn  failed\n"
            "3   a\\x1b\n");
}

}  // namespace
}  // namespace loa
