// The dashboard's files (daemon/dashboard/: index.html, style.css, app.js),
// embedded in the binary at build time (daemon/dashboard/embed.cmake writes
// their bytes into a generated .cc), so the page needs nothing from disk or
// from outside.
#pragma once

#include <span>
#include <string_view>

namespace loa {

struct DashboardAsset {
  std::string_view path;  // where it is served: "/", "/assets/app.js"
  std::string_view body;
};

std::span<const DashboardAsset> DashboardAssets();

}  // namespace loa
