#include "connectors/render.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace loa
