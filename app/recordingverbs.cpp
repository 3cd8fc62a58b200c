#include "recordingverbs.h"

#include "cli.h"
#include "sim/signalwatcher.h"

#include "model/recording/recordingconfig.h"
#include "model/recording/recordingdatabase.h"
#include "model/recording/recordingexport.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/headlesssecretprovider.h"
#include "protocols/engine/replayer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTimer>

#include <cmath>
#include <functional>
#include <cstdio>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("recording", text);
}

void printErr(const QString &verb, const QString &text)
{
    const QByteArray line = QStringLiteral("thingscape %1: %2\n").arg(verb, text).toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

// PostgreSQL's password: the environment (the same variable as the secrets of an endpoint with
// id "recording"), never the command line.
QString databasePassword(const QString &database)
{
    if (!RecordingConfig::isPostgresTarget(database))
        return {};
    return QProcessEnvironment::systemEnvironment().value(
        HeadlessSecretProvider::environmentVariable(QStringLiteral("recording"), QStringLiteral("password")));
}

struct RangeOptions
{
    QString database;
    QStringList uris;
    qint64 fromMs = 0;
    qint64 toMs = std::numeric_limits<qint64>::max();
};

// Takes the options both verbs share; returns false with *error for a bad one, sets *used when
// the option at i was one of them (i moved past its value).
bool takeRangeOption(const QStringList &args, qsizetype &i, const QString &toName, RangeOptions *range, bool *used,
                     QString *error)
{
    const QString &arg = args.at(i);
    *used = false;
    if (arg != QLatin1String("--from") && arg != toName && arg != QLatin1String("--resource"))
        return true;
    *used = true;
    if (i + 1 >= args.size()) {
        *error = tr("%1 needs a value").arg(arg);
        return false;
    }
    const QString value = args.at(++i);
    if (arg == QLatin1String("--resource")) {
        QString why;
        const std::optional<ResourceId> id = ResourceId::parse(value, &why);
        if (!id) {
            *error = tr("--resource \"%1\": %2").arg(value, why);
            return false;
        }
        range->uris.append(id->toString());
        return true;
    }
    const std::optional<qint64> time = parseTimeArgument(value, error);
    if (!time)
        return false;
    (arg == QLatin1String("--from") ? range->fromMs : range->toMs) = *time;
    return true;
}

// Parses a recording verb's arguments: the database, the range options (toName ends the
// range) and the verb's own options, each with a value, which own() takes (false: it said why).
// Says what is wrong, with the usage where it helps; false then.
bool parseVerbArguments(const QString &verb, const QString &usage, const QStringList &args, const QString &toName,
                        const QStringList &ownOptions, const std::function<bool(const QString &, const QString &)> &own,
                        RangeOptions *range)
{
    QString error;
    for (qsizetype i = 2; i < args.size(); ++i) {
        bool used = false;
        if (!takeRangeOption(args, i, toName, range, &used, &error)) {
            printErr(verb, error);
            return false;
        }
        if (used)
            continue;
        const QString &arg = args.at(i);
        if (ownOptions.contains(arg)) {
            if (i + 1 >= args.size()) {
                printErr(verb, tr("%1 needs a value").arg(arg));
                return false;
            }
            if (!own(arg, args.at(++i)))
                return false;
        } else if (arg.startsWith(QLatin1String("--"))) {
            printErr(verb, tr("unknown option %1").arg(arg));
            printErr(verb, usage);
            return false;
        } else if (range->database.isEmpty()) {
            range->database = arg;
        } else {
            printErr(verb, tr("one database at a time: \"%1\" is one too many").arg(arg));
            return false;
        }
    }
    if (range->database.isEmpty()) {
        printErr(verb, tr("'%1' needs a recording database").arg(verb));
        printErr(verb, usage);
        return false;
    }
    return true;
}

// Opens the verb's recording for reading, or says why not.
bool openRecording(const QString &verb, const QString &database, RecordingDatabase *db)
{
    QString error;
    if (db->open(database, databasePassword(database), false, &error))
        return true;
    printErr(verb, error);
    return false;
}

} // namespace

