#include "inbox/item_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/time.h"
#include "connectors/facebook/facebook_settings.h"
#include "connectors/file/file_settings.h"
#include "connectors/registry.h"
#include "connectors/zalo/zalo_settings.h"
#include "inbox/channel_limits.h"
#include "inbox/inbox_file.h"
#include "inbox/item.h"
#include "inbox/item_channel_fit.h"
#include "inbox/item_fields.h"
#include "inbox/item_messages.h"
#include "inbox/item_problems.h"
#include "inbox/item_reading.h"
#include "inbox/item_rules.h"
#include "inbox/utf8.h"

namespace loa {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const fs::path kSamples = LOA_SAMPLES_DIR;

TimePoint Utc(const std::string& text) {
  auto t = ParseTime(text, TimeZone());
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : TimePoint{};
}

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += FormatProblemLine(p) + "\n";
  return out;
}

class ItemParserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path("/tmp") /
           ("loa-item-parser-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.channel_names = {"portal", "legal-aid", "cchc", "facebook", "zalo"};
    options_.zone = std::chrono::hours(7);
    options_.now = Utc("2026-11-30T10:00:00Z");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const fs::path& relative, const std::string& data) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }

  // A complete valid item with `changes` merged in (null removes a key).
  static json Valid(const json& changes = json::object()) {
    json j = {{"title", "Tiêu đề"},
              {"body", "Nội dung **bài viết**."},
              {"channels", {"portal", "facebook"}},
              {"approved_by", "Chánh Văn phòng"}};
    for (const auto& [key, value] : changes.items()) {
      if (value.is_null()) {
        j.erase(key);
      } else {
        j[key] = value;
      }
    }
    return j;
  }

  ParsedItem ParseFile(const std::string& name, const std::string& text) {
    return ParseItem(Write(name, text), options_);
  }
  ParsedItem ParseJson(const json& j, const std::string& name = "bai-viet.json") {
    return ParseFile(name, j.dump(2));
  }
  // A folder item: post.json plus the given files.
  ParsedItem ParseFolder(const json& post,
                         const std::vector<std::pair<std::string, std::string>>& files = {},
                         const std::string& name = "bai-viet") {
    Write(fs::path(name) / "post.json", post.dump(2));
    for (const auto& [file, data] : files) Write(fs::path(name) / file, data);
    return ParseItem(dir_ / name, options_);
  }

  Item ExpectOk(const ParsedItem& parsed) {
    EXPECT_TRUE(parsed.ok()) << Dump(parsed.problems);
    EXPECT_TRUE(parsed.item.has_value());
    return parsed.item.value_or(Item{});
  }

  // The one problem on `field`; fails unless exactly one is there.
  Problem ExpectProblem(const ParsedItem& parsed, const std::string& field) {
    EXPECT_FALSE(parsed.ok());
    EXPECT_FALSE(parsed.item.has_value());
    std::vector<Problem> found;
    for (const auto& p : parsed.problems) {
      if (p.field == field) found.push_back(p);
    }
    EXPECT_THAT(found, SizeIs(1)) << "field '" << field << "' in:\n" << Dump(parsed.problems);
    if (found.empty()) return Problem{};
    EXPECT_FALSE(found[0].vi.empty());
    EXPECT_FALSE(found[0].en.empty());
    return found[0];
  }

  fs::path dir_;
  ParseOptions options_;
};

// ---- The samples ------------------------------------------------------------

TEST_F(ItemParserTest, SampleWithExplicitIdAndOffsetIsAccepted) {
  auto parsed = ParseItem(kSamples / "2026-12-02-dich-vu-cong-truc-tuyen.json", options_);
  Item item = ExpectOk(parsed);
  EXPECT_EQ(item.id, "2026-12-02-dich-vu-cong-truc-tuyen");
  EXPECT_EQ(item.title,
            "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến trên Cổng Dịch vụ công Quốc gia");
  EXPECT_THAT(item.channels, ElementsAre("portal", "cchc", "facebook", "zalo"));
  EXPECT_EQ(item.publish_at, Utc("2026-12-02T01:00:00Z"));
  EXPECT_THAT(item.topics, ElementsAre("dich-vu-cong-truc-tuyen", "mot-cua"));
  EXPECT_EQ(item.form, "article");
  EXPECT_EQ(item.unit, "Phòng Hành chính tư pháp");
  EXPECT_EQ(item.approved_by, "Phó Giám đốc Sở");
  EXPECT_EQ(item.link, "https://dichvucong.gov.vn/");
  EXPECT_TRUE(item.summary.has_value());
  EXPECT_THAT(item.body_markdown, HasSubstr("**Cấp Phiếu lý lịch tư pháp**"));
  EXPECT_EQ(item.action, "publish");
  EXPECT_THAT(item.media, IsEmpty());
  EXPECT_THAT(parsed.media_files, IsEmpty());
}

TEST_F(ItemParserTest, SampleWithAllChannelsAndLocalTimeIsAccepted) {
  Item item = ExpectOk(ParseItem(kSamples / "2026-12-05-tap-huan-kiem-soat-tthc.json", options_));
  EXPECT_EQ(item.id, "2026-12-05-tap-huan-kiem-soat-tthc");  // from the file name
  EXPECT_THAT(item.channels, ElementsAre("portal", "legal-aid", "cchc", "facebook", "zalo"));
  // "2026-12-05 11:30" has no offset: read at +07:00.
  EXPECT_EQ(FormatUtc(item.publish_at), "2026-12-05T04:30:00.000Z");
  EXPECT_EQ(item.form, "news");
  EXPECT_FALSE(item.summary.has_value());
  EXPECT_FALSE(item.link.has_value());
}

TEST_F(ItemParserTest, SampleFolderWithBodyFileAndMediaIsAccepted) {
  fs::path folder = kSamples / "2026-12-10-infographic-de-an-06";
  auto parsed = ParseItem(folder, options_);
  Item item = ExpectOk(parsed);
  EXPECT_EQ(item.id, "2026-12-10-infographic-de-an-06");
  EXPECT_THAT(item.channels, ElementsAre("facebook", "zalo", "cchc"));
  EXPECT_EQ(item.publish_at, Utc("2026-12-10T12:30:00Z"));
  auto body = ReadFile(folder / "noi-dung.md");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(item.body_markdown, *body);
  EXPECT_FALSE(item.body_markdown.empty());

  auto png = ReadFile(folder / "infographic.png");
  ASSERT_TRUE(png.ok());
  ASSERT_THAT(item.media, SizeIs(1));
  EXPECT_EQ(item.media[0].name, "infographic.png");
  EXPECT_EQ(item.media[0].caption, "Đề án 06 — tiện ích cho người dân");
  EXPECT_EQ(item.media[0].content_type, "image/png");
  EXPECT_EQ(item.media[0].size, 5091);
  // Checked, not read: the hash comes from the copy into the state folder
  // (tests/ingest_test.cc checks the stored item carries Sha256Hex(*png)).
  EXPECT_EQ(item.media[0].size, static_cast<int64_t>(png->size()));
  EXPECT_TRUE(item.media[0].sha256.empty());
  ASSERT_THAT(parsed.media_files, SizeIs(1));
  EXPECT_EQ(parsed.media_files[0].name, "infographic.png");
  EXPECT_TRUE(parsed.media_files[0].path.is_absolute());
  EXPECT_TRUE(fs::equivalent(parsed.media_files[0].path, folder / "infographic.png"));
}

TEST_F(ItemParserTest, FolderPathWithTrailingSlashKeepsItsName) {
  ParseFolder(Valid());
  Item item = ExpectOk(ParseItem(dir_.string() + "/bai-viet/", options_));
  EXPECT_EQ(item.id, "bai-viet");
}

// ---- id ---------------------------------------------------------------------

TEST_F(ItemParserTest, ExplicitIdWinsOverFileName) {
  Item item = ExpectOk(ParseJson(Valid({{"id", "2026-12-01-mot-cua"}})));
  EXPECT_EQ(item.id, "2026-12-01-mot-cua");
}

TEST_F(ItemParserTest, InvalidIdIsRejected) {
  for (const std::string& id : std::vector<std::string>{"Bai-Viet", "-dau-gach", "có-dấu", "a/b",
                                                        "", std::string(121, 'a')}) {
    auto p = ExpectProblem(ParseJson(Valid({{"id", id}})), "id");
    EXPECT_THAT(p.en, HasSubstr("[a-z0-9][a-z0-9._-]{0,119}")) << id;
  }
  ExpectOk(ParseJson(Valid({{"id", std::string(120, 'a')}})));
  ExpectOk(ParseJson(Valid({{"id", "0.a_b-c"}})));
}

TEST_F(ItemParserTest, FileNameThatIsNoValidIdNeedsAnExplicitId) {
  auto p = ExpectProblem(ParseJson(Valid(), "Bài Viết 1.json"), "id");
  EXPECT_EQ(p.value, "Bài Viết 1");
  EXPECT_THAT(p.vi, HasSubstr("thêm trường \"id\""));
  Item item = ExpectOk(ParseJson(Valid({{"id", "bai-viet-1"}}), "Bài Viết 2.json"));
  EXPECT_EQ(item.id, "bai-viet-1");
}

TEST_F(ItemParserTest, IdOfWrongTypeIsRejected) {
  auto p = ExpectProblem(ParseJson(Valid({{"id", 42}})), "id");
  EXPECT_EQ(p.value, "42");
  EXPECT_THAT(p.en, HasSubstr("must be a string, not a number"));
}

// ---- title and approved_by --------------------------------------------------

TEST_F(ItemParserTest, MissingTitleIsRejected) {
  auto p = ExpectProblem(ParseJson(Valid({{"title", nullptr}})), "title");
  EXPECT_EQ(p.vi, "Thiếu tiêu đề (title). Hãy thêm trường \"title\" với tiêu đề bài viết.");
  EXPECT_EQ(p.en, "title is missing");
}

TEST_F(ItemParserTest, BlankTitleIsRejected) {
  auto p = ExpectProblem(ParseJson(Valid({{"title", "   "}})), "title");
  EXPECT_THAT(p.en, HasSubstr("empty"));
  EXPECT_THAT(p.vi, HasSubstr("để trống"));
}

TEST_F(ItemParserTest, TitleOfWrongTypeNamesFieldAndExpectedType) {
  auto p = ExpectProblem(ParseJson(Valid({{"title", {"a", "b"}}})), "title");
  EXPECT_EQ(p.en, "title must be a string, not an array");
  EXPECT_THAT(p.vi, HasSubstr("chuỗi văn bản"));
}

TEST_F(ItemParserTest, TitleIsTrimmed) {
  Item item = ExpectOk(ParseJson(Valid({{"title", "  Tin mới \n"}})));
  EXPECT_EQ(item.title, "Tin mới");
}

TEST_F(ItemParserTest, MissingApprovedByIsRejected) {
  auto p = ExpectProblem(ParseJson(Valid({{"approved_by", nullptr}})), "approved_by");
  EXPECT_EQ(p.en, "approved_by is missing");
  ExpectProblem(ParseJson(Valid({{"approved_by", ""}})), "approved_by");
}

// ---- body / body_file -------------------------------------------------------

