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
// (overrides.<channel>.title/text applied). data_base64 is null here.
nlohmann::json ChannelPayload(const Item& item, const std::string& channel, TimePoint due_at);

// ChannelPayload serialized on one line with every media file's
// data_base64 filled: each file read from `media_dir`/<name> in chunks,
// checked against its sha256 (connectors/http/media_stream.h) and encoded
// straight into the text, so a large file is held once, as base64. Fails
// when a media file is missing, unreadable or changed.
Result<std::string> ChannelPayloadText(const Item& item, const std::string& channel,
                                       TimePoint due_at, const std::filesystem::path& media_dir);

}  // namespace loa
