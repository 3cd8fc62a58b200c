#include "demolauncher.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

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
    return QStandardPaths::findExecutable(QStringLiteral("thingscape-sim"));
}

void DemoLauncher::start(const QStringList &extraArgs)
{
    const QString program = simulatorPath();
    if (program.isEmpty()) {
        Q_EMIT failed(tr("The simulator thingscape-sim was not found next to thingscape or on PATH."));
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
    Q_EMIT ready(demoWorkspace(endpoints.value(QStringLiteral("mqtt")).toString(),
                               endpoints.value(QStringLiteral("coap")).toString(),
                               endpoints.value(QStringLiteral("http")).toString()));
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
    return workspace;
}

} // namespace thingscape
