#pragma once

namespace thingscape {

// `thingscape` without a verb opens the window: the process becomes thingscape-gui (same
// pid, same arguments, argv[0] kept), so the command-line verbs never load Qt Widgets, Gui
// or Charts. Returns only when that failed, with the exit code after saying why on stderr.
int execWindow(char *argv[]);

} // namespace thingscape
