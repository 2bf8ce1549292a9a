// The message catalogue of the item parser: every problem it can report, by
// code, with its Vietnamese text (for the editor who fixes the item) and its
// English text (for logs and `loa check`). The parsing steps decide *that*
// something is wrong and pass what they found; the words live only here, so
// the two languages are kept side by side and can be reviewed in one place.
//
// The functions return the text as it will be shown; ProblemList (see
// inbox/item_problems.h) escapes it for display when it is recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "inbox/inbox_file.h"

namespace loa {

enum class ProblemCode {
  // The item as a whole (inbox/item_reading.cc).
  kUnexpected,   // an exception escaped the checks
  kNameNotUtf8,  // the item's own name
  kNameControlChar,
  kNameIgnored,  // a hidden or temporary name
  kFolderUnreadable,
  kItemIsSymlink,
  kPostJsonSymlink,
  kNoPostJson,
  kNoSuchItem,
  kCannotReadItem,
  kNotJsonItem,  // neither NAME.json nor a folder
  kJsonTooLarge,
  kCannotReadJson,
  kTooDeep,  // the pre-scan of the JSON text
  kNumberOutOfRange,
  kForeignEncoding,  // a UTF-16/32 byte-order mark
  kNulByte,
  kJsonSyntax,
  kNumberUnreadable,  // the JSON library refused a number the pre-scan let through
  kJsonUnreadable,
  kDuplicateKey,
  kNotAnObject,
  kFileNotUtf8,  // the item's JSON text had bytes that are not UTF-8
  // Any field (inbox/item_fields.cc).
  kSymlink,  // a file the item is or names
  kNotRegularFile,
  kFieldNotUtf8,
  kControlChar,
  kLineTooLong,
  kWrongType,
  kUnknownKey,
  // The field rules (inbox/item_rules.cc).
  kBadId,
  kBadNameAsId,  // no "id", and the item's name is no id
  kTitleMissing,
  kTitleEmpty,
  kApprovedByMissing,
  kApprovedByEmpty,
  kBodyAndBodyFile,
  kNoBody,
  kBodyEmpty,
  kChannelsMissing,
  kChannelsEmpty,
  kUnknownChannel,
  kAllWithoutChannels,  // "all" with no channel configured
  kBadTime,
  kLeapSecond,
  kYearOutOfRange,
  kBadForm,
  kBadTopic,
  kLinkTooLong,
  kLinkScheme,
  kLinkSpace,
  kLinkUserInfo,
  kLinkNoHost,
  kBadAction,
  kOverrideNotInChannels,
  kOverrideEmpty,
  // Files the item names (inbox/item_files.cc).
  kFileTooLarge,
  kCannotReadFile,
  kBodyFileNotUtf8,
  kBodyFileNotNfc,
  kMediaNoFile,  // a media entry without "file"
  kMediaType,    // an extension loa does not take
  kSingleFileNamesFile,
  kPathOutside,
  kPathSymlink,
  kCannotReadPath,
  kFileNotFound,
  kDuplicateMediaName,
  kEmptyMediaFile,
  // Fitting a channel's platform (inbox/item_channel_fit.cc).
  kTitleOverLimit,
  kTextOverLimit,
  kSummaryOverLimit,         // the summary, as the platform's description
  kFirstParagraphOverLimit,  // the body's first paragraph, as the description
  kMediaKindRefused,         // the platform takes no images (or videos)
  kMediaTypeRefused,
  kMediaOverSize,
  kVideoNotAlone,
  kCount  // not a problem: the number of codes above
};

inline constexpr size_t kProblemCodeCount = static_cast<size_t>(ProblemCode::kCount);

struct Message {
  ProblemCode code;
  std::string vi;
  std::string en;
};

namespace messages {

// Formatting the catalogue shares (inbox/item_messages*.cc).
std::string Quote(std::string_view s);
std::string CountVi(uint64_t n);  // 63206 -> "63.206"
std::string CountEn(uint64_t n);  // 63206 -> "63,206"
const char* TypeVi(nlohmann::json::value_t type);
const char* TypeEn(nlohmann::json::value_t type);

// What a wrongly typed value should have been.
enum class Expected {
  kString,        // with an optional example
  kChannelList,   // channels
  kTopicList,     // topics
  kMediaList,     // media
  kMediaEntry,    // media[i]
  kOverrideMap,   // overrides
  kOverrideEntry  // overrides.<channel>
};

// Where an unknown key was found.
enum class KeyPlace { kItem, kMedia, kOverride };

// Which named file could not be read.
enum class NamedFile { kBody, kMedia };

// ---- The item as a whole ----------------------------------------------------

Message Unexpected(std::string_view what);
Message NameNotUtf8(std::string_view shown);
Message NameControlChar(std::string_view shown, std::string_view code_point, size_t position);
Message NameIgnored(std::string_view shown);
Message FolderUnreadable(std::string_view shown, std::string_view error);
Message ItemIsSymlink();
Message PostJsonSymlink();
Message NoPostJson();
Message NoSuchItem(std::string_view shown);
Message CannotReadItem(std::string_view shown, std::string_view error);
Message NotJsonItem();
Message JsonTooLarge(std::string_view shown, uint64_t size, uint64_t max);
Message CannotReadJson(std::string_view shown, std::string_view error);
Message TooDeep(size_t line, size_t column, size_t max_depth);
Message NumberOutOfRange(std::string_view shown, size_t line, size_t column);
Message ForeignEncoding(std::string_view encoding);
Message NulByte(size_t line, size_t column);
Message JsonSyntax(size_t line, size_t column, std::string_view detail);
Message NumberUnreadable(std::string_view what);
Message JsonUnreadable(std::string_view what);
Message DuplicateKey(std::string_view shown_key);
Message NotAnObject(nlohmann::json::value_t got);
Message FileNotUtf8(size_t first_bad_line);

// ---- Any field --------------------------------------------------------------

// A file the item is or names is a symlink or another kind of non-regular file.
Message NotAFile(std::string_view shown, FileKind kind);
Message FieldNotUtf8(std::string_view field);
Message ControlChar(std::string_view field, std::string_view code_point, size_t position,
                    bool line_break, bool multi_line_field);
Message LineTooLong(std::string_view field, size_t chars, size_t max);
Message WrongType(std::string_view field, nlohmann::json::value_t got, Expected expected,
                  std::string_view example_vi = "");
Message UnknownKey(std::string_view shown_key, const std::vector<std::string>& allowed,
                   const std::optional<std::string>& guess, KeyPlace place);

// ---- The field rules --------------------------------------------------------

Message BadId(std::string_view shown);
Message BadNameAsId(std::string_view shown);
Message TitleMissing();
Message TitleEmpty();
Message ApprovedByMissing();
Message ApprovedByEmpty();
Message BodyAndBodyFile();
Message NoBody();
Message BodyEmpty(bool from_body_field);
// The examples the field rules give for a string field.
std::string_view TitleExample();
std::string_view ApprovedByExample();
// `zone` as the config names it ("Asia/Ho_Chi_Minh", "+07:00"); `offset` its
// UTC offset at the example's time, for the RFC 3339 form.
std::string TimeExampleVi(std::string_view zone, std::string_view offset);
Message ChannelsMissing(std::string_view known_vi, std::string_view known_en);
Message ChannelsEmpty(std::string_view known_vi, std::string_view known_en);
Message UnknownChannel(std::string_view shown, const std::optional<std::string>& guess,
                       std::string_view known_vi, std::string_view known_en);
// How the configured channels are listed in the messages above.
std::string KnownChannelsVi(const std::vector<std::string>& names);
std::string KnownChannelsEn(const std::vector<std::string>& names);
Message AllWithoutChannels();
Message BadTime(std::string_view shown, std::string_view field, std::string_view example_vi);
Message LeapSecond(std::string_view shown, std::string_view field);
Message YearOutOfRange(std::string_view shown, std::string_view field, int first_year,
                       int last_year);
Message BadForm(std::string_view shown, const std::optional<std::string>& guess,
                const std::vector<std::string>& forms);
Message BadTopic(std::string_view shown);
Message LinkTooLong(std::string_view shown, size_t chars, size_t max);
Message LinkScheme(std::string_view shown);
Message LinkSpace(std::string_view shown);
Message LinkUserInfo(std::string_view shown);
Message LinkNoHost(std::string_view shown);
Message BadAction(std::string_view shown);
Message OverrideNotInChannels(std::string_view channel, const std::vector<std::string>& channels);
Message OverrideEmpty(std::string_view field);

// ---- Files the item names ---------------------------------------------------

Message FileTooLarge(NamedFile file, std::string_view shown, uint64_t size, uint64_t max);
Message CannotReadFile(NamedFile file, std::string_view shown, std::string_view error);
Message BodyFileNotUtf8(std::string_view name, size_t first_bad_line);
Message BodyFileNotNfc(std::string_view name, std::string_view error);
Message MediaNoFile(size_t number, std::string_view field);  // number: 1 for media[0]
Message MediaType(std::string_view shown);
Message SingleFileNamesFile(std::string_view shown);
Message PathOutside(std::string_view shown);
Message PathSymlink(std::string_view shown);
Message CannotReadPath(std::string_view shown, std::string_view error);
Message FileNotFound(std::string_view shown);
Message DuplicateMediaName(std::string_view name);
Message EmptyMediaFile(std::string_view shown);

// ---- Fitting a channel's platform ---------------------------------------------

// The channel and its platform, as every message below names them.
struct Platform {
  std::string_view channel;
  std::string_view name;  // ChannelLimits::platform: "Facebook"
};

// `own`: the channel's own title (or text) from overrides is too long.
Message TitleOverLimit(const Platform& p, size_t chars, size_t max, bool own);
Message TextOverLimit(const Platform& p, size_t chars, size_t max, bool own, bool has_summary,
                      bool has_link);
Message SummaryOverLimit(const Platform& p, size_t chars, size_t max);
Message FirstParagraphOverLimit(const Platform& p, size_t chars, size_t max);
// `image`: the file is an image, else a video.
Message MediaKindRefused(const Platform& p, bool image, std::string_view shown);
Message MediaTypeRefused(const Platform& p, bool image, std::string_view shown,
                         const std::vector<std::string>& extensions);
Message MediaOverSize(const Platform& p, bool image, std::string_view shown, int64_t size,
                      int64_t max);
Message VideoNotAlone(const Platform& p, size_t videos, size_t images);

}  // namespace messages
}  // namespace loa
