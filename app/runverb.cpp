#include "runverb.h"

#include "cli.h"
#include "headlessverb.h"
#include "serveverb.h"

#include "model/rule.h"
#include "model/ruletrace.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/headlesssecretprovider.h"
#include "protocols/engine/recorder.h"
#include "model/recording/recordingconfig.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/gateway/gateway.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTimer>

#include <cmath>
#include <cstdio>

namespace thingscape {

namespace {

// How long the endpoints get for their first attempt before "none could be reached".
constexpr int kFirstOutcomeMs = 30000;

QString tr(const char *text)
{
    return QCoreApplication::translate("run", text);
}

void printLine(const QJsonObject &json)
{
    const QByteArray line = QJsonDocument(json).toJson(QJsonDocument::Compact);
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray line = QStringLiteral("thingscape run: %1\n").arg(text).toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

struct RunOptions
{
    HeadlessOptions common;
    bool dryRun = false;
    QString share;
    bool record = false;
    QString recordPath; // empty: the workspace's recording database, else beside the workspace
    GatewayVerbOptions gateway;
    bool gatewayOptionGiven = false;
};

OptionMatch parseRunOption(const QStringList &args, qsizetype &i, const HeadlessOptions &common, RunOptions *options,
                           QString *error)
{
    const QString &arg = args.at(i);
    if (arg == QLatin1String("--dry-run")) {
        options->dryRun = true;
    } else if (arg == QLatin1String("--record") || arg.startsWith(QLatin1String("--record="))) {
        options->record = true;
        if (arg.startsWith(QLatin1String("--record="))) {
            options->recordPath = arg.mid(9);
        } else if (i + 1 < args.size() && !args.at(i + 1).startsWith(QLatin1String("--"))) {
            // The next word is the database unless it is the workspace still to come.
            bool morePositional = false;
            for (qsizetype j = i + 2; j < args.size(); ++j)
                morePositional = morePositional || !args.at(j).startsWith(QLatin1String("--"));
            if (!common.path.isEmpty() || morePositional)
                options->recordPath = args.at(++i);
        }
    } else if (arg == QLatin1String("--share")) {
        const std::optional<QString> value = takeOptionValue(args, i, error);
        if (!value)
            return OptionMatch::Failed;
        if (value->isEmpty() || value->contains(QLatin1Char('/')) || value->contains(QLatin1Char('+'))
            || value->contains(QLatin1Char('#'))) {
            *error = tr("--share needs a group name without '/', '+' or '#', not \"%1\"").arg(*value);
            return OptionMatch::Failed;
        }
        options->share = *value;
    } else {
        const OptionMatch match = parseGatewayOption(args, i, &options->gateway, error);
        if (match == OptionMatch::Taken)
            options->gatewayOptionGiven = true;
        return match;
    }
    return OptionMatch::Taken;
}

bool parse(const QStringList &args, RunOptions *options, QString *error)
{
    const auto own = [options](const QStringList &words, qsizetype &i, const HeadlessOptions &common, QString *why) {
        return parseRunOption(words, i, common, options, why);
    };
    if (!parseHeadlessOptions(args, own, &options->common, error))
        return false;
    if (options->gatewayOptionGiven && !options->gateway.httpGiven) {
        *error = tr("the gateway options need --http ADDRESS:PORT (e.g. --http 127.0.0.1:8080)");
        return false;
    }
    return true;
}

// --share: each MQTT endpoint subscribes only to its rules' triggers, as shared subscriptions.
bool shareSubscriptions(Workspace &workspace, const QList<Rule> &rules, const QString &group, QString *error)
{
    for (const Rule &rule : rules) {
        QString why;
        if (rule.isStateful(&why)) {
            *error = tr("--share: rule \"%1\" cannot share its messages with other instances: %2").arg(rule.name, why);
            return false;
        }
    }
    QList<EndpointConfig> endpoints = workspace.endpoints();
    for (EndpointConfig &endpoint : endpoints) {
        if (endpoint.url.protocol() != Protocol::Mqtt)
            continue;
        QStringList filters;
        for (const Rule &rule : rules) {
            if (!rule.enabled)
                continue;
            for (const RuleTrigger &trigger : rule.triggers) {
                if (trigger.resource.endpoint() == endpoint.url.endpoint()) {
                    const QString filter = QStringLiteral("$share/%1/%2").arg(group, trigger.resource.topic());
                    if (!filters.contains(filter))
                        filters.append(filter);
                }
            }
        }
        endpoint.filters = filters;
    }
    workspace.setEndpoints(endpoints);
    return true;
}

} // namespace

int runRules(const QStringList &args)
{
    RunOptions options;
    QString error;
    if (!parse(args, &options, &error)) {
        printErr(error);
        printErr(tr("usage: thingscape run WORKSPACE [--for S] [--dry-run] [--share GROUP] [--record [PATH]] "
                    "[--http ADDR:PORT [--coap ADDR:PORT] [--token-file F] [--read-only] [--max-body BYTES]]"));
        return ExitUsage;
    }
    QString notice;
    if (options.gateway.httpGiven && !resolveGatewayToken(&options.gateway, &notice, &error)) {
        printErr(error);
        return ExitUsage;
    }
    if (!notice.isEmpty())
        printErr(notice);
    std::optional<Workspace> workspace = Workspace::load(options.common.path, &error);
    if (!workspace) {
        printErr(error);
        return ExitUsage;
    }
    RuleProblem problem;
    const std::optional<QList<Rule>> rules = RuleEngine::parse(workspace->rules(), &problem);
    if (!rules) {
        printErr(tr("Cannot run the workspace '%1': %2: %3")
                     .arg(options.common.path, Workspace::locate(options.common.path, problem.where), problem.message));
        return ExitUsage;
    }
    for (const QString &warning : RuleSet::warnings(*rules))
        printErr(tr("warning: %1").arg(warning));
    if (!options.share.isEmpty() && !shareSubscriptions(*workspace, *rules, options.share, &error)) {
        printErr(error);
        return ExitUsage;
    }

    Engine engine;
    HeadlessSecretProvider secrets;
    engine.setSecretProvider(&secrets);
    engine.setRulesAutoStart(false);
    // --http: the same gateway as `serve`, next to the rules.
    Gateway gateway(&engine);
    if (options.gateway.httpGiven && !gateway.start(options.gateway.gateway, &error)) {
        printErr(error);
        return ExitUsage;
    }
    RuleEngine *ruleEngine = engine.rules();
    ruleEngine->setDryRun(options.dryRun);
    QObject::connect(ruleEngine, &RuleEngine::traced, [](const RuleTrace &trace) { printLine(trace.toJson()); });
    QObject::connect(ruleEngine, &RuleEngine::notified,
                     [](const QString &rule, const QString &title, const QString &text, qint64 timeMs) {
                         printLine(QJsonObject{
                             {QStringLiteral("notify"), text},
                             {QStringLiteral("title"), title},
                             {QStringLiteral("rule"), rule},
                             {QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs)}});
                     });
    QObject::connect(ruleEngine, &RuleEngine::logged, [](const QString &rule, const QString &text, qint64) {
        printErr(QStringLiteral("%1: %2").arg(rule, text));
    });
    QObject::connect(ruleEngine, &RuleEngine::statusChanged, [ruleEngine](const QString &id) {
        static QHash<QString, QString> told;
        const RuleStatus status = ruleEngine->status(id);
        if (status.suspended && told.value(id) != status.lastError) {
            told.insert(id, status.lastError);
            printErr(tr("rule \"%1\" %2").arg(status.name, status.lastError));
        }
    });

