#include "daemon/preview.h"

#include <algorithm>
#include <sstream>

#include "base/text.h"
#include "connectors/registry.h"
#include "daemon/preview_carried.h"
#include "daemon/preview_layouts.h"
#include "daemon/tables.h"
#include "inbox/channel_text.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

// Sizes as people read them: "950 B", "12.5 KiB", "3.2 MiB".
std::string Size(int64_t bytes) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed;
  if (bytes < 1024) return std::to_string(bytes) + " B";
  if (bytes < (1 << 20)) {
    out << static_cast<double>(bytes) / 1024 << " KiB";
  } else {
    out << static_cast<double>(bytes) / (1 << 20) << " MiB";
  }
  return out.str();
}

const MediaFile* FindMedia(const Item& item, const std::string& name) {
  for (const MediaFile& m : item.media) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const char* KindName(PreviewField::Kind kind) {
  switch (kind) {
    case PreviewField::Kind::kHtml:
      return "HTML";
    case PreviewField::Kind::kJson:
      return "JSON";
    default:
      return "text";
  }
}

// The channel type's preview, or, for a type without one, the item's own
// rendering for the channel, marked as such.
ChannelPreview PreviewFor(const ChannelConfig& channel, const PublishRequest& request) {
  const ChannelType* type = FindChannelType(channel.type);
  if (type != nullptr && type->preview && channel.settings != nullptr) {
    return type->preview(*channel.settings, request);
  }
  ChannelPreview p;
  p.layout = "generic";
  p.platform = channel.type;
  p.notes.push_back("this channel type cannot say what it sends; shown: the item's text");
  p.fields = {{"title", ChannelTitle(*request.item, request.channel)},
              {"text", RenderForChannel(*request.item, request.channel).text}};
  return p;
}

const Delivery* FindDelivery(const StoredDeliveries* stored, const std::string& channel) {
  if (stored == nullptr) return nullptr;
  for (const Delivery& d : stored->deliveries) {
    if (d.channel == channel) return &d;
  }
  return nullptr;
}

// The item's channels, then those only an earlier revision named that
// still carry it: a correction leaves them as they are (Store::UpsertPost).
std::vector<std::string> ChannelsShown(const Item& item, const StoredDeliveries* stored) {
  std::vector<std::string> channels = item.channels;
  if (stored == nullptr) return channels;
  for (const Delivery& d : stored->deliveries) {
    if (d.KeepsItsRevision() &&
        std::find(channels.begin(), channels.end(), d.channel) == channels.end()) {
      channels.push_back(d.channel);
    }
  }
  return channels;
}

CarriedRevision Carried(const Delivery& d, const StoredDeliveries& stored) {
  CarriedRevision c;
  c.state = d.state;
  c.revision = d.revision;
  c.latest = stored.latest_revision;
  if (auto it = stored.titles.find(d.revision); it != stored.titles.end()) c.title = it->second;
  c.url = d.remote_url;
  return c;
}

// The page's opening words: true of every channel shown.
std::string HeaderNote(const std::vector<ChannelPreviewEntry>& previews) {
  const auto carried = std::count_if(previews.begin(), previews.end(),
                                     [](const ChannelPreviewEntry& e) { return e.carried; });
  if (carried == 0) {
    return "Nội dung dưới đây là đúng những gì loa sẽ gửi lên từng kênh; chưa có gì được gửi.";
  }
  if (static_cast<size_t>(carried) == previews.size()) {
    return "Tin này đã (hoặc đang) được gửi tới mọi kênh dưới đây: phần của từng kênh ghi rõ "
           "kênh mang bản nào; loa không gửi gì thêm.";
  }
  return "Tin này đã (hoặc đang) được gửi tới một số kênh: phần của các kênh đó ghi rõ kênh "
         "mang bản nào. Các kênh còn lại sẽ nhận đúng nội dung hiển thị dưới đây.";
}

// Lines of `text` for a terminal, each escaped, indented after the first.
void AppendTextLines(std::string& out, const std::string& label, const std::string& text) {
  out += "    " + label + ":";
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    out += line.empty() ? "\n" : (first ? " " : "      ") + TerminalText(line) + "\n";
    first = false;
  }
  if (first) out += " (empty)\n";
}

}  // namespace

Result<std::vector<ChannelPreviewEntry>> BuildPreviews(const Item& item, const Config& config,
                                                       const std::string& only_channel,
                                                       const StoredDeliveries* stored) {
  if (item.action == "retract") {
    return Error{"item " + item.id +
                     " is a retract instruction: it takes the published posts down and sends "
                     "nothing to preview",
                 Error::Code::kInvalid};
  }
  const std::vector<std::string> channels = ChannelsShown(item, stored);
  if (!only_channel.empty() &&
      std::find(channels.begin(), channels.end(), only_channel) == channels.end()) {
    return Error{"item " + item.id + " is not for channel \"" + TerminalText(only_channel) +
                     "\" (its channels: " + TerminalText(Join(channels)) + ")",
                 Error::Code::kInvalid};
  }
  std::vector<ChannelPreviewEntry> entries;
  for (const std::string& name : channels) {
    if (!only_channel.empty() && name != only_channel) continue;
    auto it = config.channels.find(name);
    if (it == config.channels.end()) continue;  // removed from the config: nothing is sent
    ChannelPreviewEntry e;
    e.channel = name;
    e.type = it->second.type;
    const Delivery* delivery = FindDelivery(stored, name);
    e.due_at = delivery != nullptr ? delivery->due_at : item.DueAt(name);
    if (delivery != nullptr && delivery->KeepsItsRevision()) {
      e.carried = Carried(*delivery, *stored);
      entries.push_back(std::move(e));
      continue;
    }
    PublishRequest request;
    request.item = &item;
    request.channel = name;
    request.due_at = e.due_at;
    e.preview = PreviewFor(it->second, request);
    entries.push_back(std::move(e));
  }
  if (entries.empty()) {
    return Error{"item " + item.id + " has no channel the config knows", Error::Code::kInvalid};
  }
  return entries;
}

