// The tree's shape, checked on the sources themselves (docs/design.md
// "Layout"): which folder may include which, that the contract knows no
// platform and inbox/ nothing platform-specific, and that no production
// file grows past what one person reads in a sitting.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = LOA_SOURCE_DIR;

// Folder -> folders its files may include (itself always). Bottom to top.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"base", {}},
    {"config", {"base"}},
    {"inbox", {"base", "config"}},
    {"contract", {"base", "config", "inbox"}},
    {"queue", {"base", "config", "inbox", "contract"}},
    {"connectors", {"base", "config", "inbox", "contract"}},
    {"daemon", {"base", "config", "inbox", "contract", "queue", "connectors"}},
};

// Words that name a platform: only connectors/ (and above) may say them in
// an include.
const std::vector<std::string> kPlatformWords = {"wordpress", "facebook", "graph", "zalo",
                                                 "webhook"};

struct SourceFile {
  fs::path path;                      // relative to the root
  std::string top;                    // its top folder
  std::vector<std::string> includes;  // project includes ("folder/...")
  size_t lines = 0;
};

std::vector<SourceFile> ProductionSources() {
  std::vector<SourceFile> files;
  static const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  for (const auto& [top, allowed] : kAllowed) {
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / top)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
      SourceFile f;
      f.path = fs::relative(entry.path(), kRoot);
      f.top = top;
      std::ifstream in(entry.path());
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        ++f.lines;
        if (std::regex_search(line, m, include_re)) f.includes.push_back(m[1]);
      }
      files.push_back(std::move(f));
    }
  }
  return files;
}

std::string TopOf(const std::string& include) {
  auto slash = include.find('/');
  return slash == std::string::npos ? "" : include.substr(0, slash);
}

TEST(LayeringTest, EachFolderIncludesOnlyTheFoldersBelowIt) {
  for (const auto& f : ProductionSources()) {
    for (const auto& inc : f.includes) {
      const std::string top = TopOf(inc);
      if (top.empty() || top == f.top) continue;
      EXPECT_TRUE(kAllowed.at(f.top).count(top))
          << f.path << " includes " << inc << ": " << f.top << "/ may not depend on " << top
          << "/ (see docs/design.md \"Layout\")";
    }
  }
}

TEST(LayeringTest, TheContractAndTheInboxNameNoPlatform) {
  for (const auto& f : ProductionSources()) {
    if (f.top != "contract" && f.top != "inbox" && f.top != "config" && f.top != "queue") continue;
    for (const auto& inc : f.includes) {
      std::string lower = inc;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      for (const auto& word : kPlatformWords) {
        EXPECT_EQ(lower.find(word), std::string::npos)
            << f.path << " includes " << inc << ", which is about one platform";
      }
    }
  }
}

TEST(LayeringTest, NoProductionFileIsLongerThan600Lines) {
  for (const auto& f : ProductionSources()) {
    if (f.path.extension() != ".cc") continue;
    EXPECT_LE(f.lines, 600u) << f.path << " has " << f.lines << " lines: split it by concept";
  }
}

}  // namespace
