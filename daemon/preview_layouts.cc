#include "daemon/preview_layouts.h"

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/encode.h"
#include "base/fs.h"
#include "base/url.h"
#include "daemon/report.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

using nlohmann::json;

const char* const kFrameCss =
    "body{font-family:system-ui,'Segoe UI',Roboto,Arial,sans-serif;line-height:1.5;margin:8px;"
    "color:#1c1e21}img,video{max-width:100%;height:auto}figure{margin:1em 0}"
    "figcaption{color:#65676b;font-size:.9em}"
    ".missing{background:#e4e6eb;color:#444;padding:1.5em;text-align:center;border-radius:4px;"
    "margin:.3em 0}";

const char* const kVideoNotPlayed =
    "video (không phát trong bản xem trước / not played in the preview)";

// Images a browser shows from a data: URI; SVG is left out (it is a
// document, not a picture).
bool Embeddable(const std::string& content_type) {
  return content_type.starts_with("image/") && content_type != "image/svg+xml";
}

const PreviewMedia* MediaByUrl(const ChannelPreview& p, const std::string& url) {
  for (const PreviewMedia& m : p.media) {
    if (!m.url.empty() && m.url == url) return &m;
  }
  return nullptr;
}

std::string Text(const ChannelPreview& p, const std::string& name) {
  const PreviewField* f = p.Field(name);
  return f == nullptr ? std::string() : f->value;
}

json RequestBody(const ChannelPreview& p) {
  return json::parse(Text(p, "request body"), nullptr, /*allow_exceptions=*/false);
}

