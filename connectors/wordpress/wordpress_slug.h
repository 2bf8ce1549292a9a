// What WordPress makes of a loa item id, and the marker loa leaves in every
// post it creates so that it can find the post again (wordpress_connector.cc).
#pragma once

#include <string>
#include <string_view>

namespace loa {

// The slug WordPress stores when asked for `id` as a post slug:
// sanitize_title() (remove_accents, then sanitize_title_with_dashes in its
// "save" context) applied to an id of loa's alphabet [a-z0-9._-]
// (inbox/item_rules.cc IsValidId): '.' becomes '-', '_' stays, runs of '-'
// become one '-', and '-' is trimmed from both ends. So "a.b.c" -> "a-b-c",
// "a..b" -> "a-b", "tin_moi." -> "tin_moi". Any other byte (never in an id)
// is dropped. WordPress may still append "-2", "-3", ... when the slug is
// taken (wp_unique_post_slug): that is what the marker is for.
std::string WordPressSlug(std::string_view id);

// `<!-- loa-item: ID -->`, put first in the content of every post loa
// creates. WordPress's kses (for a user without unfiltered_html) keeps HTML
// comments but turns every run of '-' inside one into a single '-', so each
// '-' that follows another '-' is written '~' (never in an id): the marker
// survives kses unchanged and still names exactly one id.
std::string LoaItemMarker(std::string_view id);

// The `search` parameter that finds posts carrying LoaItemMarker(id): one
// quoted phrase, so WordPress (WP_Query::parse_search) matches it whole with
// LIKE over title, excerpt and content. It holds no '<' or '%', which the
// REST API's sanitize_text_field would strip.
std::string LoaItemMarkerSearch(std::string_view id);

}  // namespace loa
