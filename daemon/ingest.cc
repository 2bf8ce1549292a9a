#include "daemon/ingest.h"

#include <algorithm>
#include <optional>

#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time.h"
#include "daemon/check_messages.h"
#include "daemon/correction_note.h"
#include "inbox/inbox_file.h"
#include "inbox/item_parser.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

// Moves the item to rejected/ and writes its report beside it. A name too
// long for "NAME.error.txt" is stored shortened (StoredName); the report
// says which item it was. An item that cannot be moved (a folder loa may
// not write, for one) stays in the inbox, and its report is written to
// rejected/ all the same, so the editor still hears why.
IngestResult Reject(const fs::path& path, const Config& config,
                    const std::vector<Problem>& problems, const std::string& id, TimePoint now) {
  IngestResult result;
  result.id = id;
  const std::string original = path.filename().string();
  const std::string name = Quoted(original);
  const std::string stored = StoredName(original);
  for (const auto& p : problems) LogWarning("rejected " + name + ": " + FormatProblemLine(p));
  const fs::path dir = RejectedDir(config);
  auto moved = MoveIntoFolder(path, dir, now, stored);
  fs::path report = (moved.ok() ? moved->parent_path() / moved->filename().string() : dir / stored);
  report += ".error.txt";

  std::string notes;
  if (moved.ok() && moved->filename().string() != original) {
    std::string as = ShowName(moved->filename().string());
    notes += "Bài viết được lưu trong rejected/ với tên \"" + as + "\".\n";
    notes += "The item is stored in rejected/ as \"" + as + "\".\n";
  }
  if (!moved.ok()) {
    notes += "Không chuyển được bài viết vào thư mục rejected/ (" + moved.error() +
             "); bài viết vẫn nằm trong thư mục nhận bài. Hãy sửa lỗi rồi chép lại bài viết.\n";
    notes += "The item could not be moved to rejected/ (" + moved.error() +
             "); it stays in the inbox.\n";
  }
  std::string text = FormatProblemReport(path, problems);
  if (!notes.empty()) text = notes + "\n" + text;
  Status written = WriteFileAtomic(report, text);
  if (!written.ok()) LogError("cannot write " + ShowName(report.string()) + ": " + written.error());

  std::string count =
      std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
  if (!moved.ok()) {
    result.kind = IngestResult::Kind::kError;
    result.message = "rejected " + name + " (" + count + ") but cannot move it: " + moved.error() +
                     "; it stays in the inbox" +
                     (written.ok() ? ", its report is " + ShowName(report.string()) : "");
    LogError(result.message);
    return result;
  }
  result.kind = IngestResult::Kind::kRejected;
  result.moved_to = *moved;
  result.message = "rejected " + name + " (" + count + "), moved to " + ShowName(moved->string());
  LogWarning(result.message);
  return result;
}

// The source goes to accepted/ only after the commit: a crash in between
// leaves it in the inbox, and taking it again changes nothing (the store
// sees the same item: UpsertOutcome::unchanged). For the same reason the
// folder's fsync is left to the end of the batch (CommitItems): a rename
// lost with it leaves the item in the inbox, to be taken again harmlessly.
fs::path MoveToAccepted(const fs::path& path, const Config& config, const std::string& id,
                        TimePoint now) {
  auto moved = MoveIntoFolder(path, AcceptedDir(config), now, StoredName(path.filename().string()),
                              /*sync_folder=*/false);
  if (!moved.ok()) {
    LogError("item " + id + " is committed but its source could not be moved: " + moved.error() +
             "; it will be taken again (without effect) at the next scan");
    return {};
  }
  return *moved;
}

// deliveries.jsonl is a projection of the attempt rows: after a commit that
// wrote rows, it is brought up to date. A line not written now is written by
// the engine's next catch-up.
void CatchUpDeliveryLog(const IngestContext& ctx) {
  if (Result<int> caught = ctx.delivery_log->CatchUp(*ctx.store); !caught.ok()) {
    LogError("delivery log: " + caught.error() + "; the line is written by a later catch-up");
  }
}

std::string DueText(const Item& item, const Config& config) {
  std::string text = "due " + FormatLocal(item.publish_at, config.timezone);
  for (const auto& channel : item.channels) {
    TimePoint due = item.DueAt(channel);
    if (due != item.publish_at) text += ", " + channel + " at " + FormatLocal(due, config.timezone);
  }
  return text;
}

