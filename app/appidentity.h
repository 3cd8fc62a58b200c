#pragma once

#include <QStringList>

namespace thingscape {

// The organisation, name and version both executables (the command line and the window)
// present: settings, lock files and the window's class depend on them being the same.
void setApplicationIdentity();

// argv as QStrings (the local 8-bit encoding), before any QCoreApplication exists.
QStringList argumentList(int argc, char *argv[]);

} // namespace thingscape
