// The "labels" section: the Vietnamese names the Office's report prints for
// the slugs items carry (topics, forms), for units and channels, and the
// organisation that heads the report (daemon/report.h). Embedded defaults
// cover the department's content themes and the item format's forms; the
// config's entries are laid over them.
#pragma once

#include <map>
#include <string>

namespace loa {

class SettingsReader;  // config/settings_reader.h

struct LabelsConfig {
  // The report's heading: who reports.
  std::string organisation = "Sở Tư pháp tỉnh An Giang";
  // slug -> label. A value without an entry is printed as it is.
  std::map<std::string, std::string> topics;
  std::map<std::string, std::string> forms;
  std::map<std::string, std::string> units;     // the unit as items write it -> label
  std::map<std::string, std::string> channels;  // channel name -> label

  // The label of `key` in `map`, else `key` itself.
  static const std::string& Of(const std::map<std::string, std::string>& map,
                               const std::string& key);
  bool operator==(const LabelsConfig&) const = default;
};

// The embedded labels: the themes of the department's communication plan,
// the seven forms of the item format (inbox/item_rules.cc), the channels of
// the embedded default config.
LabelsConfig DefaultLabels();

// Reads `top`'s "labels" key, if present, over `out` (which holds the
// defaults): each entry given replaces or adds one label.
void ReadLabels(SettingsReader& top, LabelsConfig* out);

}  // namespace loa
