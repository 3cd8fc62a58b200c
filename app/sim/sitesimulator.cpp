#include "sitesimulator.h"

#include "coapsite.h"
#include "devicemodel.h"
#include "httpsite.h"
#include "mosquittoprocess.h"
#include "mqttdevices.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

namespace thingscape::sim {

namespace {

void note(const QString &text)
{
    std::fprintf(stderr, "thingscape-sim: %s\n", qPrintable(text));
    std::fflush(stderr);
}

} // namespace

SiteSimulator::SiteSimulator(const SimOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    for (int i = 0; i < m_options.devices; ++i)
        m_models.push_back(std::make_unique<DeviceModel>(i, m_options.devices, m_options.seed));
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(std::max(1, int(std::lround(1000.0 / m_options.rate))));
    connect(&m_tick, &QTimer::timeout, this, &SiteSimulator::tick);
    m_slowTick.setInterval(1000);
    connect(&m_slowTick, &QTimer::timeout, this, &SiteSimulator::slowTick);
}

SiteSimulator::~SiteSimulator()
{
    m_tick.stop();
    m_slowTick.stop();
    m_mqtt.reset();
    if (m_broker) {
        const QString directory = m_broker->directory();
        m_broker.reset();
        note(QStringLiteral("private broker stopped, %1 removed").arg(directory));
    }
    m_coap.reset();
    m_http.reset();
}

bool SiteSimulator::start(QString *error)
{
    std::vector<DeviceModel *> models;
    for (const auto &model : m_models)
        models.push_back(model.get());

    if (m_options.coap) {
        m_coap = std::make_unique<CoapSite>(models);
        if (!m_coap->start(m_options.coapPort, error))
            return false;
        connect(m_coap.get(), &CoapSite::registered, this, [](const QString &location) {
            note(QStringLiteral("registered in the resource directory as %1").arg(location));
        });
        connect(m_coap.get(), &CoapSite::registrationFailed, this, [](const QString &reason) {
            note(QStringLiteral("resource directory registration failed: %1").arg(reason));
        });
        if (!m_options.rdUrl.isEmpty())
            m_coap->registerWithDirectory(m_options.rdUrl);
    }
    if (m_options.http) {
        m_http = std::make_unique<HttpSite>(models);
        if (!m_http->start(m_options.httpPort, error))
            return false;
    }
    if (m_options.mqtt) {
        m_mqttPending = true;
        m_broker = std::make_unique<MosquittoProcess>();
        connect(m_broker.get(), &MosquittoProcess::ready, this, [this] { startMqtt(m_broker->port()); });
        connect(m_broker.get(), &MosquittoProcess::failed, this, [this](const QString &reason) {
            if (m_mqttPending)
                skipMqtt(reason);
            else
                note(QStringLiteral("MQTT: %1").arg(reason));
        });
        m_broker->start(m_options.mqttPort);
        if (!m_broker->directory().isEmpty())
            note(QStringLiteral("private broker config in %1").arg(m_broker->directory()));
    }

    m_clock.start();
    m_tick.start();
    m_slowTick.start();
    checkReady();
    return true;
}

void SiteSimulator::startMqtt(quint16 port)
{
    std::vector<DeviceModel *> models;
    for (const auto &model : m_models)
        models.push_back(model.get());
    m_mqtt = std::make_unique<MqttDevices>(models);
    connect(m_mqtt.get(), &MqttDevices::connected, this, [this] {
        m_mqttPending = false;
        checkReady();
    });
    connect(m_mqtt.get(), &MqttDevices::errorOccurred, this, [](const QString &message) {
        note(QStringLiteral("MQTT: %1").arg(message));
    });
    m_mqtt->start(port);
}

void SiteSimulator::skipMqtt(const QString &reason)
{
    note(QStringLiteral("MQTT part skipped: %1").arg(reason));
    // The broker object stays until shutdown: it is the sender, and it owns the temp dir.
    m_mqtt.reset();
    m_mqttPending = false;
    checkReady();
}

void SiteSimulator::checkReady()
{
    if (m_announced || m_mqttPending)
        return;
    m_announced = true;
    QStringList parts;
    const QJsonObject endpoints = QJsonDocument::fromJson(endpointsJson()).object();
    for (auto it = endpoints.begin(); it != endpoints.end(); ++it)
        parts.append(QStringLiteral("%1 %2").arg(it.key(), it.value().toString()));
    note(tr("%n device set(s) at %1 Hz; listening on %2", nullptr, m_options.devices)
             .arg(m_options.rate)
             .arg(parts.join(QStringLiteral(", "))));
    emit ready();
}

QByteArray SiteSimulator::endpointsJson() const
{
    // Written by hand to keep the documented key order.
    QByteArrayList fields;
    if (m_mqtt && m_broker)
        fields.append("\"mqtt\": \"mqtt://127.0.0.1:" + QByteArray::number(m_broker->port()) + '"');
    if (m_coap)
        fields.append("\"coap\": \"coap://127.0.0.1:" + QByteArray::number(m_coap->port()) + '"');
    if (m_http) {
        fields.append("\"http\": \"http://127.0.0.1:" + QByteArray::number(m_http->port()) + '"');
        fields.append("\"sse\": \"http://127.0.0.1:" + QByteArray::number(m_http->ssePort()) + '"');
    }
    return '{' + fields.join(", ") + '}';
}

QByteArray SiteSimulator::hold()
{
    m_tick.stop();
    m_slowTick.stop();
    note(QStringLiteral("holding every value (SIGUSR1)"));
    const QJsonObject telemetry = m_mqtt ? m_mqtt->telemetrySequences() : QJsonObject();
    const QJsonObject held{{QStringLiteral("held"), QJsonObject{{QStringLiteral("telemetry"), telemetry}}}};
    return QJsonDocument(held).toJson(QJsonDocument::Compact);
}

void SiteSimulator::tick()
{
    const qint64 now = m_clock.elapsed();
    const double dt = (now - m_lastTickMs) / 1000.0;
    m_lastTickMs = now;
    for (const auto &model : m_models)
        model->advance(dt);
    if (m_mqtt)
        m_mqtt->publishTelemetry();
    if (m_coap)
        m_coap->notifyChanged();
    if (m_http)
        m_http->publishEvents();
}

void SiteSimulator::slowTick()
{
    if (m_mqtt)
        m_mqtt->publishStates();
    if (m_coap && ++m_slowTicks % 60 == 0)
        m_coap->recordHistory();
}

} // namespace thingscape::sim