std::string StringAt(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// A box in place of a file the page does not show: its name and why.
std::string MissingBox(const std::string& name, const std::string& why,
                       const std::string& css_class) {
  return "<div class=\"missing" + (css_class.empty() ? "" : " " + css_class) + "\">" +
         EscapeHtml(name) + "<br><small>" + EscapeHtml(why) + "</small></div>";
}

// An image, or a box saying why it is not shown.
std::string Picture(PreviewImageSources& images, const std::string& name, const std::string& alt,
                    const std::string& css_class) {
  std::string why;
  std::string src = images.Src(name, &why);
  if (src.empty()) return MissingBox(name, why, css_class);
  return "<img class=\"" + css_class + "\" src=\"" + EscapeHtml(src) + "\" alt=\"" +
         EscapeHtml(alt) + "\">";
}

std::string VideoBox(const std::string& name) {
  return "<div class=\"missing video\">&#9654; " + EscapeHtml(name) + "<br><small>" +
         kVideoNotPlayed + "</small></div>";
}

// Replaces every element of `doc` whose src is `src` (an <img>, or a
// <video> with its closing tag) by `box`. `doc` is loa's own HTML, whose
// attribute values are escaped: the '<' before the attribute opens its
// tag and the first '>' after it closes the tag.
void ReplaceElementsWithSrc(std::string& doc, const std::string& src, const std::string& box) {
  const std::string attribute = " src=\"" + EscapeHtml(src) + "\"";
  for (size_t at = doc.find(attribute); at != std::string::npos; at = doc.find(attribute, at)) {
    const size_t start = doc.rfind('<', at);
    size_t end = doc.find('>', at);
    if (start == std::string::npos || end == std::string::npos) return;
    ++end;
    if (doc.compare(start, 6, "<video") == 0) {
      const size_t close = doc.find("</video>", end);
      if (close != std::string::npos) end = close + 8;
    }
    doc.replace(start, end - start, box);
    at = start + box.size();
  }
}

std::string Paragraphs(const std::string& text, const char* css_class) {
  return "<div class=\"" + std::string(css_class) + "\">" + EscapeHtml(text) + "</div>\n";
}

std::string FacebookLayout(const Item& item, const ChannelPreviewEntry& e,
                           PreviewImageSources& images, TimeZone zone) {
  const ChannelPreview& p = e.preview;
  std::string message = Text(p, "message");
  if (p.Field("caption") != nullptr) message = Text(p, "caption");
  if (p.Field("description") != nullptr) message = Text(p, "description");
  std::string out =
      "<article class=\"fb\">\n<header class=\"fb-head\"><span class=\"avatar\">f</span>"
      "<span><strong>" +
      EscapeHtml(e.channel) + "</strong><br><small>" + EscapeHtml(PageTime(e.due_at, zone)) +
      " · Công khai</small></span></header>\n";
  if (p.Field("title") != nullptr) {
    out += "<p class=\"fb-title\"><strong>" + EscapeHtml(Text(p, "title")) + "</strong></p>\n";
  }
  out += Paragraphs(message, "fb-message");
  std::vector<const PreviewMedia*> photos;
  for (const PreviewMedia& m : p.media) {
    if (m.role == "video") out += VideoBox(m.name);
    if (m.role == "photo") photos.push_back(&m);
  }
  if (!photos.empty()) {
    // Facebook shows up to four and "+N" on the last for the rest.
    const size_t shown = std::min<size_t>(photos.size(), 4);
    out += "<div class=\"fb-grid n" + std::to_string(shown) + "\">";
    for (size_t i = 0; i < shown; ++i) {
      std::string cell = Picture(images, photos[i]->name, photos[i]->caption, "fb-photo");
      if (i + 1 == shown && photos.size() > shown) {
        cell = "<div class=\"more\">" + cell + "<span>+" + std::to_string(photos.size() - shown) +
               "</span></div>";
      }
      out += cell;
    }
    out += "</div>\n";
  }
  if (const PreviewField* link = p.Field("link")) {
    std::string shown = EscapeHtml(link->value);
    out += "<div class=\"fb-link\"><small>Liên kết</small><br>" +
           (IsWebLink(link->value)
                ? "<a href=\"" + shown + "\" rel=\"noopener noreferrer\">" + shown + "</a>"
                : shown) +
           "</div>\n";
  }
  (void)item;
  return out + "</article>\n";
}

std::string ZaloLayout(const Item&, const ChannelPreviewEntry& e, PreviewImageSources& images,
                       TimeZone zone) {
  const ChannelPreview& p = e.preview;
  const json body = RequestBody(p);
  std::string out = "<article class=\"zalo\">\n";
  const std::string cover = Text(p, "cover.photo_url");
  if (const PreviewMedia* m = MediaByUrl(p, cover)) {
    out += Picture(images, m->name, "", "zalo-cover");
  } else {
    out += "<div class=\"missing zalo-cover\">Ảnh bìa / cover: " + EscapeHtml(cover) +
           "<br><small>ảnh của kênh, không tải trong bản xem trước (nothing is loaded from "
           "outside)</small></div>";
  }
  out += "\n<h3 class=\"zalo-title\">" + EscapeHtml(Text(p, "title")) +
         "</h3>\n<p class=\"meta\">" + EscapeHtml(Text(p, "author")) + " · " +
         EscapeHtml(PageTime(e.due_at, zone)) + "</p>\n";
  out += Paragraphs(Text(p, "description"), "zalo-description");
  if (body.is_object() && body.contains("body") && body["body"].is_array()) {
    for (const json& block : body["body"]) {
      const std::string type = StringAt(block, "type");
      if (type == "text") {
        out += SandboxedHtml(StringAt(block, "content"), p, images, "zalo-body");
      } else if (type == "image") {
        const PreviewMedia* m = MediaByUrl(p, StringAt(block, "url"));
        out += "<figure>" +
               (m != nullptr
                    ? Picture(images, m->name, m->caption, "zalo-image")
                    : "<div class=\"missing\">" + EscapeHtml(StringAt(block, "url")) + "</div>") +
               (StringAt(block, "caption").empty()
                    ? ""
                    : "<figcaption>" + EscapeHtml(StringAt(block, "caption")) + "</figcaption>") +
               "</figure>\n";
      }
    }
  }
  return out + "</article>\n";
}

std::string WordPressLayout(const Item&, const ChannelPreviewEntry& e, PreviewImageSources& images,
                            TimeZone zone) {
  const ChannelPreview& p = e.preview;
  std::string out = "<article class=\"wp\">\n<h3 class=\"wp-title\">" +
                    EscapeHtml(Text(p, "title")) + "</h3>\n<p class=\"meta\">" +
                    EscapeHtml(PageTime(e.due_at, zone)) + " · /" + EscapeHtml(Text(p, "slug")) +
                    "/</p>\n";
  for (const PreviewMedia& m : p.media) {
    if (m.role == "featured") out += Picture(images, m.name, m.caption, "wp-featured") + "\n";
  }
  if (p.Field("excerpt") != nullptr) {
    out +=
        "<p class=\"label\">Tóm tắt (excerpt)</p>\n" + Paragraphs(Text(p, "excerpt"), "wp-excerpt");
  }
  out += SandboxedHtml(Text(p, "content"), p, images, "wp-content");
  const json body = RequestBody(p);
  if (body.is_object() && body.contains("categories")) {
    out += "<p class=\"meta\">Chuyên mục (category ids): " + EscapeHtml(body["categories"].dump()) +
           "</p>\n";
  }
  return out + "</article>\n";
}

std::string WebhookLayout(const Item&, const ChannelPreviewEntry& e, PreviewImageSources&,
                          TimeZone) {
  return "<p class=\"label\">Nội dung JSON gửi đi (request body)</p>\n<pre class=\"json\">" +
         EscapeHtml(Text(e.preview, "request body")) + "</pre>\n";
}

std::string FileLayout(const Item& item, const ChannelPreviewEntry& e, PreviewImageSources& images,
                       TimeZone) {
  const ChannelPreview& p = e.preview;
  std::string out = "<p class=\"label\">" + EscapeHtml(item.id) + ".html</p>\n" +
                    SandboxedHtml(Text(p, item.id + ".html"), p, images, "file-page") +
                    "<p class=\"label\">" + EscapeHtml(item.id) + ".txt</p>\n<pre>" +
                    EscapeHtml(Text(p, item.id + ".txt")) + "</pre>\n";
  return out;
}

std::string GenericLayout(const Item&, const ChannelPreviewEntry& e, PreviewImageSources&,
                          TimeZone) {
  return "<h3>" + EscapeHtml(Text(e.preview, "title")) + "</h3>\n<pre>" +
         EscapeHtml(Text(e.preview, "text")) + "</pre>\n";
}

}  // namespace

