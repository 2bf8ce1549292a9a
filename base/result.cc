#include "base/result.h"

namespace loa {

const char* ErrorCodeName(Error::Code code) {
  switch (code) {
    case Error::Code::kUnknown:
      return "unknown";
    case Error::Code::kNotFound:
      return "not_found";
    case Error::Code::kInvalid:
      return "invalid";
    case Error::Code::kIOError:
      return "io_error";
    case Error::Code::kCorruption:
      return "corruption";
    case Error::Code::kBusy:
      return "busy";
    case Error::Code::kFull:
      return "full";
  }
  return "unknown";
}

}  // namespace loa
