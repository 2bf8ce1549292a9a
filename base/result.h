// Errors as values: a Result<T> holds either a T or an Error with a message
// a person can act on, and a code the caller can branch on: "no such item"
// and "the database is locked" call for different answers, and only the code
// tells them apart without reading the text.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace loa {

struct Error {
  enum class Code {
    kUnknown,     // not classified (the default for Error{"message"})
    kNotFound,    // what was asked for does not exist
    kInvalid,     // the request or the stored data breaks a rule
    kIOError,     // the disk or the file system failed
    kCorruption,  // stored data cannot be read back
    kBusy,        // locked by someone else: trying again later may work
    kFull,        // out of space: trying again after space is freed may work
  };
  std::string message;
  Code code = Code::kUnknown;
};

// "not_found", "busy", ...: for logs and tests.
const char* ErrorCodeName(Error::Code code);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  // By value: `for (auto& x : Read().value())` must not refer into a
  // temporary Result that is gone by the first iteration.
  T value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::string& error() const { return std::get<1>(v_).message; }
  Error::Code code() const { return std::get<1>(v_).code; }
  // The whole error, to pass on unchanged (message and code).
  const Error& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace loa
