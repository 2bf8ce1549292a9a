#include "connectors/facebook/facebook_post.h"

#include "base/fs.h"
#include "connectors/http/render.h"

namespace loa {

std::string FacebookMessage(const PublishRequest& request) {
  return Trim(RenderForChannel(*request.item, request.channel).text);
}

FacebookPostPlan PlanFacebookPost(const PublishRequest& request) {
  const Item& item = *request.item;
  FacebookPostPlan plan;
  plan.message = FacebookMessage(request);
  for (const MediaFile& m : item.media) {
    if (m.content_type.starts_with("video/")) {
      if (plan.video == nullptr) {
        plan.video = &m;
      } else {
        plan.left_out.push_back(&m);
      }
    } else if (m.content_type.starts_with("image/")) {
      plan.images.push_back(&m);
    } else {
      plan.left_out.push_back(&m);
    }
  }
  if (plan.video != nullptr) {
    // One Page post cannot hold both: the video makes the post.
    plan.kind = FacebookPostPlan::Kind::kVideo;
    plan.title = ChannelTitle(item, request.channel);
    plan.left_out.insert(plan.left_out.end(), plan.images.begin(), plan.images.end());
    plan.images.clear();
  } else if (plan.images.size() == 1) {
    plan.kind = FacebookPostPlan::Kind::kPhoto;
  } else if (!plan.images.empty()) {
    plan.kind = FacebookPostPlan::Kind::kPhotos;
  } else {
    plan.kind = FacebookPostPlan::Kind::kFeed;
    plan.link = item.link;
  }
  return plan;
}

ChannelPreview FacebookPreview(const PublishRequest& request) {
  const FacebookPostPlan plan = PlanFacebookPost(request);
  ChannelPreview p;
  p.layout = "facebook";
  p.platform = "Facebook Page";
  auto media = [&](const MediaFile& m, const std::string& caption, const std::string& role) {
    p.media.push_back({m.name, m.content_type, caption, role, ""});
  };
  switch (plan.kind) {
    case FacebookPostPlan::Kind::kVideo:
      p.requests = {"POST /{page-id}/videos"};
      p.fields = {{"description", plan.message}, {"title", plan.title}};
      media(*plan.video, "", "video");
      break;
    case FacebookPostPlan::Kind::kPhoto:
      p.requests = {"POST /{page-id}/photos (published)"};
      p.fields = {{"caption", plan.message}};
      media(*plan.images[0], "", "photo");
      break;
    case FacebookPostPlan::Kind::kPhotos:
      for (const MediaFile* m : plan.images) {
        p.requests.push_back("POST /{page-id}/photos (unpublished): " + m->name);
        media(*m, m->caption, "photo");
      }
      p.requests.push_back("POST /{page-id}/feed with attached_media");
      p.fields = {{"message", plan.message}};
      break;
    case FacebookPostPlan::Kind::kFeed:
      p.requests = {"POST /{page-id}/feed"};
      p.fields = {{"message", plan.message}};
      if (plan.link) p.fields.push_back({"link", *plan.link, PreviewField::Kind::kUrl});
      break;
  }
  for (const MediaFile* m : plan.left_out) {
    p.notes.push_back(m->name + " is not sent: " +
                      (plan.video != nullptr
                           ? std::string("a Page post with a video holds nothing else")
                           : std::string("Facebook posts carry only images and videos")));
  }
  if (plan.kind == FacebookPostPlan::Kind::kPhotos || plan.kind == FacebookPostPlan::Kind::kPhoto) {
    if (request.item->link) {
      p.notes.push_back("the link is not attached as a preview card: a post with photos has none");
    }
  }
  return p;
}

}  // namespace loa
