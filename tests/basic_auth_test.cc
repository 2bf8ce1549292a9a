// HTTP Basic credentials as browsers send them (daemon/basic_auth.h).
#include "daemon/basic_auth.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace loa {
namespace {

std::string Basic(const std::string& user_and_password) {
  return "Basic " + Base64Encode(user_and_password);
}

TEST(BasicAuthTest, ThePasswordIsWhatFollowsTheFirstColon) {
  EXPECT_EQ(BasicAuthPassword(Basic("office:s3cret")), "s3cret");
  EXPECT_EQ(BasicAuthPassword(Basic(":s3cret")), "s3cret");
  EXPECT_EQ(BasicAuthPassword(Basic("văn phòng:a:b:c")), "a:b:c");
  EXPECT_EQ(BasicAuthPassword(Basic("office:")), "");
  // Every padding length.
  EXPECT_EQ(BasicAuthPassword(Basic("u:1")), "1");
  EXPECT_EQ(BasicAuthPassword(Basic("u:12")), "12");
  EXPECT_EQ(BasicAuthPassword(Basic("u:123")), "123");
}

TEST(BasicAuthTest, TheSchemeIsCaseInsensitive) {
  const std::string encoded = Base64Encode("office:tok");
  EXPECT_EQ(BasicAuthPassword("basic " + encoded), "tok");
  EXPECT_EQ(BasicAuthPassword("BASIC " + encoded), "tok");
  EXPECT_EQ(BasicAuthPassword("Basic  " + encoded + " "), "tok");
}

TEST(BasicAuthTest, TheSchemeIsNamedWhateverTheCredential) {
  EXPECT_TRUE(IsBasicScheme("Basic ###"));
  EXPECT_TRUE(IsBasicScheme("bAsIc " + Base64Encode("u:p")));
  EXPECT_FALSE(IsBasicScheme("Bearer abc"));
  EXPECT_FALSE(IsBasicScheme("Basicx abc"));
  EXPECT_FALSE(IsBasicScheme("Basi"));
}

TEST(BasicAuthTest, AnythingElseIsNotACredential) {
  EXPECT_EQ(BasicAuthPassword(""), std::nullopt);
  EXPECT_EQ(BasicAuthPassword("Basic "), std::nullopt);
  EXPECT_EQ(BasicAuthPassword("Bearer abc"), std::nullopt);
  EXPECT_EQ(BasicAuthPassword("Basicx " + Base64Encode("u:p")), std::nullopt);
  EXPECT_EQ(BasicAuthPassword(Basic("no-colon")), std::nullopt);
  EXPECT_EQ(BasicAuthPassword("Basic dTpw*A=="), std::nullopt);  // not base64
  EXPECT_EQ(BasicAuthPassword("Basic dTpwA"), std::nullopt);     // not a multiple of 4
  EXPECT_EQ(BasicAuthPassword("Basic dTp===="), std::nullopt);   // too much padding
  EXPECT_EQ(BasicAuthPassword("Basic dT=wAA=="), std::nullopt);  // padding inside
}

}  // namespace
}  // namespace loa
