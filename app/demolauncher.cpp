#include "demolauncher.h"

#include "model/dashboard/demodashboard.h"
#include "ui/workspacecontroller.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <utility>

namespace thingscape {

DemoLauncher::DemoLauncher(QObject *parent)
    : QObject(parent)
{
}

DemoLauncher::~DemoLauncher()
{
    stop();
}

QString DemoLauncher::simulatorPath()
{
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/thingscape-sim");
    if (QFileInfo(beside).isExecutable())
        return beside;
#ifdef THINGSCAPE_BINDIR_FROM_GUI
    // Installed, the window lives under libexec and the simulator beside `thingscape`.
    const QString installed = QCoreApplication::applicationDirPath()
        + QStringLiteral("/" THINGSCAPE_BINDIR_FROM_GUI "/thingscape-sim");
    if (QFileInfo(installed).isExecutable())
        return QFileInfo(installed).canonicalFilePath();
#endif
    return QStandardPaths::findExecutable(QStringLiteral("thingscape-sim"));
}

void DemoLauncher::start(const QStringList &extraArgs)
{
    stop();
    m_buffer.clear();
    m_ready = false;
    m_failed = false;
    const QString program = simulatorPath();
    if (program.isEmpty()) {
        fail(tr("The simulator thingscape-sim was not found next to thingscape or on PATH."));
        return;
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &DemoLauncher::readOutput);
    connect(m_process.get(), &QProcess::errorOccurred, this, [this](QProcess::ProcessError) {
        fail(tr("The simulator could not be started: %1").arg(m_process->errorString()));
    });
    connect(m_process.get(), &QProcess::finished, this, [this](int code, QProcess::ExitStatus) {
        fail(tr("The simulator exited (code %1) before it was ready.").arg(code));
    });
    m_process->start(program, QStringList{QStringLiteral("--print-endpoints")} + extraArgs);
}

void DemoLauncher::stop()
{
    if (!m_process)
        return;
    disconnect(m_process.get(), nullptr, this, nullptr);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(2000);
        }
    }
    m_process.reset();
}

void DemoLauncher::fail(const QString &error)
{
    // Only the first problem is worth a message: the rest follow from it.
    if (m_ready || m_failed)
        return;
    m_failed = true;
    if (m_saved) {
        Q_EMIT failed(tr("The demo site of %1 is not running and could not be started again, so its endpoints "
                         "cannot be reached: %2")
                          .arg(m_savedPath, error));
        return;
    }
    Q_EMIT failed(error);
}

void DemoLauncher::readOutput()
{
    m_buffer += m_process->readAllStandardOutput();
    if (m_ready || m_failed)
        return;
    const qsizetype newline = m_buffer.indexOf('\n');
    if (newline < 0)
        return;
    const QByteArray line = m_buffer.left(newline).trimmed();
    m_buffer.remove(0, newline + 1);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line, &error);
    if (!document.isObject()) {
        fail(tr("The simulator printed something unexpected: %1").arg(QString::fromUtf8(line.left(200))));
        return;
    }
    const QJsonObject endpoints = document.object();
    m_ready = true;
    const QString mqtt = endpoints.value(QStringLiteral("mqtt")).toString();
    const QString coap = endpoints.value(QStringLiteral("coap")).toString();
    const QString http = endpoints.value(QStringLiteral("http")).toString();
    if (m_saved) {
        const Workspace saved = *std::exchange(m_saved, std::nullopt);
        Q_EMIT reopened(rebind(saved, mqtt, coap, http), m_savedPath);
        return;
    }
    Q_EMIT ready(demoWorkspace(mqtt, coap, http));
}

bool DemoLauncher::isDemoWorkspace(const Workspace &workspace)
{
    return workspace.extra().value(QStringLiteral("demo")).toBool();
}

namespace {

// Every string in the JSON that is the old endpoint URI or a URI under it, moved to the new one.
QJsonValue rebound(const QJsonValue &value, const QHash<QString, QString> &moves)
{
    if (value.isString()) {
        const QString text = value.toString();
        for (auto it = moves.cbegin(); it != moves.cend(); ++it) {
            if (text == it.key() || text.startsWith(it.key() + QLatin1Char('/')) || text.startsWith(it.key() + QLatin1Char('?')))
                return it.value() + text.mid(it.key().size());
        }
        return value;
    }
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &item : value.toArray())
            array.append(rebound(item, moves));
        return array;
    }
    if (value.isObject()) {
        QJsonObject object;
        const QJsonObject source = value.toObject();
        for (auto it = source.begin(); it != source.end(); ++it) {
            // Keys can be URIs too (a system's titles by resource).
            QString key = it.key();
            const QJsonValue movedKey = rebound(key, moves);
            object.insert(movedKey.toString(), rebound(it.value(), moves));
        }
        return object;
    }
    return value;
}

} // namespace

Workspace DemoLauncher::rebind(const Workspace &saved, const QString &mqtt, const QString &coap, const QString &http)
{
    const Workspace fresh = demoWorkspace(mqtt, coap, http);
    QHash<QString, QString> moves;
    for (const EndpointConfig &now : fresh.endpoints()) {
        for (const EndpointConfig &before : saved.endpoints()) {
            if (before.id == now.id && before.url.endpointUri() != now.url.endpointUri())
                moves.insert(before.url.endpointUri(), now.url.endpointUri());
        }
    }
    if (moves.isEmpty())
        return saved;
    const QJsonObject json = rebound(saved.toJson(), moves).toObject();
    QString error;
    const auto moved = Workspace::fromJson(json, &error);
    // Only URIs changed, so what loaded before loads again; keep the saved one if not.
    return moved ? *moved : saved;
}