std::optional<qint64> parseTimeArgument(const QString &text, QString *error)
{
    const QString t = text.trimmed();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (t == QLatin1String("now"))
        return now;
    static const QRegularExpression relative(QStringLiteral("^-(\\d+(?:\\.\\d+)?)([smhd])$"));
    const QRegularExpressionMatch match = relative.match(t);
    if (match.hasMatch()) {
        const double amount = match.captured(1).toDouble();
        const QChar unit = match.captured(2).at(0);
        const double ms = unit == QLatin1Char('s') ? 1000.0 : unit == QLatin1Char('m') ? 60000.0 : unit == QLatin1Char('h') ? 3600000.0 : 86400000.0;
        return now - qint64(std::llround(amount * ms));
    }
    static const QRegularExpression number(QStringLiteral("^\\d+(?:\\.\\d+)?$"));
    if (number.match(t).hasMatch()) {
        const double value = t.toDouble();
        // 13 digits and more: milliseconds (seconds would be past the year 33000).
        return t.section(QLatin1Char('.'), 0, 0).size() >= 13 ? qint64(value) : qint64(std::llround(value * 1000.0));
    }
    QDateTime time = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(t, Qt::ISODate);
    if (!time.isValid()) {
        *error = tr("\"%1\" is not a time (ISO 8601 such as 2026-12-06T14:00:00Z, seconds since 1970, now, -15m, -2h, -7d)").arg(text);
        return std::nullopt;
    }
    if (time.timeSpec() == Qt::LocalTime)
        time.setTimeSpec(Qt::UTC);
    return time.toMSecsSinceEpoch();
}

int runExport(const QStringList &args)
{
    const QString verb = QStringLiteral("export");
    const QString usage = tr("usage: thingscape export DB [--from T] [--to T] [--resource URI]... [--format csv|jsonl|senml|senml-cbor] [--output FILE]");
    RangeOptions range;
    RecordingExportFormat format = RecordingExportFormat::Csv;
    QString output;
    QString error;
    const bool parsed = parseVerbArguments(verb, usage, args, QStringLiteral("--to"), {QStringLiteral("--format"), QStringLiteral("--output")},
                                           [&](const QString &option, const QString &value) {
                                               if (option == QLatin1String("--output")) {
                                                   output = value;
                                                   return true;
                                               }
                                               const std::optional<RecordingExportFormat> known = RecordingExport::parseFormat(value, &error);
                                               if (!known) {
                                                   printErr(verb, error);
                                                   return false;
                                               }
                                               format = *known;
                                               return true;
                                           },
                                           &range);
    if (!parsed)
        return ExitUsage;
    RecordingExportOptions options;
    options.format = format;
    options.uris = range.uris;
    options.fromMs = range.fromMs;
    options.toMs = range.toMs;
    std::optional<qint64> rows;
    if (output.isEmpty() || output == QLatin1String("-")) {
        RecordingDatabase db;
        if (!openRecording(verb, range.database, &db))
            return ExitUsage;
        QFile stdoutFile;
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly)) {
            printErr(verb, tr("cannot write to standard output"));
            return ExitUsage;
        }
        rows = RecordingExport::run(db, options, &stdoutFile, {}, &error);
        stdoutFile.flush();
    } else {
        // The window's export dialog writes files through the same call.
        rows = RecordingExport::toFile(range.database, databasePassword(range.database), options, output, {}, &error);
    }
    if (!rows) {
        printErr(verb, error);
        return ExitUsage;
    }
    return *rows > 0 ? ExitSuccess : ExitNothing;
}

