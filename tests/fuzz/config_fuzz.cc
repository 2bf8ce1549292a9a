// Feeds untrusted text to ParseConfig, the loader behind `loa daemon`,
// `loa check` and `loa config check` (config/config.h). A config is written
// by an operator, not by strangers, but a typo or a wrong file must still
// end in a message, never a crash: the daemon's only word is that message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config.h"
#include "connectors/registry.h"  // the channel types' schemas
#include "tests/fuzz/small_stack.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  loa::CapStackForFuzzing();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = loa::ParseConfig(text, "/etc/loa");
  if (!config.ok()) {
    if (config.error().empty()) {
      std::fprintf(stderr, "config_fuzz: refused without a message\n");
      std::abort();
    }
    return 0;
  }
  if (config->channels.empty()) {
    std::fprintf(stderr, "config_fuzz: accepted a config without channels\n");
    std::abort();
  }
  for (const auto& [name, channel] : config->channels) {
    if (name != channel.name || channel.retry.max_attempts < 1 ||
        channel.retry.max_delay < channel.retry.initial) {
      std::fprintf(stderr, "config_fuzz: accepted an inconsistent channel %s\n", name.c_str());
      std::abort();
    }
  }
  return 0;
}
