#pragma once

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QObject;

namespace thingscape {

// What every headless verb (run, serve) takes besides its own options: one workspace file and
// --for S.
struct HeadlessOptions
{
    QString path;
    double forSeconds = -1; // < 0: until a signal
};

// What a verb's own parser made of args[i].
enum class OptionMatch {
    NotMine, // not one of the verb's options
    Taken,   // taken (i moved past any value it took)
    Failed,  // one of its options, with a mistake in *error
};

using VerbOptionParser = std::function<OptionMatch(const QStringList &args, qsizetype &i, const HeadlessOptions &common, QString *error)>;

// Parses args (the program, the verb, then its arguments): the verb's own options first, then
// --for and the one workspace; an unknown option, a second workspace or none is an error.
bool parseHeadlessOptions(const QStringList &args, const VerbOptionParser &own, HeadlessOptions *options, QString *error);
// The value after args[i] (i moves to it), or nullopt with "--x needs a value".
std::optional<QString> takeOptionValue(const QStringList &args, qsizetype &i, QString *error);
// Runs the event loop until SIGINT / SIGTERM or forSeconds (>= 0) pass; context: where the
// timer lives. Returns the loop's exit code.
int runHeadlessLoop(QObject *context, double forSeconds);

} // namespace thingscape
