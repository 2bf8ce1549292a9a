// The Office's report (daemon/report.h) from a real SQLite store seeded with
// publications on several channels, a failure, a missed and an uncertain
// delivery: the model, each renderer (CSV line by line, HTML by structure,
// JSON, Markdown), and GET /api/report through ControlApi::Serve with its
// parameter errors.
#include "daemon/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "daemon/control_api.h"
#include "daemon/report_render.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;
using ::testing::Not;

TimePoint Utc(const char* text) { return ParseTime(text, Config{}.timezone).value(); }

// A title an editor could drop (nothing the inbox refuses) that is a
// spreadsheet formula, HTML, Markdown and CSV syntax at once.
const std::string kHostileTitle =
    "=HYPERLINK(\"https://evil.example/x\";\"Bấm vào\") <b>đậm</b> & 'nháy', phẩy | [x](y)";
const std::string kTitle = "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến";
const std::string kPortalUrl = "https://sotuphap.example.gov.vn/dvc-truc-tuyen/";
const std::string kFacebookUrl = "https://www.facebook.com/104857600123456_1";
const std::string kHostileUrl = "https://sotuphap.example.gov.vn/?p=2&x=\"y\"";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "loa-report-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = SqliteStore::Open(dir_ / "loa.db");
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(opened).value();
    config_.labels = DefaultLabels();
    config_.labels.units["Văn phòng Sở"] = "Văn phòng Sở Tư pháp";
    Seed();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Upsert(const std::string& id, const std::string& title, std::vector<std::string> channels,
              std::vector<std::string> topics, const std::string& form, const std::string& unit) {
    Item item;
    item.id = id;
    item.title = title;
    item.body_markdown = "Nội dung.";
    item.publish_at = Utc("2026-11-01T00:00:00Z");
    item.channels = std::move(channels);
    item.topics = std::move(topics);
    item.form = form;
    item.unit = unit;
    item.approved_by = "Chánh Văn phòng";
    auto out = store_->UpsertPost(item, item.publish_at);
    ASSERT_TRUE(out.ok()) << out.error();
  }

  Delivery Get(const std::string& id, const std::string& channel) {
    for (const Delivery& d : store_->ListDeliveries(id).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery of " << id << " on " << channel;
    return {};
  }

  // One try of the delivery ending at `at` with `outcome`.
  void Settle(const std::string& id, const std::string& channel, const char* at,
              AttemptOutcome outcome, const std::string& url_or_error = "") {
    const TimePoint t = Utc(at);
    Delivery d = Get(id, channel);
    AttemptRecord rec;
    rec.delivery_id = d.id;
    rec.started_at = t;
    rec.ended_at = t;
    rec.outcome = outcome;
    if (outcome != AttemptOutcome::kMissed) {
      auto begun = store_->BeginAttempt(d.id, t);
      ASSERT_TRUE(begun.ok()) << begun.error();
      rec.number = begun->attempts;
    }
    if (outcome == AttemptOutcome::kPublished) {
      rec.remote_id = "r-" + id;
      rec.remote_url = url_or_error;
    } else {
      rec.error = url_or_error;
    }
    Status st = store_->FinishAttempt(rec);
    ASSERT_TRUE(st.ok()) << st.error();
  }

  void Seed() {
    Upsert("dvc-truc-tuyen", kTitle, {"portal", "facebook", "zalo"},
           {"dich-vu-cong-truc-tuyen", "mot-cua"}, "article", "Phòng Hành chính tư pháp");
    Upsert("tin-doc-hai", kHostileTitle, {"portal", "cchc"}, {"de-an-06"}, "infographic",
           "Trung tâm Trợ giúp pháp lý");
    Upsert("tap-huan", "Tập huấn kiểm soát thủ tục hành chính", {"facebook"}, {"kiem-soat-tthc"},
           "news", "Văn phòng Sở");
    Upsert("truoc-ky", "Tin trước kỳ", {"portal"}, {}, "", "");
    Upsert("sau-ky", "Tin sau kỳ", {"portal"}, {}, "", "");
    // 00:30 local on the first day: inside, though the UTC date is before it.
    Settle("dvc-truc-tuyen", "portal", "2026-11-30T17:30:00Z", AttemptOutcome::kPublished,
           kPortalUrl);
    Settle("dvc-truc-tuyen", "facebook", "2026-12-01T01:00:00Z", AttemptOutcome::kPublished,
           kFacebookUrl);
    Settle("dvc-truc-tuyen", "zalo", "2026-12-01T02:00:00Z", AttemptOutcome::kFailed,
           "-216: Access token is invalid");
    Settle("tin-doc-hai", "portal", "2026-12-15T02:00:00Z", AttemptOutcome::kPublished,
           kHostileUrl);
    Settle("tin-doc-hai", "cchc", "2026-12-15T03:00:00Z", AttemptOutcome::kMissed,
           "missed: due more than max_lateness (7d) late");
    Settle("tap-huan", "facebook", "2026-12-20T01:00:00Z", AttemptOutcome::kUncertain,
           "the answer was lost\nafter the request went out\x1b[2J");
    // 23:59 local the day before, and midnight after the last day: outside.
    Settle("truoc-ky", "portal", "2026-11-30T16:59:00Z", AttemptOutcome::kPublished,
           "https://sotuphap.example.gov.vn/truoc-ky/");
    Settle("sau-ky", "portal", "2026-12-31T17:00:00Z", AttemptOutcome::kPublished,
           "https://sotuphap.example.gov.vn/sau-ky/");
  }

  Report Make(const char* from, const char* to) {
    auto period = ParseReportPeriod(from, to, config_.timezone);
    EXPECT_TRUE(period.ok()) << period.error();
    auto settled = store_->SettledBetween(period->from, period->to);
    EXPECT_TRUE(settled.ok()) << settled.error();
    return BuildReport(*settled, *period, config_.labels, config_.timezone,
                       Utc("2027-01-05T03:00:00Z"));
  }

  ControlAnswer Ask(const std::string& query) {
    ManualClock clock(Utc("2027-01-05T03:00:00Z"));
    ControlSources sources;
    sources.store = store_.get();
    sources.config = [this]() -> const Config& { return config_; };
    sources.clock = &clock;
    ControlApi api(sources);
    ControlRequest request;
    request.method = "GET";
    request.path = "/api/report";
    std::istringstream in(query);
    for (std::string pair; std::getline(in, pair, '&');) {
      size_t eq = pair.find('=');
      request.query.emplace_back(pair.substr(0, eq),
                                 eq == std::string::npos ? "" : pair.substr(eq + 1));
    }
    return api.Serve(request);
  }

  fs::path dir_;
  std::unique_ptr<SqliteStore> store_;
  Config config_;
};

