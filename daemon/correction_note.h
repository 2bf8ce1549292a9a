// The note an editor finds in inbox/accepted/ when a correction of an item
// came after some channel already had it: which channels keep the earlier
// text (with the revision they carry and their link) and which ones will
// carry the correction. Written beside the accepted file as
// "<stored name>.note.txt", Vietnamese first, then English, like the
// reports of rejected items (daemon/ingest.cc).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "queue/delivery.h"

namespace loa {

namespace fs = std::filesystem;

struct CorrectionNote {
  std::string id;
  int revision = 0;            // the correction's
  std::string file;            // as dropped, escaped for display
  std::string accepted_at;     // local time, as loa shows times
  std::vector<Delivery> kept;  // on the channel already: they keep their revision
  // Channels that will carry the correction, with their local due time.
  std::vector<std::pair<std::string, std::string>> scheduled;
  std::vector<std::string> cancelled;  // no longer named by the correction
};

// The note's text; every value from outside (file name, link) is escaped.
std::string CorrectionNoteText(const CorrectionNote& note);

// Where the note of `accepted_file` goes: beside it, its name + ".note.txt"
// (kMaxStoredNameBytes leaves room for it, inbox/inbox_file.h).
fs::path CorrectionNotePath(const fs::path& accepted_file);

}  // namespace loa
