// ParseItem runs the steps of reading an item, each in its own file:
// reading the JSON (inbox/item_reading.h), the field rules
// (inbox/item_rules.h) with the files an item names (inbox/item_files.h),
// and the fit to each channel's platform (inbox/item_channel_fit.h). The
// steps record problems in one ProblemList, in the order they run, which is
// the order reports list them; their words are in inbox/item_messages.h.
#include "inbox/item_parser.h"

#include <exception>

#include "inbox/inbox_file.h"
#include "inbox/item_channel_fit.h"
#include "inbox/item_files.h"
#include "inbox/item_problems.h"
#include "inbox/item_reading.h"
#include "inbox/item_rules.h"

namespace loa {

namespace {

using nlohmann::json;

// The rules, in the order their problems are listed. An item that breaks
// one rule still gets the others checked, so the editor sees every problem
// at once; the fields a rule refused keep their defaults in `item`.
void ReadFields(const json& root, const LoadedItem& loaded, const ParseOptions& options,
                FieldReader& reader, ParsedItem& out) {
  Item item;
  reader.UnknownKeys(root, "", TopLevelKeys(), messages::KeyPlace::kItem);
  if (auto id = ReadId(root, loaded.default_id, reader)) item.id = *id;
  if (auto title = ReadTitle(root, reader)) item.title = *title;
  if (auto approved_by = ReadApprovedBy(root, reader)) item.approved_by = *approved_by;
  FitContext fit{.body_field = "body", .media_fields = {}};
  if (auto body = ReadBody(root, loaded.folder, options.max_body_bytes, reader)) {
    item.body_markdown = std::move(body->markdown);
    fit.body_field = body->field;
  }
  auto channels = ReadChannels(root, options.channel_names, reader);
  if (channels) item.channels = *channels;
  item.publish_at = ReadPublishAt(root, options.zone, options.now, reader);
  if (const auto at = root.find("publish_at"); at == root.end() || at->is_null()) {
    item.publish_at_given = false;
  }
  item.form = ReadForm(root, reader);
  item.topics = ReadTopics(root, reader);
  item.summary = reader.OptionalLine(root, "summary");
  item.unit = reader.OptionalLine(root, "unit");
  item.link = ReadLink(root, reader);
  if (auto action = ReadAction(root, reader)) item.action = *action;
  item.overrides = ReadOverrides(root, options.channel_names, channels ? &*channels : nullptr,
                                 options.zone, reader);
  MediaList media = ReadMedia(root, loaded.folder, options.max_media_bytes, reader);
  item.media = std::move(media.media);
  fit.media_fields = std::move(media.fields);
  if (channels && item.action == "publish") {
    for (const auto& channel : item.channels) {
      auto limits = options.limits.find(channel);
      if (limits == options.limits.end()) continue;
      CheckChannelFit(item, channel, limits->second, fit, reader.problems());
    }
  }
  out.item = std::move(item);
  out.media_files = std::move(media.sources);
}

}  // namespace

ParsedItem ParseItem(const fs::path& path, const ParseOptions& options) {
  ParsedItem result;
  ProblemList problems;
  // Nothing an item holds may end the process reading it (the daemon, or
  // `loa check`): whatever escapes the checks below becomes a problem.
  try {
    LoadedItem loaded = LoadItem(path, options.max_json_bytes, problems);
    if (loaded.root) {
      FieldReader reader(problems, loaded.invalid_utf8_line.has_value());
      ReadFields(*loaded.root, loaded, options, reader, result);
      ReportUnplacedInvalidUtf8(loaded, problems);
    }
  } catch (const std::exception& e) {
    problems.Add("", "", messages::Unexpected(e.what()));
  }
  result.problems = std::move(problems).Take();
  if (!result.problems.empty()) {
    result.item.reset();
    result.media_files.clear();
  }
  return result;
}

std::string FormatProblemReport(const fs::path& item_path, const std::vector<Problem>& problems) {
  std::string name = ShowName(ItemFileName(item_path).string());
  std::string n = std::to_string(problems.size());
  std::string out;
  out += "Bài viết \"" + name + "\" chưa được đăng vì có " + n + " lỗi.\n";
  out += "Item \"" + name + "\" was rejected: " + n + " problem" +
         (problems.size() == 1 ? "" : "s") + ".\n";
  for (size_t i = 0; i < problems.size(); ++i) {
    const Problem& p = problems[i];
    out += "\n" + std::to_string(i + 1) +
           ". Trường (field): " + (p.field.empty() ? "(toàn bài viết / whole item)" : p.field) +
           "\n";
    if (!p.value.empty()) out += "   Giá trị (value): " + p.value + "\n";
    out += "   Lỗi: " + p.vi + "\n";
    out += "   Problem: " + p.en + "\n";
  }
  out +=
      "\nHãy sửa các lỗi trên rồi đặt lại bài viết vào thư mục nhận bài (inbox) để loa kiểm tra "
      "và đăng.\n";
  out += "Fix the problems above and drop the item into the inbox again.\n";
  return out;
}

std::string FormatProblemLine(const Problem& p) {
  std::string line = (p.field.empty() ? std::string("item") : p.field) + ": " + p.en;
  if (!p.value.empty()) line += " (value: " + p.value + ")";
  return line;
}

}  // namespace loa
