#pragma once

#include "simoptions.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace thingscape::sim {

class CoapSite;
class DeviceModel;
class HttpSite;
class MosquittoProcess;
class MqttDevices;

// The whole simulated site: the device models, the three protocol fronts and the
// private broker, and the clock that moves them. One timer drives every device, so the
// cost per tick grows with the site, not the number of timers.
class SiteSimulator : public QObject
{
    Q_OBJECT

public:
    explicit SiteSimulator(const SimOptions &options, QObject *parent = nullptr);
    ~SiteSimulator() override;

    // CoAP and HTTP listen before this returns; MQTT follows (ready() says when).
    bool start(QString *error);
    bool isReady() const { return m_announced; }
    // {"mqtt": "mqtt://127.0.0.1:P", "coap": ..., "http": ..., "sse": ...}, parts not running omitted.
    QByteArray endpointsJson() const;
    // Stops every update (the values stay as they are; writes still apply; what is already
    // handed to the broker still goes out) and returns, as one JSON line,
    // {"held": {"telemetry": {"door-sensor": 812, ...}}}: each door sensor's last "seq".
    QByteArray hold();

signals:
    // Emitted once, when every part that will run is listening.
    void ready();

private:
    void tick();
    void slowTick();
    void startMqtt(quint16 port);
    void skipMqtt(const QString &reason);
    void checkReady();

    SimOptions m_options;
    std::vector<std::unique_ptr<DeviceModel>> m_models;
    // Declared before the client so that the client disconnects before the broker stops.
    std::unique_ptr<MosquittoProcess> m_broker;
    std::unique_ptr<MqttDevices> m_mqtt;
    std::unique_ptr<CoapSite> m_coap;
    std::unique_ptr<HttpSite> m_http;
    QTimer m_tick;
    QTimer m_slowTick;
    QElapsedTimer m_clock;
    qint64 m_lastTickMs = 0;
    int m_slowTicks = 0;
    bool m_mqttPending = false;
    bool m_announced = false;
};

} // namespace thingscape::sim