std::vector<std::string> CrlfLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find("\r\n", at);
    if (end == std::string::npos) {
      lines.push_back(text.substr(at) + "<no CRLF>");
      break;
    }
    lines.push_back(text.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

// The text between `<table class="NAME">` and its `</table>`.
std::string Table(const std::string& html, const std::string& name) {
  size_t start = html.find("<table class=\"" + name + "\">");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</table>", start) - start);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(ReportTest, ModelCountsThePeriodByLocalDays) {
  Report r = Make("2026-12-01", "2026-12-31");
  EXPECT_EQ(r.organisation, "Sở Tư pháp tỉnh An Giang");
  EXPECT_EQ(r.items, 2);
  EXPECT_EQ(r.publications, 3);
  ASSERT_EQ(r.published.size(), 3u);
  EXPECT_EQ(r.published[0].at, "2026-12-01T00:30:00+07:00");
  EXPECT_EQ(r.published[0].url, kPortalUrl);
  EXPECT_EQ(r.published[0].channel_label, "Cổng thông tin điện tử Sở Tư pháp");
  EXPECT_EQ(
      r.published[0].topic_labels,
      (std::vector<std::string>{"Dịch vụ công trực tuyến", "Cơ chế một cửa, một cửa liên thông"}));
  EXPECT_EQ(r.published[0].form_label, "Bài viết");
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].outcome, "failed");
  EXPECT_EQ(r.problems[1].outcome, "missed");
  EXPECT_EQ(r.problems[2].outcome, "uncertain");
  EXPECT_EQ(r.problems[2].unit_label, "Văn phòng Sở Tư pháp");  // the config's label
  EXPECT_EQ(r.problems[2].error, "the answer was lost\\nafter the request went out\\x1b[2J");
  ASSERT_EQ(r.by_channel.size(), 4u);
  auto row = [](const ReportCount& c) {
    return c.label + " " + std::to_string(c.published) + " " + std::to_string(c.failed) + " " +
           std::to_string(c.missed) + " " + std::to_string(c.uncertain);
  };
  EXPECT_EQ(row(r.by_channel[0]), "Cổng thông tin điện tử Sở Tư pháp 2 0 0 0");
  EXPECT_EQ(row(r.by_channel[1]), "Trang Cải cách hành chính tỉnh 0 0 1 0");
  EXPECT_EQ(row(r.by_channel[2]), "Trang Facebook Sở Tư pháp 1 0 0 1");
  EXPECT_EQ(row(r.by_channel[3]), "Zalo OA Sở Tư pháp 0 1 0 0");
  // Items, not publications: the item on two channels counts once.
  ASSERT_EQ(r.by_topic.size(), 3u);
  for (const ReportCount& c : r.by_topic) EXPECT_EQ(c.published, 1) << c.label;
  ASSERT_EQ(r.by_form.size(), 2u);
  EXPECT_EQ(r.by_form[0].label, "Bài viết");
  EXPECT_EQ(r.by_unit[0].label, "Phòng Hành chính tư pháp");

  // A day: 2026-12-15 holds one publication and one missed delivery.
  Report day = Make("2026-12-15", "2026-12-15");
  EXPECT_EQ(day.publications, 1);
  EXPECT_EQ(day.problems.size(), 1u);
  // The last instant of the period's last day is outside the next day.
  Report after = Make("2027-01-01", "2027-01-01");
  ASSERT_EQ(after.published.size(), 1u);
  EXPECT_EQ(after.published[0].item, "sau-ky");
  EXPECT_EQ(after.by_topic[0].label, kNoValueLabel);
}

