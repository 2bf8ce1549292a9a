// The one seam through which loa reads the time, so tests can drive it.
#pragma once

#include <chrono>
#include <mutex>

namespace loa {

// UTC wall-clock time in milliseconds since the Unix epoch.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;
// Time that only moves forward at a steady rate (never set, never jumps):
// for "how long since", which a wall-clock correction must not change.
using SteadyPoint = std::chrono::time_point<std::chrono::steady_clock, Millis>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual SteadyPoint Steady() const = 0;
};

// The real wall clock.
Clock& SystemClock();

// A clock that moves only when told; safe to share between threads.
// Advance() and a forward Set() are time passing: both clocks move. A
// backward Set() and JumpWall() are a correction of the wall clock: the
// steady clock stays where it is.
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  SteadyPoint Steady() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  void Set(TimePoint t) {
    std::lock_guard lock(mu_);
    if (t > now_) steady_ += t - now_;
    now_ = t;
  }
  void Advance(Millis d) {
    std::lock_guard lock(mu_);
    now_ += d;
    steady_ += d;
  }
  void JumpWall(Millis d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  SteadyPoint steady_{};
};

inline int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(Millis(ms)); }

}  // namespace loa
