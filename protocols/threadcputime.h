#pragma once

#include <QtGlobal>

#include <ctime>

namespace thingscape {

// The CPU time the calling thread has used, in ns: what the code on it took, whatever else the
// machine ran meanwhile. The ingest queue sizes its slices by it; the benchmarks and tests that
// measure the GUI thread read the same clock.
inline qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

} // namespace thingscape
