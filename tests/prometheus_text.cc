#include "tests/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <set>
#include <sstream>

namespace loa::fakes {

namespace {

// Reads a quoted label value starting after its opening quote; only \\, \"
// and \n are escapes. False on anything else (a raw quote cannot end early
// without the next character being ',' or '}').
bool ReadLabelValue(const std::string& line, size_t& i, std::string& out) {
  while (i < line.size()) {
    char c = line[i++];
    if (c == '"') return true;
    if (c == '\\') {
      if (i >= line.size()) return false;
      char e = line[i++];
      if (e == '\\') {
        out += '\\';
      } else if (e == '"') {
        out += '"';
      } else if (e == 'n') {
        out += '\n';
      } else {
        return false;
      }
    } else {
      out += c;
    }
  }
  return false;
}

bool ParseValue(const std::string& text, double& v) {
  if (text == "+Inf") return v = INFINITY, true;
  if (text == "-Inf") return v = -INFINITY, true;
  if (text == "NaN") return v = NAN, true;
  char* end = nullptr;
  v = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

}  // namespace

std::vector<std::string> CheckExposition(const std::string& text, std::vector<Sample>* out) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helped;
  std::vector<Sample> samples;
  if (!text.empty() && text.back() != '\n') problems.push_back("does not end with a newline");
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    const std::string where = "line " + std::to_string(n) + " \"" + line + "\": ";
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::string rest = line.substr(7);
      size_t sp = rest.find(' ');
      std::string name = rest.substr(0, sp);
      if (!std::regex_match(name, kName)) problems.push_back(where + "bad family name");
      if (line[2] == 'H') {
        if (!helped.insert(name).second) problems.push_back(where + "HELP twice");
        continue;
      }
      std::string type = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
          type != "untyped") {
        problems.push_back(where + "bad type");
      }
      if (!types.emplace(name, type).second) problems.push_back(where + "TYPE twice");
      for (const Sample& s : samples) {
        if (s.name == name || s.name.starts_with(name + "_")) {
          problems.push_back(where + "TYPE after its samples");
          break;
        }
      }
      continue;
    }
    if (line.starts_with("#")) continue;  // a plain comment
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!std::regex_match(s.name, kName)) problems.push_back(where + "bad metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      bool ok = true;
      while (ok && i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          ok = false;
          break;
        }
        std::string label = line.substr(i, eq - i);
        if (!std::regex_match(label, kLabel)) ok = false;
        i = eq + 2;
        std::string value;
        if (!ReadLabelValue(line, i, value)) ok = false;
        if (!s.labels.emplace(label, value).second) ok = false;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size() || line[i] != '}') {
        problems.push_back(where + "bad labels");
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      problems.push_back(where + "no value");
      continue;
    }
    if (!ParseValue(line.substr(i + 1), s.value)) problems.push_back(where + "bad value");
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string base = s.name.substr(0, s.name.size() - std::strlen(suffix));
      if (s.name.ends_with(suffix) && types.count(base) && types[base] == "histogram")
        family = base;
    }
    if (!types.count(family)) problems.push_back(where + "sample before or without its TYPE");
    samples.push_back(std::move(s));
  }
  // Histograms: per series, buckets by le ascending are cumulative, end in
  // +Inf, and +Inf equals _count.
  for (const auto& [family, type] : types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    std::map<std::map<std::string, std::string>, double> counts;
    for (const Sample& s : samples) {
      std::map<std::string, std::string> series = s.labels;
      if (s.name == family + "_bucket") {
        double le = 0;
        if (!series.count("le") || !ParseValue(series["le"], le)) {
          problems.push_back(family + ": a bucket without a valid le");
          continue;
        }
        series.erase("le");
        buckets[series].emplace_back(le, s.value);
      } else if (s.name == family + "_count") {
        counts[series] = s.value;
      }
    }
    for (auto& [series, list] : buckets) {
      std::sort(list.begin(), list.end());
      for (size_t k = 1; k < list.size(); ++k) {
        if (list[k].second < list[k - 1].second) {
          problems.push_back(family + ": buckets not cumulative");
        }
      }
      if (list.empty() || !std::isinf(list.back().first)) {
        problems.push_back(family + ": no +Inf bucket");
      } else if (!counts.count(series) || counts[series] != list.back().second) {
        problems.push_back(family + ": +Inf bucket differs from _count");
      }
    }
  }
  if (out) *out = std::move(samples);
  return problems;
}

double ValueOf(const std::vector<Sample>& samples, const std::string& name,
               const std::map<std::string, std::string>& labels) {
  for (const Sample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return NAN;
}

}  // namespace loa::fakes