    int exitCode = ExitSuccess;
    bool started = false;
    // The endpoints that have not yet told how their first attempt went.
    QSet<QString> pending;
    QStringList failures;
    auto startRules = [&] {
        if (started)
            return;
        started = true;
        if (!pending.isEmpty() || engine.endpoints()->connectedCount() == 0) {
            if (!engine.endpoints()->endpoints().isEmpty() && engine.endpoints()->connectedCount() == 0) {
                printErr(tr("no endpoint could be reached: %1")
                             .arg(failures.isEmpty() ? tr("none answered within %1 s").arg(kFirstOutcomeMs / 1000)
                                                     : failures.join(QStringLiteral("; "))));
                exitCode = ExitConnection;
                QCoreApplication::exit(ExitConnection);
                return;
            }
        }
        for (const QString &failure : std::as_const(failures))
            printErr(failure);
        ruleEngine->start();
    };
    auto settle = [&](const QString &id) {
        if (!pending.contains(id))
            return;
        const EndpointManager::Status status = engine.endpoints()->status(id);
        if (status.state == ConnectorState::Connected) {
            pending.remove(id);
        } else if ((status.state == ConnectorState::BackingOff || status.state == ConnectorState::Error)
                   && !status.lastError.isEmpty()) {
            pending.remove(id);
            failures.append(tr("endpoint %1: %2").arg(id, status.lastError));
        } else {
            return;
        }
        if (pending.isEmpty())
            startRules();
    };
    QObject::connect(engine.endpoints(), &EndpointManager::endpointChanged, &engine, settle);
    QObject::connect(&engine, &Engine::connectFailed, &engine, [&](const QString &id, const QString &why) {
        if (pending.remove(id)) {
            failures.append(tr("endpoint %1: %2").arg(id, why));
            if (pending.isEmpty())
                startRules();
        }
    });
    for (const EndpointConfig &config : workspace->endpoints()) {
        if (config.autoConnect)
            pending.insert(config.id);
    }
    engine.apply(*workspace, options.common.path);
    if (gateway.isRunning()) {
        const QByteArray line = gatewayReadyLine(gateway);
        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
        std::fflush(stdout);
    }
    // An endpoint id the manager generated differs from the file's empty one.
    pending.clear();
    for (const EndpointConfig &config : engine.endpoints()->endpoints()) {
        if (config.autoConnect)
            pending.insert(config.id);
    }
    if (options.record) {
        RecordingConfig recording = engine.recordingConfig();
        recording.enabled = true;
        if (!options.recordPath.isEmpty())
            recording.database = options.recordPath;
        if (!engine.startRecording(recording, &error)) {
            printErr(error);
            return ExitUsage;
        }
    }
    if (engine.recordingConfig().enabled || options.record) {
        Recorder *recorder = engine.recorder();
        QObject::connect(recorder, &Recorder::errorOccurred, &engine, [recorder](const QString &why) {
            printErr(why);
            // A database that cannot be opened: nothing would be recorded, so do not run.
            if (recorder->state() == Recorder::State::Off)
                QCoreApplication::exit(ExitUsage);
        });
    }
    for (const QString &id : QSet<QString>(pending))
        settle(id);
    if (pending.isEmpty())
        QTimer::singleShot(0, &engine, startRules);
    QTimer::singleShot(kFirstOutcomeMs, &engine, startRules);

    if (exitCode != ExitSuccess)
        return exitCode;
    const int code = runHeadlessLoop(&engine, options.common.forSeconds);
    gateway.stop();
    ruleEngine->stop();
    engine.disconnectAll();
    return code;
}

} // namespace thingscape
