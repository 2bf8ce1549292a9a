// What `loa check` (daemon/check_command.h) says besides the item parser's
// problems (inbox/item_messages.h), in the editor's two languages side by
// side: the config it checked against, the warnings, and the notes; and the
// one problem only the running daemon can find (a retract of an id it does
// not know), which ingest (daemon/ingest.cc) reports in the same words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace loa::check_messages {

enum class Lang { kVi, kEn };

// One text in both languages; Say picks one.
struct Text {
  std::string vi;
  std::string en;
  const std::string& Say(Lang lang) const { return lang == Lang::kVi ? vi : en; }
};

// The config checked against: a file, or the embedded default when
// `installed` (/etc/loa/loa.json) does not exist.
Text ConfigFile(std::string_view path, const std::vector<std::string>& channels);
Text EmbeddedConfig(std::string_view installed, const std::vector<std::string>& channels);

// A problem line of an invalid item: "field: what (value: …)".
Text ProblemLine(std::string_view field, std::string_view value, std::string_view vi,
                 std::string_view en);

// `vi_time` / `en_time`: the due time as each language writes it.
Text DueInPast(std::string_view vi_time, std::string_view en_time,
               const std::vector<std::string>& channels);
// Due in the past on channels with a `window` closed now: sent at `vi_at` /
// `en_at`, when it next opens (`window` as the config writes it).
Text DueOutsideWindow(std::string_view vi_time, std::string_view en_time, std::string_view window,
                      std::string_view vi_at, std::string_view en_at,
                      const std::vector<std::string>& channels);
Text DueBeyondLateness(std::string_view vi_time, std::string_view en_time, Millis max_lateness,
                       const std::vector<std::string>& channels);

// The channels where a known id stays as it is when the item is dropped
// again: a correction never reaches them (daemon/ingest.cc keeps them and
// its note names them, README "Revisions and corrections").
struct KeptChannels {
  std::vector<std::string> published;
  // Being sent, outcome unknown, or taken by the channel and not finished.
  std::vector<std::string> under_way;
  std::vector<std::string> taken_down;
  bool empty() const { return published.empty() && under_way.empty() && taken_down.empty(); }
};
// `kept` not empty.
Text AlreadyKept(std::string_view id, const KeptChannels& kept);
// Known, kept nowhere (scheduled, failed, cancelled...): the drop replaces it.
Text AlreadyQueued(std::string_view id);
// A retract of an id the running daemon does not know: it is rejected.
Text NothingToRetract();
// The running daemon could not be asked (`why`, in English from the client);
// `retracts`: retract items were among those not checked.
Text DaemonNotAsked(std::string_view why, bool retracts);

// How a warning line starts, and the closing note when any was given.
Text WarningLead();
Text WarningsKeepExitCode();

}  // namespace loa::check_messages