TEST_F(ItemParserTest, BodyAndBodyFileTogetherAreRejected) {
  auto p = ExpectProblem(ParseFolder(Valid({{"body_file", "a.md"}}), {{"a.md", "x"}}), "body_file");
  EXPECT_EQ(p.en, "give either body or body_file, not both");
}

TEST_F(ItemParserTest, NeitherBodyNorBodyFileIsRejected) {
  auto p = ExpectProblem(ParseJson(Valid({{"body", nullptr}})), "body");
  EXPECT_EQ(p.en, "body or body_file is required");
}

TEST_F(ItemParserTest, EmptyBodyIsRejected) {
  ExpectProblem(ParseJson(Valid({{"body", " \n "}})), "body");
  ExpectProblem(ParseFolder(Valid({{"body", nullptr}, {"body_file", "a.md"}}), {{"a.md", "\n"}}),
                "body_file");
}

TEST_F(ItemParserTest, BodyMarkdownIsKeptAsWritten) {
  std::string body = "  # Tiêu đề\n\n* một\n* hai  \n\n<b>raw</b>\n";
  Item item = ExpectOk(ParseJson(Valid({{"body", body}})));
  EXPECT_EQ(item.body_markdown, body);
}

TEST_F(ItemParserTest, BodyFileIsLoadedWithoutByteOrderMark) {
  Item item = ExpectOk(ParseFolder(Valid({{"body", nullptr}, {"body_file", "noi-dung.md"}}),
                                   {{"noi-dung.md", "\xEF\xBB\xBF## Mục 1\n\nVăn bản.\n"}}));
  EXPECT_EQ(item.body_markdown, "## Mục 1\n\nVăn bản.\n");
}

TEST_F(ItemParserTest, BodyFileInSubfolderIsAccepted) {
  Item item = ExpectOk(ParseFolder(Valid({{"body", nullptr}, {"body_file", "van-ban/bai.md"}}),
                                   {{"van-ban/bai.md", "Nội dung"}}));
  EXPECT_EQ(item.body_markdown, "Nội dung");
}

TEST_F(ItemParserTest, SingleFileItemCannotNameFiles) {
  auto parsed = ParseJson(
      Valid({{"body", nullptr}, {"body_file", "a.md"}, {"media", {{{"file", "a.png"}}}}}));
  EXPECT_THAT(ExpectProblem(parsed, "body_file").en, HasSubstr("single-file item"));
  EXPECT_THAT(ExpectProblem(parsed, "media[0].file").en, HasSubstr("single-file item"));
}

TEST_F(ItemParserTest, MissingBodyFileIsRejected) {
  auto p = ExpectProblem(ParseFolder(Valid({{"body", nullptr}, {"body_file", "khong-co.md"}})),
                         "body_file");
  EXPECT_THAT(p.en, HasSubstr("not found"));
  EXPECT_EQ(p.value, "khong-co.md");
}

TEST_F(ItemParserTest, BodyFileOverTheLimitIsRejected) {
  options_.max_body_bytes = 10;
  auto p = ExpectProblem(ParseFolder(Valid({{"body", nullptr}, {"body_file", "a.md"}}),
                                     {{"a.md", std::string(11, 'x')}}),
                         "body_file");
  EXPECT_THAT(p.en, HasSubstr("limit of 10"));
}

TEST_F(ItemParserTest, BodyFileOutsideTheFolderIsRejected) {
  Write("bi-mat.md", "secret");
  auto p = ExpectProblem(ParseFolder(Valid({{"body", nullptr}, {"body_file", "../bi-mat.md"}})),
                         "body_file");
  EXPECT_THAT(p.en, HasSubstr("inside the item folder"));
}

// ---- channels -----------------------------------------------------------------

TEST_F(ItemParserTest, AllInAListExpandsToEveryChannel) {
  Item item = ExpectOk(ParseJson(Valid({{"channels", {"all"}}})));
  EXPECT_EQ(item.channels, options_.channel_names);
}

TEST_F(ItemParserTest, RepeatedChannelsAreKeptOnce) {
  Item item = ExpectOk(ParseJson(Valid({{"channels", {"zalo", "portal", "zalo"}}})));
  EXPECT_THAT(item.channels, ElementsAre("zalo", "portal"));
}

TEST_F(ItemParserTest, UnknownChannelRejectsTheWholeItem) {
  auto parsed = ParseJson(Valid({{"channels", {"portal", "tiktok", "facebok"}}}));
  ASSERT_THAT(parsed.problems, SizeIs(2)) << Dump(parsed.problems);
  auto p = ExpectProblem(parsed, "channels[1]");
  EXPECT_EQ(p.value, "tiktok");
  EXPECT_THAT(p.en, HasSubstr("unknown channel \"tiktok\""));
  EXPECT_THAT(p.en, HasSubstr("portal, legal-aid, cchc, facebook, zalo"));
  EXPECT_THAT(p.vi, HasSubstr("portal, legal-aid, cchc, facebook, zalo"));
  auto typo = ExpectProblem(parsed, "channels[2]");
  EXPECT_THAT(typo.en, HasSubstr("did you mean \"facebook\""));
}

TEST_F(ItemParserTest, MissingOrEmptyChannelsAreRejected) {
  EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"channels", nullptr}})), "channels").en,
              HasSubstr("missing"));
  EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"channels", json::array()}})), "channels").en,
              HasSubstr("empty"));
}

TEST_F(ItemParserTest, ChannelsOfWrongTypeAreRejected) {
  EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"channels", 3}})), "channels").en,
              HasSubstr("must be an array of channel names"));
  ExpectProblem(ParseJson(Valid({{"channels", {"portal", 7}}})), "channels[1]");
}

// ---- publish_at ---------------------------------------------------------------

TEST_F(ItemParserTest, PublishAtDefaultsToNow) {
  Item item = ExpectOk(ParseJson(Valid()));
  EXPECT_EQ(item.publish_at, options_.now);
}

TEST_F(ItemParserTest, PublishAtFormats) {
  struct Case {
    const char* text;
    const char* utc;
  };
  for (auto c : {Case{"2026-12-01T08:00:00+07:00", "2026-12-01T01:00:00.000Z"},
                 Case{"2026-12-01T01:00:00Z", "2026-12-01T01:00:00.000Z"},
                 Case{"2026-12-01T08:00", "2026-12-01T01:00:00.000Z"},
                 Case{"2026-12-01 08:00:30", "2026-12-01T01:00:30.000Z"},
                 Case{"2026-12-01 06:00", "2026-11-30T23:00:00.000Z"}}) {
    Item item = ExpectOk(ParseJson(Valid({{"publish_at", c.text}})));
    EXPECT_EQ(FormatUtc(item.publish_at), c.utc) << c.text;
  }
}

TEST_F(ItemParserTest, LocalTimeIsReadInTheConfiguredZone) {
  options_.zone = std::chrono::hours(0);
  Item item = ExpectOk(ParseJson(Valid({{"publish_at", "2026-12-01 08:00"}})));
  EXPECT_EQ(FormatUtc(item.publish_at), "2026-12-01T08:00:00.000Z");
}

TEST_F(ItemParserTest, InvalidPublishAtIsRejected) {
  for (const char* text : {"ngày mai", "2026-02-30 08:00", "2026-12-01 25:00", "01/12/2026"}) {
    auto p = ExpectProblem(ParseJson(Valid({{"publish_at", text}})), "publish_at");
    EXPECT_EQ(p.value, text);
    EXPECT_THAT(p.vi, HasSubstr("2026-12-01 08:00")) << text;
  }
  ExpectProblem(ParseJson(Valid({{"publish_at", 1764550800}})), "publish_at");
}

TEST_F(ItemParserTest, NamedZoneIsReadAndItsExampleGivesTheOffset) {
  options_.zone = *TimeZone::Parse("Asia/Ho_Chi_Minh");
  Item item = ExpectOk(ParseJson(Valid({{"publish_at", "2026-12-01 08:00"}})));
  EXPECT_EQ(FormatUtc(item.publish_at), "2026-12-01T01:00:00.000Z");
  auto p = ExpectProblem(ParseJson(Valid({{"publish_at", "sáng mai"}})), "publish_at");
  // An example an editor can copy: the zone's name, and an offset in RFC 3339.
  EXPECT_THAT(p.vi, HasSubstr("giờ theo múi Asia/Ho_Chi_Minh"));
  EXPECT_THAT(p.vi, HasSubstr("\"2026-12-01T08:00:00+07:00\""));
}

// ---- form, topics, unit, summary, link, action ------------------------------------

TEST_F(ItemParserTest, FormMustBeKnown) {
  for (const char* form :
       {"news", "article", "reportage", "video", "infographic", "photo", "announcement"}) {
    EXPECT_EQ(ExpectOk(ParseJson(Valid({{"form", form}}))).form, form);
  }
  auto p = ExpectProblem(ParseJson(Valid({{"form", "infografic"}})), "form");
  EXPECT_THAT(p.en, HasSubstr("not one of news, article"));
  EXPECT_THAT(p.vi, HasSubstr("\"infographic\""));
}

TEST_F(ItemParserTest, TopicsMustBeSlugs) {
  auto parsed = ParseJson(Valid({{"topics", {"kiem-soat-tthc", "Kiểm soát TTHC", 5}}}));
  ASSERT_THAT(parsed.problems, SizeIs(2)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "topics[1]").en, HasSubstr("is not valid"));
  EXPECT_THAT(ExpectProblem(parsed, "topics[2]").en, HasSubstr("must be a string"));
  ExpectProblem(ParseJson(Valid({{"topics", "mot-cua"}})), "topics");
  Item item = ExpectOk(ParseJson(Valid({{"topics", {"de-an-06", "chuyen_doi_so", "de-an-06"}}})));
  EXPECT_THAT(item.topics, ElementsAre("de-an-06", "chuyen_doi_so"));
}

TEST_F(ItemParserTest, OptionalTextFields) {
  Item item = ExpectOk(ParseJson(Valid({{"unit", "Văn phòng Sở"}, {"summary", "Tóm tắt"}})));
  EXPECT_EQ(item.unit, "Văn phòng Sở");
  EXPECT_EQ(item.summary, "Tóm tắt");
  Item blank = ExpectOk(ParseJson(Valid({{"unit", ""}, {"summary", " "}})));
  EXPECT_FALSE(blank.unit.has_value());
  EXPECT_FALSE(blank.summary.has_value());
  ExpectProblem(ParseJson(Valid({{"unit", 1}})), "unit");
  ExpectProblem(ParseJson(Valid({{"summary", {{"a", 1}}}})), "summary");
}

TEST_F(ItemParserTest, LinkMustBeAnHttpUrl) {
  for (const char* link :
       {"https://dichvucong.gov.vn/", "http://stp.gov.vn/a?b=c#d", "HTTPS://Example.gov.vn"}) {
    EXPECT_EQ(ExpectOk(ParseJson(Valid({{"link", link}}))).link, link);
  }
  for (const char* link : {"www.stp.gov.vn", "ftp://stp.gov.vn/", "javascript:alert(1)", "https://",
                           "https://stp.gov.vn/có dấu cách"}) {
    auto p = ExpectProblem(ParseJson(Valid({{"link", link}})), "link");
    EXPECT_THAT(p.en, HasSubstr("not an http(s) URL")) << link;
  }
}

