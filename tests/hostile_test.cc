// The hostile inbox corpus against the real `loa` binary (LOA_BINARY): every
// entry of tests/hostile/ (listed in expected.tsv with the message it must
// get) plus the entries made here at run time because git cannot hold them
// (FIFOs, sockets, devices, symlinks, permissions, names with line breaks or
// bytes that are not UTF-8, huge and sparse files). `loa check` must refuse
// each with its message; then `loa daemon` gets all of them in its inbox at
// once, with one valid sample, and must keep running, reject each entry with
// a report holding the same message, and publish the sample.
//
// Run as root (as CI does), both commands run as `nobody` through setpriv,
// since root reads a folder whatever its mode and the permission entries
// would prove nothing.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "inbox/inbox_file.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::Count;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteText;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;
const fs::path kCorpus = fs::path(LOA_SAMPLES_DIR).parent_path() / "hostile";
const std::string kSample = "2026-12-02-dich-vu-cong-truc-tuyen";

// How long the daemon may take to work through the whole corpus.
constexpr std::chrono::milliseconds kDaemonLimit = 40s;

bool RunningAsRoot() { return ::geteuid() == 0; }

// `loa args...` in `cwd`, as nobody when we are root; stdout and stderr into `log`.
LoaCommand Loa(std::vector<std::string> args, const fs::path& cwd, const fs::path& log) {
  LoaCommand command(LOA_BINARY, std::move(args), cwd, log);
  if (RunningAsRoot()) command.wrapper = fakes::AsNobody();
  return command;
}

// Runs `command` to its end: its exit code, or -1 when it was killed at `limit`.
int RunToEnd(LoaCommand command, std::chrono::milliseconds limit) {
  LoaProcess loa(std::move(command));
  return loa.Wait(limit);
}

