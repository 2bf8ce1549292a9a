#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>

#include "base/crypto.h"
#include "base/encode.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time.h"
#include "base/utf8.h"

namespace loa {
namespace {

using namespace std::chrono;

TEST(TimeTest, ParsesOffsetsAndLocalTimes) {
  auto zone = *TimeZone::Parse("+07:00");
  EXPECT_EQ(zone, hours(7));
  auto a = ParseTime("2026-12-01T08:00:00+07:00", zone);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(FormatUtc(*a), "2026-12-01T01:00:00.000Z");
  auto b = ParseTime("2026-12-05 11:30", zone);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(FormatUtc(*b, false), "2026-12-05T04:30:00Z");
  auto c = ParseTime("2026-12-05T11:30:15.25Z", zone);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(FormatUtc(*c), "2026-12-05T11:30:15.250Z");
  EXPECT_EQ(FormatLocal(*a, zone), "2026-12-01T08:00:00+07:00");
}

TEST(TimeZoneTest, NamedZonesComeFromTheSystemDatabase) {
  auto hcm = TimeZone::Parse("Asia/Ho_Chi_Minh");
  ASSERT_TRUE(hcm.ok()) << hcm.error();
  EXPECT_TRUE(hcm->named());
  EXPECT_EQ(hcm->Name(), "Asia/Ho_Chi_Minh");
  auto a = ParseTime("2026-12-05 11:30", *hcm);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(FormatUtc(*a, false), "2026-12-05T04:30:00Z");
  EXPECT_EQ(FormatLocal(*a, *hcm), "2026-12-05T11:30:00+07:00");
  // An explicit offset in the text wins over the zone.
  EXPECT_EQ(FormatUtc(*ParseTime("2026-12-05T11:30:00Z", *hcm), false), "2026-12-05T11:30:00Z");
  // Fixed offsets and UTC still read as before.
  EXPECT_EQ(TimeZone::Parse("+07:00")->Name(), "+07:00");
  EXPECT_EQ(TimeZone::Parse("-03:30")->Name(), "-03:30");
  EXPECT_EQ(TimeZone::Parse("UTC")->Name(), "+00:00");
  EXPECT_FALSE(TimeZone::Parse("+07:00")->named());
}

TEST(TimeZoneTest, DaylightSavingIsFollowed) {
  auto berlin = TimeZone::Parse("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error();
  EXPECT_EQ(FormatUtc(*ParseTime("2026-01-15 12:00", *berlin), false), "2026-01-15T11:00:00Z");
  EXPECT_EQ(FormatUtc(*ParseTime("2026-07-15 12:00", *berlin), false), "2026-07-15T10:00:00Z");
  EXPECT_EQ(FormatLocal(*ParseTime("2026-07-15T10:00:00Z", *berlin), *berlin),
            "2026-07-15T12:00:00+02:00");
  // 2026-03-29 02:30 does not exist in Berlin (clocks go 02:00 -> 03:00):
  // read as the instant of the change.
  EXPECT_EQ(FormatUtc(*ParseTime("2026-03-29 02:30", *berlin), false), "2026-03-29T01:00:00Z");
  // 2026-10-25 02:30 happens twice: the earlier one.
  EXPECT_EQ(FormatUtc(*ParseTime("2026-10-25 02:30", *berlin), false), "2026-10-25T00:30:00Z");
  // A window opening at 06:00 local opens at 04:00Z in summer, 05:00Z in winter.
  auto window = *ParseDailyWindow("06:00-22:00");
  EXPECT_EQ(
      FormatUtc(NextInWindow(*ParseTime("2026-07-15T01:00:00Z", *berlin), window, *berlin), false),
      "2026-07-15T04:00:00Z");
  EXPECT_EQ(
      FormatUtc(NextInWindow(*ParseTime("2026-01-15T01:00:00Z", *berlin), window, *berlin), false),
      "2026-01-15T05:00:00Z");
}

TEST(TimeZoneTest, UnknownAndHostileNamesAreRefused) {
  for (const char* bad : {"Asia/Nowhere", "", "../../etc/passwd", "/etc/localtime",
                          "Asia/Ho Chi Minh", "+7", "+07:60", "+15:00", "Asia/\x1b[31m"}) {
    auto parsed = TimeZone::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().find('\x1b'), std::string::npos);
    }
  }
  std::string long_name(200, 'A');
  EXPECT_FALSE(TimeZone::Parse(long_name).ok());
}

TEST(TimeTest, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-13-01 08:00", "2026-02-30T08:00", "tomorrow",
                          "2026-12-01T25:00", "2026-12-01T08:00+7", "2026-12-01"}) {
    EXPECT_FALSE(ParseTime(bad, hours(7)).ok()) << bad;
  }
}

