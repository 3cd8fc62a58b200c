#pragma once

#include <QStringList>

namespace thingscape {

// Exit codes of the command-line verbs: a public interface.
enum ExitCode {
    ExitSuccess = 0,
    ExitNothing = 1,    // nothing found, or timed out
    ExitUsage = 2,
    ExitConnection = 3, // connection or protocol error
};

// Returns true (and sets *exitCode) when args name a headless verb or --help / --version,
// which then ran without a display. Verbs run the QCoreApplication's event loop, which
// must exist.
bool runHeadless(const QStringList &args, int *exitCode);

} // namespace thingscape