TEST_F(ReportTest, PeriodIsCheckedAndNamesWhatIsWrong) {
  const auto zone = config_.timezone;
  auto p = ParseReportPeriod("2026-10-01", "2026-12-31", zone);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->from, Utc("2026-09-30T17:00:00Z"));
  EXPECT_EQ(p->to, Utc("2026-12-31T17:00:00Z"));
  EXPECT_TRUE(ParseReportPeriod("2024-01-01", "2025-12-31", zone).ok());  // 731 days
  EXPECT_THAT(ParseReportPeriod("2024-01-01", "2026-01-01", zone).error(),
              HasSubstr("at most 731"));
  EXPECT_THAT(ParseReportPeriod("2026-12-31", "2026-12-01", zone).error(),
              HasSubstr("from (2026-12-31) is after to (2026-12-01)"));
  EXPECT_THAT(ParseReportPeriod("2026-02-30", "2026-03-01", zone).error(),
              HasSubstr("from: no such date"));
  EXPECT_THAT(ParseReportPeriod("2026-1-01", "2026-03-01", zone).error(),
              HasSubstr("from: expected a local date YYYY-MM-DD"));
  EXPECT_THAT(ParseReportPeriod("2026-01-01", "31/12/2026", zone).error(),
              HasSubstr("to: expected"));
  EXPECT_FALSE(ParseReportPeriod("2026-01-01", "2026-01-0x", zone).ok());
  EXPECT_FALSE(ParseReportPeriod("", "", zone).ok());
}