// "2026-12-20 08:00" in the config's zone: how an editor reads a time.
std::string NoteTime(TimePoint t, const decltype(Config::timezone)& zone) {
  std::string text = FormatLocal(t, zone).substr(0, 16);
  if (text.size() > 10) text[10] = ' ';
  return text;
}

// A correction that does not reach every channel: the note beside the
// accepted file says which channels keep which revision (and their links)
// and which carry the new one, where the editor looks. The store is the
// record: a note that cannot be written is logged, never an error.
void WriteCorrectionNote(const fs::path& path, const Item& item, const UpsertOutcome& out,
                         const std::string& file, const IngestContext& ctx, IngestResult& result) {
  const Config& config = *ctx.config;
  CorrectionNote note;
  note.id = item.id;
  note.revision = out.revision;
  note.file = file;
  note.accepted_at = NoteTime(ctx.clock->Now(), config.timezone);
  note.kept = out.kept_deliveries;
  for (const std::string& channel : out.scheduled) {
    note.scheduled.emplace_back(channel, NoteTime(item.DueAt(channel), config.timezone));
  }
  note.cancelled = out.cancelled;
  const fs::path beside = result.moved_to.empty()
                              ? AcceptedDir(config) / StoredName(path.filename().string())
                              : result.moved_to;
  const fs::path where = CorrectionNotePath(beside);
  std::vector<std::string> kept;
  for (const Delivery& d : out.kept_deliveries) {
    kept.push_back(d.channel + " (revision " + std::to_string(d.revision) +
                   (d.remote_url.empty() ? "" : ", " + EscapeForDisplay(d.remote_url)) + ")");
  }
  std::string line = "correction " + item.id + " (revision " + std::to_string(out.revision) +
                     ") does not reach " + Join(kept) + ": they keep the earlier text";
  if (Status written = WriteFileAtomic(where, CorrectionNoteText(note)); !written.ok()) {
    LogError(line + "; cannot write the editor's note " + ShowName(where.string()) + ": " +
             written.error());
    return;
  }
  result.note = where;
  LogWarning(line + "; the editor's note is " + ShowName(where.string()));
}

// What the first step of a commit made of one item (StageItem, inside the
// batch's group); the rest (FinishItem) waits until the group is durable.
struct StagedItem {
  enum class Next {
    kDone,       // `result` is final: an error, logged; the item stays in the inbox
    kReject,     // to rejected/ with `problems`; nothing was written to the store
    kRetracted,  // the store took the retract: `retract`
    kPublished,  // the store took the item: `upsert`
  };
  Next next = Next::kDone;
  IngestResult result;
  std::vector<Problem> problems;
  RetractOutcome retract;
  UpsertOutcome upsert;

  bool Wrote() const { return next == Next::kRetracted || next == Next::kPublished; }
  // Rows an attempt log line is made of: cancellations.
  bool WroteAttempts() const {
    return next == Next::kRetracted || (next == Next::kPublished && !upsert.cancelled.empty());
  }
};

StagedItem StageError(const std::string& id, std::string message) {
  StagedItem staged;
  staged.result.id = id;
  staged.result.message = std::move(message);
  LogError(staged.result.message);
  return staged;
}

// A retract names the item and the channels to take it off ("all" for
// every one). What has not gone out is cancelled; what has is marked for
// takedown, which the engine carries out through each channel's connector.
StagedItem StageRetract(const fs::path& path, const Item& item, const IngestContext& ctx) {
  const std::string what =
      "cannot take " + Quoted(path.filename().string()) + " (retract " + item.id + "): ";
  auto known = ctx.store->GetPost(item.id);
  if (!known.ok() && known.code() != Error::Code::kNotFound) {
    // The store could not say: not the editor's mistake. The instruction
    // stays in the inbox and is taken again at the next scan.
    return StageError(
        item.id, what + "the store cannot be read: " + known.error() + "; it stays in the inbox");
  }
  StagedItem staged;
  staged.result.id = item.id;
  if (!known.ok()) {
    staged.next = StagedItem::Next::kReject;
    // The words `loa check` reports it in beforehand (daemon/check_messages.h).
    const check_messages::Text unknown = check_messages::NothingToRetract();
    staged.problems.push_back(Problem{"id", item.id, unknown.vi, unknown.en});
    return staged;
  }
  auto out = ctx.store->RequestRetract(item.id, item.channels, ctx.clock->Now());
  if (!out.ok()) {
    return StageError(item.id,
                      what + "the store refused it: " + out.error() + "; it stays in the inbox");
  }
  staged.next = StagedItem::Next::kRetracted;
  staged.retract = std::move(out).value();
  return staged;
}

