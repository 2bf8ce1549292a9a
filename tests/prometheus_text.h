// A checker of the Prometheus text format 0.0.4, for the tests of /metrics
// (daemon/metrics.h): line grammar, metric and label names, label escaping,
// one TYPE per family before its samples, and histograms whose buckets are
// cumulative and end in +Inf equal to _count.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace loa::fakes {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

// Every problem found in `text`; empty when the exposition is valid. The
// samples go to `out` when it is given.
std::vector<std::string> CheckExposition(const std::string& text, std::vector<Sample>* out);

// The value of the one sample named `name` with exactly `labels`; NaN when
// there is none.
double ValueOf(const std::vector<Sample>& samples, const std::string& name,
               const std::map<std::string, std::string>& labels);

}  // namespace loa::fakes