TEST_F(ReportTest, CsvOpensInSpreadsheetsLineByLine) {
  const std::string csv = ReportCsv(Make("2026-12-01", "2026-12-31"));
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  EXPECT_TRUE(csv.ends_with("\r\n"));
  EXPECT_EQ(Count(csv, "\n"), Count(csv, "\r\n"));  // no bare line feed
  const std::vector<std::string> lines = CrlfLines(csv.substr(3));
  const std::string topics = "\"Dịch vụ công trực tuyến; Cơ chế một cửa, một cửa liên thông\"";
  const std::string hostile =
      "\"'=HYPERLINK(\"\"https://evil.example/x\"\";\"\"Bấm vào\"\") <b>đậm</b> & 'nháy', phẩy "
      "| [x](y)\"";
  const std::vector<std::string> expected = {
      "STT,Thời gian,Kết quả,Kênh,Tiêu đề,Liên kết,Chủ đề,Hình thức,Đơn vị,Mã tin,Phiên bản,Lý do",
      "1,2026-12-01 00:30,Đã đăng,Cổng thông tin điện tử Sở Tư pháp," + kTitle + "," + kPortalUrl +
          "," + topics + ",Bài viết,Phòng Hành chính tư pháp,dvc-truc-tuyen,1,",
      "2,2026-12-01 08:00,Đã đăng,Trang Facebook Sở Tư pháp," + kTitle + "," + kFacebookUrl + "," +
          topics + ",Bài viết,Phòng Hành chính tư pháp,dvc-truc-tuyen,1,",
      "3,2026-12-15 09:00,Đã đăng,Cổng thông tin điện tử Sở Tư pháp," + hostile +
          ",\"https://sotuphap.example.gov.vn/?p=2&x=\"\"y\"\"\",Đề án 06,Infographic,"
          "Trung tâm Trợ giúp pháp lý,tin-doc-hai,1,",
      "4,2026-12-01 09:00,Thất bại,Zalo OA Sở Tư pháp," + kTitle + ",," + topics +
          ",Bài viết,Phòng Hành chính tư pháp,dvc-truc-tuyen,1,'-216: Access token is invalid",
      "5,2026-12-15 10:00,Bỏ lỡ,Trang Cải cách hành chính tỉnh," + hostile +
          ",,Đề án 06,Infographic,Trung tâm Trợ giúp pháp lý,tin-doc-hai,1,"
          "missed: due more than max_lateness (7d) late",
      "6,2026-12-20 08:00,Chưa rõ kết quả,Trang Facebook Sở Tư pháp,"
      "Tập huấn kiểm soát thủ tục hành chính,,Kiểm soát thủ tục hành chính,Tin,"
      "Văn phòng Sở Tư pháp,tap-huan,1,the answer was lost\\nafter the request went out\\x1b[2J",
  };
  ASSERT_EQ(lines.size(), expected.size()) << csv;
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(lines[i], expected[i]) << "line " << i;
}

TEST_F(ReportTest, CsvOfAnEmptyPeriodIsItsHeader) {
  const std::string csv = ReportCsv(Make("2027-02-01", "2027-02-28"));
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "STT,Thời gian,Kết quả,Kênh,Tiêu đề,Liên kết,Chủ đề,Hình thức,Đơn vị,Mã tin,Phiên "
            "bản,Lý do\r\n");
}