// One entry of the corpus.
struct Entry {
  std::string name;      // inside the inbox
  std::string expected;  // a substring of the English message
  bool ignored = false;  // a name the inbox never takes: the daemon leaves it alone
  bool stays = false;    // the daemon cannot move it: it stays, its report is in rejected/
};

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fakes::MakeTempDir("hostile-test");
    ASSERT_FALSE(root_.empty());
    inbox_ = root_ / "inbox";
    fs::create_directories(inbox_);
  }
  void TearDown() override {
    // Put back what the permission entries took away, so the folder can go.
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(
             root_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
      }
    }
    fs::remove_all(root_, ec);
  }

  // The entries of tests/hostile/, copied into the inbox.
  void AddCorpus() {
    std::istringstream lines(ReadText(kCorpus / "expected.tsv"));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      size_t tab = line.find('\t');
      ASSERT_NE(tab, std::string::npos) << line;
      Entry e{line.substr(0, tab), line.substr(tab + 1)};
      ASSERT_TRUE(fs::exists(kCorpus / e.name)) << e.name;
      fs::copy(kCorpus / e.name, inbox_ / e.name, fs::copy_options::recursive);
      entries_.push_back(e);
    }
    // Every file of the corpus is listed.
    size_t files = 0;
    for (const auto& f : fs::directory_iterator(kCorpus))
      files += f.path().filename() != "expected.tsv";
    ASSERT_EQ(files, entries_.size());
  }

  static std::string ValidJson(const json& changes = json::object()) {
    json j = {{"title", "Thông báo"},
              {"body", "Nội dung."},
              {"channels", {"portal"}},
              {"approved_by", "Chánh Văn phòng"}};
    for (const auto& [k, v] : changes.items()) j[k] = v;
    return j.dump();
  }

  void Add(const std::string& name, const std::string& expected, bool ignored = false,
           bool stays = false) {
    entries_.push_back(Entry{name, expected, ignored, stays});
  }

  // A folder item whose post.json names `media` (made by the caller).
  fs::path FolderWithMedia(const std::string& name, const std::string& media) {
    WriteText(inbox_ / name / "post.json", ValidJson({{"media", {{{"file", media}}}}}));
    return inbox_ / name;
  }

  // The entries git cannot hold.
  void AddMadeHere() {
    auto make_fifo = [](const fs::path& p) { ASSERT_EQ(::mkfifo(p.c_str(), 0644), 0) << p; };
    auto sparse = [](const fs::path& p, off_t size) {
      int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::ftruncate(fd, size), 0);
      ::close(fd);
    };

    WriteText(inbox_ / "depth-100000-arrays.json",
              std::string(100000, '[') + std::string(100000, ']'));
    Add("depth-100000-arrays.json", "nested more than 32 levels deep");
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    WriteText(inbox_ / "depth-100000-objects.json", objects + "1" + std::string(100000, '}'));
    Add("depth-100000-objects.json", "nested more than 32 levels deep");
    std::string title;
    while (title.size() < 200000) title += "Tiêu đề ";
    WriteText(inbox_ / "huge-title.json", ValidJson({{"title", title}}));
    Add("huge-title.json", "characters, over the limit of 2,000");
    WriteText(inbox_ / "too-big.json", ValidJson() + std::string(1 << 20, ' '));
    Add("too-big.json", "bytes, more than the limit of 1048576");
    sparse(inbox_ / "sparse-10g.json", off_t(10) << 30);
    Add("sparse-10g.json", "10737418240 bytes, more than the limit of 1048576");
    sparse(FolderWithMedia("sparse-media", "video.mp4") / "video.mp4", off_t(300) << 20);
    Add("sparse-media", "314572800 bytes, more than the limit of 209715200");

    make_fifo(inbox_ / "fifo.json");
    Add("fifo.json", "\"fifo.json\" is a named pipe (FIFO), not a regular file");
    fs::create_directories(inbox_ / "fifo-post");
    make_fifo(inbox_ / "fifo-post" / "post.json");
    Add("fifo-post", "\"post.json\" is a named pipe (FIFO)");
    make_fifo(FolderWithMedia("fifo-media", "anh.png") / "anh.png");
    Add("fifo-media", "\"anh.png\" is a named pipe (FIFO)");
    {
      int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::string path = (inbox_ / "socket.json").string();
      ASSERT_LT(path.size(), sizeof addr.sun_path);
      std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
      ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      ::close(s);
      Add("socket.json", "\"socket.json\" is a socket, not a regular file");
    }
    // A device node needs CAP_MKNOD; a container may lack it even as root.
    if (::mknod((inbox_ / "device.json").c_str(), S_IFCHR | 0644, makedev(1, 3)) == 0) {
      Add("device.json", "\"device.json\" is a device, not a regular file");
    } else {
      std::cout << "[ NOTE     ] no device entry: mknod: " << std::strerror(errno) << "\n";
    }

    fs::create_symlink("/etc/shadow", inbox_ / "symlink-shadow.json");
    Add("symlink-shadow.json", "the item is a symbolic link");
    WriteText(root_ / "outside.json", ValidJson());
    fs::create_symlink("../outside.json", inbox_ / "symlink-outside.json");
    Add("symlink-outside.json", "the item is a symbolic link");
    fs::create_symlink("symlink-loop.json", inbox_ / "symlink-loop.json");
    Add("symlink-loop.json", "the item is a symbolic link");
    fs::create_symlink("/nonexistent/x.json", inbox_ / "symlink-dangling.json");
    Add("symlink-dangling.json", "the item is a symbolic link");
    WriteText(root_ / "outside-folder" / "post.json", ValidJson());
    fs::create_directory_symlink(root_ / "outside-folder", inbox_ / "symlink-folder");
    Add("symlink-folder", "the item is a symbolic link");
    fs::create_directories(inbox_ / "symlink-post");
    fs::create_symlink("/etc/passwd", inbox_ / "symlink-post" / "post.json");
    Add("symlink-post", "post.json is a symbolic link");
    fs::create_symlink("/etc/shadow", FolderWithMedia("symlink-media", "anh.png") / "anh.png");
    Add("symlink-media", "goes through a symbolic link");
    fs::create_directory_symlink("/etc",
                                 FolderWithMedia("symlink-dir-media", "etc/passwd.png") / "etc");
    Add("symlink-dir-media", "goes through a symbolic link");

    // Permissions: made unreadable once everything else is in place (Chmods).
    WriteText(inbox_ / "unreadable-file.json", ValidJson());
    Add("unreadable-file.json", "cannot read \"unreadable-file.json\": Permission denied");
    WriteText(inbox_ / "unreadable-folder" / "post.json", ValidJson());
    Add("unreadable-folder", "cannot read folder \"unreadable-folder\": Permission denied",
        /*ignored=*/false, /*stays=*/true);
    WriteText(FolderWithMedia("unreadable-media", "anh.png") / "anh.png", "png");
    Add("unreadable-media", "cannot read the file: Permission denied");

    WriteText(inbox_ / "tin\nmoi.json", ValidJson({{"id", "tin-moi"}}));
    Add("tin\nmoi.json", "holds the control character U+000A (LF) at character 4");
    WriteText(inbox_ / "tin\x1b[31m.json", ValidJson({{"id", "tin-do"}}));
    Add("tin\x1b[31m.json", "holds the control character U+001B (ESC) at character 4");
    WriteText(inbox_ / "tin-\xff\xfe.json", ValidJson({{"id", "tin-la"}}));
    Add("tin-\xff\xfe.json", "is not valid UTF-8");
    std::string long_name = std::string(250, 'a') + ".json";
    WriteText(inbox_ / long_name, ValidJson());
    Add(long_name, "is not a valid id");
    std::string long_folder;
    while (long_folder.size() < 240) long_folder += "thông-báo-";
    WriteText(inbox_ / long_folder / "post.json", ValidJson({{"id", "thong-bao"}, {"title", 1}}));
    Add(long_folder, "title must be a string, not a number");
    WriteText(inbox_ / ".an.json", ValidJson());
    Add(".an.json", "is one the inbox ignores", /*ignored=*/true);
  }

  void Chmods() {
    fs::permissions(inbox_ / "unreadable-file.json", fs::perms::none);
    fs::permissions(inbox_ / "unreadable-folder", fs::perms::none);
    fs::permissions(inbox_ / "unreadable-media" / "anh.png", fs::perms::none);
  }

  // As root, everything goes to nobody, who runs loa.
  void HandToNobody() {
    if (!RunningAsRoot()) return;
    ASSERT_EQ(::chown(root_.c_str(), kNobody, kNogroup), 0);
    for (auto it = fs::recursive_directory_iterator(root_);
         it != fs::recursive_directory_iterator(); ++it) {
      ASSERT_EQ(::lchown(it->path().c_str(), kNobody, kNogroup), 0) << it->path();
    }
  }

  void WriteConfig() {
    json channels;
    for (const char* name : {"portal", "legal-aid", "cchc", "facebook", "zalo"}) {
      channels[name] = {{"type", "file"}, {"dir", std::string("out/") + name}};
    }
    WriteText(root_ / "loa.json", json{{"state_dir", "state"},
                                       {"inbox", "inbox"},
                                       {"log_dir", "log"},
                                       {"settle_time", "100ms"},
                                       {"rescan_interval", "500ms"},
                                       {"control", {{"listen", ""}}},
                                       {"channels", channels}}
                                      .dump(2));
  }

  fs::path root_, inbox_;
  std::vector<Entry> entries_;
};

