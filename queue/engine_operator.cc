// An operator's decisions (queue/engine.h, docs/control-api.md).
#include "queue/engine.h"

namespace loa {

namespace {
Error NotYet() { return Error{"this operator action is not built yet"}; }
}  // namespace

Result<std::vector<Delivery>> Engine::OperatorRetry(const std::string&, const std::string&) {
  return NotYet();
}
Result<std::vector<Delivery>> Engine::OperatorCancel(const std::string&, const std::string&) {
  return NotYet();
}
Result<std::vector<Delivery>> Engine::OperatorReschedule(const std::string&, TimePoint) {
  return NotYet();
}
Result<std::vector<Delivery>> Engine::OperatorResolve(const std::string&, const std::string&, bool,
                                                      const std::string&) {
  return NotYet();
}

}  // namespace loa