StagedItem StagePublish(const fs::path& path, const PreparedItem& prepared,
                        const IngestContext& ctx) {
  const Item& item = *prepared.parsed.item;
  const std::string what =
      "cannot take " + Quoted(path.filename().string()) + " (" + item.id + "): ";
  // The media were copied and hashed while the item was prepared
  // (daemon/ingest_prepare.h); item.media[i].sha256 comes from that copy.
  if (!prepared.media_error.empty()) {
    return StageError(item.id, what + "storing its media failed: " + prepared.media_error +
                                   "; it stays in the inbox");
  }
  // Where the revision came from, as the editor named it.
  const std::string file = ShowName(path.filename().string());
  auto upsert = ctx.store->UpsertPost(item, ctx.clock->Now(), DropSource{file});
  if (!upsert.ok()) {
    return StageError(item.id,
                      what + "the store refused it: " + upsert.error() + "; it stays in the inbox");
  }
  StagedItem staged;
  staged.result.id = item.id;
  staged.next = StagedItem::Next::kPublished;
  staged.upsert = std::move(upsert).value();
  return staged;
}

StagedItem StageItem(const PreparedItem& prepared, const IngestContext& ctx) {
  const ParsedItem& parsed = prepared.parsed;
  if (!parsed.ok() || !parsed.item) {
    StagedItem staged;
    staged.next = StagedItem::Next::kReject;
    staged.result.id = parsed.item ? parsed.item->id : "";
    staged.problems = parsed.problems;
    return staged;
  }
  if (parsed.item->action == "retract") return StageRetract(prepared.path, *parsed.item, ctx);
  return StagePublish(prepared.path, prepared, ctx);
}

IngestResult FinishRetract(const fs::path& path, const Item& item, const RetractOutcome& out,
                           const IngestContext& ctx, IngestResult result) {
  std::vector<std::string> cancelled, takedown, awaiting;
  for (const CancelledDelivery& c : out.cancelled) cancelled.push_back(c.delivery.channel);
  for (const Delivery& d : out.marked) {
    takedown.push_back(d.channel + (d.remote_url.empty() ? "" : " (" + d.remote_url + ")"));
  }
  for (const Delivery& d : out.awaiting) awaiting.push_back(d.channel);

  result.kind = IngestResult::Kind::kRetracted;
  result.message = "retracted " + item.id + ": cancelled " +
                   (cancelled.empty() ? std::string("nothing") : Join(cancelled));
  if (!takedown.empty()) result.message += "; taking it down from " + Join(takedown);
  if (!awaiting.empty()) {
    result.message += "; " + Join(awaiting) +
                      " being sent or of unknown outcome: taken down once known to be published";
  }
  if (awaiting.empty()) {
    LogInfo(result.message);
  } else {
    LogWarning(result.message);
  }
  result.moved_to = MoveToAccepted(path, *ctx.config, item.id, ctx.clock->Now());
  return result;
}

IngestResult FinishPublish(const fs::path& path, const Item& item, const UpsertOutcome& out,
                           const IngestContext& ctx, IngestResult result) {
  const Config& config = *ctx.config;
  result.moved_to = MoveToAccepted(path, config, item.id, ctx.clock->Now());
  result.revision = out.revision;
  if (out.unchanged) {
    result.kind = IngestResult::Kind::kReplaced;
    result.message = "item " + item.id +
                     " is already queued exactly as dropped (a repeated drop, or taken again "
                     "after a restart): nothing changed";
  } else if (!out.existed) {
    result.kind = IngestResult::Kind::kAccepted;
    result.message = "accepted " + item.id + " (" + std::to_string(item.channels.size()) +
                     (item.channels.size() == 1 ? " channel" : " channels") + ", " +
                     DueText(item, config) + ")";
  } else {
    result.kind = IngestResult::Kind::kReplaced;
    std::vector<std::string> parts;
    if (!out.scheduled.empty()) parts.push_back("rescheduled " + Join(out.scheduled));
    if (!out.cancelled.empty()) parts.push_back("cancelled " + Join(out.cancelled));
    if (!out.kept.empty()) {
      parts.push_back("kept " + Join(out.kept) +
                      " (already published or being sent; the change does not reach them)");
    }
    result.message = "replaced " + item.id + " (revision " + std::to_string(out.revision) +
                     "): " + Join(parts, "; ") + "; " + DueText(item, config);
  }
  LogInfo(result.message);
  if (!out.unchanged && !out.kept_deliveries.empty()) {
    result.kept = out.kept_deliveries;
    WriteCorrectionNote(path, item, out, ShowName(path.filename().string()), ctx, result);
  }
  return result;
}

