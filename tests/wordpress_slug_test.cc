#include "connectors/wordpress/wordpress_slug.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/fakes/fake_wordpress.h"

namespace loa {
namespace {

// id -> the slug WordPress stores for it (sanitize_title, formatting.php).
const std::vector<std::pair<std::string, std::string>> kSlugs = {
    {"2026-12-02-dich-vu-cong-truc-tuyen", "2026-12-02-dich-vu-cong-truc-tuyen"},
    {"a.b.c", "a-b-c"},  // '.' becomes '-'
    {"v1.2.3", "v1-2-3"},
    {"a..b", "a-b"},  // then runs of '-' become one
    {"a.-.b", "a-b"},
    {"a--b", "a-b"},
    {"a-", "a"},  // '-' trimmed at the ends
    {"a.", "a"},
    {"a.-", "a"},
    {"tin_moi", "tin_moi"},      // '_' stays
    {"tin__moi_", "tin__moi_"},  // runs of '_' too
    {"a._b", "a-_b"},
    {"a_.._b", "a_-_b"},
    {"0", "0"},
    {"2026.12.02_thong-bao..so-1.", "2026-12-02_thong-bao-so-1"},
    {std::string(120, 'x'), std::string(120, 'x')},  // ids are far below the 200-octet cut
};

TEST(WordPressSlugTest, MatchesSanitizeTitleForEveryKindOfId) {
  for (const auto& [id, slug] : kSlugs) {
    EXPECT_EQ(WordPressSlug(id), slug) << id;
  }
}

// The fake's sanitize_title is written apart, from formatting.php, so the
// two cross-check each other.
TEST(WordPressSlugTest, FakeWordPressAgrees) {
  for (const auto& [id, slug] : kSlugs) {
    EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle(id), slug) << id;
  }
  // WordPress's own cases (tests/phpunit/tests/formatting/sanitizeTitleWithDashes.php).
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("Captain <strong>Awesome</strong>"),
            "captain-awesome");
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("ABC"), "abc");
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("a          t"), "a-t");
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("fran%c3%a7%ois"), "fran%c3%a7ois");
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("a &amp; b"), "a-b");
  EXPECT_EQ(fakes::FakeWordPress::SanitizeTitle("--a-----b--"), "a-b");
}

TEST(WordPressSlugTest, MarkerNamesTheIdAndSurvivesKses) {
  EXPECT_EQ(LoaItemMarker("2026-12-02-tin"), "<!-- loa-item: 2026-12-02-tin -->");
  EXPECT_EQ(LoaItemMarker("a.b_c"), "<!-- loa-item: a.b_c -->");
  // kses turns "--" inside a comment into "-": none is written.
  EXPECT_EQ(LoaItemMarker("a--b"), "<!-- loa-item: a-~b -->");
  EXPECT_EQ(LoaItemMarker("a---b-"), "<!-- loa-item: a-~~b- -->");
  for (const std::string id : {"a--b", "a-b", "a---b", "x--", "x-", "x.-.-y"}) {
    std::string marker = LoaItemMarker(id);
    std::string inner = marker.substr(4, marker.size() - 7);
    EXPECT_EQ(inner.find("--"), std::string::npos) << marker;
  }
  // Ids that WordPress gives one slug keep apart in the marker.
  EXPECT_NE(LoaItemMarker("a.b"), LoaItemMarker("a-b"));
  EXPECT_NE(LoaItemMarker("a--b"), LoaItemMarker("a-b"));
}

TEST(WordPressSlugTest, SearchIsOneQuotedPhraseWithoutWhatTheRestApiStrips) {
  EXPECT_EQ(LoaItemMarkerSearch("a--b.c"), "\"loa-item: a-~b.c -->\"");
  std::string search = LoaItemMarkerSearch("x_y-z");
  EXPECT_EQ(search.find('<'), std::string::npos);
  EXPECT_EQ(search.find('%'), std::string::npos);
  // The phrase (quotes off) is inside the marker, so a LIKE on it finds it.
  EXPECT_NE(LoaItemMarker("x_y-z").find(search.substr(1, search.size() - 2)), std::string::npos);
}

}  // namespace
}  // namespace loa
