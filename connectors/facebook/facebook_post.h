// The pure half of the `facebook` connector: which Page post an item makes
// (text or link, one photo, several photos, a video) and the text each
// call carries. FacebookConnector::Create sends exactly this plan, and
// FacebookPreview (the channel type's preview) shows it, so the two cannot
// differ.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "contract/channel_preview.h"
#include "contract/connector.h"
#include "inbox/item.h"

namespace loa {

struct FacebookPostPlan {
  enum class Kind {
    kFeed,    // POST /{page}/feed: message, and link when the item has one
    kPhoto,   // POST /{page}/photos: one image, caption = message, published
    kPhotos,  // unpublished photos (each with its caption), then /feed with attached_media
    kVideo,   // POST /{page}/videos: description = message, title
  };
  Kind kind = Kind::kFeed;
  std::string message;              // RenderForChannel's text, trimmed
  std::string title;                // the video's title (ChannelTitle)
  std::optional<std::string> link;  // kFeed only
  const MediaFile* video = nullptr;
  std::vector<const MediaFile*> images;  // kPhoto, kPhotos
  // Media the post cannot carry (images beside a video, other files).
  std::vector<const MediaFile*> left_out;
};

// The post `request` makes. The plan points into request.item.
FacebookPostPlan PlanFacebookPost(const PublishRequest& request);

// The message the post carries and the lookups search for.
std::string FacebookMessage(const PublishRequest& request);

// The plan as a preview (contract/channel_preview.h): the calls, their text
// fields under Graph's names, and the files uploaded.
ChannelPreview FacebookPreview(const PublishRequest& request);

}  // namespace loa
