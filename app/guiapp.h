#pragma once

#include <QStringList>

class QApplication;

namespace thingscape {

// Runs the desktop application: a session, the main window, the workspace given on the
// command line (or the demo site with --demo), and the offer to recover after a crash.
int runGui(QApplication &app, const QStringList &args);

} // namespace thingscape