const char* const kPreviewCss =
    "body{font-family:system-ui,'Segoe UI',Roboto,Arial,sans-serif;background:#f0f2f5;"
    "color:#1c1e21;margin:0;padding:0 1em 2em}\n"
    ".top{max-width:760px;margin:0 auto;padding-top:1em}h1{font-size:1.4em}\n"
    "nav a{margin-right:.8em}.meta{color:#65676b;font-size:.9em}\n"
    ".channel{max-width:760px;margin:1.5em auto;background:#fff;border-radius:8px;"
    "padding:1em 1.2em;box-shadow:0 1px 2px rgba(0,0,0,.2)}\n"
    ".channel h2{font-size:1.15em;margin-top:0}.channel h2 "
    "small{color:#65676b;font-weight:normal}\n"
    "img{max-width:100%;height:auto;display:block}\n"
    ".missing{background:#e4e6eb;color:#444;padding:1.5em;text-align:center;border-radius:4px;"
    "margin:.3em 0}\n"
    "iframe{width:100%;height:360px;border:1px solid #dddfe2;border-radius:4px;resize:vertical;"
    "background:#fff}\n"
    "pre{white-space:pre-wrap;word-break:break-word;background:#f7f8fa;padding:.6em;"
    "border-radius:4px;max-height:30em;overflow:auto}\n"
    ".label{font-weight:bold;margin:1em 0 .3em}.notes{color:#8a5300}\n"
    ".fb-head{display:flex;gap:.6em;align-items:center;margin-bottom:.6em}\n"
    ".avatar{display:inline-block;width:40px;height:40px;border-radius:50%;background:#1877f2;"
    "color:#fff;font:bold 26px/40px Arial,sans-serif;text-align:center}\n"
    ".fb-message{white-space:pre-wrap;word-break:break-word;margin-bottom:.6em}\n"
    ".fb-grid{display:grid;gap:2px;grid-template-columns:1fr 1fr}\n"
    ".fb-grid.n1{grid-template-columns:1fr}.fb-grid.n3>:first-child{grid-column:span 2}\n"
    ".fb-grid img{width:100%;height:100%;max-height:420px;object-fit:cover}\n"
    ".fb-grid.n1 img{object-fit:contain}\n"
    ".more{position:relative}.more span{position:absolute;inset:0;display:flex;align-items:center;"
    "justify-content:center;background:rgba(0,0,0,.45);color:#fff;font-size:2em}\n"
    ".fb-link{border:1px solid #dddfe2;background:#f0f2f5;padding:.6em;border-radius:4px;"
    "word-break:break-all}\n"
    ".zalo-cover{width:100%;max-height:360px;object-fit:cover}\n"
    ".zalo-title{font-size:1.4em;margin:.6em 0 .2em}.zalo-image{width:100%}\n"
    ".zalo-description{font-weight:600;white-space:pre-wrap;margin:.6em 0}\n"
    ".wp-title{font-size:1.6em;margin:.2em 0}.wp-featured{margin:.6em 0}\n"
    ".wp-excerpt{font-style:italic;white-space:pre-wrap}\n"
    ".json{font-size:.85em}details.wire{margin-top:1em}\n"
    ".carried{border-left:4px solid #1877f2;background:#f0f6ff;padding:.2em 1em;"
    "border-radius:4px}.url{word-break:break-all}\n";