// `loa check` output, by entry: the lines of its problems.
std::map<std::string, std::string> SplitCheckOutput(const std::string& out) {
  std::map<std::string, std::string> by_path;
  std::string current;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) == 0) {
      by_path[current] += line.substr(2) + "\n";
    } else if (line.rfind("OK ", 0) == 0) {
      by_path[line.substr(3)] = "OK";
    } else if (!line.empty() && line.back() == ':') {
      current = line.substr(0, line.size() - 1);
      by_path[current];
    }
  }
  return by_path;
}

TEST_F(HostileTest, CheckAndDaemonRefuseEveryEntryAlikeAndTheDaemonKeepsGoing) {
  AddCorpus();
  AddMadeHere();
  ASSERT_GE(entries_.size(), 60u);
  WriteConfig();
  Chmods();
  HandToNobody();
  auto started = std::chrono::steady_clock::now();

  // ---- loa check, all entries in one run ----
  // The corpus's expected texts are the English ones.
  std::vector<std::string> args = {"check", "--lang", "en", "--config",
                                   (root_ / "loa.json").string()};
  for (const auto& e : entries_) args.push_back((inbox_ / e.name).string());
  int code = RunToEnd(Loa(args, root_, root_ / "check.out"), 60s);
  std::string out = ReadText(root_ / "check.out");
  if (code != 1) {
    // Find which entry took it down.
    for (const auto& e : entries_) {
      int one = RunToEnd(Loa({"check", "--lang", "en", "--config", (root_ / "loa.json").string(),
                              (inbox_ / e.name).string()},
                             root_, root_ / "one.out"),
                         20s);
      EXPECT_EQ(one, 1) << ShowName(e.name) << ":\n" << ReadText(root_ / "one.out");
    }
    FAIL() << "loa check exited " << code << ":\n" << out;
  }
  auto checked = SplitCheckOutput(out);
  std::map<std::string, size_t> problems_by_entry;
  for (const auto& e : entries_) {
    std::string key = ShowName((inbox_ / e.name).string(), 4096);
    ASSERT_TRUE(checked.count(key)) << "no output for " << key << " in:\n" << out;
    const std::string& lines = checked[key];
    EXPECT_THAT(lines, HasSubstr(e.expected)) << ShowName(e.name);
    problems_by_entry[e.name] = Count(lines, "\n");
  }
  auto check_time = std::chrono::steady_clock::now() - started;

  // ---- the daemon, all entries at once, plus a valid sample ----
  json sample = json::parse(ReadText(fs::path(LOA_SAMPLES_DIR) / (kSample + ".json")));
  sample.erase("publish_at");  // due now
  WriteText(inbox_ / (kSample + ".json"), sample.dump(2));
  HandToNobody();
  LoaProcess daemon(
      Loa({"daemon", "--config", (root_ / "loa.json").string()}, root_, root_ / "daemon.log"));

  const fs::path rejected = inbox_ / "rejected";
  auto report_of = [&](const Entry& e) { return rejected / (StoredName(e.name) + ".error.txt"); };
  auto published = [&] {
    for (const char* ch : {"portal", "cchc", "facebook", "zalo"}) {
      if (!fs::exists(root_ / "out" / ch / (kSample + ".html"))) return false;
    }
    return true;
  };
  bool settled = PollUntil(
      [&] {
        if (!daemon.running()) return true;
        for (const auto& e : entries_) {
          if (!e.ignored && !fs::exists(report_of(e))) return false;
        }
        return published();
      },
      kDaemonLimit);
  ASSERT_TRUE(daemon.running()) << "the daemon died:\n" << daemon.Log();
  ASSERT_TRUE(settled) << daemon.Log();

  for (const auto& e : entries_) {
    std::string shown = ShowName(e.name);
    std::error_code ec;
    bool in_inbox = fs::exists(fs::symlink_status(inbox_ / e.name, ec));
    if (e.ignored) {
      EXPECT_TRUE(in_inbox) << shown;
      EXPECT_FALSE(fs::exists(report_of(e))) << shown;
      continue;
    }
    std::string report = ReadText(report_of(e));
    EXPECT_THAT(report, HasSubstr(e.expected)) << shown << ":\n" << report;
    size_t n = problems_by_entry[e.name];
    EXPECT_THAT(report, HasSubstr("was rejected: " + std::to_string(n) +
                                  (n == 1 ? " problem." : " problems.")))
        << shown << ": loa check found " << n << ":\n"
        << report;
    EXPECT_THAT(report, HasSubstr("Item \"" + ShowName(e.name) + "\""));
    EXPECT_EQ(in_inbox, e.stays) << shown;
    if (!e.stays) {
      EXPECT_TRUE(fs::exists(fs::symlink_status(rejected / StoredName(e.name), ec))) << shown;
    }
  }
  EXPECT_TRUE(published());
  EXPECT_TRUE(fs::exists(inbox_ / "accepted" / (kSample + ".json")));

  // The unreadable folder that stays is reported once, not at every rescan:
  // after a rescan, a newly dropped item settles later than the folder
  // would, so once it is taken the folder would have been offered again.
  ::kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(
      PollUntil([&] { return Count(daemon.Log(), "rescanning inbox") >= 1; }, kDaemonLimit));
  // Written aside and moved in whole; only this file changes owner (a chown
  // of the unreadable folder would change it and rightly have it offered again).
  WriteText(root_ / "sau-cung.json", ValidJson());
  if (RunningAsRoot()) {
    ASSERT_EQ(::chown((root_ / "sau-cung.json").c_str(), kNobody, kNogroup), 0);
  }
  fs::rename(root_ / "sau-cung.json", inbox_ / "sau-cung.json");
  ASSERT_TRUE(
      PollUntil([&] { return fs::exists(inbox_ / "accepted" / "sau-cung.json"); }, kDaemonLimit))
      << daemon.Log();
  EXPECT_EQ(Count(daemon.Log(), "cannot read folder \"unreadable-folder\""), 1u) << daemon.Log();

  ASSERT_TRUE(daemon.running()) << daemon.Log();
  EXPECT_EQ(daemon.Stop(SIGTERM, 20s), 0) << daemon.Log();
  std::cout << "[ HOSTILE  ] " << entries_.size() << " entries; loa check took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(check_time).count()
            << " ms, all done in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";
}

}  // namespace
}  // namespace loa
