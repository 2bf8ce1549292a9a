// What one channel would send for an item, built without sending by the
// very functions its connector sends with (ChannelType::preview), so that
// `loa preview` and GET /preview/ID (daemon/preview.h) cannot drift from
// what goes out. It holds text as sent and names media files; it reads no
// file and knows no secret.
#pragma once

#include <string>
#include <vector>

namespace loa {

struct PreviewField {
  enum class Kind {
    kText,  // plain text, shown as the platform shows text (escaped)
    kHtml,  // HTML loa generated for the platform (sanitised Markdown render)
    kJson,  // a JSON document (a request body, a file written)
    kUrl,   // an address
  };
  std::string name;  // the request's own name for it: "message", "title", "content"
  std::string value;
  Kind kind = Kind::kText;
};

struct PreviewMedia {
  std::string name;  // the item's media file (MediaFile::name)
  std::string content_type;
  std::string caption;  // the caption sent with it, "" when none is
  // What it is on the platform: "photo", "video", "cover", "featured",
  // "figure", "attachment", "file".
  std::string role;
  // The address the request names it by, as it appears in `fields` and
  // `body` (a Zalo media_base_url address, a relative file name, a stand-in
  // for an address the platform gives at upload); "" when none does.
  std::string url;
};

struct ChannelPreview {
  // How daemon/preview.cc lays it out: "facebook", "zalo", "wordpress",
  // "webhook", "file"; anything else gets the generic layout.
  std::string layout;
  std::string platform;  // "Facebook Page", for people
  // The calls that carry it, in order ("POST /{page-id}/photos").
  std::vector<std::string> requests;
  std::vector<PreviewField> fields;  // in the order sent
  std::vector<PreviewMedia> media;   // files sent, in the order sent
  // Things an editor should know: what is left out and why.
  std::vector<std::string> notes;

  // The field named `name`, nullptr when there is none.
  const PreviewField* Field(const std::string& name) const {
    for (const PreviewField& f : fields) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
};

}  // namespace loa
