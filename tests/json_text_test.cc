// base/json_field.h and base/json_parse.h: reading JSON from outside.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/json_field.h"
#include "base/json_parse.h"

namespace loa {
namespace {

using nlohmann::json;

TEST(JsonFieldTest, StringFieldReadsOnlyStrings) {
  json answer = {{"link", "https://x/1"}, {"id", 7}, {"none", nullptr}, {"list", {1, 2}}};
  EXPECT_EQ(StringField(answer, "link"), "https://x/1");
  EXPECT_EQ(StringField(answer, "id"), "");
  EXPECT_EQ(StringField(answer, "none"), "");
  EXPECT_EQ(StringField(answer, "list"), "");
  EXPECT_EQ(StringField(answer, "absent"), "");
  EXPECT_EQ(StringField(json::array({"link"}), "link"), "");
  EXPECT_EQ(StringField(json("text"), "link"), "");
  EXPECT_EQ(StringField(json(), "link"), "");
}

TEST(JsonFieldTest, FieldIsNullWhenAbsent) {
  json answer = {{"data", {{"id", "9"}}}};
  EXPECT_EQ(StringField(Field(answer, "data"), "id"), "9");
  EXPECT_TRUE(Field(answer, "absent").is_null());
  EXPECT_TRUE(Field(json::array(), "data").is_null());
  EXPECT_TRUE(Field(Field(answer, "absent"), "data").is_null());
}

TEST(JsonFieldTest, IdsAreStringsOrIntegers) {
  json answer =
      json::parse(R"({"s":"123_456","i":-5,"u":18446744073709551615,"f":1.5,"b":true,"n":null})");
  EXPECT_EQ(IdField(answer, "s"), "123_456");
  EXPECT_EQ(IdField(answer, "i"), "-5");
  EXPECT_EQ(IdField(answer, "u"), "18446744073709551615");
  EXPECT_EQ(IdField(answer, "f"), "");
  EXPECT_EQ(IdField(answer, "b"), "");
  EXPECT_EQ(IdField(answer, "n"), "");
  EXPECT_EQ(IdField(answer, "absent"), "");
  EXPECT_EQ(IdText(json(42)), "42");
  EXPECT_EQ(IdText(json("a")), "a");
}

TEST(JsonFieldTest, IntegersMayComeQuoted) {
  json answer = json::parse(
      R"({"n":90000,"neg":-216,"s":"90000","sneg":"-216","big":"99999999999999999999",)"
      R"("sp":" 5","plus":"+5","empty":"","x":"12a","f":2.5,"u":18446744073709551615})");
  EXPECT_EQ(IntegerField(answer, "n"), 90000);
  EXPECT_EQ(IntegerField(answer, "neg"), -216);
  EXPECT_EQ(IntegerField(answer, "s"), 90000);
  EXPECT_EQ(IntegerField(answer, "sneg"), -216);
  for (const char* key : {"big", "sp", "plus", "empty", "x", "f", "u", "absent"}) {
    EXPECT_EQ(IntegerField(answer, key), std::nullopt) << key;
  }
  EXPECT_EQ(IntegerValue(json("7")), 7);
}

TEST(JsonParseTest, ReportsEveryRepeatedKeyWithItsPath) {
  std::vector<DuplicateKey> duplicates;
  json root = ParseJsonText(R"({
    // comments are allowed
    "title": "a", "title": "b",
    "channels": {"portal": {"type": "x", "type": "y"}, "portal": {}},
    "list": [{"k": 1, "k": 2}],
    "other": {"title": "not a repeat"}
  })",
                            32, &duplicates);
  EXPECT_EQ(root["title"], "b");  // nlohmann keeps the last one
  ASSERT_EQ(duplicates.size(), 4u);
  EXPECT_EQ(duplicates[0].key, "title");
  EXPECT_EQ(duplicates[0].path, "title");
  EXPECT_EQ(duplicates[1].key, "type");
  EXPECT_EQ(duplicates[1].path, "channels.portal.type");
  EXPECT_EQ(duplicates[2].path, "channels.portal");
  EXPECT_EQ(duplicates[3].key, "k");
  EXPECT_EQ(duplicates[3].path, "list[].k");
}

TEST(JsonParseTest, StopsAtTheDepthBound) {
  std::vector<DuplicateKey> duplicates;
  auto nested = [](int levels) {
    return std::string(static_cast<size_t>(levels), '[') +
           std::string(static_cast<size_t>(levels), ']');
  };
  EXPECT_NO_THROW(ParseJsonText(nested(4), 4, &duplicates));
  EXPECT_THROW(ParseJsonText(nested(5), 4, &duplicates), JsonTooDeep);
  EXPECT_THROW(ParseJsonText(nested(100000), 32, &duplicates), JsonTooDeep);
  EXPECT_THROW(ParseJsonText(R"({"a": [1,})", 32, &duplicates), json::parse_error);
  EXPECT_TRUE(duplicates.empty());
}

}  // namespace
}  // namespace loa