TEST_F(ItemParserTest, ActionIsPublishOrRetract) {
  EXPECT_EQ(ExpectOk(ParseJson(Valid())).action, "publish");
  EXPECT_EQ(ExpectOk(ParseJson(Valid({{"action", "retract"}}))).action, "retract");
  auto p = ExpectProblem(ParseJson(Valid({{"action", "delete"}})), "action");
  EXPECT_THAT(p.en, HasSubstr("\"publish\" or \"retract\""));
}

// ---- overrides ------------------------------------------------------------------

TEST_F(ItemParserTest, OverridesAreReadAndDueAtHonoursThem) {
  Item item = ExpectOk(ParseJson(Valid(
      {{"publish_at", "2026-12-01 08:00"},
       {"overrides",
        {{"facebook", {{"text", "Bài ngắn cho Facebook"}, {"publish_at", "2026-12-01 19:30"}}},
         {"portal", {{"title", "Tiêu đề cho cổng"}}}}}})));
  ASSERT_EQ(item.overrides.size(), 2u);
  EXPECT_EQ(item.overrides["facebook"].text, "Bài ngắn cho Facebook");
  EXPECT_FALSE(item.overrides["facebook"].title.has_value());
  EXPECT_EQ(item.overrides["portal"].title, "Tiêu đề cho cổng");
  EXPECT_EQ(item.DueAt("facebook"), Utc("2026-12-01T12:30:00Z"));
  EXPECT_EQ(item.DueAt("portal"), Utc("2026-12-01T01:00:00Z"));  // no time override
  EXPECT_EQ(item.DueAt("zalo"), item.publish_at);
}

TEST_F(ItemParserTest, OverrideForAChannelNotOfTheItemIsRejected) {
  auto parsed =
      ParseJson(Valid({{"overrides", {{"zalo", {{"text", "x"}}}, {"x", json::object()}}}}));
  ASSERT_THAT(parsed.problems, SizeIs(2)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "overrides.zalo").en,
              HasSubstr("not among the item's channels (portal, facebook)"));
  EXPECT_THAT(ExpectProblem(parsed, "overrides.x").en, HasSubstr("unknown channel"));
}

TEST_F(ItemParserTest, OverrideContentIsChecked) {
  auto parsed =
      ParseJson(Valid({{"overrides",
                        {{"facebook", {{"txt", "x"}, {"publish_at", "sáng mai"}, {"title", ""}}},
                         {"portal", "text"}}}}));
  ASSERT_THAT(parsed.problems, SizeIs(4)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "overrides.facebook.txt").en,
              HasSubstr("did you mean \"text\"?); allowed keys: title, text, publish_at"));
  ExpectProblem(parsed, "overrides.facebook.publish_at");
  ExpectProblem(parsed, "overrides.facebook.title");
  EXPECT_THAT(ExpectProblem(parsed, "overrides.portal").en, HasSubstr("must be an object"));
  ExpectProblem(ParseJson(Valid({{"overrides", {"facebook"}}})), "overrides");
}

// ---- keys and JSON syntax ----------------------------------------------------------

TEST_F(ItemParserTest, UnknownKeyIsRejectedWithTheAllowedKeys) {
  auto parsed = ParseJson(Valid({{"titel", "x"}}));
  auto p = ExpectProblem(parsed, "titel");
  EXPECT_THAT(p.en, HasSubstr("did you mean \"title\"?"));
  EXPECT_THAT(p.en, HasSubstr("id, title, summary, body, body_file, publish_at, channels"));
  EXPECT_THAT(p.vi, HasSubstr("Có phải ý bạn là \"title\"?"));
  EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"mau_sac", "do"}})), "mau_sac").en,
              Not(HasSubstr("did you mean")));
}

TEST_F(ItemParserTest, RepeatedKeyIsRejected) {
  auto p = ExpectProblem(ParseFile("a.json",
                                   R"({"title": "a", "title": "b", "body": "x",
                                       "channels": "all", "approved_by": "B"})"),
                         "title");
  EXPECT_THAT(p.en, HasSubstr("more than once"));
}

TEST_F(ItemParserTest, SyntaxErrorGivesLineAndColumn) {
  auto parsed = ParseFile("a.json", "{\n  \"title\": \"Tin\"\n  \"body\": \"x\"\n}\n");
  auto p = ExpectProblem(parsed, "");
  EXPECT_THAT(p.en, HasSubstr("JSON syntax error at line 3, column"));
  EXPECT_THAT(p.vi, HasSubstr("dòng 3"));
  EXPECT_EQ(p.value, "\"body\": \"x\"");
}

TEST_F(ItemParserTest, EmptyOrTruncatedFileIsASyntaxError) {
  EXPECT_THAT(ExpectProblem(ParseFile("a.json", ""), "").en,
              HasSubstr("JSON syntax error at line 1, column 1"));
  EXPECT_THAT(ExpectProblem(ParseFile("b.json", "{\n  \"title\": \"Tin"), "").en,
              HasSubstr("JSON syntax error at line 2"));
}

TEST_F(ItemParserTest, TopLevelMustBeAnObject) {
  EXPECT_THAT(ExpectProblem(ParseFile("a.json", "[1, 2]"), "").en,
              HasSubstr("must be a JSON object, not an array"));
}

TEST_F(ItemParserTest, ByteOrderMarkAndCommentsAreAccepted) {
  Item item = ExpectOk(ParseFile("a.json", "\xEF\xBB\xBF// bài mới\n" + Valid().dump()));
  EXPECT_EQ(item.title, "Tiêu đề");
}

TEST_F(ItemParserTest, JsonOverTheLimitIsRejected) {
  options_.max_json_bytes = 64;
  EXPECT_THAT(ExpectProblem(ParseJson(Valid()), "").en, HasSubstr("limit of 64"));
}

TEST_F(ItemParserTest, EveryProblemIsCollected) {
  auto parsed = ParseJson(json{{"titel", "x"},
                               {"body", "x"},
                               {"body_file", "y.md"},
                               {"channels", {"web"}},
                               {"form", "tin"},
                               {"link", "stp.gov.vn"},
                               {"publish_at", "mai"},
                               {"action", 1}});
  std::vector<std::string> fields;
  for (const auto& p : parsed.problems) fields.push_back(p.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("titel", "title", "approved_by", "body_file",
                                                      "channels[0]", "form", "link", "publish_at",
                                                      "action"))
      << Dump(parsed.problems);
  EXPECT_FALSE(parsed.item.has_value());
}

TEST_F(ItemParserTest, LongValuesAreShortened) {
  std::string link = "ftp://" + std::string(200, 'a');
  auto p = ExpectProblem(ParseJson(Valid({{"link", link}})), "link");
  EXPECT_EQ(p.value, link.substr(0, 80) + "…");
}

// ---- item path --------------------------------------------------------------------

TEST_F(ItemParserTest, FolderWithoutPostJsonIsRejected) {
  fs::create_directories(dir_ / "trong");
  EXPECT_THAT(ExpectProblem(ParseItem(dir_ / "trong", options_), "").en, HasSubstr("no post.json"));
}

TEST_F(ItemParserTest, FileThatIsNotJsonIsRejected) {
  EXPECT_THAT(ExpectProblem(ParseFile("bai.txt", Valid().dump()), "").en,
              HasSubstr("NAME.json file or a folder"));
}

TEST_F(ItemParserTest, SymlinkedItemIsRefused) {
  fs::path real = Write("that/bai.json", Valid().dump());
  fs::create_symlink(real, dir_ / "link.json");
  EXPECT_THAT(ExpectProblem(ParseItem(dir_ / "link.json", options_), "").en,
              HasSubstr("symbolic link"));

  fs::create_directories(dir_ / "thu-muc");
  fs::create_symlink(real, dir_ / "thu-muc" / "post.json");
  EXPECT_THAT(ExpectProblem(ParseItem(dir_ / "thu-muc", options_), "").en,
              HasSubstr("post.json is a symbolic link"));
}

// ---- media ------------------------------------------------------------------------

TEST_F(ItemParserTest, MediaAreTypedAndSizedWithoutBeingHashed) {
  auto parsed = ParseFolder(
      Valid({{"media",
              {{{"file", "anh-1.JPG"}, {"caption", "Bộ phận Một cửa"}},
               {{"file", "video/clip.mp4"}},
               {{"file", "tai-lieu.pdf"}, {"caption", nullptr}}}}}),
      {{"anh-1.JPG", "jpeg bytes"}, {"video/clip.mp4", "mp4 bytes"}, {"tai-lieu.pdf", "%PDF"}});
  Item item = ExpectOk(parsed);
  ASSERT_THAT(item.media, SizeIs(3));
  EXPECT_EQ(item.media[0].name, "anh-1.JPG");
  EXPECT_EQ(item.media[0].caption, "Bộ phận Một cửa");
  EXPECT_EQ(item.media[0].content_type, "image/jpeg");
  EXPECT_EQ(item.media[0].sha256, "");  // the copy into the state folder hashes it
  EXPECT_EQ(item.media[0].size, 10);
  EXPECT_EQ(item.media[1].name, "clip.mp4");
  EXPECT_EQ(item.media[1].content_type, "video/mp4");
  EXPECT_EQ(item.media[2].content_type, "application/pdf");
  EXPECT_EQ(item.media[2].caption, "");
  ASSERT_THAT(parsed.media_files, SizeIs(3));
  EXPECT_EQ(parsed.media_files[1].name, "clip.mp4");
  EXPECT_EQ(parsed.media_files[1].path, dir_ / "bai-viet" / "video" / "clip.mp4");
}

TEST_F(ItemParserTest, EveryAllowedMediaExtensionHasItsContentType) {
  struct Case {
    const char* file;
    const char* type;
  };
  for (auto c :
       {Case{"a.jpg", "image/jpeg"}, Case{"a.jpeg", "image/jpeg"}, Case{"a.png", "image/png"},
        Case{"a.gif", "image/gif"}, Case{"a.webp", "image/webp"}, Case{"a.mp4", "video/mp4"},
        Case{"a.pdf", "application/pdf"}}) {
    Item item = ExpectOk(ParseFolder(Valid({{"media", {{{"file", c.file}}}}}), {{c.file, "x"}},
                                     std::string("bai-") + (c.file + 2)));
    ASSERT_THAT(item.media, SizeIs(1));
    EXPECT_EQ(item.media[0].content_type, c.type) << c.file;
  }
}

TEST_F(ItemParserTest, UnsupportedMediaTypeIsRejected) {
  auto p = ExpectProblem(
      ParseFolder(Valid({{"media", {{{"file", "tai-lieu.docx"}}}}}), {{"tai-lieu.docx", "x"}}),
      "media[0].file");
  EXPECT_THAT(p.en, HasSubstr("unsupported file type"));
}

TEST_F(ItemParserTest, MediaPathTraversalIsRejected) {
  Write("x.png", "outside");
  auto parsed = ParseFolder(
      Valid({{"media",
              {{{"file", "../x.png"}}, {{"file", "/etc/x.png"}}, {{"file", "a/../../x.png"}}}}}));
  ASSERT_THAT(parsed.problems, SizeIs(3)) << Dump(parsed.problems);
  for (const char* field : {"media[0].file", "media[1].file", "media[2].file"}) {
    EXPECT_THAT(ExpectProblem(parsed, field).en, HasSubstr("inside the item folder"));
  }
  EXPECT_THAT(parsed.media_files, IsEmpty());
}

