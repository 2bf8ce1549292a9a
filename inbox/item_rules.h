// The field rules of the inbox format: each reads its own part of the
// item's JSON object, records what is wrong in the reader's ProblemList and
// returns what it read (nullopt when the field is absent or refused). The
// rules share no state: what one needs from another is an argument.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "inbox/item.h"
#include "inbox/item_fields.h"

namespace loa {

namespace fs = std::filesystem;

// The keys an item's JSON object may have.
const std::vector<std::string>& TopLevelKeys();

// `default_id`: the item's own name, the id when it gives none.
std::optional<std::string> ReadId(const nlohmann::json& root, const std::string& default_id,
                                  FieldReader& reader);
std::optional<std::string> ReadTitle(const nlohmann::json& root, FieldReader& reader);
std::optional<std::string> ReadApprovedBy(const nlohmann::json& root, FieldReader& reader);

struct Body {
  std::string markdown;
  std::string field;  // "body" or "body_file": where problems about the body point
};
// `folder`: the item folder (empty for a single-file item), where body_file is.
std::optional<Body> ReadBody(const nlohmann::json& root, const fs::path& folder,
                             size_t max_body_bytes, FieldReader& reader);

// The channels the item names, "all" expanded to `known`; nullopt when any
// of them is refused.
std::optional<std::vector<std::string>> ReadChannels(const nlohmann::json& root,
                                                     const std::vector<std::string>& known,
                                                     FieldReader& reader);

// publish_at, or `now` when it is not given (or refused).
TimePoint ReadPublishAt(const nlohmann::json& root, TimeZone zone, TimePoint now,
                        FieldReader& reader);
std::optional<std::string> ReadForm(const nlohmann::json& root, FieldReader& reader);
std::vector<std::string> ReadTopics(const nlohmann::json& root, FieldReader& reader);
std::optional<std::string> ReadLink(const nlohmann::json& root, FieldReader& reader);
// "publish" or "retract"; nullopt when not given (or refused).
std::optional<std::string> ReadAction(const nlohmann::json& root, FieldReader& reader);

// `channels`: the item's resolved channels, or null when ReadChannels
// refused them (an override cannot then be checked against them).
std::map<std::string, ChannelOverride> ReadOverrides(const nlohmann::json& root,
                                                     const std::vector<std::string>& known,
                                                     const std::vector<std::string>* channels,
                                                     TimeZone zone, FieldReader& reader);

}  // namespace loa
