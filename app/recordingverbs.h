#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

// `thingscape export DB [--from T] [--to T] [--resource URI]... [--format F] [--output FILE]`
// and `thingscape replay DB --to URL [--prefix P] [--speed N|max] [--from T] [--until T]
// [--resource URI]... [--qos N]`. args: the program, the verb, then its arguments. Exit 2 for
// usage errors and a database that cannot be opened, 3 when the replay target fails.
int runExport(const QStringList &args);
int runReplay(const QStringList &args);

// A time on the command line: ISO 8601 (UTC unless it says otherwise), seconds or
// milliseconds since the epoch (13 digits or more: milliseconds), "now", or relative to now
// ("-30s", "-15m", "-2h", "-7d"). In ms since the epoch.
std::optional<qint64> parseTimeArgument(const QString &text, QString *error);

} // namespace thingscape
