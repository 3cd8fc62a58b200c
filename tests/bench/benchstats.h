#pragma once

#include <chrono>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// Milliseconds since start.
double msSince(Clock::time_point start);
// The median (0 for none).
double median(std::vector<double> values);

} // namespace bench
