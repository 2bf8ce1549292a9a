// The preview page's parts (daemon/preview.h): where each image's src
// comes from, and one layout per platform, as the platform shows a post.
#pragma once

#include <map>
#include <string>

#include "base/time.h"
#include "daemon/preview.h"

namespace loa {

// The src of each of the item's images on the page, embedded or beside it,
// within the page's bounds. Each file is read at most once.
class PreviewImageSources {
 public:
  PreviewImageSources(const Item& item, const PreviewImages& images);

  // The src for media `name` (already fit for an attribute once escaped),
  // or "" when it cannot be shown; then `why` says why, for the page.
  std::string Src(const std::string& name, std::string* why);

 private:
  const Item& item_;
  const PreviewImages& images_;
  int64_t embedded_ = 0;
  std::map<std::string, std::string> src_;
  std::map<std::string, std::string> why_;
};

// The page's style sheet (inline: the page loads nothing).
extern const char* const kPreviewCss;

// A time as the Office's other pages write it, "03/12/2026 14:20" in the
// config's zone (daemon/report.h VietnameseTime), not as RFC 3339.
std::string PageTime(TimePoint t, TimeZone zone);

// One channel's section body, laid out for its platform.
std::string PreviewLayoutHtml(const Item& item, const ChannelPreviewEntry& entry,
                              PreviewImageSources& images, TimeZone zone);

// `html` (loa's own, for a platform) as a sandboxed iframe: no script, no
// same origin, shown as the platform would render it. Media addresses the
// preview names (PreviewMedia::url) are pointed at the page's images.
std::string SandboxedHtml(const std::string& html, const ChannelPreview& preview,
                          PreviewImageSources& images, const std::string& css_class);

}  // namespace loa