TEST_F(ItemParserTest, SymlinkedMediaIsRefused) {
  fs::path outside = Write("ngoai/anh.png", "outside");
  fs::create_directories(dir_ / "bai-viet");
  fs::create_symlink(outside, dir_ / "bai-viet" / "anh.png");
  fs::create_directory_symlink(dir_ / "ngoai", dir_ / "bai-viet" / "thu-muc");
  auto parsed =
      ParseFolder(Valid({{"media", {{{"file", "anh.png"}}, {{"file", "thu-muc/anh.png"}}}}}));
  ASSERT_THAT(parsed.problems, SizeIs(2)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "media[0].file").en, HasSubstr("symbolic link"));
  EXPECT_THAT(ExpectProblem(parsed, "media[1].file").en, HasSubstr("symbolic link"));
}

TEST_F(ItemParserTest, MissingEmptyOrOversizedMediaAreRejected) {
  options_.max_media_bytes = 8;
  auto parsed = ParseFolder(Valid({{"media",
                                    {{{"file", "khong-co.png"}},
                                     {{"file", "rong.png"}},
                                     {{"file", "lon.png"}},
                                     {{"file", "thu-muc.png"}},
                                     {{"caption", "không có tên tệp"}}}}}),
                            {{"rong.png", ""}, {"lon.png", "123456789"}});
  fs::create_directories(dir_ / "bai-viet" / "thu-muc.png");
  parsed = ParseItem(dir_ / "bai-viet", options_);
  ASSERT_THAT(parsed.problems, SizeIs(5)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "media[0].file").en, HasSubstr("not found"));
  EXPECT_THAT(ExpectProblem(parsed, "media[1].file").en, HasSubstr("empty"));
  EXPECT_THAT(ExpectProblem(parsed, "media[2].file").en, HasSubstr("limit of 8"));
  EXPECT_THAT(ExpectProblem(parsed, "media[3].file").en, HasSubstr("not a regular file"));
  EXPECT_THAT(ExpectProblem(parsed, "media[4].file").en, HasSubstr("missing"));
}

TEST_F(ItemParserTest, MediaEntriesAreChecked) {
  auto parsed = ParseFolder(
      Valid({{"media",
              {"anh.png", {{"file", "a/anh.png"}, {"chu_thich", "x"}}, {{"file", "anh.png"}}}}}),
      {{"anh.png", "1"}, {"a/anh.png", "2"}});
  ASSERT_THAT(parsed.problems, SizeIs(3)) << Dump(parsed.problems);
  EXPECT_THAT(ExpectProblem(parsed, "media[0]").en, HasSubstr("must be an object"));
  EXPECT_THAT(ExpectProblem(parsed, "media[1].chu_thich").en,
              HasSubstr("allowed keys: file, caption"));
  EXPECT_THAT(ExpectProblem(parsed, "media[2].file").en, HasSubstr("two media files are named"));
  ExpectProblem(ParseJson(Valid({{"media", "anh.png"}})), "media");
}

// ---- UTF-8 ------------------------------------------------------------------------

TEST_F(ItemParserTest, TextIsNormalizedToNfc) {
  // "Việt Nam" with the vowel and both marks written as separate code points.
  std::string decomposed = "Vie\xCC\xA3\xCC\x82t Nam";
  std::string composed = "Vi\xE1\xBB\x87t Nam";
  ASSERT_NE(decomposed, composed);
  Item item = ExpectOk(ParseFolder(Valid({{"title", decomposed},
                                          {"unit", decomposed},
                                          {"body", nullptr},
                                          {"body_file", "a.md"},
                                          {"media", {{{"file", "a.png"}, {"caption", decomposed}}}},
                                          {"overrides", {{"portal", {{"text", decomposed}}}}}}),
                                   {{"a.md", "# " + decomposed + "\n"}, {"a.png", "x"}}));
  EXPECT_EQ(item.title, composed);
  EXPECT_EQ(item.unit, composed);
  EXPECT_EQ(item.body_markdown, "# " + composed + "\n");
  EXPECT_EQ(item.media[0].caption, composed);
  EXPECT_EQ(item.overrides["portal"].text, composed);
}

TEST_F(ItemParserTest, InvalidUtf8NamesTheField) {
  // A title saved in a legacy 8-bit code page.
  std::string text = Valid().dump();
  text.replace(text.find("Tiêu đề"), std::string("Tiêu đề").size(), "Ti\xEAu \xF0\xE8");
  auto parsed = ParseFile("a.json", text);
  ASSERT_THAT(parsed.problems, SizeIs(1)) << Dump(parsed.problems);
  auto p = ExpectProblem(parsed, "title");
  EXPECT_EQ(p.en, "title is not valid UTF-8");
  EXPECT_THAT(p.vi, HasSubstr("UTF-8"));
}

TEST_F(ItemParserTest, InvalidUtf8OutsideAnyFieldIsStillReported) {
  auto parsed = ParseFile("a.json", "{\"tit\xC0\x80le\": 1}");
  bool file_level = false;
  for (const auto& p : parsed.problems) {
    file_level |= p.en.find("not valid UTF-8") != std::string::npos;
  }
  EXPECT_TRUE(file_level) << Dump(parsed.problems);
  EXPECT_FALSE(parsed.ok());
}

TEST_F(ItemParserTest, InvalidUtf8InBodyFileIsRejected) {
  auto p = ExpectProblem(
      ParseFolder(Valid({{"body", nullptr}, {"body_file", "a.md"}}), {{"a.md", "d\xF2ng 1\n"}}),
      "body_file");
  EXPECT_THAT(p.en, HasSubstr("not valid UTF-8 (first bad byte on line 1)"));
}

// ---- reports ----------------------------------------------------------------------

TEST_F(ItemParserTest, ProblemReportListsEveryProblemInBothLanguages) {
  auto parsed = ParseJson(Valid({{"title", nullptr}, {"form", "tin"}}), "bai-loi.json");
  ASSERT_THAT(parsed.problems, SizeIs(2));
  std::string report = FormatProblemReport(dir_ / "bai-loi.json", parsed.problems);
  EXPECT_THAT(report, HasSubstr("Bài viết \"bai-loi.json\" chưa được đăng vì có 2 lỗi."));
  EXPECT_THAT(report, HasSubstr("Item \"bai-loi.json\" was rejected: 2 problems."));
  EXPECT_THAT(report, HasSubstr("1. Trường (field): title"));
  EXPECT_THAT(report, HasSubstr("2. Trường (field): form"));
  EXPECT_THAT(report, HasSubstr("Giá trị (value): tin"));
  EXPECT_THAT(report, HasSubstr("Lỗi: Thiếu tiêu đề (title)."));
  EXPECT_THAT(report, HasSubstr("Problem: title is missing"));
  EXPECT_THAT(report, HasSubstr("Hãy sửa các lỗi trên rồi đặt lại bài viết"));

  std::string folder_report = FormatProblemReport(dir_ / "thu-muc/", parsed.problems);
  EXPECT_THAT(folder_report, HasSubstr("\"thu-muc\""));
}

TEST_F(ItemParserTest, ProblemLineIsOneEnglishLine) {
  EXPECT_EQ(FormatProblemLine({"form", "tin", "vi", "form \"tin\" is bad"}),
            "form: form \"tin\" is bad (value: tin)");
  EXPECT_EQ(FormatProblemLine({"", "", "vi", "the file is broken"}), "item: the file is broken");
}

// ---- hostile input ----------------------------------------------------------------

TEST_F(ItemParserTest, DeepNestingIsRefusedBeforeAnythingRecursesIntoIt) {
  // 100,000 levels once overflowed the stack while the offending value was
  // printed into the report.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto whole = ExpectProblem(ParseFile("a.json", deep), "");
  EXPECT_THAT(whole.en, HasSubstr("nested more than 32 levels deep (line 1, column 33)"));
  EXPECT_THAT(whole.vi, HasSubstr("32 tầng"));

  std::string text = Valid().dump();
  text.insert(1, "\"x\": " + std::string(100000, '{') + std::string(100000, '}') + ", ");
  EXPECT_THAT(ExpectProblem(ParseFile("b.json", text), "").en, HasSubstr("nested more than 32"));

  // Brackets inside strings and comments are text, not nesting.
  std::string brackets(5000, '[');
  Item item = ExpectOk(ParseFile("c.json", "// " + brackets + "\n/* " + brackets + " */" +
                                               Valid({{"body", brackets}}).dump()));
  EXPECT_EQ(item.body_markdown, brackets);

  // 32 levels are allowed (in a key that is refused for being unknown).
  std::string at_limit = Valid().dump();
  at_limit.insert(1, "\"x\": " + std::string(31, '[') + std::string(31, ']') + ", ");
  auto parsed = ParseFile("d.json", at_limit);
  ASSERT_THAT(parsed.problems, SizeIs(1)) << Dump(parsed.problems);
  EXPECT_THAT(parsed.problems[0].en, HasSubstr("unknown key"));
}

TEST_F(ItemParserTest, NumbersOutOfRangeAreRefusedWithTheirPosition) {
  for (const char* number :
       {"1e999", "-1e999", "1e-999", "123456789012345678901234567890", "-99999999999999999999"}) {
    std::string text = "{\n  \"title\": \"Tin\",\n  \"x\": [1, " + std::string(number) + "]\n}";
    auto p = ExpectProblem(ParseFile("a.json", text), "");
    EXPECT_THAT(p.en, HasSubstr("number out of range at line 3, column 12")) << number;
    EXPECT_EQ(p.value, number);
  }
  // Numbers that fit are only the wrong type.
  auto p = ExpectProblem(ParseJson(Valid({{"title", 18446744073709551615ULL}})), "title");
  EXPECT_THAT(p.en, HasSubstr("title must be a string, not a number"));
  EXPECT_THAT(ExpectProblem(ParseFile("b.json", R"({"title": NaN})"), "").en,
              HasSubstr("JSON syntax error"));
}