int runReplay(const QStringList &args)
{
    const QString verb = QStringLiteral("replay");
    const QString usage = tr("usage: thingscape replay DB --to URL [--prefix P] [--speed N|max] [--from T] [--until T] [--resource URI]... [--qos N]");
    RangeOptions range;
    ReplayOptions options;
    QString error;
    const auto takeOption = [&](const QString &arg, const QString &value) {
        if (arg == QLatin1String("--to")) {
            const std::optional<ResourceId> target = ResourceId::parse(value, &error);
            if (!target) {
                printErr(verb, tr("--to \"%1\": %2").arg(value, error));
                return false;
            }
            options.target = target->endpoint();
            // A path on the target is a prefix.
            const QString path = target->protocol() == Protocol::Mqtt ? target->topic() : target->path().mid(1);
            if (!path.isEmpty() && options.prefix.isEmpty())
                options.prefix = path;
        } else if (arg == QLatin1String("--prefix")) {
            options.prefix = value;
        } else if (arg == QLatin1String("--qos")) {
            bool ok = false;
            options.qos = value.toInt(&ok);
            if (!ok || options.qos < 0 || options.qos > 2) {
                printErr(verb, tr("--qos needs 0, 1 or 2, not \"%1\"").arg(value));
                return false;
            }
        } else if (value == QLatin1String("max")) {
            options.speed = 0;
        } else {
            bool ok = false;
            QString number = value;
            if (number.endsWith(QLatin1Char('x')))
                number.chop(1);
            options.speed = number.toDouble(&ok);
            if (!ok || !std::isfinite(options.speed) || options.speed <= 0) {
                printErr(verb, tr("--speed needs a factor above 0 (1, 10, 0.5) or max, not \"%1\"").arg(value));
                return false;
            }
        }
        return true;
    };
    if (!parseVerbArguments(verb, usage, args, QStringLiteral("--until"),
                            {QStringLiteral("--to"), QStringLiteral("--prefix"), QStringLiteral("--speed"), QStringLiteral("--qos")}, takeOption,
                            &range))
        return ExitUsage;
    if (!options.target.isValid()) {
        printErr(verb, tr("'replay' needs --to URL"));
        printErr(verb, usage);
        return ExitUsage;
    }
    options.uris = range.uris;
    options.fromMs = range.fromMs;
    options.toMs = range.toMs;
    RecordingDatabase db;
    if (!openRecording(verb, range.database, &db))
        return ExitUsage;

    Engine engine;
    HeadlessSecretProvider secrets;
    engine.setSecretProvider(&secrets);
    EndpointConfig endpoint;
    endpoint.id = QStringLiteral("replay-target");
    endpoint.name = options.target.toString();
    endpoint.url = options.target;
    endpoint.autoConnect = false;
    Workspace workspace;
    workspace.setEndpoints({endpoint});
    engine.apply(workspace);
    Replayer replayer(&db, engine.endpoints());
    int exitCode = ExitSuccess;
    bool started = false;
    auto startReplay = [&] {
        if (started)
            return;
        started = true;
        replayer.start(options);
    };
    QObject::connect(engine.endpoints(), &EndpointManager::endpointChanged, &engine, [&](const QString &id) {
        const EndpointManager::Status status = engine.endpoints()->status(id);
        if (status.state == ConnectorState::Connected) {
            startReplay();
        } else if (!started && exitCode == ExitSuccess && (status.state == ConnectorState::BackingOff || status.state == ConnectorState::Error)
                   && !status.lastError.isEmpty()) {
            printErr(verb, tr("cannot reach %1: %2").arg(options.target.toString(), status.lastError));
            exitCode = ExitConnection;
            QCoreApplication::exit(ExitConnection);
        }
    });
    QObject::connect(&engine, &Engine::connectFailed, &engine, [&](const QString &, const QString &why) {
        if (exitCode != ExitSuccess)
            return;
        printErr(verb, why);
        exitCode = ExitConnection;
        QCoreApplication::exit(ExitConnection);
    });
    QObject::connect(&replayer, &Replayer::finished, &engine, [&](bool ok, const QString &why) {
        if (!ok) {
            printErr(verb, why);
            exitCode = ExitConnection;
        } else {
            const QByteArray line = tr("replayed %1 messages to %2\n").arg(replayer.sent()).arg(options.target.toString()).toLocal8Bit();
            std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        }
        // Every write was acknowledged (MQTT: QoS 1 by default), so nothing is lost by closing.
        engine.disconnectAll();
        QTimer::singleShot(0, &engine, [&] { QCoreApplication::exit(exitCode); });
    });
    sim::SignalWatcher watcher;
    QObject::connect(&watcher, &sim::SignalWatcher::terminationRequested, &engine, [&] { replayer.cancel(); });
    QTimer::singleShot(0, &engine, [&] { engine.connectEndpoint(endpoint.id); });
    const int code = QCoreApplication::exec();
    return exitCode != ExitSuccess ? exitCode : code;
}

} // namespace thingscape