std::string PageTime(TimePoint t, TimeZone zone) { return VietnameseTime(FormatLocal(t, zone)); }

PreviewImageSources::PreviewImageSources(const Item& item, const PreviewImages& images)
    : item_(item), images_(images) {}

std::string PreviewImageSources::Src(const std::string& name, std::string* why) {
  if (auto it = src_.find(name); it != src_.end()) return it->second;
  if (auto it = why_.find(name); it != why_.end()) {
    *why = it->second;
    return "";
  }
  auto fail = [&](std::string reason) {
    why_[name] = reason;
    *why = std::move(reason);
    return std::string();
  };
  const MediaFile* media = nullptr;
  for (const MediaFile& m : item_.media) {
    if (m.name == name) media = &m;
  }
  auto file = images_.files.find(name);
  if (media == nullptr || file == images_.files.end()) return fail("tệp không có / file not found");
  if (media->content_type.starts_with("video/")) return fail(kVideoNotPlayed);
  if (!Embeddable(media->content_type)) return fail("không hiển thị được / cannot be shown");
  if (media->size > kMaxEmbeddedImage || embedded_ + media->size > kMaxEmbeddedTotal) {
    return fail("quá lớn để nhúng vào trang / too large to embed");
  }
  auto bytes = ReadFile(file->second, static_cast<size_t>(kMaxEmbeddedImage));
  if (!bytes.ok()) return fail("không đọc được / cannot be read");
  // The stored copy is the one sent: a file changed since it was taken is
  // not shown as if it were.
  if (!media->sha256.empty() && Sha256Hex(*bytes) != media->sha256) {
    return fail("tệp đã thay đổi / the file changed since it was accepted");
  }
  embedded_ += static_cast<int64_t>(bytes->size());
  return src_[name] = "data:" + media->content_type + ";base64," + Base64Encode(*bytes);
}

std::string SandboxedHtml(const std::string& html, const ChannelPreview& preview,
                          PreviewImageSources& images, const std::string& css_class) {
  std::string doc = html;
  for (const PreviewMedia& m : preview.media) {
    if (m.url.empty()) continue;
    std::string why;
    const std::string src = images.Src(m.name, &why);
    if (src.empty()) {
      // Left as it is, the address would be a broken image the page's
      // policy blocks, with no word of why.
      ReplaceElementsWithSrc(doc, m.url, MissingBox(m.name, why, ""));
      continue;
    }
    const std::string from = "\"" + EscapeHtml(m.url) + "\"";
    const std::string to = "\"" + EscapeHtml(src) + "\"";
    for (size_t at = doc.find(from); at != std::string::npos; at = doc.find(from, at + to.size())) {
      doc.replace(at, from.size(), to);
    }
  }
  doc = "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><style>" +
        std::string(kFrameCss) + "</style></head><body>" + doc + "</body></html>";
  // sandbox="" : no script, no forms, an opaque origin; the srcdoc inherits
  // the page's Content-Security-Policy.
  return "<iframe class=\"" + css_class + "\" sandbox=\"\" title=\"" + EscapeHtml(css_class) +
         "\" srcdoc=\"" + EscapeHtml(doc) + "\"></iframe>\n";
}

std::string PreviewLayoutHtml(const Item& item, const ChannelPreviewEntry& entry,
                              PreviewImageSources& images, TimeZone zone) {
  const std::string& layout = entry.preview.layout;
  if (layout == "facebook") return FacebookLayout(item, entry, images, zone);
  if (layout == "zalo") return ZaloLayout(item, entry, images, zone);
  if (layout == "wordpress") return WordPressLayout(item, entry, images, zone);
  if (layout == "webhook") return WebhookLayout(item, entry, images, zone);
  if (layout == "file") return FileLayout(item, entry, images, zone);
  return GenericLayout(item, entry, images, zone);
}

}  // namespace loa
