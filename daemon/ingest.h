// Takes one dropped inbox item into the queue in two phases: PrepareItem
// (daemon/ingest_prepare.h: validate, copy and hash the media; off the io
// thread) then CommitItem: commit to the store, then move the source to
// inbox/accepted/ (or to inbox/rejected/ with an error report). CommitItem
// runs on the engine's io thread, the only thread touching the store; it
// reads no item file. Never throws, never deletes anything.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "daemon/ingest_prepare.h"
#include "queue/delivery_log.h"
#include "queue/store.h"

namespace loa {

namespace fs = std::filesystem;

struct IngestContext {
  const Config* config = nullptr;
  Store* store = nullptr;
  DeliveryLog* delivery_log = nullptr;
  Clock* clock = nullptr;
  // Called after a commit so the scheduler looks at the new deliveries.
  std::function<void()> wake;
};

struct IngestResult {
  enum class Kind {
    kAccepted,   // a new item committed
    kReplaced,   // an item with a known id committed over the old one
    kRetracted,  // a retract instruction carried out
    kRejected,   // invalid: moved to rejected/ with its report
    kError,      // could not be taken (store or file-system error); left in the inbox
  };
  Kind kind = Kind::kError;
  std::string id;       // the item id, when known
  fs::path moved_to;    // final path in accepted/ or rejected/
  std::string message;  // what was logged as the summary line
  // Accepted or replaced: the item's revision now (a repeated drop: the
  // stored one, no new revision).
  int revision = 0;
  // A correction that came after some channel had the item: those
  // deliveries, which keep the revision they carry (UpsertOutcome::kept),
  // and the note in accepted/ that tells the editor (daemon/correction_note.h;
  // empty when it could not be written).
  std::vector<Delivery> kept;
  fs::path note;
};

fs::path AcceptedDir(const Config& config);
fs::path RejectedDir(const Config& config);

// The second phase, on the io thread: rejects, retracts or commits what
// PrepareItem made of each item, in order. The items' store writes share
// one transaction and one sync (Store::BeginGroup); a write the store
// refuses undoes only its own item. Only after that commit are sources
// moved out of the inbox (then one fsync of accepted/), lines logged and
// the engine woken once, so a crash before leaves every item to be taken
// again. The results come in the order of `prepared`.
std::vector<IngestResult> CommitItems(std::span<const PreparedItem> prepared,
                                      const IngestContext& context);
IngestResult CommitItem(const PreparedItem& prepared, const IngestContext& context);

// Both phases at once, on the calling thread (tests, the benchmark).
IngestResult IngestItem(const fs::path& path, const IngestContext& context);

}  // namespace loa
