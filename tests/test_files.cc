#include "tests/test_files.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace loa::fakes {

namespace fs = std::filesystem;

fs::path MakeTempDir(const std::string& name) {
  std::string templ = "/tmp/loa-" + name + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return {};
  return templ;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void WriteSecret(const fs::path& path, const std::string& text) {
  WriteText(path, text);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace loa::fakes