TEST_F(ReportTest, HtmlIsAPrintableVietnameseAnnex) {
  const std::string html = ReportHtml(Make("2026-12-01", "2026-12-31"));
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("@page { size: A4;"));
  EXPECT_THAT(html, HasSubstr("<div class=\"organisation\">Sở Tư pháp tỉnh An Giang</div>"));
  EXPECT_THAT(html, HasSubstr("<h1>BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN</h1>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"period\">Từ ngày 01/12/2026 đến ngày 31/12/2026</p>"));
  for (const char* h :
       {"<h2>I. Tổng hợp</h2>", "<h3>1. Theo kênh đăng tải (lượt đăng)</h3>",
        "<h3>2. Theo chủ đề</h3>", "<h3>3. Theo hình thức</h3>", "<h3>4. Theo đơn vị</h3>",
        "<h2>II. Danh mục tin, bài đã đăng</h2>", "<h2>III. Các trường hợp cần xử lý</h2>"}) {
    EXPECT_THAT(html, HasSubstr(h));
  }
  EXPECT_THAT(html, HasSubstr("đã đăng <strong>2</strong> tin, bài với <strong>3</strong> lượt"));
  const std::string channels = Table(html, "by-channel");
  EXPECT_THAT(channels,
              HasSubstr("<td>Cổng thông tin điện tử Sở Tư pháp</td><td class=\"n\">2</td><td "
                        "class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">0</td>"));
  EXPECT_THAT(channels,
              HasSubstr("<td>Tổng cộng</td><td class=\"n\">3</td><td class=\"n\">1</td><td "
                        "class=\"n\">1</td><td class=\"n\">1</td>"));
  EXPECT_THAT(Table(html, "by-topic"), HasSubstr("<td>Đề án 06</td><td class=\"n\">1</td>"));
  EXPECT_THAT(Table(html, "by-form"), HasSubstr("<td>Infographic</td>"));
  EXPECT_THAT(Table(html, "by-unit"), HasSubstr("<td>Trung tâm Trợ giúp pháp lý</td>"));
  const std::string published = Table(html, "published");
  EXPECT_EQ(Count(published, "<tr>"), 4u);  // the header and three rows
  EXPECT_THAT(published, HasSubstr("<a href=\"" + kPortalUrl + "\">" + kPortalUrl + "</a>"));
  EXPECT_THAT(published, HasSubstr("<a href=\"" + kFacebookUrl + "\">"));
  EXPECT_THAT(published, HasSubstr("<td class=\"when\">01/12/2026 00:30</td>"));
  // The hostile title and link, escaped: text, never markup.
  EXPECT_THAT(published,
              HasSubstr("=HYPERLINK(&quot;https://evil.example/x&quot;;&quot;Bấm vào&quot;) "
                        "&lt;b&gt;đậm&lt;/b&gt; &amp; &#39;nháy&#39;, phẩy | [x](y)"));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(published, HasSubstr("<div class=\"about\">Chủ đề: Đề án 06 · Hình thức: "
                                   "Infographic · Đơn vị: Trung tâm Trợ giúp pháp lý</div>"));
  EXPECT_THAT(published,
              HasSubstr("<a href=\"https://sotuphap.example.gov.vn/?p=2&amp;x=&quot;y&quot;\">"));
  const std::string problems = Table(html, "problems");
  EXPECT_EQ(Count(problems, "<tr>"), 4u);
  EXPECT_THAT(
      problems,
      HasSubstr("<td>Thất bại</td><td class=\"reason\">-216: Access token is invalid</td>"));
  EXPECT_THAT(problems, HasSubstr("<td>Bỏ lỡ</td>"));
  EXPECT_THAT(problems, HasSubstr("<td>Chưa rõ kết quả</td>"));
  // Nothing loaded from anywhere.
  for (const char* external : {"src=", "<link", "@import", "url(", "<script"}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  // An artifact to look at (README's picture of a report is taken from it).
  std::ofstream(fs::path(::testing::TempDir()) / "loa-report-sample.html") << html;
}

TEST_F(ReportTest, HtmlOfAnEmptyPeriodSaysSo) {
  const std::string html = ReportHtml(Make("2027-02-01", "2027-02-28"));
  EXPECT_THAT(html, HasSubstr("Từ ngày 01/02/2027 đến ngày 28/02/2027"));
  EXPECT_THAT(html, HasSubstr("đã đăng <strong>0</strong> tin, bài"));
  EXPECT_THAT(html, HasSubstr("Không có tin, bài nào được đăng trong kỳ."));
  EXPECT_THAT(html, HasSubstr("Không có trường hợp nào."));
  EXPECT_EQ(Table(html, "published"), "");
}

TEST_F(ReportTest, JsonCarriesEveryFieldAndReadsBack) {
  const Report r = Make("2026-12-01", "2026-12-31");
  const json j = json::parse(ReportJson(r).dump());
  EXPECT_EQ(j["organisation"], "Sở Tư pháp tỉnh An Giang");
  EXPECT_EQ(j["from"], "2026-12-01");
  EXPECT_EQ(j["to"], "2026-12-31");
  EXPECT_EQ(j["generated_at"], "2027-01-05T10:00:00+07:00");
  EXPECT_EQ(j["items"], 2);
  EXPECT_EQ(j["publications"], 3);
  EXPECT_EQ(j["by_channel"][2], json({{"label", "Trang Facebook Sở Tư pháp"},
                                      {"published", 1},
                                      {"failed", 0},
                                      {"missed", 0},
                                      {"uncertain", 1}}));
  EXPECT_EQ(j["by_form"][1], json({{"label", "Infographic"}, {"published", 1}}));
  const json& first = j["published"][0];
  EXPECT_EQ(first["item"], "dvc-truc-tuyen");
  EXPECT_EQ(first["revision"], 1);
  EXPECT_EQ(first["title"], kTitle);
  EXPECT_EQ(first["channel"], "portal");
  EXPECT_EQ(first["form"], "Bài viết");
  EXPECT_EQ(first["outcome"], "published");
  EXPECT_EQ(first["at"], "2026-12-01T00:30:00+07:00");
  EXPECT_EQ(first["url"], kPortalUrl);
  EXPECT_TRUE(first["error"].is_null());
  EXPECT_EQ(j["problems"][1]["outcome"], "missed");
  EXPECT_TRUE(j["problems"][1]["url"].is_null());

  auto back = ReportFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(ReportHtml(*back), ReportHtml(r));
  EXPECT_EQ(ReportCsv(*back), ReportCsv(r));
  json broken = j;
  broken["published"][0]["title"] = 7;
  EXPECT_FALSE(ReportFromJson(broken).ok());
  broken.erase("problems");
  EXPECT_FALSE(ReportFromJson(broken).ok());
}

TEST_F(ReportTest, MarkdownEscapesTextAndLinksTheWeb) {
  const std::string md = ReportMarkdown(Make("2026-12-01", "2026-12-31"));
  EXPECT_THAT(md, HasSubstr("# BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN\n"));
  EXPECT_THAT(md, HasSubstr("*Từ ngày 01/12/2026 đến ngày 31/12/2026*"));
  EXPECT_THAT(md, HasSubstr("| 1 | Cổng thông tin điện tử Sở Tư pháp | 2 | 0 | 0 | 0 |"));
  // The totals row, as the printed report has it.
  EXPECT_THAT(md, HasSubstr("|  | **Tổng cộng** | **3** | **1** |"));
  EXPECT_THAT(md, HasSubstr("[" + kPortalUrl + "](" + kPortalUrl + ")"));
  EXPECT_THAT(md, HasSubstr("\\<b\\>đậm\\</b\\> \\& 'nháy', phẩy \\| \\[x\\](y)"));
  EXPECT_THAT(md, HasSubstr("[https://sotuphap.example.gov.vn/?p=2\\&x=\"y\"]("
                            "https://sotuphap.example.gov.vn/?p=2&x=\"y\")"));
  EXPECT_THAT(md, HasSubstr("| Chưa rõ kết quả | the answer was lost\\\\nafter"));
  const std::string empty = ReportMarkdown(Make("2027-02-01", "2027-02-28"));
  EXPECT_THAT(empty, HasSubstr("Không có tin, bài nào được đăng trong kỳ."));
}

// Links only to the web, and only whole: a file channel's file:// URL and
// a target that would end a Markdown link early stay text.
TEST(ReportLinksTest, OnlyWebLinksAreLinked) {
  Report r;
  r.from_date = r.to_date = "2026-12-01";
  for (const char* url : {"file:///srv/loa/outbox/portal/x.html", "https://x.example/a)(b",
                          "javascript:alert(1)", "https://cms.example.gov.vn/a|b|c"}) {
    ReportEntry e;
    e.title = "t";
    e.outcome = "published";
    e.at = "2026-12-01T08:00:00+07:00";
    e.url = url;
    r.published.push_back(e);
  }
  const std::string html = ReportHtml(r);
  EXPECT_THAT(html, HasSubstr("<td class=\"link\">file:///srv/loa/outbox/portal/x.html</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"link\">javascript:alert(1)</td>"));
  EXPECT_EQ(Count(html, "<a href="), 2u);  // the https ones (a pipe is harmless in HTML)
  const std::string md = ReportMarkdown(r);
  EXPECT_THAT(md, HasSubstr("| file:///srv/loa/outbox/portal/x.html |"));
  EXPECT_THAT(md, HasSubstr("| https://x.example/a)(b |"));
  EXPECT_THAT(md, HasSubstr("| javascript:alert(1) |"));
  // A pipe would end the table's cell inside the link: text, escaped.
  EXPECT_THAT(md, HasSubstr("| https://cms.example.gov.vn/a\\|b\\|c |"));
  EXPECT_THAT(md, Not(HasSubstr("](")));
}

TEST_F(ReportTest, ApiAnswersEachFormatWithItsType) {
  ControlAnswer csv = Ask("from=2026-12-01&to=2026-12-31&format=csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body, ReportCsv(Make("2026-12-01", "2026-12-31")));
  ControlAnswer html = Ask("from=2026-12-01&to=2026-12-31&format=html");
  EXPECT_EQ(html.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(html.body, HasSubstr("<h1>BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN</h1>"));
  ControlAnswer md = Ask("format=md&from=2026-12-01&to=2026-12-31");
  EXPECT_EQ(md.content_type, "text/markdown; charset=utf-8");
  ControlAnswer plain = Ask("from=2026-12-01&to=2026-12-31");
  EXPECT_EQ(plain.content_type, "application/json");
  json j = json::parse(plain.body);
  EXPECT_EQ(j["publications"], 3);

  // The config's labels, as a reload leaves them.
  config_.labels.organisation = "Văn phòng UBND tỉnh";
  config_.labels.channels["portal"] = "Cổng TTĐT";
  j = json::parse(Ask("from=2026-12-01&to=2026-12-31").body);
  EXPECT_EQ(j["organisation"], "Văn phòng UBND tỉnh");
  EXPECT_EQ(j["published"][0]["channel_label"], "Cổng TTĐT");
}

TEST_F(ReportTest, ApiRefusesBadParametersWithAMessage) {
  struct Case {
    std::string query, message;
  };
  const std::vector<Case> cases = {
      {"to=2026-12-31", "missing parameter from"},
      {"from=2026-12-01", "missing parameter to"},
      {"from=2026-12-31&to=2026-12-01", "from (2026-12-31) is after to (2026-12-01)"},
      {"from=2026-02-29&to=2026-03-01", "from: no such date: 2026-02-29"},
      {"from=01/12/2026&to=2026-12-31", "from: expected a local date YYYY-MM-DD"},
      {"from=2020-01-01&to=2026-12-31", "a report covers at most 731"},
      {"from=2026-12-01&to=2026-12-31&format=pdf", "format: \"pdf\" is not csv, html, json or md"},
      {"from=2026-12-01&to=2026-12-31&from=2026-12-02", "parameter from given twice"},
      {"from=2026-12-01&to=2026-12-31&channel=portal", "unknown parameter \"channel\""},
      {"from=2026-12-01&to=2026-12-31&x\x1b[2J=1", "unknown parameter \"x\\x1b[2J\""},
  };
  for (const Case& c : cases) {
    ControlAnswer a = Ask(c.query);
    EXPECT_EQ(a.status, 400) << c.query;
    EXPECT_EQ(a.content_type, "application/json");
    json body = json::parse(a.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << a.body;
    EXPECT_EQ(body["error"]["code"], "bad_request");
    EXPECT_THAT(body["error"]["message"].get<std::string>(), HasSubstr(c.message)) << c.query;
  }
}

}  // namespace
}  // namespace loa