TEST_F(ItemParserTest, ValuesQuotedInProblemsAreShortAndOnOneLine) {
  std::string text = Valid().dump();
  text.insert(1, "\"x\\u001b[31m\": " + std::string(30, '[') + "\"" + std::string(100000, 'a') +
                     "\\n\"" + std::string(30, ']') + ", ");
  auto parsed = ParseFile("a.json", text);
  ASSERT_THAT(parsed.problems, SizeIs(1)) << Dump(parsed.problems);
  const Problem& p = parsed.problems[0];
  EXPECT_EQ(p.field, "x\\u001B[31m");
  EXPECT_THAT(p.en, HasSubstr("unknown key \"x\\u001B[31m\""));
  EXPECT_LE(p.value.size(), 200u);
  EXPECT_THAT(p.value, ::testing::StartsWith("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"aaa"));
  for (const std::string* s : {&p.field, &p.value, &p.vi, &p.en}) {
    EXPECT_EQ(s->find_first_of(std::string("\n\r\x1b", 3)), std::string::npos) << *s;
  }
}

TEST_F(ItemParserTest, ControlCharactersInOneLineFieldsAreRefusedByName) {
  struct Case {
    json changes;
    std::string field, expected;
  };
  std::vector<Case> cases = {
      {{{"title", "Tin \x1b[31mđỏ"}}, "title", "U+001B (ESC) at character 5"},
      {{{"title", std::string("Tin\0mới", 9)}}, "title", "U+0000 (NUL) at character 4"},
      {{{"title", "Tin\amới"}}, "title", "U+0007 (BEL)"},
      {{{"title", "Dòng 1\rDòng 2"}}, "title", "U+000D (CR) at character 7"},
      {{{"title", "Dòng 1\nDòng 2"}}, "title", "U+000A (LF)"},
      {{{"title", "Tab\there"}}, "title", "U+0009 (TAB)"},
      {{{"title", "Xóa\x7f"}}, "title", "U+007F (DEL)"},
      {{{"title", "C1 \xc2\x9b"}}, "title", "U+009B"},
      {{{"title",
         "gpj.\xe2\x80\xae"
         "exe"}},
       "title",
       "U+202E (RIGHT-TO-LEFT OVERRIDE)"},
      {{{"title",
         "a\xe2\x81\xa6"
         "b"}},
       "title",
       "U+2066 (LEFT-TO-RIGHT ISOLATE)"},
      {{{"title",
         "a\xe2\x80\xa8"
         "b"}},
       "title",
       "U+2028 (LINE SEPARATOR)"},
      {{{"summary", "Tóm\x1btắt"}}, "summary", "U+001B"},
      {{{"unit", "Phòng\x07"}}, "unit", "U+0007"},
      {{{"approved_by", "Giám\x1b đốc"}}, "approved_by", "U+001B"},
      {{{"link", "https://a.gov.vn/\nx"}}, "link", "U+000A"},
      {{{"id", "tin\x1b"}}, "id", "U+001B"},
      {{{"form", "news\x1b"}}, "form", "U+001B"},
      {{{"topics", {"mot-cua\x1b"}}}, "topics[0]", "U+001B"},
      {{{"channels", {"portal\x1b"}}}, "channels[0]", "U+001B"},
      {{{"publish_at", "2026-12-02 08:00\x1b"}}, "publish_at", "U+001B"},
      {{{"overrides", {{"portal", {{"title", "Tin\x1b"}}}}}}, "overrides.portal.title", "U+001B"},
      {{{"overrides", {{"portal", {{"text", "Tin\x1b"}}}}}}, "overrides.portal.text", "U+001B"},
      {{{"body", "Nội dung\x1b[2J"}}, "body", "U+001B (ESC) at character 9"},
      {{{"body", "Nội dung\xe2\x80\xae"}}, "body", "U+202E"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseJson(Valid(c.changes));
    auto p = ExpectProblem(parsed, c.field);
    EXPECT_THAT(p.en, HasSubstr(c.field + " holds the control character " + c.expected))
        << c.changes.dump();
    EXPECT_THAT(p.vi, HasSubstr("ký tự điều khiển")) << c.changes.dump();
  }
}

TEST_F(ItemParserTest, CaptionsAndBodyFilesAreCheckedForControlCharactersToo) {
  auto parsed = ParseFolder(Valid({{"body", nullptr},
                                   {"body_file", "a.md"},
                                   {"media", {{{"file", "a.png"}, {"caption", "Ảnh\x1b"}}}}}),
                            {{"a.md", "Dòng 1\n\x1b]0;x\x07"}, {"a.png", "x"}});
  EXPECT_THAT(ExpectProblem(parsed, "media[0].caption").en, HasSubstr("U+001B (ESC)"));
  EXPECT_THAT(ExpectProblem(parsed, "body_file").en, HasSubstr("U+001B (ESC) at character 8"));
}

TEST_F(ItemParserTest, BodyKeepsLineBreaksAndTabsAndReadsCrAsALineBreak) {
  Item item = ExpectOk(ParseJson(Valid({{"body", "Một\r\nHai\rBa\n\tBốn"},
                                        {"title", "  Tiêu đề\r\n"},
                                        {"overrides", {{"portal", {{"text", "a\r\nb"}}}}}})));
  EXPECT_EQ(item.body_markdown, "Một\nHai\nBa\n\tBốn");
  EXPECT_EQ(item.title, "Tiêu đề");  // white space around a one-line field is trimmed
  EXPECT_EQ(item.overrides["portal"].text, "a\nb");
}

TEST_F(ItemParserTest, OneLineFieldsHaveALengthLimit) {
  std::string title(2001, 'a');
  EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"title", title}})), "title").en,
              HasSubstr("title is 2,001 characters, over the limit of 2,000"));
  ExpectOk(ParseJson(Valid({{"title", std::string(2000, 'a')}})));
}

TEST_F(ItemParserTest, LinksThatCanMisleadAreRefusedWithTheReason) {
  struct Case {
    std::string link, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"javascript:alert(1)", "must start with http:// or https://"},
           {"data:text/html,<b>x</b>", "must start with http:// or https://"},
           {"file:///etc/passwd", "must start with http:// or https://"},
           {"https://sotuphap.angiang.gov.vn@evil.example/", "user name or password"},
           {"https://user:pass@evil.example/", "user name or password"},
           {"https:///duong-dan", "has no host"},
           {"https://a.gov.vn/" + std::string(2000, 'x'), "over the limit of 2,000"},
           {"https://a.gov.vn/a b", "white space"},
       }) {
    EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"link", c.link}})), "link").en,
                HasSubstr(c.expected))
        << c.link;
  }
  EXPECT_EQ(*ExpectOk(ParseJson(Valid({{"link", "https://a.gov.vn/x?y=1#z"}}))).link,
            "https://a.gov.vn/x?y=1#z");
}

TEST_F(ItemParserTest, PublishAtOutsideSensibleYearsOrWithALeapSecondIsRefused) {
  for (const char* time : {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1999-12-31 23:00"}) {
    EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"publish_at", time}})), "publish_at").en,
                HasSubstr("is outside the years 2000–2099"))
        << time;
  }
  EXPECT_THAT(
      ExpectProblem(ParseJson(Valid({{"publish_at", "2026-12-31T23:59:60+07:00"}})), "publish_at")
          .en,
      HasSubstr("leap second"));
  for (const char* time : {"2026-12-02T24:00:00Z", "2026-12-02T08:00:00+25:00", "ngày mai",
                           "２０２６-12-02 08:00", "2026-02-30 08:00"}) {
    EXPECT_THAT(ExpectProblem(ParseJson(Valid({{"publish_at", time}})), "publish_at").en,
                HasSubstr("is not a time"))
        << time;
  }
  ExpectOk(ParseJson(Valid({{"publish_at", "2099-12-31 23:59:59"}})));
}

TEST_F(ItemParserTest, ForeignEncodingsAndNulBytesAreNamed) {
  std::string valid = Valid().dump();
  std::string utf16 = "\xFF\xFE";
  for (char c : valid) utf16 += std::string{c, '\0'};
  EXPECT_THAT(ExpectProblem(ParseFile("a.json", utf16), "").en,
              HasSubstr("the file is UTF-16 encoded"));
  EXPECT_THAT(ExpectProblem(ParseFile("b.json", "\xFE\xFF" + valid), "").en,
              HasSubstr("UTF-16 encoded"));
  EXPECT_THAT(ExpectProblem(ParseFile("c.json", std::string("\xFF\xFE\0\0", 4) + valid), "").en,
              HasSubstr("UTF-32 encoded"));
  std::string with_nul = valid;
  with_nul.insert(with_nul.find("Tiêu"), 1, '\0');
  EXPECT_THAT(ExpectProblem(ParseFile("d.json", with_nul), "").en, HasSubstr("NUL byte at line 1"));
  // Overlong "/" and a CESU-8 surrogate pair are not UTF-8.
  for (std::string bad : {"\xC0\xAF", "\xED\xA0\xBD\xED\xB8\x80"}) {
    std::string text = valid;
    text.insert(text.find("Tiêu"), bad);
    auto parsed = ParseFile("e.json", text);
    EXPECT_THAT(Dump(parsed.problems), HasSubstr("not valid UTF-8"));
  }
}

TEST_F(ItemParserTest, ItemNamesMustBeReadableAndNotHidden) {
  auto control = ParseFile("tin\nmoi.json", Valid({{"id", "tin-moi"}}).dump());
  EXPECT_THAT(ExpectProblem(control, "").en,
              HasSubstr("the item name \"tin\\u000Amoi.json\" holds the control character "
                        "U+000A (LF) at character 4"));
  auto bytes = ParseFile("tin-\xff.json", Valid({{"id", "tin-moi"}}).dump());
  EXPECT_THAT(ExpectProblem(bytes, "").en,
              HasSubstr("the item name \"tin-\\xFF.json\" is not valid UTF-8"));
  auto hidden = ParseFile(".tin.json", Valid({{"id", "tin"}}).dump());
  EXPECT_THAT(ExpectProblem(hidden, "").en, HasSubstr("is one the inbox ignores"));
  std::string report = FormatProblemReport(dir_ / "tin\nmoi.json", control.problems);
  EXPECT_THAT(report, HasSubstr("Item \"tin\\u000Amoi.json\" was rejected"));
}

TEST_F(ItemParserTest, SpecialFilesAreRefusedByKindWithoutBlocking) {
  // A FIFO nobody writes to would block open() and read() for ever.
  ASSERT_EQ(::mkfifo((dir_ / "ong.json").c_str(), 0644), 0);
  EXPECT_THAT(ExpectProblem(ParseItem(dir_ / "ong.json", options_), "").en,
              HasSubstr("\"ong.json\" is a named pipe (FIFO), not a regular file"));

  fs::create_directories(dir_ / "bai-fifo");
  ASSERT_EQ(::mkfifo((dir_ / "bai-fifo" / "post.json").c_str(), 0644), 0);
  EXPECT_THAT(ExpectProblem(ParseItem(dir_ / "bai-fifo", options_), "").en,
              HasSubstr("\"post.json\" is a named pipe (FIFO)"));

  Write(
      "bai-viet/post.json",
      Valid({{"media", {{{"file", "anh.png"}}}}, {"body", nullptr}, {"body_file", "a.md"}}).dump());
  ASSERT_EQ(::mkfifo((dir_ / "bai-viet" / "anh.png").c_str(), 0644), 0);
  ASSERT_EQ(::mkfifo((dir_ / "bai-viet" / "a.md").c_str(), 0644), 0);
  auto parsed = ParseItem(dir_ / "bai-viet", options_);
  EXPECT_THAT(ExpectProblem(parsed, "media[0].file").en, HasSubstr("is a named pipe (FIFO)"));
  EXPECT_THAT(ExpectProblem(parsed, "body_file").en, HasSubstr("is a named pipe (FIFO)"));
}

