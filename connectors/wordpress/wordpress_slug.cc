#include "connectors/wordpress/wordpress_slug.h"

namespace loa {

namespace {

// The id with each '-' that follows a '-' written '~' (see LoaItemMarker).
std::string MarkerId(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (size_t i = 0; i < id.size(); ++i) {
    out += id[i] == '-' && i > 0 && id[i - 1] == '-' ? '~' : id[i];
  }
  return out;
}

}  // namespace

std::string WordPressSlug(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (char c : id) {
    const bool kept = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (c == '.' || c == '-') {
      if (!out.empty() && out.back() != '-') out += '-';  // collapses runs, drops a leading '-'
    } else if (kept) {
      out += c;
    }
  }
  if (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string LoaItemMarker(std::string_view id) { return "<!-- loa-item: " + MarkerId(id) + " -->"; }

std::string LoaItemMarkerSearch(std::string_view id) {
  return "\"loa-item: " + MarkerId(id) + " -->\"";
}

}  // namespace loa
