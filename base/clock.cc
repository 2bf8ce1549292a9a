#include "base/clock.h"

namespace loa {

namespace {
class RealClock : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
  SteadyPoint Steady() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::steady_clock::now());
  }
};
}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace loa
