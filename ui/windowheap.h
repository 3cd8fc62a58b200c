#pragma once

namespace thingscape {

// The window process's malloc policy, set once at the start of main() (before any thread
// allocates): one arena for every thread. glibc otherwise gives the I/O thread an arena of its
// own, and the payloads, ids and batches it makes and the GUI thread keeps leave that arena's
// pages partly used: at 100,000 retained topics about 3 MB more resident, for the same heap in
// use (tests/bench/README.md, issue 12 session 8). Does nothing off glibc.
void applyWindowHeapPolicy();

} // namespace thingscape
