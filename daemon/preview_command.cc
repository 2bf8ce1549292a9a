#include "daemon/preview_command.h"

#include <fstream>
#include <iostream>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "connectors/registry.h"
#include "daemon/cli.h"
#include "daemon/control_client.h"
#include "daemon/control_request.h"
#include "daemon/ingest_prepare.h"
#include "daemon/preview.h"
#include "daemon/tables.h"
#include "inbox/inbox_file.h"
#include "inbox/item_parser.h"

namespace loa {

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kBadInput = 2;
constexpr int kUnreachable = 3;

int Fail(const std::string& message, int code) {
  LogLines(LogLevel::kError, "loa preview: ", message);
  return code;
}

// The daemon's control endpoint, found as the operator's commands find it
// (daemon/operator_commands.cc): --config, else the installed config when
// it exists, else the embedded default rooted at the current folder.
Result<ControlEndpoint> Endpoint(const std::string& config_path) {
  if (!config_path.empty()) return FindControlEndpoint(config_path);
  std::error_code ec;
  if (fs::exists(kInstalledConfig, ec)) return FindControlEndpoint(kInstalledConfig);
  fs::path cwd = fs::current_path(ec);
  if (ec) return Error{"cannot read the current folder: " + ec.message()};
  return ControlEndpointFromText(DefaultConfigText(), cwd, {});
}

// The media's sha256 as ingest records it, so that the JSON bodies show
// what will be sent. Read in chunks: a video is never held whole.
Status HashMedia(ParsedItem& parsed) {
  Item& item = *parsed.item;
  for (size_t i = 0; i < item.media.size() && i < parsed.media_files.size(); ++i) {
    std::ifstream in(parsed.media_files[i].path, std::ios::binary);
    if (!in) return Error{"cannot read " + parsed.media_files[i].path.string()};
    Sha256Stream hash;
    std::string chunk(kMediaChunkBytes, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
      hash.Update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    }
    item.media[i].sha256 = hash.HexDigest();
  }
  return Ok{};
}

// DIR/<id>.html, written atomically; its images are in it (PreviewImages).
// Prints the page's path.
int WriteOut(const fs::path& dir, const std::string& id, const std::string& page) {
  if (auto s = EnsureDir(dir); !s.ok()) return Fail(s.error(), kBadInput);
  const fs::path html = dir / (id + ".html");
  if (auto s = WriteFileAtomic(html, page); !s.ok()) return Fail(s.error(), kBadInput);
  std::cout << html.string() << "\n";
  std::cout.flush();
  return kOk;
}

int PreviewPath(const PreviewArgs& args,
                const std::function<Result<Config>(const std::string&)>& choose_config) {
  auto config = choose_config(args.config_path);
  if (!config.ok()) return Fail(config.error(), kBadInput);
  ParseOptions options;
  options.channel_names = config->ChannelNames();
  options.limits = LimitsByChannel(*config);
  options.zone = config->timezone;
  options.now = SystemClock().Now();
  ParsedItem parsed = ParseItem(args.target, options);
  if (!parsed.ok()) {
    std::string lines = ShowName(args.target, 4096) + " is not a valid item (loa check says why):";
    for (const Problem& p : parsed.problems) lines += "\n  " + FormatProblemLine(p);
    return Fail(lines, kBadInput);
  }
  if (auto s = HashMedia(parsed); !s.ok()) return Fail(s.error(), kBadInput);
  const Item& item = *parsed.item;
  auto previews = BuildPreviews(item, *config, args.channel);
  if (!previews.ok()) return Fail(previews.error(), kBadInput);
  if (args.out.empty()) {
    std::cout << PreviewSummary(item, *previews, config->timezone);
    std::cout.flush();
    return kOk;
  }
  // Read from the editor's folder, embedded as the daemon's page embeds them.
  PreviewImages images;
  for (const MediaSource& m : parsed.media_files) images.files[m.name] = m.path;
  return WriteOut(args.out, item.id, PreviewPage(item, *previews, images, config->timezone));
}

int PreviewStored(const PreviewArgs& args) {
  auto endpoint = Endpoint(args.config_path);
  if (!endpoint.ok()) return Fail(endpoint.error(), kBadInput);
  ControlClient client(std::move(endpoint).value());
  QueryParams query;
  if (!args.channel.empty()) query.emplace_back("channel", args.channel);
  if (args.out.empty()) query.emplace_back("format", "text");
  // The id was checked (IsItemId): nothing in it needs encoding.
  ControlReply reply = client.GetPage("/preview/" + args.target, query);
  if (!reply.ok) {
    switch (reply.failure.kind) {
      case ControlFailure::Kind::kUnreachable:
        return Fail(reply.failure.message, kUnreachable);
      case ControlFailure::Kind::kNoToken:
        return Fail(reply.failure.message, kBadInput);
      default:
        return Fail(reply.failure.message, kRefused);
    }
  }
  if (args.out.empty()) {
    // The daemon escaped item text (PreviewSummary); escaped again line by
    // line, whatever answered on that port (TerminalText leaves clean text
    // as it is).
    size_t from = 0;
    while (from < reply.text.size()) {
      size_t end = reply.text.find('\n', from);
      if (end == std::string::npos) end = reply.text.size();
      std::cout << TerminalText(std::string_view(reply.text).substr(from, end - from)) << "\n";
      from = end + 1;
    }
    std::cout.flush();
    return kOk;
  }
  return WriteOut(args.out, args.target, reply.text);
}

}  // namespace

int RunPreview(const PreviewArgs& args,
               const std::function<Result<Config>(const std::string&)>& choose_config) {
  std::error_code ec;
  const bool on_disk = fs::exists(args.target, ec);
  if (on_disk || args.target.find('/') != std::string::npos || args.target.ends_with(".json")) {
    if (!on_disk)
      return Fail("no such item file or folder: " + ShowName(args.target, 4096), kBadInput);
    return PreviewPath(args, choose_config);
  }
  if (!IsItemId(args.target)) {
    return Fail(ShowName(args.target, 4096) +
                    " is neither an item file or folder nor an item id (" + kItemIdRule + ")",
                kBadInput);
  }
  return PreviewStored(args);
}

}  // namespace loa
