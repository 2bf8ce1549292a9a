// Whether an item fits the platform of a channel it is published on
// (ChannelLimits), measured on what the channel will publish
// (RenderForChannel), so that a too-long title or an oversized photo is the
// editor's to fix now, not a failed delivery at the due time.
#pragma once

#include <string>
#include <vector>

#include "inbox/channel_limits.h"
#include "inbox/item.h"
#include "inbox/item_problems.h"

namespace loa {

struct FitContext {
  std::string body_field;                 // "body" or "body_file": where the body came from
  std::vector<std::string> media_fields;  // "media[i].file" of each item.media entry
};

// Records in `problems` each way `item` does not fit `limits` on `channel`.
void CheckChannelFit(const Item& item, const std::string& channel, const ChannelLimits& limits,
                     const FitContext& context, ProblemList& problems);

}  // namespace loa
