// Reading members of JSON that came from outside (a platform's answer, a
// file someone wrote): a member that is absent or of another type reads as
// "nothing" instead of throwing, so callers decide what "nothing" means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace loa {

// The member `key` of `object`, or a null value when `object` is not an
// object or has no such member.
const nlohmann::json& Field(const nlohmann::json& object, std::string_view key);

// The string member `key`, or "" when absent or not a string.
std::string StringField(const nlohmann::json& object, std::string_view key);

// An id as platforms send them: a string, or an integer written in decimal;
// "" for anything else.
std::string IdText(const nlohmann::json& value);
std::string IdField(const nlohmann::json& object, std::string_view key);

// An integer, or a string holding nothing but a decimal integer ("-216",
// "90000": some platforms quote their numbers); nullopt for anything else.
std::optional<int64_t> IntegerValue(const nlohmann::json& value);
std::optional<int64_t> IntegerField(const nlohmann::json& object, std::string_view key);

// The string, or null when there is none: optional members as JSON.
nlohmann::json StringOrNull(const std::optional<std::string>& value);

}  // namespace loa
