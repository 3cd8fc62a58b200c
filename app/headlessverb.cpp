#include "headlessverb.h"

#include "cli.h"
#include "sim/signalwatcher.h"

#include <QCoreApplication>
#include <QTimer>

#include <cmath>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("headless", text);
}

} // namespace

std::optional<QString> takeOptionValue(const QStringList &args, qsizetype &i, QString *error)
{
    if (i + 1 >= args.size()) {
        *error = tr("%1 needs a value").arg(args.at(i));
        return std::nullopt;
    }
    return args.at(++i);
}

bool parseHeadlessOptions(const QStringList &args, const VerbOptionParser &own, HeadlessOptions *options, QString *error)
{
    const QString verb = args.value(1);
    for (qsizetype i = 2; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        const OptionMatch match = own(args, i, *options, error);
        if (match == OptionMatch::Failed)
            return false;
        if (match == OptionMatch::Taken)
            continue;
        if (arg == QLatin1String("--for")) {
            const std::optional<QString> value = takeOptionValue(args, i, error);
            if (!value)
                return false;
            bool ok = false;
            options->forSeconds = value->toDouble(&ok);
            if (!ok || !std::isfinite(options->forSeconds) || options->forSeconds < 0) {
                *error = tr("--for needs a number of seconds, not \"%1\"").arg(*value);
                return false;
            }
        } else if (arg.startsWith(QLatin1String("--"))) {
            *error = tr("unknown option %1").arg(arg);
            return false;
        } else if (options->path.isEmpty()) {
            options->path = arg;
        } else {
            *error = tr("one workspace at a time: \"%1\" is one too many").arg(arg);
            return false;
        }
    }
    if (options->path.isEmpty()) {
        *error = tr("'%1' needs a workspace file").arg(verb);
        return false;
    }
    return true;
}

int runHeadlessLoop(QObject *context, double forSeconds)
{
    sim::SignalWatcher watcher;
    QObject::connect(&watcher, &sim::SignalWatcher::terminationRequested, context, [] { QCoreApplication::exit(ExitSuccess); });
    if (forSeconds >= 0)
        QTimer::singleShot(qint64(std::llround(forSeconds * 1000)), context, [] { QCoreApplication::exit(ExitSuccess); });
    return QCoreApplication::exec();
}

} // namespace thingscape
