// The normalized JSON body of one item for one channel: what the webhook
// connector POSTs and the file connector writes as <id>.json (the webhook
// contract in README.md, "Connectors").
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "inbox/item.h"

namespace loa {

// {id, channel, title, summary, html, text, publish_at, topics, form, unit,
//  approved_by, link, media: [{name, caption, content_type, sha256,
//  data_base64}]}. Optional fields the item lacks are null; publish_at is
// `due_at` in UTC RFC 3339; title, html and text are RenderForChannel's
// (overrides.<channel>.title/text applied). With include_media_data, each
// media file is read from `media_dir`/<name>, checked against its sha256 and
// base64-encoded (one line); without it data_base64 is null. Fails when a
// media file is missing, unreadable or changed.
Result<nlohmann::json> ChannelPayload(const Item& item, const std::string& channel,
                                      TimePoint due_at, const std::filesystem::path& media_dir,
                                      bool include_media_data);

// Reads one media file of the item and checks it against its sha256.
Result<std::string> ReadMedia(const MediaFile& media, const std::filesystem::path& media_dir);

}  // namespace loa