TEST(InboxFileTest, ReadsNoMoreThanTheLimitWhateverTheFileIs) {
  // A device claims size 0 and never ends; it is refused by kind.
  InboxRead zero = ReadInboxFile("/dev/zero", 1024);
  EXPECT_EQ(zero.outcome, InboxRead::Outcome::kNotRegular);
  EXPECT_EQ(zero.kind, FileKind::kDevice);
  // /proc files claim size 0 and are regular: read, but only up to the limit.
  InboxRead proc = ReadInboxFile("/proc/self/maps", 16);
  EXPECT_EQ(proc.outcome, InboxRead::Outcome::kTooLarge);
  EXPECT_EQ(ReadInboxFile("/nonexistent/x.json", 16).outcome, InboxRead::Outcome::kCannotRead);
}

TEST(InboxFileTest, StoredNamesAlwaysLeaveRoomForTheReport) {
  EXPECT_EQ(StoredName("tin-ngan.json"), "tin-ngan.json");
  std::string exact(kMaxStoredNameBytes, 'a');
  EXPECT_EQ(StoredName(exact), exact);

  std::string ascii = std::string(250, 'a') + ".json";
  std::string stored = StoredName(ascii);
  EXPECT_LE(stored.size(), kMaxStoredNameBytes);
  EXPECT_THAT(stored, ::testing::EndsWith(".json"));
  EXPECT_THAT(stored, ::testing::StartsWith(std::string(150, 'a')));
  EXPECT_EQ(StoredName(ascii), stored);  // deterministic
  EXPECT_NE(StoredName(std::string(251, 'a') + ".json"), stored);

  // "đ" is two bytes: the cut never splits it.
  std::string vietnamese;
  while (vietnamese.size() < 240) vietnamese += "đ";
  std::string cut = StoredName(vietnamese);
  EXPECT_LE(cut.size(), kMaxStoredNameBytes);
  EXPECT_TRUE(IsValidUtf8(cut)) << cut;
}

// ---- platform limits --------------------------------------------------------------

// The platforms' limits come from their channel types (connectors/registry.h).
ChannelConfig FacebookChannel() {
  auto fb = std::make_shared<FacebookSettings>();
  fb->page_id = "123";
  fb->page_token_file = "fb-token";
  return ChannelConfig{"facebook", "facebook", fb, std::nullopt, {}, {}, {}};
}

ChannelConfig ZaloChannel(const std::string& media_base_url = "") {
  auto zalo = std::make_shared<ZaloSettings>();
  zalo->app_id = "1";
  zalo->author = "Sở Tư pháp";
  zalo->cover_url = "https://stp.angiang.gov.vn/banner.png";
  zalo->media_base_url = media_base_url;
  return ChannelConfig{"zalo", "zalo", zalo, std::nullopt, {}, {}, {}};
}

ChannelConfig FileChannel() {
  auto file = std::make_shared<FileSettings>();
  file->dir = "/tmp/out";
  return ChannelConfig{"portal", "file", file, std::nullopt, {}, {}, {}};
}

// `n` characters, each two or three bytes in UTF-8.
std::string VietnameseChars(size_t n) {
  static const char* kLetters[] = {"ạ", "ế", "ư", "ộ", "đ", "ỹ", "ơ", "ầ"};
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kLetters[i % 8];
  return out;
}

class ChannelLimitsTest : public ItemParserTest {
 protected:
  void SetUp() override {
    ItemParserTest::SetUp();
    Config config;
    config.channels["portal"] = FileChannel();
    config.channels["facebook"] = FacebookChannel();
    config.channels["zalo"] = ZaloChannel();
    options_.limits = LimitsByChannel(config);
  }
  static json OnZalo(json changes) {
    changes["channels"] = {"portal", "zalo"};
    return Valid(changes);
  }
};

TEST(ChannelLimits, FollowThePlatformFacts) {
  ChannelLimits fb = LimitsFor(FacebookChannel());
  EXPECT_EQ(fb.max_text_chars, 63206u);
  EXPECT_EQ(fb.max_title_chars, 0u);
  EXPECT_TRUE(fb.media_published);
  EXPECT_EQ(fb.images.max_bytes, 4 << 20);
  EXPECT_THAT(fb.images.extensions, ::testing::IsSupersetOf({".jpg", ".png", ".gif"}));
  EXPECT_THAT(fb.images.extensions, ::testing::Not(::testing::Contains(".webp")));
  EXPECT_TRUE(fb.video_must_be_alone);

  ChannelLimits zalo = LimitsFor(ZaloChannel("https://stp.angiang.gov.vn/loa-media"));
  EXPECT_EQ(zalo.max_title_chars, 150u);
  EXPECT_EQ(zalo.max_description_chars, 300u);
  EXPECT_EQ(zalo.max_text_chars, 0u);
  EXPECT_TRUE(zalo.media_published);
  EXPECT_THAT(zalo.images.extensions, ElementsAre(".jpg", ".jpeg", ".png"));
  EXPECT_EQ(zalo.images.max_bytes, 1 << 20);
  EXPECT_THAT(zalo.videos.extensions, ElementsAre(".mp4"));
  EXPECT_EQ(zalo.videos.max_bytes, 50 << 20);
  // Without media_base_url Zalo articles carry the text only.
  EXPECT_FALSE(LimitsFor(ZaloChannel()).media_published);

  ChannelLimits file = LimitsFor(FileChannel());
  EXPECT_EQ(file.max_title_chars + file.max_text_chars + file.max_description_chars, 0u);
  EXPECT_FALSE(file.media_published);
}

TEST(ChannelLimits, CountsCodePointsAfterNfc) {
  EXPECT_EQ(CountCharacters(""), 0u);
  EXPECT_EQ(CountCharacters("Tư pháp"), 7u);
  EXPECT_EQ(CountCharacters(VietnameseChars(150)), 150u);
  EXPECT_GT(VietnameseChars(150).size(), 300u);
  // "ệ" written as e + U+0323 + U+0302 is one character once composed.
  EXPECT_EQ(CountCharacters("Vi\x65\xCC\xA3\xCC\x82t"), 4u);
}

TEST_F(ChannelLimitsTest, ZaloTitleOverItsLimitIsRejectedNamingChannelAndLimit) {
  std::string title = "Sở Tư pháp " + VietnameseChars(151);  // 162 characters
  auto p = ExpectProblem(ParseJson(OnZalo({{"title", title}})), "title");
  EXPECT_THAT(p.vi,
              HasSubstr("Kênh zalo: tiêu đề dài 162 ký tự, vượt giới hạn 150 ký tự của Zalo."));
  EXPECT_THAT(p.vi, HasSubstr("\"overrides\": {\"zalo\": {\"title\""));
  EXPECT_EQ(p.en, "channel zalo: the title is 162 characters, over Zalo's limit of 150");
}

TEST_F(ChannelLimitsTest, LengthsAreCharactersNotBytes) {
  std::string title = VietnameseChars(150);
  ASSERT_GT(title.size(), 2 * 150u);
  Item item = ExpectOk(ParseJson(OnZalo({{"title", title}})));
  EXPECT_EQ(item.title, title);
  // The same 150 characters decomposed (NFD) are more code points as
  // written, and still fit: they are counted after NFC.
  std::string decomposed;
  for (int i = 0; i < 150; ++i) decomposed += "\x65\xCC\xA3\xCC\x82";  // ệ
  ExpectOk(ParseJson(OnZalo({{"title", decomposed}})));
  ExpectProblem(ParseJson(OnZalo({{"title", VietnameseChars(151)}})), "title");
}

TEST_F(ChannelLimitsTest, ChannelsWithoutLimitsTakeLongTitles) {
  ExpectOk(ParseJson(Valid({{"title", VietnameseChars(400)}, {"channels", {"portal"}}})));
  ExpectOk(ParseJson(Valid({{"title", VietnameseChars(400)}, {"channels", {"facebook"}}})));
}

TEST_F(ChannelLimitsTest, ZaloTitleOverrideIsMeasuredInstead) {
  std::string long_title = VietnameseChars(200);
  Item item = ExpectOk(ParseJson(
      OnZalo({{"title", long_title}, {"overrides", {{"zalo", {{"title", "Tiêu đề ngắn"}}}}}})));
  EXPECT_EQ(item.title, long_title);
  auto p = ExpectProblem(
      ParseJson(OnZalo({{"overrides", {{"zalo", {{"title", VietnameseChars(151)}}}}}})),
      "overrides.zalo.title");
  EXPECT_THAT(p.vi, HasSubstr("Kênh zalo: tiêu đề riêng cho kênh này dài 151 ký tự"));
  EXPECT_THAT(p.en, HasSubstr("own title is 151 characters, over Zalo's limit of 150"));
}

TEST_F(ChannelLimitsTest, ZaloDescriptionIsTheSummaryWithinItsLimit) {
  ExpectOk(ParseJson(OnZalo({{"summary", VietnameseChars(300)}})));
  auto p = ExpectProblem(ParseJson(OnZalo({{"summary", VietnameseChars(301)}})), "summary");
  EXPECT_THAT(p.vi, HasSubstr("Kênh zalo: "));
  EXPECT_THAT(p.vi, HasSubstr("dài 301 ký tự, vượt giới hạn 300 ký tự của Zalo."));
  EXPECT_THAT(p.en, HasSubstr("over Zalo's limit of 300"));
}

TEST_F(ChannelLimitsTest, WithoutSummaryTheFirstParagraphMustFitZalosDescription) {
  // The heading is not the lead; the paragraph after it is, as plain text.
  std::string lead = "Đoạn **đầu** " + VietnameseChars(280);  // 292 characters once rendered
  ExpectOk(
      ParseJson(OnZalo({{"body", "## Tiêu đề phụ\n\n" + lead + "\n\n" + VietnameseChars(900)}})));
  auto p =
      ExpectProblem(ParseJson(OnZalo({{"body", VietnameseChars(301) + "\n\nĐoạn hai."}})), "body");
  EXPECT_THAT(p.vi, HasSubstr("Kênh zalo: bài viết không có tóm tắt (\"summary\")"));
  EXPECT_THAT(p.vi, HasSubstr("vượt giới hạn 300 ký tự của Zalo"));
  EXPECT_THAT(p.en, HasSubstr("add a shorter summary"));
  // Problems name the key the body came from.
  ExpectProblem(ParseFolder(OnZalo({{"body", nullptr}, {"body_file", "noi-dung.md"}}),
                            {{"noi-dung.md", VietnameseChars(301)}}),
                "body_file");
  // A summary written by the editor fixes it.
  ExpectOk(ParseJson(OnZalo({{"body", VietnameseChars(301)}, {"summary", "Tóm tắt ngắn."}})));
}

TEST_F(ChannelLimitsTest, FacebookMessageIsMeasuredAsPublished) {
  // Title "T", a blank line and the body text: 3 + body characters.
  auto with_body = [&](const std::string& body) {
    return ParseJson(Valid({{"title", "T"}, {"body", body}, {"channels", {"facebook"}}}));
  };
  ExpectOk(with_body(VietnameseChars(63203)));
  auto p = ExpectProblem(with_body(VietnameseChars(63204)), "body");
  EXPECT_THAT(p.vi, HasSubstr("Kênh facebook: nội dung bài đăng (tiêu đề, toàn văn) dài 63.207 "
                              "ký tự, vượt giới hạn 63.206 ký tự của Facebook."));
  EXPECT_THAT(p.vi, HasSubstr("Hãy thêm phần tóm tắt (\"summary\")"));
  EXPECT_EQ(p.en,
            "channel facebook: the post text (title, body) is 63,207 characters, over Facebook's "
            "limit of 63,206");
  // Markdown syntax is not published, so it does not count: 70,000
  // characters written, 29,999 rendered.
  std::string markup;
  for (int i = 0; i < 10000; ++i) markup += "**ab** ";
  ASSERT_GT(CountCharacters(markup), 63206u);
  ExpectOk(with_body(markup));
}