TEST(TimeTest, Durations) {
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("10m"), minutes(10));
  EXPECT_EQ(*ParseDuration("1h"), hours(1));
  EXPECT_EQ(*ParseDuration("7d"), hours(168));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_FALSE(ParseDuration("soon").ok());
  EXPECT_FALSE(ParseDuration("5 min").ok());
  EXPECT_EQ(FormatDuration(hours(1)), "1h");
}

TEST(TimeTest, WindowMovesTimesToTheNextOpening) {
  auto zone = hours(7);
  auto w = *ParseDailyWindow("06:00-22:00");
  auto inside = *ParseTime("2026-12-01 10:00", zone);
  EXPECT_EQ(NextInWindow(inside, w, zone), inside);
  auto late = *ParseTime("2026-12-01 23:15", zone);
  EXPECT_EQ(NextInWindow(late, w, zone), *ParseTime("2026-12-02 06:00", zone));
  auto early = *ParseTime("2026-12-01 05:59", zone);
  EXPECT_EQ(NextInWindow(early, w, zone), *ParseTime("2026-12-01 06:00", zone));
  auto night = *ParseDailyWindow("22:00-06:00");
  EXPECT_EQ(NextInWindow(late, night, zone), late);
  EXPECT_EQ(NextInWindow(inside, night, zone), *ParseTime("2026-12-01 22:00", zone));
  EXPECT_FALSE(ParseDailyWindow("6-22").ok());
}

TEST(CryptoTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Base64Encode("loa"), "bG9h");
  EXPECT_EQ(Base64Encode(std::string(100, 'x')).find('\n'), std::string::npos);
  EXPECT_TRUE(SecureEquals("abc", "abc"));
  EXPECT_FALSE(SecureEquals("abc", "abd"));
}

TEST(EncodeTest, Hex) {
  EXPECT_EQ(HexEncode(std::string_view("\x00\x0f\xf0\xff a", 6)), "000ff0ff2061");
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexDigits(0x1b, 2), "1b");
  EXPECT_EQ(HexDigits(0x200e, 4, /*upper_case=*/true), "200E");
  EXPECT_EQ(HexDigits(0x85, 4), "0085");
  EXPECT_EQ(HexDigits(0x12345, 4), "2345");
}

TEST(EncodeTest, PercentKeepsUnreservedAndTheGivenSeparators) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f%"), "a%20b%2Fc%3Fd%3De%26f%25");
  EXPECT_EQ(PercentEncode("ảnh 1/x.png", "/"), "%E1%BA%A3nh%201/x.png");
  EXPECT_EQ(PercentEncode(std::string_view("\0\xff", 2)), "%00%FF");
}

