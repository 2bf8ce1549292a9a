#include "base/env.h"

namespace loa {

SystemEnv::SystemEnv() : rng_(std::random_device{}()) {}

Clock& SystemEnv::clock() { return SystemClock(); }

}  // namespace loa
