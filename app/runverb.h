#pragma once

#include <QStringList>

namespace thingscape {

// `thingscape run WORKSPACE [--for S] [--dry-run] [--share GROUP] [--record [PATH]]
// [--http ADDR:PORT ...]`: loads a workspace, connects its endpoints, runs its rules and
// bridges without a display and prints one JSON line per rule run until --for seconds pass or
// SIGINT / SIGTERM; with --http (and serve's other gateway options) it serves the gateway too,
// printing serve's ready line first. Exit 2 for a broken
// workspace or usage (the message names the problem and its position) or a recording database
// that cannot be opened (--record), 3 if no endpoint could be reached. args: the program, "run", then its arguments. Runs the event loop.
int runRules(const QStringList &args);

} // namespace thingscape
