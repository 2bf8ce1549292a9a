// The `labels` section of the config (config/labels_config.h): the embedded
// labels, the config's entries laid over them, and every wrong entry
// refused with its key path.
#include "config/labels_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/registry.h"

namespace loa {
namespace {

using ::testing::HasSubstr;

Result<Config> Parse(const std::string& labels) {
  std::string text = R"({"channels": {"out": {"type": "file", "dir": "outbox"}})";
  if (!labels.empty()) text += R"(, "labels": )" + labels;
  return ParseConfig(text + "}", "/etc/loa", ConfigSchemas());
}

TEST(LabelsConfigTest, EmbeddedLabelsCoverThePlansThemesAndTheForms) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok()) << c.error();
  const LabelsConfig& l = c->labels;
  EXPECT_EQ(l, DefaultLabels());
  EXPECT_EQ(l.organisation, "Sở Tư pháp tỉnh An Giang");
  EXPECT_EQ(l.topics.at("kiem-soat-tthc"), "Kiểm soát thủ tục hành chính");
  EXPECT_EQ(l.topics.at("mot-cua"), "Cơ chế một cửa, một cửa liên thông");
  EXPECT_EQ(l.topics.at("dich-vu-cong-truc-tuyen"), "Dịch vụ công trực tuyến");
  EXPECT_EQ(l.topics.at("nghi-quyet-57"), "Nghị quyết 57-NQ/TW");
  EXPECT_EQ(l.topics.at("de-an-06"), "Đề án 06");
  EXPECT_EQ(l.topics.at("chuyen-doi-so"), "Chuyển đổi số");
  EXPECT_EQ(l.topics.at("cchc"), "Cải cách hành chính");
  // Every form the item format allows (inbox/item_rules.cc).
  const std::map<std::string, std::string> forms = {{"news", "Tin"},
                                                    {"article", "Bài viết"},
                                                    {"reportage", "Phóng sự"},
                                                    {"video", "Video"},
                                                    {"infographic", "Infographic"},
                                                    {"photo", "Ảnh"},
                                                    {"announcement", "Thông báo"}};
  EXPECT_EQ(l.forms, forms);
  // Every channel of the embedded default config.
  for (const std::string& name : DefaultConfig("/tmp", ConfigSchemas()).ChannelNames()) {
    EXPECT_TRUE(l.channels.contains(name)) << name;
  }
  EXPECT_EQ(LabelsConfig::Of(l.topics, "khac"), "khac");
}

TEST(LabelsConfigTest, ConfigEntriesAreLaidOverTheEmbeddedOnes) {
  auto c = Parse(R"({
    "organisation": "Sở Tư pháp tỉnh Kiên Giang",
    "topics": {"mot-cua": "Một cửa", "pho-bien-phap-luat": "Phổ biến pháp luật"},
    "forms": {"news": "Tin tức"},
    "units": {"Văn phòng Sở": "Văn phòng Sở Tư pháp"},
    "channels": {"out": "Lưu trữ"}})");
  ASSERT_TRUE(c.ok()) << c.error();
  const LabelsConfig& l = c->labels;
  EXPECT_EQ(l.organisation, "Sở Tư pháp tỉnh Kiên Giang");
  EXPECT_EQ(l.topics.at("mot-cua"), "Một cửa");
  EXPECT_EQ(l.topics.at("pho-bien-phap-luat"), "Phổ biến pháp luật");
  EXPECT_EQ(l.topics.at("de-an-06"), "Đề án 06");  // kept
  EXPECT_EQ(l.forms.at("news"), "Tin tức");
  EXPECT_EQ(l.forms.at("video"), "Video");
  EXPECT_EQ(l.units.at("Văn phòng Sở"), "Văn phòng Sở Tư pháp");
  EXPECT_EQ(l.channels.at("out"), "Lưu trữ");
}

TEST(LabelsConfigTest, ExampleConfigLabelsLoad) {
  auto c = LoadConfig(
      std::filesystem::path(LOA_SAMPLES_DIR "/../../config/loa.example.json").lexically_normal(),
      ConfigSchemas());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->labels.organisation, "Sở Tư pháp tỉnh An Giang");
  EXPECT_EQ(c->labels.topics.at("hoa-giai-co-so"), "Hòa giải ở cơ sở");
  EXPECT_EQ(c->labels.topics.at("de-an-06"), "Đề án 06");
  EXPECT_EQ(c->labels.channels.at("archive"), "Lưu trữ nội bộ");
}

TEST(LabelsConfigTest, RefusesWrongEntriesWithTheirKeyPath) {
  struct Case {
    std::string labels, message;
  };
  const std::string long_label(201, 'a');
  std::string many = "{";
  for (int i = 0; i < 501; ++i) many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\": \"x\"";
  many += "}";
  const std::vector<Case> cases = {
      {R"("Sở Tư pháp")", "labels: expected an object"},
      {R"({"topic": {}})", "labels.topic: unknown key"},
      {R"({"organisation": ""})", "labels.organisation: must not be empty"},
      {R"({"organisation": 7})", "labels.organisation: expected a string"},
      {R"({"topics": ["mot-cua"]})", "labels.topics: expected an object of at most 500"},
      {R"({"topics": )" + many + "}", "labels.topics: expected an object of at most 500"},
      {R"({"topics": {"Một cửa": "x"}})", "labels.topics.Một cửa: a key must be a slug"},
      {R"({"forms": {"news": 1}})", "labels.forms.news: expected a string"},
      {R"({"forms": {"news": ""}})", "labels.forms.news: the label must not be empty"},
      {R"({"topics": {"mot-cua": "a\nb"}})", "labels.topics.mot-cua: the label holds a control"},
      {R"({"topics": {"mot-cua": "a\u202eb"}})", "the label holds a control character"},
      {R"({"topics": {"mot-cua": ")" + long_label + R"("}})", "longer than 200 characters"},
      {R"({"topics": {"mot-cua": " Một cửa"}})", "starts or ends with a space"},
      {R"({"units": {"a\tb": "x"}})", "a key must be one line of text"},
      {R"({"channels": {"Portal": "x"}})", "labels.channels.Portal: a key must be a slug"},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(c.labels);
    ASSERT_FALSE(parsed.ok()) << c.labels;
    EXPECT_THAT(parsed.error(), HasSubstr(c.message)) << c.labels;
  }
  // 200 characters of Vietnamese (more bytes) are fine.
  std::string vietnamese;
  for (int i = 0; i < 200; ++i) vietnamese += "ệ";
  EXPECT_TRUE(Parse(R"({"topics": {"mot-cua": ")" + vietnamese + R"("}})").ok());
}

}  // namespace
}  // namespace loa
