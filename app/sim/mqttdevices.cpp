#include "mqttdevices.h"

#include "devicemodel.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <mosquitto.h>

#include <cmath>
#include <optional>

namespace thingscape::sim {

namespace {

const QByteArray kNodeId = QByteArrayLiteral("thingscape-sim");
const QByteArray kStatusTopic = QByteArrayLiteral("thingscape/status");

QByteArray number(double value, int decimals = 2)
{
    return QByteArray::number(value, 'f', decimals);
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject deviceBlock(const QString &id, const QString &name, const QString &model)
{
    return QJsonObject{
        {QStringLiteral("ids"), QJsonArray{QStringLiteral("thingscape-sim-") + id}},
        {QStringLiteral("name"), name},
        {QStringLiteral("mf"), QStringLiteral("Thingscape")},
        {QStringLiteral("mdl"), model},
        {QStringLiteral("sw"), QStringLiteral(THINGSCAPE_VERSION)},
    };
}

std::optional<bool> parseSwitch(const QByteArray &payload)
{
    const QByteArray text = payload.trimmed().toLower();
    if (text == "on" || text == "1" || text == "true")
        return true;
    if (text == "off" || text == "0" || text == "false")
        return false;
    const QJsonDocument json = QJsonDocument::fromJson(payload);
    if (json.isObject()) {
        const QJsonValue state = json.object().value(QStringLiteral("state"));
        if (state.isString())
            return parseSwitch(state.toString().toUtf8());
        if (state.isBool())
            return state.toBool();
    }
    return std::nullopt;
}

std::optional<double> parseNumber(const QByteArray &payload, const QString &key)
{
    bool ok = false;
    const double value = payload.trimmed().toDouble(&ok);
    if (ok)
        return value;
    const QJsonDocument json = QJsonDocument::fromJson(payload);
    if (json.isObject() && json.object().value(key).isDouble())
        return json.object().value(key).toDouble();
    return std::nullopt;
}

} // namespace

void MqttDevices::MosquittoDeleter::operator()(mosquitto *client) const
{
    mosquitto_destroy(client);
}

MqttDevices::MqttDevices(const std::vector<DeviceModel *> &models, QObject *parent)
    : QObject(parent)
    , m_models(models)
    , m_homieElapsed(models.size(), 0)
    , m_telemetrySequence(models.size(), 0)
{
    for (int i = 0; i < int(m_models.size()); ++i) {
        const DeviceModel *model = m_models[i];
        m_commands.insert(("thingscape/" + model->id(QStringLiteral("thermostat")) + "/setpoint/set").toUtf8(),
                          {Command::Setpoint, i});
        m_commands.insert(("thingscape/" + model->id(QStringLiteral("thermostat")) + "/mode/set").toUtf8(),
                          {Command::Mode, i});
        m_commands.insert(("thingscape/" + model->id(QStringLiteral("plug")) + "/set").toUtf8(), {Command::Plug, i});
        m_commands.insert(("homie/" + model->id(QStringLiteral("weather-station")) + "/outdoor/update-interval/set")
                              .toUtf8(),
                          {Command::UpdateInterval, i});
    }
    m_miscTimer.setInterval(1000);
    connect(&m_miscTimer, &QTimer::timeout, this, [this] {
        mosquitto_loop_misc(m_client.get());
        syncNotifiers();
    });
    m_reconnectTimer.setInterval(1000);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &MqttDevices::connectToBroker);
}

MqttDevices::~MqttDevices()
{
    if (m_client && m_connected) {
        publish(kStatusTopic, "offline");
        for (const DeviceModel *model : m_models)
            publish("homie/" + model->id(QStringLiteral("weather-station")).toUtf8() + "/$state", "disconnected");
        mosquitto_disconnect(m_client.get());
        mosquitto_loop_write(m_client.get(), 1);
    }
    m_readNotifier.reset();
    m_writeNotifier.reset();
    m_client.reset();
}

void MqttDevices::start(quint16 port)
{
    m_port = port;
    const QByteArray clientId = "thingscape-sim-" + QByteArray::number(QCoreApplication::applicationPid());
    m_client.reset(mosquitto_new(clientId.constData(), true, this));
    if (!m_client) {
        emit errorOccurred(QStringLiteral("cannot create an MQTT client"));
        return;
    }
    mosquitto_connect_callback_set(m_client.get(), &MqttDevices::onConnectCallback);
    mosquitto_disconnect_callback_set(m_client.get(), &MqttDevices::onDisconnectCallback);
    mosquitto_message_callback_set(m_client.get(), &MqttDevices::onMessageCallback);
    mosquitto_will_set(m_client.get(), kStatusTopic.constData(), 7, "offline", 0, true);
    connectToBroker();
}

void MqttDevices::connectToBroker()
{
    const int rc = m_connectAttempted ? mosquitto_reconnect_async(m_client.get())
                                   : mosquitto_connect_async(m_client.get(), "127.0.0.1", m_port, 30);
    if (rc != MOSQ_ERR_SUCCESS)
        m_reconnectTimer.start();
    m_connectAttempted = true;
    m_miscTimer.start();
    syncNotifiers();
}

// Library callbacks run inside mosquitto_loop_*; they only post the work.
void MqttDevices::onConnectCallback(mosquitto *, void *self, int rc)
{
    auto *devices = static_cast<MqttDevices *>(self);
    QMetaObject::invokeMethod(devices, [devices, rc] { devices->handleConnected(rc); }, Qt::QueuedConnection);
}

void MqttDevices::onDisconnectCallback(mosquitto *, void *self, int)
{
    auto *devices = static_cast<MqttDevices *>(self);
    QMetaObject::invokeMethod(devices, [devices] { devices->handleDisconnected(); }, Qt::QueuedConnection);
}

void MqttDevices::onMessageCallback(mosquitto *, void *self, const mosquitto_message *message)
{
    auto *devices = static_cast<MqttDevices *>(self);
    QByteArray topic(message->topic);
    QByteArray payload(static_cast<const char *>(message->payload), message->payloadlen);
    QMetaObject::invokeMethod(
        devices,
        [devices, topic = std::move(topic), payload = std::move(payload)] { devices->handleCommand(topic, payload); },
        Qt::QueuedConnection);
}

void MqttDevices::handleConnected(int rc)
{
    if (rc != 0) {
        emit errorOccurred(QStringLiteral("the broker refused the connection: %1")
                               .arg(QString::fromUtf8(mosquitto_connack_string(rc))));
        return;
    }
    m_connected = true;
    for (const char *pattern : {"thingscape/+/setpoint/set", "thingscape/+/mode/set", "thingscape/+/set",
                                "homie/+/outdoor/update-interval/set"})
        mosquitto_subscribe(m_client.get(), nullptr, pattern, 0);
    publish(kStatusTopic, "online");
    for (int i = 0; i < int(m_models.size()); ++i)
        publishDiscovery(i);
    syncNotifiers();
    emit connected();
}

void MqttDevices::handleDisconnected()
{
    m_connected = false;
    syncNotifiers();
    m_reconnectTimer.start();
}

void MqttDevices::handleCommand(const QByteArray &topic, const QByteArray &payload)
{
    const auto it = m_commands.constFind(topic);
    if (it == m_commands.constEnd())
        return;
    DeviceModel *model = m_models[it->model];
    switch (it->command) {
    case Command::Setpoint:
        if (const auto value = parseNumber(payload, QStringLiteral("setpoint")))
            model->setSetpoint(*value);
        publishThermostat(it->model, true);
        break;
    case Command::Mode: {
        const QByteArray mode = payload.trimmed().toLower();
        if (mode == "heat" || mode == "off")
            model->setHeatingEnabled(mode == "heat");
        publishThermostat(it->model, true);
        break;
    }
    case Command::Plug: {
        const QByteArray text = payload.trimmed().toLower();
        if (text == "toggle")
            model->setPlugOn(!model->plugOn());
        else if (const auto on = parseSwitch(payload))
            model->setPlugOn(*on);
        publishPlug(it->model, true);
        break;
    }
    case Command::UpdateInterval:
        if (const auto value = parseNumber(payload, QStringLiteral("value")))
            model->setUpdateInterval(int(*value));
        publish("homie/" + model->id(QStringLiteral("weather-station")).toUtf8() + "/outdoor/update-interval",
                QByteArray::number(model->updateInterval()));
        break;
    }
}

void MqttDevices::publish(const QByteArray &topic, const QByteArray &payload, bool retain)
{
    if (!m_client || !m_connected)
        return;
    mosquitto_publish(m_client.get(), nullptr, topic.constData(), int(payload.size()), payload.constData(), 0,
                      retain);
}

void MqttDevices::publishDiscovery(int index)
{
    const DeviceModel *model = m_models[index];
    const QString thermostat = model->id(QStringLiteral("thermostat"));
    const QString plug = model->id(QStringLiteral("plug"));
    const QString station = model->id(QStringLiteral("weather-station"));
    const QString tBase = QStringLiteral("thingscape/") + thermostat;
    const QString pBase = QStringLiteral("thingscape/") + plug;
    const QString availability = QString::fromLatin1(kStatusTopic);
    const QJsonObject thermostatDevice =
        deviceBlock(thermostat, QStringLiteral("Thermostat") + model->suffix(), QStringLiteral("Simulated thermostat"));
    const QJsonObject plugDevice =
        deviceBlock(plug, QStringLiteral("Smart Plug") + model->suffix(), QStringLiteral("Simulated smart plug"));
    const auto config = [&](const char *component, const QString &object, QJsonObject body) {
        body.insert(QStringLiteral("uniq_id"), QStringLiteral("thingscape-sim-") + object);
        body.insert(QStringLiteral("obj_id"), object);
        body.insert(QStringLiteral("avty_t"), availability);
        publish("homeassistant/" + QByteArray(component) + "/" + kNodeId + "/" + object.toUtf8() + "/config",
                compact(body));
    };

    config("climate", thermostat,
           {{QStringLiteral("name"), QStringLiteral("Thermostat") + model->suffix()},
            {QStringLiteral("curr_temp_t"), tBase + QStringLiteral("/temperature")},
            {QStringLiteral("temp_stat_t"), tBase + QStringLiteral("/setpoint")},
            {QStringLiteral("temp_cmd_t"), tBase + QStringLiteral("/setpoint/set")},
            {QStringLiteral("mode_stat_t"), tBase + QStringLiteral("/mode")},
            {QStringLiteral("mode_cmd_t"), tBase + QStringLiteral("/mode/set")},
            {QStringLiteral("act_t"), tBase + QStringLiteral("/action")},
            {QStringLiteral("modes"), QJsonArray{QStringLiteral("off"), QStringLiteral("heat")}},
            {QStringLiteral("min_temp"), 5},
            {QStringLiteral("max_temp"), 30},
            {QStringLiteral("temp_step"), 0.5},
            {QStringLiteral("temp_unit"), QStringLiteral("C")},
            {QStringLiteral("dev"), thermostatDevice}});
    config("sensor", thermostat + QStringLiteral("-temperature"),
           {{QStringLiteral("name"), QStringLiteral("Thermostat") + model->suffix() + QStringLiteral(" temperature")},
            {QStringLiteral("stat_t"), tBase + QStringLiteral("/temperature")},
            {QStringLiteral("unit_of_meas"), QStringLiteral("°C")},
            {QStringLiteral("dev_cla"), QStringLiteral("temperature")},
            {QStringLiteral("stat_cla"), QStringLiteral("measurement")},
            {QStringLiteral("dev"), thermostatDevice}});
    config("number", thermostat + QStringLiteral("-setpoint"),
           {{QStringLiteral("name"), QStringLiteral("Thermostat") + model->suffix() + QStringLiteral(" setpoint")},
            {QStringLiteral("stat_t"), tBase + QStringLiteral("/setpoint")},
            {QStringLiteral("cmd_t"), tBase + QStringLiteral("/setpoint/set")},
            {QStringLiteral("min"), 5},
            {QStringLiteral("max"), 30},
            {QStringLiteral("step"), 0.5},
            {QStringLiteral("unit_of_meas"), QStringLiteral("°C")},
            {QStringLiteral("dev_cla"), QStringLiteral("temperature")},
            {QStringLiteral("dev"), thermostatDevice}});
    config("switch", plug,
           {{QStringLiteral("name"), QStringLiteral("Smart Plug") + model->suffix()},
            {QStringLiteral("stat_t"), pBase + QStringLiteral("/state")},
            {QStringLiteral("cmd_t"), pBase + QStringLiteral("/set")},
            {QStringLiteral("pl_on"), QStringLiteral("ON")},
            {QStringLiteral("pl_off"), QStringLiteral("OFF")},
            {QStringLiteral("dev_cla"), QStringLiteral("outlet")},
            {QStringLiteral("dev"), plugDevice}});
    config("sensor", plug + QStringLiteral("-power"),
           {{QStringLiteral("name"), QStringLiteral("Smart Plug") + model->suffix() + QStringLiteral(" power")},
            {QStringLiteral("stat_t"), pBase + QStringLiteral("/power")},
            {QStringLiteral("unit_of_meas"), QStringLiteral("W")},
            {QStringLiteral("dev_cla"), QStringLiteral("power")},
            {QStringLiteral("stat_cla"), QStringLiteral("measurement")},
            {QStringLiteral("dev"), plugDevice}});
    config("sensor", plug + QStringLiteral("-energy"),
           {{QStringLiteral("name"), QStringLiteral("Smart Plug") + model->suffix() + QStringLiteral(" energy")},
            {QStringLiteral("stat_t"), pBase + QStringLiteral("/energy")},
            {QStringLiteral("unit_of_meas"), QStringLiteral("Wh")},
            {QStringLiteral("dev_cla"), QStringLiteral("energy")},
            {QStringLiteral("stat_cla"), QStringLiteral("total_increasing")},
            {QStringLiteral("dev"), plugDevice}});
    publishThermostat(index, true);
    publishPlug(index, true);

    // Homie v4: $state init while the description is written, then ready.
    const QByteArray homie = "homie/" + station.toUtf8();
    const QByteArray node = homie + "/outdoor";
    publish(homie + "/$state", "init");
    publish(homie + "/$homie", "4.0");
    publish(homie + "/$name", ("Weather Station" + model->suffix()).toUtf8());
    publish(homie + "/$nodes", "outdoor");
    publish(node + "/$name", "Outdoor");
    publish(node + "/$type", "weather");
    publish(node + "/$properties", "temperature,humidity,pressure,update-interval");
    const auto property = [&](const char *name, const char *title, const char *datatype, const QByteArray &unit) {
        const QByteArray base = node + "/" + name;
        publish(base + "/$name", title);
        publish(base + "/$datatype", datatype);
        publish(base + "/$unit", unit);
    };
    property("temperature", "Temperature", "float", "°C");
    property("humidity", "Humidity", "float", "%");
    property("pressure", "Pressure", "float", "hPa");
    property("update-interval", "Update interval", "integer", "s");
    publish(node + "/humidity/$format", "0:100");
    publish(node + "/update-interval/$format", "1:3600");
    publish(node + "/update-interval/$settable", "true");
    publish(node + "/update-interval", QByteArray::number(model->updateInterval()));
    publishHomieValues(index);
    publish(homie + "/$state", "ready");
}

void MqttDevices::publishThermostat(int index, bool settings)
{
    const DeviceModel *model = m_models[index];
    const QByteArray base = "thingscape/" + model->id(QStringLiteral("thermostat")).toUtf8();
    if (settings) {
        publish(base + "/setpoint", number(model->setpoint(), 1));
        publish(base + "/mode", model->heatingEnabled() ? "heat" : "off");
    }
    publish(base + "/temperature", number(model->thermostatTemperature()));
    publish(base + "/action", !model->heatingEnabled() ? "off" : model->heating() ? "heating" : "idle");
}

void MqttDevices::publishPlug(int index, bool settings)
{
    const DeviceModel *model = m_models[index];
    const QByteArray base = "thingscape/" + model->id(QStringLiteral("plug")).toUtf8();
    if (settings)
        publish(base + "/state", model->plugOn() ? "ON" : "OFF");
    publish(base + "/power", number(model->plugPower(), 1));
    publish(base + "/energy", number(model->plugEnergy(), 1));
}

void MqttDevices::publishHomieValues(int index)
{
    const DeviceModel *model = m_models[index];
    const QByteArray node = "homie/" + model->id(QStringLiteral("weather-station")).toUtf8() + "/outdoor";
    publish(node + "/temperature", number(model->outdoorTemperature()));
    publish(node + "/humidity", number(model->outdoorHumidity(), 1));
    publish(node + "/pressure", number(model->pressure(), 1));
}

QJsonObject MqttDevices::telemetrySequences() const
{
    QJsonObject sequences;
    for (int i = 0; i < int(m_models.size()); ++i)
        sequences.insert(m_models[i]->id(QStringLiteral("door-sensor")), qint64(m_telemetrySequence[i]));
    return sequences;
}

void MqttDevices::publishTelemetry()
{
    if (!m_connected)
        return;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    for (int i = 0; i < int(m_models.size()); ++i) {
        const DeviceModel *model = m_models[i];
        const QString id = model->id(QStringLiteral("door-sensor"));
        const QJsonObject telemetry{
            {QStringLiteral("id"), id},
            {QStringLiteral("open"), model->doorOpen()},
            {QStringLiteral("openings"), model->doorOpenings()},
            {QStringLiteral("temperature"), std::round(model->thermostatTemperature() * 100.0) / 100.0},
            {QStringLiteral("battery"), std::round(model->doorBattery() * 10.0) / 10.0},
            {QStringLiteral("seq"), qint64(++m_telemetrySequence[i])},
            {QStringLiteral("ts"), now},
        };
        publish("site/" + id.toUtf8() + "/telemetry", compact(telemetry));
    }
    syncNotifiers();
}

void MqttDevices::publishStates()
{
    if (!m_connected)
        return;
    for (int i = 0; i < int(m_models.size()); ++i) {
        publishThermostat(i, false);
        publishPlug(i, false);
        if (++m_homieElapsed[i] >= m_models[i]->updateInterval()) {
            m_homieElapsed[i] = 0;
            publishHomieValues(i);
        }
    }
    syncNotifiers();
}

void MqttDevices::syncNotifiers()
{
    const int fd = m_client ? mosquitto_socket(m_client.get()) : -1;
    if (fd != m_fd) {
        m_readNotifier.reset();
        m_writeNotifier.reset();
        m_fd = fd;
        if (fd >= 0) {
            m_readNotifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
            connect(m_readNotifier.get(), &QSocketNotifier::activated, this, [this] {
                checkResult(mosquitto_loop_read(m_client.get(), 1));
                syncNotifiers();
            });
            m_writeNotifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Write);
            connect(m_writeNotifier.get(), &QSocketNotifier::activated, this, [this] {
                checkResult(mosquitto_loop_write(m_client.get(), 1));
                syncNotifiers();
            });
        }
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(mosquitto_want_write(m_client.get()));
}

void MqttDevices::checkResult(int rc)
{
    if (rc == MOSQ_ERR_SUCCESS)
        return;
    // The library has closed the socket; reconnect from the event loop.
    m_connected = false;
    if (!m_reconnectTimer.isActive())
        m_reconnectTimer.start();
}

} // namespace thingscape::sim
