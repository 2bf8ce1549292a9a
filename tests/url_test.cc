// base/url.h: the URL rules config validation and the HTTP connectors share.
#include "base/url.h"

#include <gtest/gtest.h>

#include <string>

namespace loa {
namespace {

constexpr char kNeedHttps[] =
    "must be an https:// URL (plain http:// only to loopback or with allow_insecure_http)";

TEST(UrlTest, ReadsSchemeHostPortPathAndQuery) {
  auto url = ParseUrl("HTTPS://Portal.Example.GOV.vn:8443/wp/api?x=1&y=2");
  ASSERT_TRUE(url.ok()) << url.error();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "portal.example.gov.vn");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/wp/api?x=1&y=2");
  EXPECT_EQ(url->Path(), "/wp/api");
  EXPECT_EQ(url->Query(), "x=1&y=2");
  EXPECT_EQ(url->Origin(), "https://portal.example.gov.vn:8443");
}

TEST(UrlTest, DefaultPortsAndEmptyTarget) {
  auto https = ParseUrl("https://example.org");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "");
  EXPECT_EQ(https->Path(), "");
  EXPECT_EQ(https->Query(), "");
  auto http = ParseUrl("http://127.0.0.1?q");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "?q");
  EXPECT_EQ(http->Path(), "");
  EXPECT_EQ(http->Query(), "q");
}

TEST(UrlTest, Ipv6HostsInBrackets) {
  auto url = ParseUrl("http://[::1]:8080/hook");
  ASSERT_TRUE(url.ok()) << url.error();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->Origin(), "http://[::1]:8080");
  auto bare = ParseUrl("https://[2001:db8::1]/");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 443);
  EXPECT_EQ(ParseUrl("http://[::1/x").error(), "has an unterminated [IPv6] host");
  EXPECT_EQ(ParseUrl("http://[::1]x/").error(), "has unexpected text after the [IPv6] host");
  EXPECT_EQ(ParseUrl("http://[]/").error(), "has no host");
}

TEST(UrlTest, RefusalsNeverQuoteTheUrl) {
  const std::string secret = "s3cr3t-t0ken";
  struct Case {
    std::string url;
    std::string error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"ftp://example.org/" + secret, kNeedHttps},
           {"example.org/" + secret, kNeedHttps},
           {"https://user:" + secret + "@example.org/",
            "must not contain user:password@ (secrets belong in a *_file key)"},
           {"https://example.org/a b" + secret, "must not contain spaces or control characters"},
           {"https://example.org/\x7f" + secret, "must not contain spaces or control characters"},
           {"https://example.org/#" + secret, "must not contain a #fragment"},
           {"https:///" + secret, "has no host"},
           {"https://:443/" + secret, "has no host"},
           {"https://example.org:/" + secret, "has an empty port after ':'"},
           {"https://example.org:0/" + secret, "has a port outside 1-65535"},
           {"https://example.org:65536/" + secret, "has a port outside 1-65535"},
           {"https://example.org:123456/" + secret, "has a port outside 1-65535"},
           {"https://example.org:8o/" + secret, "has a port outside 1-65535"},
       }) {
    auto url = ParseUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.error(), c.error) << c.url;
    EXPECT_EQ(url.error().find(secret), std::string::npos) << url.error();
  }
  EXPECT_TRUE(ParseUrl("https://example.org:65535/").ok());
  EXPECT_TRUE(ParseUrl("https://example.org:1/").ok());
}

TEST(UrlTest, PlainHttpOnlyToLoopbackOrWhenAllowed) {
  for (const char* loopback : {"http://localhost/", "http://127.0.0.5:8080/", "http://[::1]/",
                               "http://app.localhost/", "https://example.org/"}) {
    auto url = ParseUrl(loopback);
    ASSERT_TRUE(url.ok()) << loopback;
    EXPECT_TRUE(TransportAllowed(*url, false)) << loopback;
    EXPECT_TRUE(CheckTransportAllowed(*url, false).ok()) << loopback;
  }
  auto remote = ParseUrl("http://example.org/hook");
  ASSERT_TRUE(remote.ok());
  EXPECT_FALSE(TransportAllowed(*remote, false));
  EXPECT_TRUE(TransportAllowed(*remote, true));
  auto refused = CheckTransportAllowed(*remote, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("example.org"), std::string::npos);
  EXPECT_NE(refused.error().find("allow_insecure_http"), std::string::npos);
  EXPECT_EQ(refused.error().find("/hook"), std::string::npos);
}

TEST(UrlTest, UrlProblemAsTheConfigReportsIt) {
  EXPECT_EQ(UrlProblem("https://example.org/hook?k=1", false, false), "");
  EXPECT_EQ(UrlProblem("http://127.0.0.1:9/", false, true), "");
  EXPECT_EQ(UrlProblem("http://example.org/", false, false), kNeedHttps);
  EXPECT_EQ(UrlProblem("http://example.org/", true, false), "");
  EXPECT_EQ(UrlProblem("https://example.org/?page=1", false, true),
            "must be the site root, without ?query or #fragment");
  // The site-root rule speaks before the fragment rule.
  EXPECT_EQ(UrlProblem("https://example.org/#top", false, true),
            "must be the site root, without ?query or #fragment");
  EXPECT_EQ(UrlProblem("https://example.org/#top", false, false), "must not contain a #fragment");
  EXPECT_EQ(UrlProblem("https://u:p@example.org/", true, false),
            "must not contain user:password@ (secrets belong in a *_file key)");
}

TEST(UrlTest, BaseUrlStripsTrailingSlashesAndRefusesQueries) {
  auto base = ParseBaseUrl("base_url", "https://example.org/wp//", false);
  ASSERT_TRUE(base.ok()) << base.error();
  EXPECT_EQ(base->target, "/wp");
  auto root = ParseBaseUrl("base_url", "https://example.org/", false);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->target, "");
  auto query = ParseBaseUrl("graph_base_url", "https://example.org/v21.0?token=x", false);
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error(), "graph_base_url: must be a base URL, without ?query");
  auto insecure = ParseBaseUrl("api_base_url", "http://example.org/", false);
  ASSERT_FALSE(insecure.ok());
  EXPECT_TRUE(insecure.error().starts_with("api_base_url: plain http:// to example.org"))
      << insecure.error();
  EXPECT_TRUE(ParseBaseUrl("api_base_url", "http://example.org/", true).ok());
  EXPECT_EQ(ParseBaseUrl("oauth_base_url", "https:///", false).error(),
            "oauth_base_url: has no host");
}

}  // namespace
}  // namespace loa
