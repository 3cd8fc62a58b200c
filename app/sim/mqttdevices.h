#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

struct mosquitto;
struct mosquitto_message;
class QSocketNotifier;

namespace thingscape::sim {

class DeviceModel;

// The site's MQTT devices, all behind one libmosquitto client driven by the Qt event
// loop: Home Assistant discovery (thermostat, smart plug), Homie v4 (weather station)
// and plain JSON telemetry (door sensor). Commands on the command topics are applied
// to the device models.
class MqttDevices : public QObject
{
    Q_OBJECT

public:
    MqttDevices(const std::vector<DeviceModel *> &models, QObject *parent = nullptr);
    ~MqttDevices() override;

    void start(quint16 port);
    bool isConnected() const { return m_connected; }

    // Fast tick (the --rate): one JSON telemetry message per door sensor.
    void publishTelemetry();
    // Slow tick (1 Hz): Home Assistant states, Homie values when their interval is due.
    void publishStates();
    // The "seq" of each door sensor's last telemetry message, by device id (0: none yet).
    QJsonObject telemetrySequences() const;

signals:
    // On every (re)connection, once the discovery messages are out.
    void connected();
    void errorOccurred(const QString &message);

private:
    enum class Command {
        Setpoint,
        Mode,
        Plug,
        UpdateInterval,
    };
    struct CommandTarget
    {
        Command command;
        int model;
    };
    struct MosquittoDeleter
    {
        void operator()(mosquitto *client) const;
    };

    static void onConnectCallback(mosquitto *client, void *self, int rc);
    static void onDisconnectCallback(mosquitto *client, void *self, int rc);
    static void onMessageCallback(mosquitto *client, void *self, const mosquitto_message *message);

    void connectToBroker();
    void handleConnected(int rc);
    void handleDisconnected();
    void handleCommand(const QByteArray &topic, const QByteArray &payload);
    void publish(const QByteArray &topic, const QByteArray &payload, bool retain = true);
    void publishDiscovery(int model);
    // settings: also the retained setpoint / mode / switch state, which change only on writes.
    void publishThermostat(int model, bool settings);
    void publishPlug(int model, bool settings);
    void publishHomieValues(int model);
    void syncNotifiers();
    void checkResult(int rc);

    std::vector<DeviceModel *> m_models;   // Not owned.
    std::vector<int> m_homieElapsed;
    std::vector<quint64> m_telemetrySequence;
    QHash<QByteArray, CommandTarget> m_commands;
    std::unique_ptr<mosquitto, MosquittoDeleter> m_client;
    std::unique_ptr<QSocketNotifier> m_readNotifier;
    std::unique_ptr<QSocketNotifier> m_writeNotifier;
    QTimer m_miscTimer;
    QTimer m_reconnectTimer;
    quint16 m_port = 0;
    int m_fd = -1;
    bool m_connected = false;
    bool m_connectAttempted = false;
};

} // namespace thingscape::sim
