#include "config/labels_config.h"

#include <string_view>
#include <vector>

#include "base/utf8.h"
#include "config/settings_reader.h"

namespace loa {

namespace {

using json = nlohmann::json;

const std::vector<std::string> kLabelsKeys = {"organisation", "topics", "forms", "units",
                                              "channels"};

// A label is printed in a report meant for paper: one line, and short
// enough for a table cell. Enough entries for any plan, few enough that a
// pasted list of something else is noticed.
constexpr size_t kMaxLabelChars = 200;
constexpr size_t kMaxEntries = 500;

// Code points a one-line label refuses, as the inbox refuses them in
// one-line fields (README, "What an item may hold"): C0 and C1 controls,
// DEL, the bidirectional controls and the line and paragraph separators.
bool Refused(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

// "" when `text` is a usable one-line label, else what is wrong with it.
std::string LabelProblem(std::string_view text) {
  if (text.empty()) return "must not be empty";
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    size_t n = DecodeUtf8At(text, i, cp);
    if (n == 0) return "is not valid UTF-8";
    if (Refused(cp)) return "holds a control character; a label is one line of text";
    i += n;
    ++chars;
  }
  if (chars > kMaxLabelChars) return "is longer than 200 characters";
  if (text.front() == ' ' || text.back() == ' ') return "starts or ends with a space";
  return "";
}

// A slug as items write topics and forms, and as the config names channels.
bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 120) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(s[0])) return false;
  for (char c : s) {
    if (!lower_or_digit(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// One map of the section: `slug_keys` when its keys are slugs, else (units)
// one-line text as items write it.
void ReadMap(SettingsReader& labels, const std::string& key, bool slug_keys,
             std::map<std::string, std::string>* out) {
  const json* v = labels.Find(key);
  if (v == nullptr) return;
  if (!v->is_object() || v->size() > kMaxEntries) {
    labels.Fail(key, "expected an object of at most 500 entries like {\"" +
                         std::string(slug_keys ? "mot-cua" : "Văn phòng Sở") +
                         "\": \"the label the report prints\"}");
    return;
  }
  SettingsReader map = labels.Nested(*v, key);
  for (const auto& [name, label] : v->items()) {
    if (slug_keys ? !IsSlug(name) : !LabelProblem(name).empty()) {
      map.Fail(name, slug_keys ? "a key must be a slug as items write it: a-z, 0-9, '-', '_', "
                                 "'.', starting with a letter or digit, at most 120 bytes"
                               : "a key must be one line of text, at most 200 characters");
      continue;
    }
    if (!label.is_string()) {
      map.Fail(name, "expected a string: the label the report prints");
      continue;
    }
    const std::string text = label.get<std::string>();
    if (std::string problem = LabelProblem(text); !problem.empty()) {
      map.Fail(name, "the label " + problem);
      continue;
    }
    (*out)[name] = text;
  }
}

}  // namespace

const std::string& LabelsConfig::Of(const std::map<std::string, std::string>& map,
                                    const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? key : it->second;
}

LabelsConfig DefaultLabels() {
  LabelsConfig labels;
  labels.topics = {
      {"kiem-soat-tthc", "Kiểm soát thủ tục hành chính"},
      {"mot-cua", "Cơ chế một cửa, một cửa liên thông"},
      {"dich-vu-cong-truc-tuyen", "Dịch vụ công trực tuyến"},
      {"nghi-quyet-57", "Nghị quyết 57-NQ/TW"},
      {"de-an-06", "Đề án 06"},
      {"chuyen-doi-so", "Chuyển đổi số"},
      {"cchc", "Cải cách hành chính"},
      {"tro-giup-phap-ly", "Trợ giúp pháp lý"},
      {"pho-bien-giao-duc-phap-luat", "Phổ biến, giáo dục pháp luật"},
  };
  labels.forms = {
      {"news", "Tin"},
      {"article", "Bài viết"},
      {"reportage", "Phóng sự"},
      {"video", "Video"},
      {"infographic", "Infographic"},
      {"photo", "Ảnh"},
      {"announcement", "Thông báo"},
  };
  labels.channels = {
      {"portal", "Cổng thông tin điện tử Sở Tư pháp"},
      {"legal-aid", "Trang thông tin Trung tâm Trợ giúp pháp lý"},
      {"cchc", "Trang Cải cách hành chính tỉnh"},
      {"facebook", "Trang Facebook Sở Tư pháp"},
      {"zalo", "Zalo OA Sở Tư pháp"},
  };
  return labels;
}

void ReadLabels(SettingsReader& top, LabelsConfig* out) {
  const json* v = top.Find("labels");
  if (v == nullptr) return;
  if (!v->is_object()) {
    top.Fail("labels",
             "expected an object like {\"organisation\": \"Sở Tư pháp tỉnh An Giang\", "
             "\"topics\": {\"mot-cua\": \"Cơ chế một cửa, một cửa liên thông\"}}");
    return;
  }
  SettingsReader labels = top.Nested(*v, "labels");
  labels.CheckKeys(kLabelsKeys, "");
  if (auto name = labels.String("organisation", "the organisation that heads the report")) {
    if (std::string problem = LabelProblem(*name); !problem.empty()) {
      labels.Fail("organisation", problem);
    } else {
      out->organisation = *name;
    }
  }
  ReadMap(labels, "topics", /*slug_keys=*/true, &out->topics);
  ReadMap(labels, "forms", /*slug_keys=*/true, &out->forms);
  ReadMap(labels, "units", /*slug_keys=*/false, &out->units);
  ReadMap(labels, "channels", /*slug_keys=*/true, &out->channels);
}

}  // namespace loa