// The second step, once the group is durable (`undone` empty) or known to
// be undone (`undone` says why: the item stays in the inbox).
IngestResult FinishItem(const PreparedItem& prepared, StagedItem& staged, const IngestContext& ctx,
                        const std::string& undone) {
  const fs::path& path = prepared.path;
  switch (staged.next) {
    case StagedItem::Next::kDone:
      return std::move(staged.result);
    case StagedItem::Next::kReject:
      return Reject(path, *ctx.config, staged.problems, staged.result.id, ctx.clock->Now());
    case StagedItem::Next::kRetracted:
    case StagedItem::Next::kPublished:
      break;
  }
  const Item& item = *prepared.parsed.item;
  if (!undone.empty()) {
    IngestResult result;
    result.id = item.id;
    result.message = "cannot take " + Quoted(path.filename().string()) + " (" + item.id +
                     "): the store could not commit it: " + undone + "; it stays in the inbox";
    LogError(result.message);
    return result;
  }
  if (staged.next == StagedItem::Next::kRetracted) {
    return FinishRetract(path, item, staged.retract, ctx, std::move(staged.result));
  }
  return FinishPublish(path, item, staged.upsert, ctx, std::move(staged.result));
}

IngestResult UnexpectedError(const PreparedItem& prepared, const std::exception& e) {
  IngestResult result;
  result.id = prepared.parsed.item ? prepared.parsed.item->id : "";
  result.message = "cannot take " + ShowName(prepared.path.filename().string()) +
                   ": unexpected error: " + EscapeForDisplay(e.what()) + "; it stays in the inbox";
  LogError(result.message);
  return result;
}

}  // namespace

fs::path AcceptedDir(const Config& config) { return config.inbox / "accepted"; }
fs::path RejectedDir(const Config& config) { return config.inbox / "rejected"; }

std::vector<IngestResult> CommitItems(std::span<const PreparedItem> prepared,
                                      const IngestContext& ctx) {
  // One item must never take the daemon down: an exception while committing
  // it leaves it in the inbox, like any other store error, and the daemon
  // goes on with the next item.
  std::vector<StagedItem> staged(prepared.size());
  // A group that cannot begin: each write is its own transaction instead.
  const bool grouped = ctx.store->BeginGroup().ok();
  for (size_t i = 0; i < prepared.size(); ++i) {
    try {
      staged[i] = StageItem(prepared[i], ctx);
    } catch (const std::exception& e) {
      staged[i] = StagedItem{};
      staged[i].result = UnexpectedError(prepared[i], e);
    }
  }
  std::string undone;
  if (grouped) {
    if (Status ended = ctx.store->EndGroup(); !ended.ok()) undone = ended.error();
  }
  bool wrote = false, attempts = false;
  for (const StagedItem& s : staged) {
    wrote = wrote || s.Wrote();
    attempts = attempts || s.WroteAttempts();
  }
  if (undone.empty() && attempts) CatchUpDeliveryLog(ctx);

  std::vector<IngestResult> results;
  results.reserve(prepared.size());
  bool moved = false;  // into accepted/, whose fsync waits for the batch
  for (size_t i = 0; i < prepared.size(); ++i) {
    try {
      results.push_back(FinishItem(prepared[i], staged[i], ctx, undone));
    } catch (const std::exception& e) {
      results.push_back(UnexpectedError(prepared[i], e));
    }
    // A rejected item's move synced rejected/ itself (Reject).
    const IngestResult& r = results.back();
    moved = moved || (!r.moved_to.empty() && r.kind != IngestResult::Kind::kRejected);
  }
  if (moved) (void)SyncFolder(AcceptedDir(*ctx.config));
  if (wrote && undone.empty() && ctx.wake) ctx.wake();
  return results;
}

IngestResult CommitItem(const PreparedItem& prepared, const IngestContext& ctx) {
  return CommitItems(std::span<const PreparedItem>(&prepared, 1), ctx).front();
}

IngestResult IngestItem(const fs::path& path, const IngestContext& ctx) {
  return CommitItem(PrepareItem(path, MakePrepareOptions(*ctx.config, ctx.clock->Now())), ctx);
}

}  // namespace loa