void DemoLauncher::reopen(const Workspace &saved, const QString &path)
{
    m_saved = saved;
    m_savedPath = path;
    start();
}

void DemoLauncher::attach(WorkspaceController *controller)
{
    controller->setOpenHandler([this, controller](const Workspace &workspace, const QString &path) {
        if (!isDemoWorkspace(workspace))
            return false;
        Q_EMIT controller->message(tr("Starting the demo site of %1 again…").arg(path));
        reopen(workspace, path);
        return true;
    });
    connect(this, &DemoLauncher::reopened, controller, [controller](const Workspace &workspace, const QString &path) {
        controller->apply(workspace, path);
        Q_EMIT controller->message(tr("Demo site running again: %1 uses its new ports").arg(path));
    });
    // Without the simulator the workspace still opens as it was (systems, rules, layout);
    // failed() has said why its endpoints cannot be reached.
    connect(this, &DemoLauncher::failed, controller, [this, controller](const QString &error) {
        if (!m_saved)
            return;
        const Workspace saved = *std::exchange(m_saved, std::nullopt);
        controller->apply(saved, m_savedPath);
        Q_EMIT controller->message(error);
    });
}

Workspace DemoLauncher::demoWorkspace(const QString &mqtt, const QString &coap, const QString &http)
{
    Workspace workspace;
    QList<EndpointConfig> endpoints;
    auto addEndpoint = [&endpoints](const QString &url, const QString &name) {
        const auto id = ResourceId::parse(url);
        if (!id)
            return;
        EndpointConfig config;
        config.id = QStringLiteral("demo-") + id->scheme();
        config.name = name;
        config.url = *id;
        config.clientId = QStringLiteral("thingscape-demo");
        endpoints.append(config);
    };
    addEndpoint(mqtt, tr("Demo broker (MQTT)"));
    addEndpoint(coap, tr("Demo CoAP server"));
    addEndpoint(http, tr("Demo WoT things (HTTP)"));
    workspace.setEndpoints(endpoints);

    // The demo system ties a few resources from each protocol together.
    System system;
    system.name = tr("Demo site");
    system.description = tr("Devices of the simulated site across MQTT, CoAP and HTTP");
    for (const QString &uri : {
             mqtt + QStringLiteral("/thingscape/thermostat/temperature"),
             mqtt + QStringLiteral("/thingscape/thermostat/setpoint"),
             mqtt + QStringLiteral("/homie/weather-station/outdoor/temperature"),
             mqtt + QStringLiteral("/site/door-sensor/telemetry"),
             coap + QStringLiteral("/sensors/temperature"),
             coap + QStringLiteral("/meters/energy"),
             coap + QStringLiteral("/actuators/light"),
             http + QStringLiteral("/things/smart-lamp/properties/brightness"),
             http + QStringLiteral("/things/air-quality-monitor/properties/co2"),
         }) {
        if (auto id = ResourceId::parse(uri))
            system.resources.append(*id);
    }
    workspace.setSystems({system});
    // A sample dashboard across the three protocols, with a switch on each.
    workspace.setDashboards(Dashboard::listToJson({DemoDashboard::make(mqtt, coap, http)}));
    // Two sample rules and a bridge across the protocols (the Rules dock and `thingscape run`).
    QJsonArray rules;
    rules.append(QJsonObject{
        {QStringLiteral("name"), tr("Lab light on when the room is stuffy")},
        {QStringLiteral("mode"), QStringLiteral("single")},
        {QStringLiteral("triggers"),
         QJsonArray{QJsonObject{{QStringLiteral("resource"), http + QStringLiteral("/things/air-quality-monitor/properties/co2")},
                                {QStringLiteral("above"), 1000},
                                {QStringLiteral("hysteresis"), 100},
                                {QStringLiteral("for"), 10}}}},
        {QStringLiteral("actions"),
         QJsonArray{QJsonObject{{QStringLiteral("write"), coap + QStringLiteral("/actuators/light")}, {QStringLiteral("value"), QStringLiteral("'on'")}},
                    QJsonObject{{QStringLiteral("notify"), QStringLiteral("'CO2 at ' + value + ' ppm: open a window'")}}}}});
    rules.append(QJsonObject{
        {QStringLiteral("name"), tr("Log the door")},
        {QStringLiteral("mode"), QStringLiteral("queued")},
        {QStringLiteral("triggers"),
         QJsonArray{QJsonObject{{QStringLiteral("resource"), mqtt + QStringLiteral("/site/door-sensor/telemetry")}}}},
        {QStringLiteral("condition"), QStringLiteral("typeof value === 'object' && value !== null")},
        {QStringLiteral("actions"), QJsonArray{QJsonObject{{QStringLiteral("log"), QStringLiteral("'door: ' + JSON.stringify(value)")}}}}});
    rules.append(QJsonObject{{QStringLiteral("name"), tr("CoAP temperature to MQTT in °F")},
                             {QStringLiteral("bridge"), coap + QStringLiteral("/sensors/temperature")},
                             {QStringLiteral("to"), mqtt + QStringLiteral("/thingscape/bridged/temperature-f")},
                             {QStringLiteral("transform"), QStringLiteral("Math.round((value * 1.8 + 32) * 10) / 10")},
                             {QStringLiteral("both_ways"), false}});
    workspace.setRules(rules);
    // Its ports are the simulator's of the moment: opened again, the workspace starts it again.
    QJsonObject extra;
    extra.insert(QStringLiteral("demo"), true);
    workspace.setExtra(extra);
    return workspace;
}

} // namespace thingscape
