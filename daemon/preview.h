// `loa preview` and GET /preview/ID: for each channel of an item, what loa
// will send (the channel type's preview, contract/channel_type.h, built by
// the connector's own request-building functions) and a self-contained
// HTML page laid out as the platform shows it (daemon/preview_layouts.cc).
// Nothing here sends or changes anything. README "Preview",
// docs/control-api.md "GET /preview/ID".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"
#include "config/config.h"
#include "contract/channel_preview.h"
#include "inbox/item.h"
#include "queue/delivery.h"

namespace loa {

// A channel that has the item, may have it (being sent, outcome unknown,
// accepted and not finished) or had it (taken down): loa sends it nothing
// more, and a correction does not reach it (Delivery::KeepsItsRevision,
// README "Revisions and corrections"). Its preview says so, rather than
// show text that will never be sent there.
struct CarriedRevision {
  DeliveryState state = DeliveryState::kPublished;  // kScheduled: accepted, not finished
  int revision = 0;                                 // the revision the channel carries
  int latest = 0;                                   // the item's latest revision
  std::string title;                                // the carried revision's; "" when not known
  std::string url;                                  // Delivery::remote_url; "" when not known
};

// One channel's preview.
struct ChannelPreviewEntry {
  std::string channel;
  std::string type;
  TimePoint due_at{};
  // What loa will send; left empty when `carried` is set.
  ChannelPreview preview;
  std::optional<CarriedRevision> carried;
};

// What the store holds of an accepted item (GET /preview/ID).
struct StoredDeliveries {
  std::vector<Delivery> deliveries;   // one per channel it was ever for
  std::map<int, std::string> titles;  // each revision's title
  int latest_revision = 0;
};

// The previews of `item` on each of its channels that `config` knows, or
// only on `only_channel` when it is not "". With `stored`, a channel's due
// time is its delivery's (a reschedule moves it), and a channel whose
// delivery keeps its revision, named by the item or only by an earlier
// revision, is shown as carrying it; without, the item is not accepted yet
// and each due time is the item's own (Item::DueAt). An `only_channel`
// not among those, a retract instruction, or an item with no configured
// channel is kInvalid.
Result<std::vector<ChannelPreviewEntry>> BuildPreviews(const Item& item, const Config& config,
                                                       const std::string& only_channel,
                                                       const StoredDeliveries* stored = nullptr);

// Where the page's images come from. They are embedded (data: URIs,
// bounded by kMaxEmbeddedImage and kMaxEmbeddedTotal), never linked: the
// frames that show loa's HTML for a platform are sandboxed, with an opaque
// origin, and from a page opened from disk (file://) such a frame loads no
// file beside it.
struct PreviewImages {
  // The item's media files on disk, by MediaFile::name.
  std::map<std::string, std::filesystem::path> files;
};

// An image larger than this is not embedded (the page says so); within it,
// a large image is shown scaled by CSS, never re-encoded.
inline constexpr int64_t kMaxEmbeddedImage = int64_t{8} << 20;
// All embedded images together, so that a page stays well under what the
// control client accepts (daemon/control_client.cc).
inline constexpr int64_t kMaxEmbeddedTotal = int64_t{24} << 20;

// The Content-Security-Policy the page holds (a <meta> tag) and GET
// /preview/ID sends: nothing loads from outside, no script runs.
std::string PreviewContentSecurityPolicy();

// The HTML page: UTF-8, every text from the item escaped, loa's own HTML
// for a platform shown in sandboxed iframes, no external resource.
std::string PreviewPage(const Item& item, const std::vector<ChannelPreviewEntry>& previews,
                        const PreviewImages& images, TimeZone zone);

// A short text per channel for a terminal: the calls, each text field in
// full, the HTML and JSON by size, the media with sizes, the notes; item
// text escaped for the terminal.
std::string PreviewSummary(const Item& item, const std::vector<ChannelPreviewEntry>& previews,
                           TimeZone zone);

}  // namespace loa
