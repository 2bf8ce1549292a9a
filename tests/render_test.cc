#include "connectors/http/render.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "inbox/item_parser.h"
#include "inbox/utf8.h"

namespace loa {
namespace {

std::string ReadSample(const std::string& relative) {
  std::ifstream in(std::string(LOA_SAMPLES_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SampleBody(const std::string& file) {
  return nlohmann::json::parse(ReadSample(file))["body"].get<std::string>();
}

TEST(MarkdownToHtml, RendersSampleWithVietnameseTextUnchanged) {
  std::string md = SampleBody("2026-12-02-dich-vu-cong-truc-tuyen.json");
  std::string html = MarkdownToHtml(md);
  EXPECT_NE(html.find("<h2>Các bước thực hiện</h2>"), std::string::npos) << html;
  EXPECT_NE(html.find("<ol>"), std::string::npos);
  EXPECT_NE(html.find("<li>Chọn thủ tục <strong>Cấp Phiếu lý lịch tư pháp</strong>.</li>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<p>Mọi vướng mắc xin liên hệ Bộ phận Một cửa của Sở Tư pháp.</p>"),
            std::string::npos);
}

TEST(MarkdownToHtml, RendersBodyFileSampleList) {
  std::string html = MarkdownToHtml(ReadSample("2026-12-10-infographic-de-an-06/noi-dung.md"));
  EXPECT_NE(html.find("<strong>không phải nộp bản sao giấy tờ</strong>"), std::string::npos);
  EXPECT_NE(html.find("<ul>\n<li>Tra cứu tình trạng hồ sơ trực tuyến</li>"), std::string::npos)
      << html;
}

TEST(MarkdownToHtml, DropsRawHtmlBlocksAndInlineTags) {
  std::string html = MarkdownToHtml(
      "Trước\n\n<script>alert('x')</script>\n\nChữ <b onclick=\"evil()\">đậm</b> ở đây\n\n"
      "<iframe src=\"https://evil.example\"></iframe>\n");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("alert"), std::string::npos) << html;
  EXPECT_EQ(html.find("onclick"), std::string::npos) << html;
  EXPECT_EQ(html.find("<iframe"), std::string::npos) << html;
  EXPECT_EQ(html.find("raw HTML omitted"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>Trước</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("Chữ đậm ở đây"), std::string::npos) << html;
}

TEST(MarkdownToHtml, DropsUnsafeLinkTargets) {
  std::string html = MarkdownToHtml(
      "[bấm vào](javascript:alert(1)) và [an toàn](https://sotuphap.gov.vn/a?b=1&c=2) và "
      "![ảnh](vbscript:x)");
  EXPECT_EQ(html.find("javascript:"), std::string::npos) << html;
  EXPECT_EQ(html.find("vbscript:"), std::string::npos) << html;
  EXPECT_NE(html.find("<a href=\"https://sotuphap.gov.vn/a?b=1&amp;c=2\">an toàn</a>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("bấm vào"), std::string::npos);
}

TEST(MarkdownToHtml, EscapesTextThatLooksLikeMarkup) {
  std::string html = MarkdownToHtml("a < b && `<code>` \"quoted\"");
  EXPECT_NE(html.find("a &lt; b &amp;&amp; <code>&lt;code&gt;</code>"), std::string::npos) << html;
}

TEST(MarkdownToText, SampleHasNoMarkdownLeft) {
  std::string text = MarkdownToText(SampleBody("2026-12-02-dich-vu-cong-truc-tuyen.json"));
  EXPECT_EQ(text,
            "Các bước thực hiện\n\n"
            "1. Đăng nhập Cổng Dịch vụ công Quốc gia bằng tài khoản định danh điện tử (VNeID).\n"
            "2. Chọn thủ tục Cấp Phiếu lý lịch tư pháp.\n"
            "3. Điền tờ khai, chọn nơi nhận kết quả và thanh toán lệ phí trực tuyến.\n\n"
            "Mọi vướng mắc xin liên hệ Bộ phận Một cửa của Sở Tư pháp.");
}

TEST(MarkdownToText, BodyFileSampleBulletList) {
  std::string text = MarkdownToText(ReadSample("2026-12-10-infographic-de-an-06/noi-dung.md"));
  EXPECT_EQ(text,
            "Đề án 06 giúp người dân không phải nộp bản sao giấy tờ đã có trong Cơ sở dữ liệu "
            "quốc gia về dân cư.\n\n"
            "- Tra cứu tình trạng hồ sơ trực tuyến\n"
            "- Nhận kết quả qua dịch vụ bưu chính công ích\n"
            "- Thanh toán lệ phí không dùng tiền mặt");
}

TEST(MarkdownToText, PlainSampleBodyIsUnchanged) {
  std::string md = SampleBody("2026-12-05-tap-huan-kiem-soat-tthc.json");
  EXPECT_EQ(MarkdownToText(md), md);
}

TEST(MarkdownToText, LinksShowTheirTarget) {
  EXPECT_EQ(MarkdownToText("Xem [Cổng DVC](https://dichvucong.gov.vn/) hoặc "
                           "<https://sotuphap.gov.vn>."),
            "Xem Cổng DVC (https://dichvucong.gov.vn/) hoặc https://sotuphap.gov.vn.");
  EXPECT_EQ(MarkdownToText("[https://a.vn](https://a.vn)"), "https://a.vn");
  EXPECT_EQ(MarkdownToText("Thư: <vanphong@stp.gov.vn>"), "Thư: vanphong@stp.gov.vn");
}

TEST(MarkdownToText, UnsafeLinkKeepsTextOnly) {
  EXPECT_EQ(MarkdownToText("[bấm vào đây](javascript:alert(1))"), "bấm vào đây");
}

TEST(MarkdownToText, EmphasisCodeAndHeadings) {
  EXPECT_EQ(MarkdownToText("# Tiêu đề\n\nChữ *nghiêng*, __đậm__ và `mã_số*1`.\n\n"
                           "```\nlệnh  --a\n```\n\n---\n\n> Trích dẫn"),
            "Tiêu đề\n\nChữ nghiêng, đậm và mã_số*1.\n\nlệnh  --a\n\nTrích dẫn");
}

TEST(MarkdownToText, OrderedListKeepsStartNumberAndNesting) {
  EXPECT_EQ(MarkdownToText("3. ba\n4. bốn\n   - con\n   - cháu\n"),
            "3. ba\n4. bốn\n   - con\n   - cháu");
}

TEST(MarkdownToText, DropsRawHtml) {
  EXPECT_EQ(MarkdownToText("Trước\n\n<script>alert(1)</script>\n\nSau <b>đậm</b>"),
            "Trước\n\nSau đậm");
}

TEST(MarkdownToText, EscapedMarkdownCharactersAreText) {
  EXPECT_EQ(MarkdownToText("Giá \\*đặc biệt\\* 100\\_000"), "Giá *đặc biệt* 100_000");
}

TEST(MarkdownToText, EmptyInput) {
  EXPECT_EQ(MarkdownToText(""), "");
  EXPECT_EQ(MarkdownToHtml(""), "");
}

TEST(MarkdownToHtml, VietnameseListsAndLinks) {
  EXPECT_EQ(MarkdownToHtml("Thủ tục **một cửa**:\n\n"
                           "- Nộp tại [Cổng Dịch vụ công](https://dichvucong.gov.vn/) hoặc "
                           "<https://sotuphap.angiang.gov.vn>\n"
                           "- Nhận kết quả qua bưu điện\n"),
            "<p>Thủ tục <strong>một cửa</strong>:</p>\n"
            "<ul>\n"
            "<li>Nộp tại <a href=\"https://dichvucong.gov.vn/\">Cổng Dịch vụ công</a> hoặc "
            "<a href=\"https://sotuphap.angiang.gov.vn\">https://sotuphap.angiang.gov.vn</a></li>\n"
            "<li>Nhận kết quả qua bưu điện</li>\n"
            "</ul>\n");
}

TEST(MarkdownToText, ListsInsideListsWithLinks) {
  EXPECT_EQ(MarkdownToText("- Hồ sơ gồm:\n  1. Tờ khai ([mẫu](https://stp.gov.vn/mau.pdf))\n"
                           "  2. Bản sao *CCCD*\n- Lệ phí: 200.000 đồng\n"),
            "- Hồ sơ gồm:\n  1. Tờ khai (mẫu (https://stp.gov.vn/mau.pdf))\n  2. Bản sao CCCD\n"
            "- Lệ phí: 200.000 đồng");
}

TEST(MarkdownFirstParagraph, IsTheLeadAsPlainText) {
  EXPECT_EQ(MarkdownFirstParagraph("Đoạn **một** với [liên kết](https://a.vn).\n\nĐoạn hai."),
            "Đoạn một với liên kết (https://a.vn).");
  // A heading opening the body is not the lead.
  EXPECT_EQ(MarkdownFirstParagraph("## Các bước\n\nĐoạn đầu.\n\nĐoạn sau."), "Đoạn đầu.");
  // Raw HTML is never published, so it cannot be the lead either.
  EXPECT_EQ(MarkdownFirstParagraph("<div>ẩn</div>\n\nHiện ra."), "Hiện ra.");
  // Without any paragraph, the first block with text.
  EXPECT_EQ(MarkdownFirstParagraph("- mục một\n- mục hai\n"), "- mục một\n- mục hai");
  EXPECT_EQ(MarkdownFirstParagraph(""), "");
}

std::string Repeat(const std::string& s, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += s;
  return out;
}

// A 1 MB body can nest blocks and inlines 100,000 deep. The plain-text
// renderer keeps the structure of the first 16 levels (lists: 8, as a list
// and its item are one level each) and renders what lies deeper as its bare
// text, so hostile nesting neither overflows the stack nor blows up the text.
TEST(MarkdownToText, HostileNestingIsRenderedFlatBeyond16Levels) {
  EXPECT_EQ(MarkdownToText(Repeat(">", 100000) + " sâu"), "sâu");
  EXPECT_EQ(MarkdownFirstParagraph(Repeat(">", 100000) + " sâu"), "sâu");
  EXPECT_EQ(MarkdownToText(Repeat("- ", 50000) + "sâu"), Repeat("- ", 8) + "sâu");
  EXPECT_EQ(MarkdownToText(Repeat("*", 50000) + "sâu" + Repeat("*", 50000)), "sâu");
  EXPECT_EQ(MarkdownFirstParagraph(Repeat("*", 50000) + "sâu" + Repeat("*", 50000)), "sâu");
  // Images nest inside image descriptions; each level adds its target.
  std::string images =
      MarkdownToText(Repeat("![", 50000) + "sâu" + Repeat("](https://a.vn)", 50000));
  EXPECT_TRUE(images.starts_with("sâu (https://a.vn)")) << images.substr(0, 100);
  EXPECT_LT(images.size(), 400u);
  // Flat text keeps line and paragraph breaks.
  EXPECT_EQ(MarkdownToText(Repeat(">", 40) + " một\nhai\n" + Repeat(">", 40) + "\n" +
                           Repeat(">", 40) + " `ba`"),
            "một\nhai\nba");
}

// Every list level indents the lines below it; deep lists with many lazy
// continuation lines once grew the text with the square of the input.
TEST(MarkdownToText, DeepListWithManyLinesStaysProportionate) {
  std::string body = Repeat("- ", 20000) + "a\n" + Repeat("b\n", 20000);
  std::string text = MarkdownToText(body);
  EXPECT_TRUE(text.starts_with(Repeat("- ", 8) + "a\n"));
  EXPECT_LT(text.size(), 10 * body.size());
  EXPECT_EQ(MarkdownToHtml(body).find("<script"), std::string::npos);
}

Item ParseSample(const std::string& relative) {
  ParseOptions options;
  options.channel_names = {"portal", "legal-aid", "cchc", "facebook", "zalo"};
  ParsedItem parsed = ParseItem(std::string(LOA_SAMPLES_DIR) + "/" + relative, options);
  EXPECT_TRUE(parsed.ok()) << relative;
  return parsed.item.value_or(Item{});
}

TEST(RenderForChannel, FacebookPostOfSampleWithSummaryAndLink) {
  Item item = ParseSample("2026-12-02-dich-vu-cong-truc-tuyen.json");
  ChannelText fb = RenderForChannel(item, "facebook");
  EXPECT_EQ(fb.title,
            "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến trên Cổng Dịch vụ công Quốc gia");
  EXPECT_EQ(fb.text,
            "Hướng dẫn nộp hồ sơ lý lịch tư pháp trực tuyến trên Cổng Dịch vụ công Quốc gia\n\n"
            "Người dân có thể đề nghị cấp Phiếu lý lịch tư pháp trực tuyến toàn trình, không phải "
            "đến Bộ phận Một cửa.\n\n"
            "https://dichvucong.gov.vn/");
  EXPECT_EQ(fb.summary, *item.summary);
  EXPECT_EQ(fb.html, MarkdownToHtml(item.body_markdown));
  EXPECT_NE(fb.html.find("<h2>Các bước thực hiện</h2>"), std::string::npos);
}

TEST(RenderForChannel, WithoutSummaryTheTextCarriesTheBodyAndTheSummaryIsItsLead) {
  Item item = ParseSample("2026-12-05-tap-huan-kiem-soat-tthc.json");
  ChannelText zalo = RenderForChannel(item, "zalo");
  EXPECT_EQ(zalo.title, "Tập huấn nghiệp vụ kiểm soát thủ tục hành chính năm 2026");
  EXPECT_EQ(zalo.summary, item.body_markdown);                     // one plain paragraph
  EXPECT_EQ(zalo.text, zalo.title + "\n\n" + item.body_markdown);  // no link
}

TEST(RenderForChannel, BodyFileSampleKeepsItsListOutOfTheSocialText) {
  Item item = ParseSample("2026-12-10-infographic-de-an-06");
  ChannelText fb = RenderForChannel(item, "facebook");
  EXPECT_EQ(fb.text,
            "Infographic: Đề án 06 và tiện ích cho người dân khi làm thủ tục tư pháp\n\n"
            "Năm tiện ích của định danh điện tử khi thực hiện thủ tục hành chính lĩnh vực tư "
            "pháp.");
  EXPECT_NE(fb.html.find("<li>Thanh toán lệ phí không dùng tiền mặt</li>"), std::string::npos);
}

Item OverriddenItem() {
  Item item;
  item.id = "thong-bao";
  item.title = "Thông báo lịch tiếp công dân";
  item.body_markdown =
      "## Lịch\n\nThứ **Năm** hằng tuần.\n\n- Sáng: 7 giờ 30\n- Chiều: 13 giờ 30\n";
  item.link = "https://stp.angiang.gov.vn/lich";
  item.overrides["facebook"] = {std::nullopt, "📢 Lịch tiếp công dân: thứ Năm hằng tuần.",
                                std::nullopt};
  item.overrides["zalo"] = {"Lịch tiếp công dân", std::nullopt, std::nullopt};
  return item;
}

TEST(RenderForChannel, OverrideTextReplacesTheWholeMessage) {
  Item item = OverriddenItem();
  ChannelText fb = RenderForChannel(item, "facebook");
  EXPECT_EQ(fb.text, "📢 Lịch tiếp công dân: thứ Năm hằng tuần.");
  EXPECT_EQ(fb.title, "Thông báo lịch tiếp công dân");
  EXPECT_EQ(fb.summary, "Thứ Năm hằng tuần.");
  EXPECT_EQ(fb.html, MarkdownToHtml(item.body_markdown));
}

TEST(RenderForChannel, OverrideTitleLeadsTheTextOfThatChannelOnly) {
  Item item = OverriddenItem();
  ChannelText zalo = RenderForChannel(item, "zalo");
  EXPECT_EQ(zalo.title, "Lịch tiếp công dân");
  EXPECT_EQ(ChannelTitle(item, "zalo"), "Lịch tiếp công dân");
  EXPECT_EQ(zalo.text,
            "Lịch tiếp công dân\n\nLịch\n\nThứ Năm hằng tuần.\n\n- Sáng: 7 giờ 30\n"
            "- Chiều: 13 giờ 30\n\nhttps://stp.angiang.gov.vn/lich");
  ChannelText portal = RenderForChannel(item, "portal");  // no override
  EXPECT_EQ(portal.title, "Thông báo lịch tiếp công dân");
  EXPECT_EQ(ChannelTitle(item, "portal"), "Thông báo lịch tiếp công dân");
  EXPECT_EQ(portal.text.substr(0, portal.title.size() + 2), portal.title + "\n\n");
}

TEST(RenderForChannel, VietnameseStaysNfc) {
  Item item = ParseSample("2026-12-02-dich-vu-cong-truc-tuyen.json");
  ChannelText fb = RenderForChannel(item, "facebook");
  for (const std::string* s : {&fb.title, &fb.text, &fb.html, &fb.summary}) {
    auto nfc = NormalizeNfc(*s);
    ASSERT_TRUE(nfc.ok());
    EXPECT_EQ(*nfc, *s);
  }
}

}  // namespace
}  // namespace loa
