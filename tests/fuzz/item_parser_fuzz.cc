// Feeds untrusted bytes to ParseItem, the entry point `loa check`
// (daemon/cli.cc) and the daemon's ingest (daemon/ingest.cc) share, with the
// channels and limits of config/loa.example.json. Bytes without a NUL are a
// NAME.json item; bytes with one are a folder item: post.json is what comes
// before the first NUL, the Markdown body file noi-dung.md what follows, and
// a real PNG (infographic.png) lies beside them. An accepted item is then
// rendered for each of its channels and round-tripped through the queue's
// JSON form, as ingest and the connectors do.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/registry.h"  // the channel types' schemas and limits
#include "inbox/channel_limits.h"
#include "inbox/channel_text.h"
#include "inbox/item.h"
#include "inbox/item_parser.h"
#include "tests/fuzz/small_stack.h"

namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;          // a private scratch folder, removed at exit
  fs::path single_file;  // dir/2026-12-02-fuzz-item.json
  fs::path folder;       // dir/2026-12-10-fuzz-folder/
  loa::ParseOptions options;
};

Fixture* fixture = nullptr;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "item_parser_fuzz: %s\n", what.c_str());
  std::abort();
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Die("cannot write " + path.string());
}

void RemoveScratch() {
  if (fixture == nullptr) return;
  std::error_code ec;
  fs::remove_all(fixture->dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  loa::CapStackForFuzzing();
  auto config = loa::LoadConfig(LOA_EXAMPLE_CONFIG);
  if (!config.ok()) Die("cannot load " LOA_EXAMPLE_CONFIG ": " + config.error());

  fixture = new Fixture;
  std::error_code ec;
  std::string pattern = (fs::temp_directory_path(ec) / "loa-item-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
  fixture->dir = pattern;
  std::atexit(RemoveScratch);
  fixture->single_file = fixture->dir / "2026-12-02-fuzz-item.json";
  fixture->folder = fixture->dir / "2026-12-10-fuzz-folder";
  fs::create_directory(fixture->folder);
  fs::copy_file(fs::path(LOA_SAMPLES_DIR) / "2026-12-10-infographic-de-an-06" / "infographic.png",
                fixture->folder / "infographic.png");

  loa::ParseOptions& options = fixture->options;
  options.channel_names = config->ChannelNames();
  options.limits = loa::LimitsByChannel(*config);
  options.zone = config->timezone;
  // A fixed "now" keeps every run of one input the same.
  options.now = loa::FromUnixMillis(1795000000000);  // 2026-11-18
  options.max_json_bytes = 1 << 20;
  options.max_body_bytes = 1 << 20;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fs::path path;
  size_t nul = bytes.find('\0');
  if (nul == std::string_view::npos) {
    path = fixture->single_file;
    WriteFile(path, bytes);
  } else {
    path = fixture->folder;
    WriteFile(path / "post.json", bytes.substr(0, nul));
    WriteFile(path / "noi-dung.md", bytes.substr(nul + 1));
  }

  loa::ParsedItem parsed = loa::ParseItem(path, fixture->options);
  if (!parsed.ok()) {
    // What the daemon writes into NAME.error.txt and the log.
    std::string report = loa::FormatProblemReport(path, parsed.problems);
    for (const auto& problem : parsed.problems) report += loa::FormatProblemLine(problem);
    return 0;
  }
  if (!parsed.item) Die("no problems but no item");
  const loa::Item& item = *parsed.item;
  for (const auto& channel : item.channels) {
    loa::ChannelText text = loa::RenderForChannel(item, channel);
    (void)text;
  }
  // The store keeps the item as JSON text; an accepted item must survive it.
  std::string stored = loa::ItemToJson(item).dump();
  auto reloaded = loa::ItemFromJson(nlohmann::json::parse(stored));
  if (!reloaded.ok())
    Die("accepted item does not reload from its stored form: " + reloaded.error());
  if (loa::ItemToJson(*reloaded).dump() != stored) Die("stored form changes on reload");
  return 0;
}
