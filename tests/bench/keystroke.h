#pragma once

// A filter keystroke's figures, shared by bench_tree_scale (the window) and bench_filter_walk
// (the walk alone, without a window: so not in benchwindow.h, which needs the widgets).

#include <vector>

namespace bench {

// One keystroke, in ms: wall time until its first matches show (until done, when the walk took
// one slice), until the walk is done and its result shows, the longest GUI-thread stall
// meanwhile by wall clock (the longest event-loop turn) and by that thread's own CPU time, and
// that thread's CPU time until done.
struct Keystroke
{
    double first = 0;
    double done = 0;
    double stall = 0;
    double cpuStall = 0;
    double cpu = 0;
};

// Each figure's median over the rounds.
Keystroke medians(const std::vector<Keystroke> &rounds);

} // namespace bench
