#include "connectors/file/file_connector.h"

#include <system_error>

#include "base/encode.h"
#include "base/fs.h"
#include "connectors/http/item_payload.h"
#include "connectors/http/media_stream.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

bool IsWebUrl(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

std::string MediaHtml(const Item& item, const MediaFile& m) {
  std::string src = EscapeHtml(FileMediaSrc(item, m));
  std::string caption = EscapeHtml(m.caption);
  std::string figcaption = m.caption.empty() ? "" : "<figcaption>" + caption + "</figcaption>";
  if (m.content_type.starts_with("image/")) {
    return "<figure><img src=\"" + src + "\" alt=\"" + caption + "\">" + figcaption + "</figure>\n";
  }
  if (m.content_type.starts_with("video/")) {
    return "<figure><video controls src=\"" + src + "\"></video>" + figcaption + "</figure>\n";
  }
  return "<p><a href=\"" + src + "\">" + EscapeHtml(m.name) + "</a></p>\n";
}

std::string HtmlPage(const Item& item, const nlohmann::json& payload) {
  std::string title = EscapeHtml(payload["title"].get<std::string>());
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"loa-item\" content=\"" +
      EscapeHtml(item.id) + "\">\n<meta name=\"loa-publish-at\" content=\"" +
      EscapeHtml(payload["publish_at"].get<std::string>()) + "\">\n<title>" + title +
      "</title>\n</head>\n<body>\n<article>\n<h1>" + title + "</h1>\n";
  if (item.summary)
    page += "<p class=\"summary\"><strong>" + EscapeHtml(*item.summary) + "</strong></p>\n";
  page += payload["html"].get<std::string>();
  for (const MediaFile& m : item.media) page += MediaHtml(item, m);
  if (item.link) {
    std::string link = EscapeHtml(*item.link);
    page += IsWebUrl(*item.link)
                ? "<p class=\"link\"><a href=\"" + link + "\">" + link + "</a></p>\n"
                : "<p class=\"link\">" + link + "</p>\n";
  }
  page += "</article>\n</body>\n</html>\n";
  return page;
}

// Every output exists and the JSON is the one this item would produce.
bool OutputsMatch(const FileConnector& c, const Item& item, const nlohmann::json& payload) {
  std::error_code ec;
  if (!fs::is_regular_file(c.HtmlPath(item.id), ec) ||
      !fs::is_regular_file(c.TextPath(item.id), ec)) {
    return false;
  }
  for (const MediaFile& m : item.media) {
    fs::path p = c.MediaDir(item.id) / m.name;
    if (!fs::is_regular_file(p, ec)) return false;
    auto size = fs::file_size(p, ec);
    if (ec || static_cast<int64_t>(size) != m.size) return false;
  }
  auto text = ReadFile(c.JsonPath(item.id));
  if (!text.ok()) return false;
  auto written = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return !written.is_discarded() && written == payload;
}

}  // namespace

std::string FileMediaSrc(const Item& item, const MediaFile& media) {
  return PercentEncode(item.id + "/" + media.name, "/");
}

FileOutputs BuildFileOutputs(const Item& item, const std::string& channel, TimePoint due_at) {
  FileOutputs out;
  out.payload = ChannelPayload(item, channel, due_at);
  out.html = HtmlPage(item, out.payload);
  out.text = out.payload["text"].get<std::string>() + "\n";
  out.json = out.payload.dump(2) + "\n";
  return out;
}

ChannelPreview FilePreview(const PublishRequest& request) {
  const Item& item = *request.item;
  FileOutputs out = BuildFileOutputs(item, request.channel, request.due_at);
  ChannelPreview p;
  p.layout = "file";
  p.platform = "Files";
  p.requests = {"write " + item.id + ".html, " + item.id + ".txt, " + item.id + ".json"};
  p.fields = {{item.id + ".html", std::move(out.html), PreviewField::Kind::kHtml},
              {item.id + ".txt", std::move(out.text)},
              {item.id + ".json", std::move(out.json), PreviewField::Kind::kJson}};
  for (const MediaFile& m : item.media) {
    p.media.push_back({m.name, m.content_type, m.caption, "file", FileMediaSrc(item, m)});
  }
  return p;
}

std::string FileUrl(const std::filesystem::path& absolute_path) {
  return "file://" + PercentEncode(absolute_path.string(), "/");
}

Result<std::unique_ptr<FileConnector>> FileConnector::Create(const FileSettings& settings) {
  if (settings.dir.empty()) return Error{"file channel has no dir"};
  std::error_code ec;
  fs::path dir = fs::absolute(settings.dir, ec);
  if (ec) return Error{"cannot resolve dir " + settings.dir.string() + ": " + ec.message()};
  return std::unique_ptr<FileConnector>(new FileConnector(dir.lexically_normal()));
}

Outcome FileConnector::Publish(const PublishRequest& request) {
  const Item& item = *request.item;
  const FileOutputs built = BuildFileOutputs(item, request.channel, request.due_at);

  if (auto s = EnsureDir(dir_); !s.ok()) return Outcome::Retry(ErrorClass::kTransient, s.error());
  // Media first and the JSON last: a reader who sees the JSON sees the rest.
  for (const MediaFile& m : item.media) {
    if (!StaysInside(MediaDir(item.id), m.name)) {
      return Outcome::Failed(ErrorClass::kPermanent,
                             "media name '" + m.name + "' leaves the item's folder");
    }
    auto reader = MediaReader::Open(m, request.media_dir);
    if (!reader.ok()) return Outcome::Failed(ErrorClass::kPermanent, reader.error());
    fs::path target = MediaDir(item.id) / m.name;
    if (auto s = EnsureDir(target.parent_path()); !s.ok()) {
      return Outcome::Retry(ErrorClass::kTransient, s.error());
    }
    if (auto s = CopyMedia(*reader, target); !s.ok()) {
      // A changed media file is the item's fault; anything else the folder's.
      if (reader->failed()) return Outcome::Failed(ErrorClass::kPermanent, s.error());
      return Outcome::Retry(ErrorClass::kTransient, s.error());
    }
  }
  const std::pair<fs::path, std::string> outputs[] = {
      {HtmlPath(item.id), built.html},
      {TextPath(item.id), built.text},
      {JsonPath(item.id), built.json},
  };
  for (const auto& [path, content] : outputs) {
    if (auto s = WriteFileAtomic(path, content); !s.ok()) {
      return Outcome::Retry(ErrorClass::kTransient, s.error());
    }
  }
  return Outcome::Published(item.id, FileUrl(HtmlPath(item.id)));
}

Reconciliation FileConnector::Reconcile(const PublishRequest& request) {
  const Item& item = *request.item;
  Reconciliation r;
  if (OutputsMatch(*this, item, ChannelPayload(item, request.channel, request.due_at))) {
    r.kind = Reconciliation::Kind::kPublished;
    r.published = Outcome::Published(item.id, FileUrl(HtmlPath(item.id)));
    r.message = "outputs for " + item.id + " are already in " + dir_.string();
  } else {
    r.kind = Reconciliation::Kind::kAbsent;
    r.message = "outputs for " + item.id + " are missing or differ; writing them is idempotent";
  }
  return r;
}

}  // namespace loa