TEST_F(ChannelLimitsTest, FacebookPostsTheSummaryOrItsOwnTextInsteadOfTheBody) {
  std::string body = VietnameseChars(70000);
  ExpectOk(ParseJson(Valid({{"body", body}, {"summary", "Tóm tắt."}, {"channels", {"facebook"}}})));
  ExpectOk(ParseJson(Valid({{"body", body},
                            {"channels", {"facebook"}},
                            {"overrides", {{"facebook", {{"text", "Ngắn."}}}}}})));
  auto p = ExpectProblem(
      ParseJson(Valid({{"channels", {"facebook"}},
                       {"overrides", {{"facebook", {{"text", VietnameseChars(63207)}}}}}})),
      "overrides.facebook.text");
  EXPECT_THAT(p.vi, HasSubstr("Kênh facebook: nội dung riêng cho kênh này dài 63.207 ký tự"));
}

TEST_F(ChannelLimitsTest, OnlyTheChannelThatCannotFitIsNamed) {
  auto parsed = ParseJson(Valid({{"title", VietnameseChars(151)}, {"channels", "all"}}));
  ASSERT_THAT(parsed.problems, SizeIs(1)) << Dump(parsed.problems);
  EXPECT_THAT(parsed.problems[0].en, HasSubstr("channel zalo:"));
  std::string report = FormatProblemReport(dir_ / "bai-viet.json", parsed.problems);
  EXPECT_THAT(report, HasSubstr("Lỗi: Kênh zalo: tiêu đề dài 151 ký tự"));
  EXPECT_THAT(report, HasSubstr("Problem: channel zalo: the title is 151 characters"));
}

TEST_F(ChannelLimitsTest, RetractIsNotMeasured) {
  ExpectOk(ParseJson(OnZalo({{"title", VietnameseChars(151)}, {"action", "retract"}})));
}

TEST_F(ChannelLimitsTest, FacebookPhotosAndVideos) {
  auto on_facebook = [&](json media, std::vector<std::pair<std::string, std::string>> files,
                         const std::string& name) {
    return ParseFolder(Valid({{"channels", {"facebook"}}, {"media", media}}), files, name);
  };
  const std::string four_mb(4 << 20, 'p');
  ExpectOk(on_facebook({{{"file", "a.png"}}, {{"file", "b.gif"}}},
                       {{"a.png", four_mb}, {"b.gif", "g"}}, "anh-vua"));
  auto big = ExpectProblem(
      on_facebook({{{"file", "b.jpg"}}}, {{"b.jpg", four_mb + "x"}}, "anh-lon"), "media[0].file");
  EXPECT_THAT(big.vi, HasSubstr("Kênh facebook: ảnh \"b.jpg\" nặng 4,1 MB, vượt giới hạn 4 MB của "
                                "Facebook."));
  EXPECT_THAT(big.en, HasSubstr("4,194,305 bytes, over Facebook's limit of 4 MB"));
  auto webp = ExpectProblem(on_facebook({{{"file", "c.webp"}}}, {{"c.webp", "w"}}, "webp"),
                            "media[0].file");
  EXPECT_THAT(webp.en, HasSubstr("Facebook takes images of type .jpg"));
  EXPECT_THAT(webp.en, HasSubstr("not \"c.webp\""));
  // A video is a post of its own; a PDF is for web channels and left out.
  ExpectOk(on_facebook({{{"file", "v.mp4"}}, {{"file", "d.pdf"}}}, {{"v.mp4", "v"}, {"d.pdf", "d"}},
                       "video"));
  auto mixed = ExpectProblem(on_facebook({{{"file", "v.mp4"}}, {{"file", "a.png"}}},
                                         {{"v.mp4", "v"}, {"a.png", "p"}}, "tron"),
                             "media");
  EXPECT_THAT(mixed.vi, HasSubstr("chỉ mang được một video và không kèm ảnh"));
  EXPECT_THAT(mixed.en, HasSubstr("1 video(s) and 1 image(s)"));
  ExpectProblem(on_facebook({{{"file", "v.mp4"}}, {{"file", "w.mp4"}}},
                            {{"v.mp4", "v"}, {"w.mp4", "w"}}, "hai-video"),
                "media");
}

TEST_F(ChannelLimitsTest, ZaloMediaAreCheckedOnlyWhenZaloShowsThem) {
  const std::string two_mb(2 << 20, 'p');
  auto on_zalo = [&](json media, std::vector<std::pair<std::string, std::string>> files,
                     const std::string& name) {
    return ParseFolder(OnZalo({{"media", media}}), files, name);
  };
  // Text-only articles: the images stay on the web channels.
  ExpectOk(on_zalo({{{"file", "a.png"}}, {{"file", "b.gif"}}}, {{"a.png", two_mb}, {"b.gif", "g"}},
                   "chi-chu"));

  options_.limits["zalo"] = LimitsFor(ZaloChannel("https://stp.angiang.gov.vn/loa-media"));
  const std::string one_mb(1 << 20, 'p');
  ExpectOk(on_zalo({{{"file", "a.png"}}, {{"file", "b.jpeg"}}, {{"file", "d.pdf"}}},
                   {{"a.png", one_mb}, {"b.jpeg", "j"}, {"d.pdf", "d"}}, "vua"));
  auto parsed = on_zalo({{{"file", "a.png"}}, {{"file", "b.gif"}}},
                        {{"a.png", one_mb + "x"}, {"b.gif", "g"}}, "qua");
  ASSERT_THAT(parsed.problems, SizeIs(2)) << Dump(parsed.problems);
  auto big = ExpectProblem(parsed, "media[0].file");
  EXPECT_THAT(big.vi,
              HasSubstr("Kênh zalo: ảnh \"a.png\" nặng 1,1 MB, vượt giới hạn 1 MB của Zalo."));
  auto gif = ExpectProblem(parsed, "media[1].file");
  EXPECT_THAT(gif.vi, HasSubstr("Zalo chỉ nhận ảnh dạng .jpg, .jpeg, .png"));
  EXPECT_THAT(gif.en, HasSubstr("channel zalo: Zalo takes images of type .jpg, .jpeg, .png only"));
}

TEST_F(ChannelLimitsTest, VideoSizeAndTypeRules) {
  // Zalo's real video limit is 50 MB; a small one shows the same rule.
  ChannelLimits limits = LimitsFor(ZaloChannel("https://stp.angiang.gov.vn/loa-media"));
  limits.videos.max_bytes = 1024;
  options_.limits["zalo"] = limits;
  ExpectOk(ParseFolder(OnZalo({{"media", {{{"file", "v.mp4"}}}}}),
                       {{"v.mp4", std::string(1024, 'v')}}, "vua"));
  auto p = ExpectProblem(ParseFolder(OnZalo({{"media", {{{"file", "v.mp4"}}}}}),
                                     {{"v.mp4", std::string(1025, 'v')}}, "lon"),
                         "media[0].file");
  EXPECT_THAT(p.vi,
              HasSubstr("Kênh zalo: video \"v.mp4\" nặng 1,1 KB, vượt giới hạn 1 KB của Zalo."));
  EXPECT_THAT(p.en, HasSubstr("video \"v.mp4\" is 1,025 bytes, over Zalo's limit of 1 KB"));

  limits.videos.extensions.clear();
  options_.limits["zalo"] = limits;
  auto none = ExpectProblem(
      ParseFolder(OnZalo({{"media", {{{"file", "v.mp4"}}}}}), {{"v.mp4", "v"}}, "khong-nhan"),
      "media[0].file");
  EXPECT_THAT(none.en, HasSubstr("Zalo takes no video"));
}

// ---- the parser's pieces ------------------------------------------------------------

// One message of every code, with sample arguments.
std::vector<Message> EveryMessage() {
  namespace m = messages;
  using T = json::value_t;
  const std::vector<std::string> list = {"portal", "facebook"};
  const std::optional<std::string> guess = "portal";
  const m::Platform fb{"facebook", "Facebook"};
  return {m::Unexpected("boom"),
          m::NameNotUtf8("x"),
          m::NameControlChar("x", "U+0007", 2),
          m::NameIgnored(".x"),
          m::FolderUnreadable("x", "denied"),
          m::ItemIsSymlink(),
          m::PostJsonSymlink(),
          m::NoPostJson(),
          m::NoSuchItem("x"),
          m::CannotReadItem("x", "e"),
          m::NotJsonItem(),
          m::JsonTooLarge("x.json", 2 << 20, 1 << 20),
          m::CannotReadJson("x", "e"),
          m::TooDeep(1, 40, 32),
          m::NumberOutOfRange("1e999", 1, 2),
          m::ForeignEncoding("UTF-16"),
          m::NulByte(1, 2),
          m::JsonSyntax(1, 2, "unexpected"),
          m::NumberUnreadable("e"),
          m::JsonUnreadable("e"),
          m::DuplicateKey("title"),
          m::NotAnObject(T::array),
          m::FileNotUtf8(3),
          m::NotAFile("x", FileKind::kSymlink),
          m::NotAFile("x", FileKind::kDirectory),
          m::FieldNotUtf8("title"),
          m::ControlChar("title", "U+0007", 1, false, false),
          m::LineTooLong("title", 2001, 2000),
          m::WrongType("title", T::number_integer, m::Expected::kString, "\"x\""),
          m::UnknownKey("titel", list, guess, m::KeyPlace::kItem),
          m::BadId("X"),
          m::BadNameAsId("X"),
          m::TitleMissing(),
          m::TitleEmpty(),
          m::ApprovedByMissing(),
          m::ApprovedByEmpty(),
          m::BodyAndBodyFile(),
          m::NoBody(),
          m::BodyEmpty(true),
          m::ChannelsMissing("a", "a"),
          m::ChannelsEmpty("a", "a"),
          m::UnknownChannel("portl", guess, "a", "a"),
          m::AllWithoutChannels(),
          m::BadTime("soon", "publish_at", "\"2026-12-01 08:00\""),
          m::LeapSecond("2026-12-01 08:00:60", "publish_at"),
          m::YearOutOfRange("1999-01-01 08:00", "publish_at", 2000, 2099),
          m::BadForm("newz", "news", list),
          m::BadTopic("X"),
          m::LinkTooLong("x", 2001, 2000),
          m::LinkScheme("x"),
          m::LinkSpace("x"),
          m::LinkUserInfo("x"),
          m::LinkNoHost("x"),
          m::BadAction("x"),
          m::OverrideNotInChannels("zalo", list),
          m::OverrideEmpty("x"),
          m::FileTooLarge(m::NamedFile::kBody, "x", 2, 1),
          m::CannotReadFile(m::NamedFile::kMedia, "x", "e"),
          m::BodyFileNotUtf8("x", 1),
          m::BodyFileNotNfc("x", "e"),
          m::MediaNoFile(1, "media[0].file"),
          m::MediaType("x.exe"),
          m::SingleFileNamesFile("x"),
          m::PathOutside("../x"),
          m::PathSymlink("x"),
          m::CannotReadPath("x", "e"),
          m::FileNotFound("x"),
          m::DuplicateMediaName("x"),
          m::EmptyMediaFile("x"),
          m::TitleOverLimit(fb, 300, 255, false),
          m::TextOverLimit(fb, 70000, 63206, false, true, true),
          m::SummaryOverLimit(fb, 300, 200),
          m::FirstParagraphOverLimit(fb, 300, 200),
          m::MediaKindRefused(fb, true, "x.png"),
          m::MediaTypeRefused(fb, false, "x.mov", {".mp4"}),
          m::MediaOverSize(fb, true, "x.png", 5 << 20, 4 << 20),
          m::VideoNotAlone(fb, 2, 1)};
}