std::string PreviewContentSecurityPolicy() {
  // srcdoc frames inherit the page's policy; they need no frame-src.
  return "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-src 'self'; "
         "base-uri 'none'; form-action 'none'";
}

std::string PreviewSummary(const Item& item, const std::vector<ChannelPreviewEntry>& previews,
                           TimeZone zone) {
  std::string out = TerminalText(item.id) + ": " + TerminalText(item.title) + "\n";
  for (const ChannelPreviewEntry& e : previews) {
    if (e.carried) {
      out += CarriedSummaryText(e);
      continue;
    }
    const ChannelPreview& p = e.preview;
    out += "\n" + e.channel + " (" + e.type + ", " + TerminalText(p.platform) + "), due " +
           FormatLocal(e.due_at, zone) + "\n";
    for (const std::string& r : p.requests) out += "  " + TerminalText(r) + "\n";
    for (const PreviewField& f : p.fields) {
      if (f.kind == PreviewField::Kind::kHtml || f.kind == PreviewField::Kind::kJson) {
        out += "    " + TerminalText(f.name) + ": " + KindName(f.kind) + ", " +
               Size(static_cast<int64_t>(f.value.size())) + "\n";
      } else {
        AppendTextLines(out, TerminalText(f.name), f.value);
      }
    }
    for (const PreviewMedia& m : p.media) {
      const MediaFile* file = FindMedia(item, m.name);
      out += "    " + m.role + ": " + TerminalText(m.name) + " (" + m.content_type +
             (file != nullptr ? ", " + Size(file->size) : std::string()) + ")" +
             (m.caption.empty() ? "" : " \"" + TerminalText(m.caption) + "\"") + "\n";
    }
    for (const std::string& n : p.notes) out += "  note: " + TerminalText(n) + "\n";
  }
  return out;
}

std::string PreviewPage(const Item& item, const std::vector<ChannelPreviewEntry>& previews,
                        const PreviewImages& images, TimeZone zone) {
  PreviewImageSources sources(item, images);
  const std::string title = EscapeHtml(item.title);
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"" +
      EscapeHtml(PreviewContentSecurityPolicy()) +
      "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"loa-item\" content=\"" +
      EscapeHtml(item.id) + "\">\n<title>Xem trước: " + title + "</title>\n<style>\n" +
      kPreviewCss +
      "</style>\n</head>\n<body>\n<header class=\"top\">\n<h1>Xem trước / Preview: " + title +
      "</h1>\n<p class=\"meta\">Mã tin <code>" + EscapeHtml(item.id) + "</code> · " +
      HeaderNote(previews) + "</p>\n<nav>";
  for (const ChannelPreviewEntry& e : previews) {
    page += "<a href=\"#kenh-" + EscapeHtml(e.channel) + "\">" + EscapeHtml(e.channel) + "</a> ";
  }
  page += "</nav>\n</header>\n";
  for (const ChannelPreviewEntry& e : previews) {
    if (e.carried) {
      page += CarriedSectionHtml(e);
      continue;
    }
    const ChannelPreview& p = e.preview;
    page += "<section class=\"channel\" id=\"kenh-" + EscapeHtml(e.channel) + "\" data-channel=\"" +
            EscapeHtml(e.channel) + "\" data-layout=\"" + EscapeHtml(p.layout) + "\">\n<h2>Kênh " +
            EscapeHtml(e.channel) + " <small>(" + EscapeHtml(e.type) + " · " +
            EscapeHtml(p.platform) + ")</small></h2>\n<p class=\"meta\">Thời gian đăng: " +
            EscapeHtml(PageTime(e.due_at, zone)) + "</p>\n";
    page += PreviewLayoutHtml(item, e, sources, zone);
    if (!p.notes.empty()) {
      page += "<ul class=\"notes\">\n";
      for (const std::string& n : p.notes) page += "<li>" + EscapeHtml(n) + "</li>\n";
      page += "</ul>\n";
    }
    page += "<details class=\"wire\"><summary>Yêu cầu gửi đi / Requests</summary>\n<ol>\n";
    for (const std::string& r : p.requests) page += "<li><code>" + EscapeHtml(r) + "</code></li>\n";
    page += "</ol>\n<dl>\n";
    for (const PreviewField& f : p.fields) {
      page += "<dt>" + EscapeHtml(f.name) + " <small>(" + KindName(f.kind) + ", " +
              Size(static_cast<int64_t>(f.value.size())) + ")</small></dt>\n<dd><pre>" +
              EscapeHtml(f.value) + "</pre></dd>\n";
    }
    page += "</dl>\n</details>\n</section>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace loa