TEST(TextTest, JoinAndLower) {
  EXPECT_EQ(Join({}), "");
  EXPECT_EQ(Join({"a"}), "a");
  EXPECT_EQ(Join({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(Join({"x", "y"}, "; "), "x; y");
  EXPECT_EQ(AsciiLower("HTTPS://Ảnh.VN"), "https://Ảnh.vn");
}

TEST(FsTest, AtomicWriteAndMoveNeverOverwrite) {
  fs::path dir = fs::temp_directory_path() / ("loa-fs-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(EnsureDir(dir / "in").ok());
  ASSERT_TRUE(WriteFileAtomic(dir / "in" / "a.json", "one").ok());
  EXPECT_EQ(*ReadFile(dir / "in" / "a.json"), "one");
  auto first = MoveIntoFolder(dir / "in" / "a.json", dir / "done", SystemClock().Now());
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->filename(), "a.json");
  ASSERT_TRUE(WriteFileAtomic(dir / "in" / "a.json", "two").ok());
  auto second = MoveIntoFolder(dir / "in" / "a.json", dir / "done", SystemClock().Now());
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->filename(), "a.json");
  EXPECT_EQ(second->extension(), ".json");
  EXPECT_EQ(*ReadFile(dir / "done" / "a.json"), "one");
  EXPECT_EQ(*ReadFile(*second), "two");
  EXPECT_FALSE(ReadFile(dir / "in" / "a.json").ok());
  EXPECT_FALSE(ReadFile(*second, 2).ok());
  fs::remove_all(dir);
}

TEST(FsTest, AtomicFileWriterPutsTheFileInPlaceOnlyOnCommit) {
  fs::path dir = fs::temp_directory_path() / ("loa-atomic-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(EnsureDir(dir).ok());
  ASSERT_TRUE(WriteFileAtomic(dir / "a.bin", "old").ok());
  {
    auto writer = AtomicFileWriter::Create(dir / "a.bin", 0600);
    ASSERT_TRUE(writer.ok()) << writer.error();
    ASSERT_TRUE(writer->Write("new ").ok());
    ASSERT_TRUE(writer->Write("bytes").ok());
    EXPECT_EQ(*ReadFile(dir / "a.bin"), "old");  // not yet in place
    EXPECT_TRUE(fs::exists(writer->temp_path()));
    ASSERT_TRUE(writer->Commit().ok());
    EXPECT_FALSE(fs::exists(writer->temp_path()));
    EXPECT_FALSE(writer->Commit().ok());  // once
  }
  EXPECT_EQ(*ReadFile(dir / "a.bin"), "new bytes");
  EXPECT_EQ(fs::status(dir / "a.bin").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  fs::path abandoned;
  {
    auto writer = AtomicFileWriter::Create(dir / "a.bin");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Write("never seen").ok());
    abandoned = writer->temp_path();
  }
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_EQ(*ReadFile(dir / "a.bin"), "new bytes");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_FALSE(AtomicFileWriter::Create(dir / "missing" / "a.bin").ok());
  fs::remove_all(dir);
}

TEST(FsTest, StaysInside) {
  EXPECT_TRUE(StaysInside("/x", "a.jpg"));
  EXPECT_TRUE(StaysInside("/x", "img/a.jpg"));
  EXPECT_FALSE(StaysInside("/x", "../a.jpg"));
  EXPECT_FALSE(StaysInside("/x", "img/../../a.jpg"));
  EXPECT_FALSE(StaysInside("/x", "/etc/passwd"));
  EXPECT_FALSE(StaysInside("/x", ""));
  EXPECT_EQ(Trim("  s3cret\n"), "s3cret");
}

TEST(Utf8Test, DecodeUtf8AtFollowsRfc3629) {
  char32_t cp = 0;
  EXPECT_EQ(DecodeUtf8At("a", 0, cp), 1u);
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(DecodeUtf8At("\xe1\xbb\x87", 0, cp), 3u);  // ệ
  EXPECT_EQ(cp, U'\u1EC7');
  EXPECT_EQ(DecodeUtf8At("x\xf0\x9f\x98\x80", 1, cp), 4u);
  EXPECT_EQ(cp, U'\U0001F600');
  for (std::string_view bad :
       {"\x80", "\xc0\x8a", "\xc1\xbf", "\xe0\x80\x8a", "\xed\xa0\x80", "\xf0\x80\x80\x80",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe1\xba", "\xe1\x41\x80", "\xff"}) {
    EXPECT_EQ(DecodeUtf8At(bad, 0, cp), 0u) << EscapeForLog(bad);
  }
}

// One escaper, two sets of rules: the log's (C style, lower-case hex) and a
// display rule set with upper-case \u escapes and code points above U+FFFF.
TEST(Utf8Test, AppendEscapedFollowsItsRules) {
  EscapeRules rules{[](char32_t cp) { return cp == U'\x1b' || cp >= 0x10000; },
                    /*c_style_ascii=*/false, /*quote=*/false, /*upper_case_hex=*/true};
  std::string out;
  AppendEscaped(out, "a\x1b\n\xf0\x9f\x98\x80\xfe\"", rules);
  EXPECT_EQ(out, "a\\u001B\n\\u01F600\\xFE\"");
}

TEST(LogEscapeTest, ControlCharactersBecomeEscapes) {
  EXPECT_EQ(EscapeForLog("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeForLog("\x1b[31mred\x07"), "\\x1b[31mred\\x07");
  EXPECT_EQ(EscapeForLog(std::string_view("nul\0end\x7f", 8)), "nul\\x00end\\x7f");
  // C1 controls (NEL among them) and the Unicode line separators.
  EXPECT_EQ(EscapeForLog("a\xc2\x85z\xc2\x9b"), "a\\u0085z\\u009b");
  EXPECT_EQ(EscapeForLog("a\xe2\x80\xa8z\xe2\x80\xa9"), "a\\u2028z\\u2029");
}

TEST(LogEscapeTest, InvalidUtf8BytesBecomeByteEscapes) {
  EXPECT_EQ(EscapeForLog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeForLog("\x80x"), "\\x80x");                           // stray continuation
  EXPECT_EQ(EscapeForLog("\xc0\x8a"), "\\xc0\\x8a");                    // overlong "\n"
  EXPECT_EQ(EscapeForLog("\xe0\x80\x8a"), "\\xe0\\x80\\x8a");           // overlong "\n"
  EXPECT_EQ(EscapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(EscapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(EscapeForLog("ok\xe1\xba"), "ok\\xe1\\xba");                // truncated
  EXPECT_EQ(EscapeForLog("\xe1\xba\n"), "\\xe1\\xba\\n");
}

TEST(LogEscapeTest, TextAndValidUtf8AreKept) {
  const std::string vietnamese = "Sở Tư pháp An Giang: Phiếu lý lịch tư pháp \xf0\x9f\x93\xa2";
  EXPECT_EQ(EscapeForLog(vietnamese), vietnamese);
  EXPECT_EQ(EscapeForLog("C:\\path \"q\" 100%"), "C:\\path \"q\" 100%");
  EXPECT_EQ(EscapeForLog(""), "");
}

TEST(LogEscapeTest, QuotedDelimitsTheValue) {
  EXPECT_EQ(Quoted("post.json"), "\"post.json\"");
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("x\nloa ready: forged.json"), "\"x\\nloa ready: forged.json\"");
  EXPECT_EQ(Quoted("\xff\x1b"), "\"\\xff\\x1b\"");
}

// Runs `log` with stderr pointed at a file and returns what was written.
std::string CaptureStderr(const std::function<void()>& log) {
  char name[] = "/tmp/loa-log-test-XXXXXX";
  int fd = ::mkstemp(name);
  EXPECT_GE(fd, 0);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  log();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::string out = *ReadFile(name);
  ::unlink(name);
  return out;
}

TEST(LogTest, OneCallIsExactlyOneLine) {
  std::string out = CaptureStderr([] {
    LogInfo("rejected x\nloa ready: forged.json\r\x1b[2K\xc2\x85\xff");
    LogError("second\n");
  });
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  EXPECT_NE(out.find("rejected x\\nloa ready: forged.json\\r\\x1b[2K\\u0085\\xff\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("second\\n\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace loa