TEST(ItemMessagesTest, EveryCodeHasVietnameseAndEnglishText) {
  std::set<ProblemCode> seen;
  for (const Message& message : EveryMessage()) {
    seen.insert(message.code);
    SCOPED_TRACE(message.en);
    EXPECT_FALSE(message.vi.empty());
    EXPECT_FALSE(message.en.empty());
    EXPECT_NE(message.vi, message.en);
    EXPECT_TRUE(IsValidUtf8(message.vi));
    EXPECT_TRUE(IsValidUtf8(message.en));
  }
  EXPECT_EQ(seen.size(), kProblemCodeCount) << "a code without a message in EveryMessage()";
}

TEST(ItemMessagesTest, MessagesQuoteWhatTheyAreGiven) {
  Message m = messages::UnknownChannel("portl", "portal", "portal, zalo", "portal, zalo");
  EXPECT_EQ(m.code, ProblemCode::kUnknownChannel);
  EXPECT_THAT(m.vi, HasSubstr("Có phải ý bạn là \"portal\"?"));
  EXPECT_EQ(m.en,
            "unknown channel \"portl\" (did you mean \"portal\"?); known channels: portal, zalo "
            "or \"all\"");
  // Numbers are grouped the way each language writes them.
  m = messages::LineTooLong("title", 12345, 2000);
  EXPECT_THAT(m.vi, HasSubstr("12.345 ký tự"));
  EXPECT_THAT(m.en, HasSubstr("12,345 characters"));
}

TEST(ProblemListTest, EscapesWhatItRecordsAndKnowsItsCodes) {
  ProblemList problems;
  EXPECT_TRUE(problems.empty());
  problems.Add("ti\ntle", "a\x1b[31mred", messages::TitleEmpty());
  EXPECT_TRUE(problems.Has(ProblemCode::kTitleEmpty));
  EXPECT_FALSE(problems.Has(ProblemCode::kTitleMissing));
  std::vector<Problem> list = std::move(problems).Take();
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].field.find('\n'), std::string::npos);
  EXPECT_EQ(list[0].value.find('\x1b'), std::string::npos);
  EXPECT_EQ(list[0].en, "title is empty");
}

TEST_F(ItemParserTest, LoadItemRefusesDeepNestingBeforeParsing) {
  std::string deep = "{\"title\": " + std::string(40, '[') + std::string(40, ']') + "}";
  ProblemList problems;
  LoadedItem loaded = LoadItem(Write("tief.json", deep), options_.max_json_bytes, problems);
  EXPECT_FALSE(loaded.root.has_value());
  EXPECT_TRUE(problems.Has(ProblemCode::kTooDeep));
}

TEST_F(ItemParserTest, LoadItemGivesTheFolderAndDefaultId) {
  Write("bai-mot/post.json", "{\"title\": \"x\"}");
  ProblemList problems;
  LoadedItem loaded = LoadItem(dir_ / "bai-mot/", options_.max_json_bytes, problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_TRUE(loaded.root.has_value());
  EXPECT_EQ(loaded.default_id, "bai-mot");
  EXPECT_EQ(loaded.folder, dir_ / "bai-mot");
  EXPECT_FALSE(loaded.invalid_utf8_line.has_value());

  ProblemList single_problems;
  LoadedItem single =
      LoadItem(Write("bai-hai.json", "{}"), options_.max_json_bytes, single_problems);
  EXPECT_TRUE(single.folder.empty());  // a single-file item names no files
  EXPECT_EQ(single.default_id, "bai-hai");
}

TEST(ItemRulesTest, ChannelsExpandAllAndReturnNothingWhenOneIsRefused) {
  const std::vector<std::string> known = {"portal", "facebook"};
  ProblemList problems;
  FieldReader reader(problems, false);
  EXPECT_EQ(ReadChannels(json{{"channels", "all"}}, known, reader), known);
  EXPECT_EQ(ReadChannels(json{{"channels", {"facebook", "facebook"}}}, known, reader),
            std::vector<std::string>{"facebook"});
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(ReadChannels(json{{"channels", {"facebook", "portl"}}}, known, reader), std::nullopt);
  EXPECT_TRUE(problems.Has(ProblemCode::kUnknownChannel));
}

TEST(ItemRulesTest, PublishAtFallsBackToNow) {
  ProblemList problems;
  FieldReader reader(problems, false);
  TimePoint now = Utc("2026-11-30T10:00:00Z");
  EXPECT_EQ(ReadPublishAt(json::object(), std::chrono::hours(7), now, reader), now);
  EXPECT_EQ(
      ReadPublishAt(json{{"publish_at", "2026-12-01 08:00"}}, std::chrono::hours(7), now, reader),
      Utc("2026-12-01T01:00:00Z"));
  EXPECT_EQ(
      ReadPublishAt(json{{"publish_at", "1999-12-01 08:00"}}, std::chrono::hours(7), now, reader),
      now);
  EXPECT_TRUE(problems.Has(ProblemCode::kYearOutOfRange));
}

TEST(ItemChannelFitTest, ChecksOnlyWhatTheLimitsName) {
  Item item;
  item.id = "x";
  item.title = std::string(30, 'a');
  item.body_markdown = "Nội dung.";
  item.channels = {"facebook"};
  item.media.push_back(MediaFile{"a.png", "", "image/png", "", 10});
  item.media.push_back(MediaFile{"b.mp4", "", "video/mp4", "", 10});
  ChannelLimits limits;
  limits.platform = "Facebook";
  FitContext context{.body_field = "body", .media_fields = {"media[0].file", "media[1].file"}};

  ProblemList none;
  CheckChannelFit(item, "facebook", limits, context, none);  // no limit set
  EXPECT_TRUE(none.empty());

  limits.max_title_chars = 20;
  limits.media_published = true;
  limits.images.extensions = {".jpg"};
  limits.videos.extensions = {".mp4"};
  limits.video_must_be_alone = true;
  ProblemList problems;
  CheckChannelFit(item, "facebook", limits, context, problems);
  EXPECT_TRUE(problems.Has(ProblemCode::kTitleOverLimit));
  EXPECT_TRUE(problems.Has(ProblemCode::kMediaTypeRefused));
  EXPECT_TRUE(problems.Has(ProblemCode::kVideoNotAlone));
  std::vector<Problem> list = std::move(problems).Take();
  ASSERT_THAT(list, SizeIs(3));
  EXPECT_EQ(list[0].field, "title");
  EXPECT_EQ(list[1].field, "media[0].file");
  EXPECT_EQ(list[2].field, "media");
}

// ---- item JSON --------------------------------------------------------------------

Item FullItem() {
  Item item;
  item.id = "2026-12-01-mot-cua";
  item.title = "Một cửa";
  item.summary = "Tóm tắt";
  item.body_markdown = "# Nội dung\n";
  item.publish_at = Utc("2026-12-01T01:00:00.123Z");
  item.channels = {"portal", "facebook"};
  item.topics = {"mot-cua"};
  item.form = "news";
  item.unit = "Văn phòng Sở";
  item.approved_by = "Giám đốc Sở";
  item.link = "https://stp.gov.vn/";
  item.media = {{"anh.png", "Ảnh", "image/png", std::string(64, 'a'), 5091}};
  item.overrides["facebook"] = {std::nullopt, "Ngắn", Utc("2026-12-01T12:30:00Z")};
  item.overrides["portal"] = {"Tiêu đề khác", std::nullopt, std::nullopt};
  item.action = "retract";
  return item;
}

TEST(ItemJsonTest, RoundTripIsExact) {
  Item item = FullItem();
  json j = ItemToJson(item);
  EXPECT_EQ(j["publish_at"], "2026-12-01T01:00:00.123Z");
  EXPECT_EQ(j["overrides"]["facebook"]["publish_at"], "2026-12-01T12:30:00.000Z");
  EXPECT_TRUE(j["overrides"]["facebook"]["title"].is_null());
  EXPECT_EQ(j["media"][0], (json{{"name", "anh.png"},
                                 {"caption", "Ảnh"},
                                 {"content_type", "image/png"},
                                 {"sha256", std::string(64, 'a')},
                                 {"size", 5091}}));
  auto back = ItemFromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(ItemToJson(*back), j);
  EXPECT_EQ(back->publish_at, item.publish_at);
  EXPECT_EQ(back->overrides["facebook"].publish_at, item.overrides["facebook"].publish_at);
  EXPECT_EQ(back->overrides["portal"].title, "Tiêu đề khác");
  EXPECT_EQ(back->media[0].size, 5091);
  EXPECT_EQ(back->action, "retract");
}

TEST(ItemJsonTest, AbsentOptionalsAreNull) {
  Item item;
  item.id = "a";
  item.title = "t";
  item.body_markdown = "b";
  item.approved_by = "x";
  json j = ItemToJson(item);
  for (const char* key : {"summary", "form", "unit", "link"}) {
    EXPECT_TRUE(j.contains(key) && j[key].is_null()) << key;
  }
  EXPECT_EQ(j["media"], json::array());
  EXPECT_EQ(j["overrides"], json::object());
  auto back = ItemFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_FALSE(back->summary.has_value());
  EXPECT_EQ(ItemToJson(*back), j);
}

TEST(ItemJsonTest, BrokenStoredItemNamesTheKey) {
  json j = ItemToJson(FullItem());
  j["media"][0]["size"] = "big";
  auto r = ItemFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("media[0].size"));

  j = ItemToJson(FullItem());
  j.erase("title");
  EXPECT_THAT(ItemFromJson(j).error(), HasSubstr("title"));
  j = ItemToJson(FullItem());
  j["overrides"]["facebook"]["publish_at"] = "soon";
  EXPECT_THAT(ItemFromJson(j).error(), HasSubstr("overrides.facebook.publish_at"));
  EXPECT_FALSE(ItemFromJson(json::array()).ok());
}

TEST(ItemJsonTest, DueAtPrefersTheChannelOverride) {
  Item item = FullItem();
  EXPECT_EQ(item.DueAt("facebook"), Utc("2026-12-01T12:30:00Z"));
  EXPECT_EQ(item.DueAt("portal"), item.publish_at);  // override without a time
  EXPECT_EQ(item.DueAt("zalo"), item.publish_at);
}

}  // namespace
}  // namespace loa
