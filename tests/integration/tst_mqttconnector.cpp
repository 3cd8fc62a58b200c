#include "mqtttesthelpers.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/connectorfactory.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QCoro/QCoroTask>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <vector>

using namespace thingscape;
using namespace std::chrono_literals;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

// A connector wired to a store, as the application does it.
struct Client
{
    std::unique_ptr<MqttConnector> connector;
    std::unique_ptr<ResourceStore> store = std::make_unique<ResourceStore>();
    QList<Update> updates;

    explicit Client(const EndpointConfig &config)
        : connector(std::make_unique<MqttConnector>(config))
    {
        QObject::connect(connector.get(), &Connector::updatesReady, store.get(), &ResourceStore::ingest);
        QObject::connect(connector.get(), &Connector::updatesReady, store.get(),
                         [this](const UpdateBatch &batch) { updates += batch; });
    }
    Result connect() { return QCoro::waitFor(connector->connectToEndpoint()); }
    const Resource *find(const QString &uri) const { return store->find(rid(uri)); }
};

EndpointConfig configFor(quint16 port, const QString &scheme = QStringLiteral("mqtt"))
{
    EndpointConfig config;
    config.url = ResourceId::fromParts(scheme, QStringLiteral("127.0.0.1"), port, {});
    return config;
}

} // namespace

class TestMqttConnector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void discoversPlainAndRetainedTopics();
    void homeAssistantDiscovery();
    void homeAssistantDeviceBasedDiscovery();
    void homieV4();
    void homieV5();
    void publishAndReadBack();
    void qos1WriteResolvesAfterPuback();
    void manyWritesInFlightEachGetTheirAck();
    void mqtt5ContentTypeAndUserProperties();
    void readGivesRetainedOrTimesOut();
    void oversizeMessageIsShownWithItsSize();
    void brokerDropsOverMaximumPacketSize();
    void clearsRetainedSubtree();
    void refusedConnectionNamesHost();
    void wrongPasswordIsAuthError();
    void tls();
    void reconnectsAndResubscribesAfterBrokerRestart();
    void persistentSessionLosesNoQos1Message();
    void resumedSessionDeliversEveryQueuedMessage();
    void worksOnAnotherThread();
    void factoryMakesMqttConnectors();

private:
    testsupport::Mosquitto m_broker;
    QString m_ep;
};

void TestMqttConnector::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    QVERIFY(m_broker.start());
    m_ep = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
}

void TestMqttConnector::discoversPlainAndRetainedTopics()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("plain"));
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/temp", "-m", "21.5"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/obj", "-m", R"({"a":1,"b":[true,"x"]})"}), 0);

    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QCOMPARE(client.connector->state(), ConnectorState::Connected);
    // A live (not retained) message during the window.
    QTimer::singleShot(400, [this, prefix] { mqtttest::publish(m_broker.port(), {"-t", prefix + "/live", "-m", "hello"}); });
    const Result result = QCoro::waitFor(client.connector->discover(rid(m_ep + prefix + "/#"), 1500ms));
    QVERIFY2(result.ok(), qPrintable(result.error));

    const Resource *temp = client.find(m_ep + prefix + "/temp");
    QVERIFY(temp);
    QCOMPARE(temp->value().raw, QByteArray("21.5"));
    QCOMPARE(temp->metadata().retained.valueOr(false), true);
    QCOMPARE(temp->metadata().retained.source, MetaSource::Protocol);
    QCOMPARE(temp->value().kind(), ValueKind::Number);
    QCOMPARE(temp->value().toDouble(), 21.5);

    const Resource *obj = client.find(m_ep + prefix + "/obj");
    QVERIFY(obj);
    QCOMPARE(obj->value().kind(), ValueKind::Structure);

    const Resource *live = client.find(m_ep + prefix + "/live");
    QVERIFY(live);
    QCOMPARE(live->value().raw, QByteArray("hello"));
    QCOMPARE(live->metadata().retained.valueOr(true), false);
    QVERIFY(client.connector->retainedTopics().contains(prefix + "/temp"));
    QVERIFY(!client.connector->retainedTopics().contains(prefix + "/live"));
}

void TestMqttConnector::homeAssistantDiscovery()
{
    const QString node = mqtttest::uniquePrefix(QStringLiteral("ha")).section(QLatin1Char('/'), -1);
    const QString base = QStringLiteral("home/%1/kitchen").arg(node);
    const QString configTopic = QStringLiteral("homeassistant/sensor/%1/temp/config").arg(node);
    const QString config = QStringLiteral(
        R"({"~":"%1","name":"Kitchen temperature","stat_t":"~/state","cmd_t":"~/set","unit_of_meas":"°C",)"
        R"("dev_cla":"temperature","uniq_id":"%2-t","val_tpl":"{{ value_json.t }}","dev":{"name":"Kitchen sensor","ids":["%2"]}})")
                               .arg(base, node);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-m", config}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", base + "/state", "-m", "22.5"}), 0);

    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(m_ep + "homeassistant/#"))).ok());
    QVERIFY(QCoro::waitFor(client.connector->discover(rid(m_ep + "home/" + node + "/#"), 800ms)).ok());
    client.connector->flush();

    const QString stateUri = m_ep + base + "/state";
    const Resource *state = client.find(stateUri);
    QVERIFY(state);
    const Metadata &meta = state->metadata();
    QCOMPARE(*meta.title, QStringLiteral("Kitchen temperature"));
    QCOMPARE(meta.title.source, MetaSource::MqttConvention);
    QCOMPARE(*meta.unit, QStringLiteral("°C"));
    QCOMPARE(meta.extra.value("deviceClass").toString(), QStringLiteral("temperature"));
    QCOMPARE(meta.extra.value("uniqueId").toString(), node + "-t");
    QCOMPARE(meta.extra.value("valueTemplate").toString(), QStringLiteral("{{ value_json.t }}"));
    QCOMPARE(meta.extraSource, MetaSource::MqttConvention);
    QCOMPARE(*meta.device, QStringLiteral("Kitchen sensor"));
    QCOMPARE(*meta.commandUri, m_ep + base + "/set");
    QCOMPARE(meta.writable.valueOr(false), true);
    QCOMPARE(meta.writable.source, MetaSource::MqttConvention);
    QCOMPARE(state->value().raw, QByteArray("22.5"));

    // Writing the state resource publishes to the command topic.
    QProcess sub;
    QVERIFY(testsupport::startSubscriber(&sub, m_broker.port(), {"-t", base + "/set", "-C", "1", "-W", "10"}));
    WriteOptions options;
    options.qos = 1;
    const Result written = QCoro::waitFor(client.connector->write(rid(stateUri), "23", options));
    QVERIFY2(written.ok(), qPrintable(written.error));
    QVERIFY(sub.state() == QProcess::NotRunning || sub.waitForFinished(15000));
    QCOMPARE(testsupport::subscriberPayloads(sub.readAllStandardOutput()).trimmed(), QByteArray("23"));

    // An empty retained config removes the entity.
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-n"}), 0);
    QTRY_VERIFY(!client.find(stateUri));
    QVERIFY(!client.find(m_ep + configTopic));
}

void TestMqttConnector::homeAssistantDeviceBasedDiscovery()
{
    const QString id = mqtttest::uniquePrefix(QStringLiteral("had")).section(QLatin1Char('/'), -1);
    const QString configTopic = QStringLiteral("homeassistant/device/%1/config").arg(id);
    const QString config = QStringLiteral(
        R"({"dev":{"ids":"%1","name":"Hall unit","mf":"Acme"},"o":{"name":"fw"},"stat_t":"hall/%1/state",)"
        R"("cmps":{"hum":{"p":"sensor","name":"Humidity","unit_of_meas":"%","dev_cla":"humidity","uniq_id":"%1h"},)"
        R"("fan":{"p":"switch","name":"Fan","stat_t":"hall/%1/fan","cmd_t":"hall/%1/fan/set"}}})")
                               .arg(id);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-m", config}), 0);

    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(m_ep + "homeassistant/device/" + id + "/#"))).ok());
    QTRY_VERIFY(client.find(m_ep + "hall/" + id + "/fan"));
    client.connector->flush();

    const Resource *hum = client.find(m_ep + "hall/" + id + "/state");
    QVERIFY(hum);
    QCOMPARE(*hum->metadata().title, QStringLiteral("Humidity"));
    QCOMPARE(*hum->metadata().unit, QStringLiteral("%"));
    QCOMPARE(hum->metadata().extra.value("deviceClass").toString(), QStringLiteral("humidity"));
    QCOMPARE(*hum->metadata().device, QStringLiteral("Hall unit"));
    QVERIFY(!hum->metadata().writable.isSet());
    const Resource *fan = client.find(m_ep + "hall/" + id + "/fan");
    QCOMPARE(*fan->metadata().commandUri, m_ep + "hall/" + id + "/fan/set");
    QCOMPARE(fan->metadata().writable.valueOr(false), true);
    QCOMPARE(fan->metadata().extra.value("component").toString(), QStringLiteral("switch"));

    // A component reduced to its platform is removed; the rest stays.
    const QString reduced = QStringLiteral(R"({"dev":{"ids":"%1","name":"Hall unit"},"stat_t":"hall/%1/state",)"
                                           R"("cmps":{"hum":{"p":"sensor","name":"Humidity"},"fan":{"p":"switch"}}})")
                                .arg(id);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-m", reduced}), 0);
    QTRY_VERIFY(!client.find(m_ep + "hall/" + id + "/fan"));
    QVERIFY(client.find(m_ep + "hall/" + id + "/state"));
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-n"}), 0);
    QTRY_VERIFY(!client.find(m_ep + "hall/" + id + "/state"));
}

void TestMqttConnector::homieV4()
{
    const QString dev = mqtttest::uniquePrefix(QStringLiteral("homie")).section(QLatin1Char('/'), -1);
    const QString d = QStringLiteral("homie/") + dev;
    const QList<QPair<QString, QString>> topics = {
        {"/$homie", "4.0"},
        {"/$name", "Boiler"},
        {"/$state", "ready"},
        {"/$nodes", "heater"},
        {"/heater/$name", "Heater"},
        {"/heater/$properties", "temperature,power"},
        {"/heater/temperature/$name", "Water temperature"},
        {"/heater/temperature/$datatype", "float"},
        {"/heater/temperature/$unit", "°C"},
        {"/heater/temperature/$format", "0:100"},
        {"/heater/temperature", "55.5"},
        {"/heater/power/$name", "Power"},
        {"/heater/power/$datatype", "boolean"},
        {"/heater/power/$settable", "true"},
        {"/heater/power", "true"},
    };
    for (const auto &[topic, payload] : topics)
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + topic, "-m", payload}), 0);

    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(m_ep + d + "/#"))).ok());
    // The broker sends the retained messages in its own order: wait until every one that the
    // checks below read has arrived (that each was applied correctly is what they check).
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Resource *power = client.find(m_ep + d + "/heater/power");
            const Resource *temperature = client.find(m_ep + d + "/heater/temperature");
            if (!power || !temperature)
                return false;
            const Metadata &meta = temperature->metadata();
            return power->metadata().writable.isSet() && power->metadata().commandUri.isSet() && meta.title.isSet()
                && meta.unit.isSet() && meta.device.isSet() && meta.extra.contains(QStringLiteral("datatype"))
                && meta.extra.contains(QStringLiteral("format")) && temperature->state() == ResourceState::Online;
        }(),
        10000);

    const Resource *temperature = client.find(m_ep + d + "/heater/temperature");
    QVERIFY(temperature);
    const Metadata &meta = temperature->metadata();
    QCOMPARE(*meta.title, QStringLiteral("Water temperature"));
    QCOMPARE(meta.title.source, MetaSource::MqttConvention);
    QCOMPARE(*meta.unit, QStringLiteral("°C"));
    QCOMPARE(meta.extra.value("datatype").toString(), QStringLiteral("float"));
    QCOMPARE(meta.extra.value("format").toString(), QStringLiteral("0:100"));
    QCOMPARE(*meta.device, QStringLiteral("Boiler"));
    QVERIFY(!meta.writable.valueOr(false));
    QCOMPARE(temperature->state(), ResourceState::Online);

    const Resource *power = client.find(m_ep + d + "/heater/power");
    QCOMPARE(power->metadata().writable.valueOr(false), true);
    QCOMPARE(*power->metadata().commandUri, m_ep + d + "/heater/power/set");

    // Writing a settable property publishes to its /set topic.
    QProcess sub;
    QVERIFY(testsupport::startSubscriber(&sub, m_broker.port(), {"-t", d + "/heater/power/set", "-C", "1", "-W", "10"}));
    QVERIFY(QCoro::waitFor(client.connector->write(rid(m_ep + d + "/heater/power"), "false", WriteOptions{})).ok());
    QVERIFY(sub.state() == QProcess::NotRunning || sub.waitForFinished(15000));
    QCOMPARE(testsupport::subscriberPayloads(sub.readAllStandardOutput()).trimmed(), QByteArray("false"));

    // The device is lost: its properties go offline.
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + "/$state", "-m", "lost"}), 0);
    QTRY_COMPARE(client.find(m_ep + d + "/heater/temperature")->state(), ResourceState::Offline);
    QCOMPARE(client.find(m_ep + d + "/heater/power")->state(), ResourceState::Offline);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + "/$state", "-m", "ready"}), 0);
    QTRY_COMPARE(client.find(m_ep + d + "/heater/temperature")->state(), ResourceState::Online);
}

void TestMqttConnector::homieV5()
{
    const QString dev = mqtttest::uniquePrefix(QStringLiteral("homie5")).section(QLatin1Char('/'), -1);
    const QString d = QStringLiteral("homie/5/") + dev;
    const QString description = QStringLiteral(
        R"({"homie":"5.0","version":1,"name":"Thermostat","nodes":{"climate":{"name":"Climate","properties":{)"
        R"("setpoint":{"name":"Set point","datatype":"float","unit":"°C","format":"5:30","settable":true},)"
        R"("current":{"name":"Current","datatype":"float","unit":"°C"}}}}})");
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + "/$description", "-m", description}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + "/$state", "-m", "ready"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", d + "/climate/current", "-m", "19.5"}), 0);

    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->discover(rid(m_ep + d + "/#"), 800ms)).ok());
    const Resource *setpoint = client.find(m_ep + d + "/climate/setpoint");
    QVERIFY(setpoint);
    QCOMPARE(*setpoint->metadata().title, QStringLiteral("Set point"));
    QCOMPARE(*setpoint->metadata().unit, QStringLiteral("°C"));
    QCOMPARE(setpoint->metadata().extra.value("datatype").toString(), QStringLiteral("float"));
    QCOMPARE(setpoint->metadata().extra.value("format").toString(), QStringLiteral("5:30"));
    QCOMPARE(*setpoint->metadata().commandUri, m_ep + d + "/climate/setpoint/set");
    QCOMPARE(*setpoint->metadata().device, QStringLiteral("Thermostat"));
    const Resource *current = client.find(m_ep + d + "/climate/current");
    QVERIFY(current);
    QCOMPARE(current->value().raw, QByteArray("19.5"));
    QCOMPARE(current->metadata().writable.valueOr(true), false);
}

void TestMqttConnector::publishAndReadBack()
{
    const QString topic = mqtttest::uniquePrefix(QStringLiteral("pub")) + "/value";
    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    WriteOptions options;
    options.retain = true;
    const Result written = QCoro::waitFor(client.connector->write(rid(m_ep + topic), R"({"on":true})", options));
    QVERIFY2(written.ok(), qPrintable(written.error));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral(R"({"on":true})"));
    // The outgoing message is in the stream too.
    QTRY_VERIFY(std::any_of(client.updates.begin(), client.updates.end(), [](const Update &u) {
        return u.direction == Direction::Out && u.info == QLatin1String("publish qos 0 retain");
    }));
}

void TestMqttConnector::qos1WriteResolvesAfterPuback()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("qos"));
    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    for (int qos : {1, 2}) {
        WriteOptions options;
        options.qos = qos;
        options.retain = true;
        const QString topic = prefix + "/q" + QString::number(qos);
        const Result written = QCoro::waitFor(client.connector->write(rid(m_ep + topic), "acked", options));
        QVERIFY2(written.ok(), qPrintable(written.error));
        // Acknowledged means the broker has it: a new subscriber gets it at once.
        QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}, 1, 2).trimmed(), QStringLiteral("acked"));
    }
}

void TestMqttConnector::mqtt5ContentTypeAndUserProperties()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("v5"));
    EndpointConfig config = configFor(m_broker.port());
    config.mqttVersion = 5;
    Client client(config);
    QVERIFY(client.connect().ok());

    WriteOptions options;
    options.qos = 1;
    options.retain = true;
    options.mediaType = QStringLiteral("application/json");
    options.userProperties = {{"origin", "thingscape"}, {"unit", "C"}};
    QVERIFY(QCoro::waitFor(client.connector->write(rid(m_ep + prefix + "/out"), "[1,2]", options)).ok());
    const QString seen = mqtttest::subscribeOnce(m_broker.port(), {"-V", "5", "-t", prefix + "/out", "-F", "%C|%P|%p"});
    QVERIFY2(seen.startsWith(QStringLiteral("application/json|")), qPrintable(seen));
    QVERIFY2(seen.contains(QStringLiteral("origin:thingscape")), qPrintable(seen));
    QVERIFY2(seen.contains(QStringLiteral("unit:C")), qPrintable(seen));
    QVERIFY(seen.trimmed().endsWith(QStringLiteral("|[1,2]")));

    // Incoming: the content type decides the decoding and shows in the stream.
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(m_ep + prefix + "/in"))).ok());
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-V", "5", "-t", prefix + "/in", "-m", R"({"a":1})", "-D", "publish",
                                                 "content-type", "text/plain", "-D", "publish", "user-property", "k", "v"}),
             0);
    QTRY_VERIFY(client.find(m_ep + prefix + "/in"));
    client.connector->flush();
    const auto it = std::find_if(client.updates.begin(), client.updates.end(),
                                 [&](const Update &u) { return u.id == rid(m_ep + prefix + "/in") && u.value; });
    QVERIFY(it != client.updates.end());
    QVERIFY2(it->info.contains(QStringLiteral("content-type text/plain")), qPrintable(it->info));
    QVERIFY2(it->info.contains(QStringLiteral("k=v")), qPrintable(it->info));
    QCOMPARE(it->value->contentFormat, ContentFormat::Text);
    QCOMPARE(it->value->kind(), ValueKind::String); // text/plain wins over sniffing JSON
}

void TestMqttConnector::readGivesRetainedOrTimesOut()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("read"));
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/kept", "-m", "7"}), 0);
    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    const ReadResult kept = QCoro::waitFor(client.connector->read(rid(m_ep + prefix + "/kept"), 3000ms));
    QVERIFY2(kept.result.ok(), qPrintable(kept.result.error));
    QCOMPARE(kept.value.raw, QByteArray("7"));

    const ReadResult empty = QCoro::waitFor(client.connector->read(rid(m_ep + prefix + "/empty"), 500ms));
    QCOMPARE(empty.result.kind, ErrorKind::Timeout);
    QVERIFY(empty.result.error.contains(prefix + "/empty"));

    // Not retained: the first message within the timeout.
    QTimer::singleShot(300, [this, prefix] { mqtttest::publish(m_broker.port(), {"-t", prefix + "/live", "-m", "x"}); });
    const ReadResult live = QCoro::waitFor(client.connector->read(rid(m_ep + prefix + "/live"), 5000ms));
    QVERIFY2(live.result.ok(), qPrintable(live.result.error));
    QCOMPARE(live.value.raw, QByteArray("x"));

    const ReadResult wildcard = QCoro::waitFor(client.connector->read(rid(m_ep + prefix + "/#"), 500ms));
    QCOMPARE(wildcard.result.kind, ErrorKind::Usage);
}

void TestMqttConnector::manyWritesInFlightEachGetTheirAck()
{
    // Each write waits for its own mid; hundreds in flight at once all resolve, each with its ack.
    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("flight"));
    WriteOptions options;
    options.qos = 1;
    std::vector<QCoro::Task<Result>> writes;
    for (int i = 0; i < 400; ++i)
        writes.push_back(client.connector->write(rid(m_ep + prefix + "/n"), QByteArray::number(i), options));
    int acknowledged = 0;
    for (QCoro::Task<Result> &write : writes) {
        const Result result = QCoro::waitFor(std::move(write));
        QVERIFY2(result.ok(), qPrintable(result.error));
        ++acknowledged;
    }
    QCOMPARE(acknowledged, 400);
}

void TestMqttConnector::oversizeMessageIsShownWithItsSize()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("oversize"));
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/big", "-m", QString(4096, QLatin1Char('a'))}), 0);
    EndpointConfig config = configFor(m_broker.port());
    config.maxMessageBytes = 1024;
    Client client(config);
    QVERIFY(client.connect().ok());
    const ReadResult big = QCoro::waitFor(client.connector->read(rid(m_ep + prefix + "/big"), 3000ms));
    QVERIFY2(big.result.ok(), qPrintable(big.result.error));
    // Shown, with its size, not dropped and not kept.
    QVERIFY(big.value.isOversize());
    QCOMPARE(big.value.oversizeBytes, qint64(4096));
    QVERIFY(big.value.raw.isEmpty());
    QVERIFY2(big.value.error.contains(QLatin1String("oversize: 4 KiB, over the limit of 1 KiB")), qPrintable(big.value.error.get()));
}

void TestMqttConnector::brokerDropsOverMaximumPacketSize()
{
    // A broker of its own that logs what it drops.
    testsupport::Mosquitto broker;
    QVERIFY(broker.start(QStringLiteral("log_type notice\n")));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bigFile = dir.filePath(QStringLiteral("big.bin"));
    {
        QFile file(bigFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        // Over 1 KiB plus the header slack (64 KiB + 1 KiB) the connector allows for.
        QVERIFY(file.write(QByteArray(200 * 1024, 'b')) == 200 * 1024);
    }
    const QString ep = QStringLiteral("mqtt://127.0.0.1:%1/").arg(broker.port());

    for (const int version : {5, 4}) {
        const QString prefix = mqtttest::uniquePrefix(QStringLiteral("maxpacket%1").arg(version));
        const QString topic = prefix + QStringLiteral("/data");
        EndpointConfig config = configFor(broker.port());
        config.mqttVersion = version;
        config.maxMessageBytes = 1024;
        config.clientId = QStringLiteral("maxpacket-v%1").arg(version);
        Client client(config);
        QVERIFY(client.connect().ok());
        QSignalSpy lost(client.connector.get(), &Connector::stateChanged);
        QVERIFY(QCoro::waitFor(client.connector->observe(rid(ep + prefix + "/#"))).ok());
        // When a big message and then a small one are published on the same topic
        QCOMPARE(mqtttest::publish(broker.port(), {"-V", "mqttv5", "-t", topic, "-f", bigFile}), 0);
        QCOMPARE(mqtttest::publish(broker.port(), {"-V", "mqttv5", "-t", topic, "-m", "small"}), 0);
        // Then the small one arrives (after the big one, had the broker sent it)
        QTRY_VERIFY_WITH_TIMEOUT(client.find(ep + topic) && client.find(ep + topic)->value().raw == "small", 15000);
        QList<Update> values;
        for (const Update &update : std::as_const(client.updates)) {
            if (update.id == rid(ep + topic) && update.value)
                values << update;
        }
        if (version == 5) {
            // MQTT 5: the broker knew our Maximum-Packet-Size and dropped the big one.
            QCOMPARE(values.size(), 1);
            // Its log line may still be on its way through the pipe: wait for it, do not sample.
            QString log;
            QTRY_VERIFY2_WITH_TIMEOUT((log += broker.log()).contains(QLatin1String("Dropping too large outgoing PUBLISH for maxpacket-v5")),
                                      qPrintable(log), 15000);
        } else {
            // MQTT 3.1.1 has no such property: it arrives and is shown as oversize with its size.
            QCOMPARE(values.size(), 2);
            QVERIFY(values.at(0).value->isOversize());
            QCOMPARE(values.at(0).value->oversizeBytes, qint64(200 * 1024));
            QVERIFY(!broker.log().contains(QLatin1String("PUBLISH for maxpacket-v4")));
        }
        // The connection stayed up throughout.
        QCOMPARE(client.connector->state(), ConnectorState::Connected);
        QCOMPARE(lost.count(), 0);
    }
}

void TestMqttConnector::clearsRetainedSubtree()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("clear"));
    for (const QString &t : {prefix + "/a", prefix + "/b/c", prefix + "/b/d"})
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", t, "-m", "1"}), 0);
    Client client(configFor(m_broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->discover(rid(m_ep + prefix + "/#"), 500ms)).ok());
    QCOMPARE(client.connector->retainedTopics().size(), 3);

    ClearResult cleared = QCoro::waitFor(client.connector->clearRetained(rid(m_ep + prefix + "/b/#"), true));
    QVERIFY2(cleared.result.ok(), qPrintable(cleared.result.error));
    QCOMPARE(cleared.cleared, 2);
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", prefix + "/#"}, 5, 1).trimmed(), QStringLiteral("1"));
    // Nothing left retained under b: nothing to clear.
    cleared = QCoro::waitFor(client.connector->clearRetained(rid(m_ep + prefix + "/b"), true));
    QVERIFY(cleared.result.ok());
    QCOMPARE(cleared.cleared, 0);
    cleared = QCoro::waitFor(client.connector->clearRetained(rid(m_ep + prefix + "/a"), false));
    QVERIFY(cleared.result.ok());
    QCOMPARE(cleared.cleared, 1);
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", prefix + "/#"}, 5, 1).trimmed(), QString());
    QVERIFY(client.connector->retainedTopics().isEmpty());
}

void TestMqttConnector::refusedConnectionNamesHost()
{
    const quint16 port = testsupport::freeTcpPort();
    Client client(configFor(port));
    const Result result = client.connect();
    QCOMPARE(result.kind, ErrorKind::Connection);
    QVERIFY2(result.error.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QStringLiteral("refused")), qPrintable(result.error));
    // It keeps trying in the background.
    QCOMPARE(client.connector->state(), ConnectorState::BackingOff);
    QVERIFY(client.connector->nextRetry().isValid());
    client.connector->disconnectFromEndpoint();
    QCOMPARE(client.connector->state(), ConnectorState::Disconnected);

    EndpointConfig unknown = configFor(1883);
    unknown.url = ResourceId::fromParts("mqtt", "no-such-host.invalid", 1883, {});
    Client nowhere(unknown);
    const Result unknownResult = nowhere.connect();
    QCOMPARE(unknownResult.kind, ErrorKind::Connection);
    QVERIFY2(unknownResult.error.contains(QStringLiteral("no-such-host.invalid")), qPrintable(unknownResult.error));
    QVERIFY2(unknownResult.error.contains(QStringLiteral("unknown host")), qPrintable(unknownResult.error));
}

void TestMqttConnector::wrongPasswordIsAuthError()
{
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    QVERIFY(broker.startWithPassword(port, QStringLiteral("alice"), QStringLiteral("s3cret")));

    for (int version : {4, 5}) {
        EndpointConfig config = configFor(port);
        config.mqttVersion = version;
        config.username = QStringLiteral("alice");
        config.password = QStringLiteral("wrong");
        Client bad(config);
        const Result refused = bad.connect();
        QCOMPARE(refused.kind, ErrorKind::Auth);
        QVERIFY2(refused.error.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(refused.error));
        QCOMPARE(bad.connector->state(), ConnectorState::Error);

        config.password = QStringLiteral("s3cret");
        Client good(config);
        const Result accepted = good.connect();
        QVERIFY2(accepted.ok(), qPrintable(accepted.error));
    }
}

void TestMqttConnector::tls()
{
    QTemporaryDir dir;
    const mqtttest::TlsFiles files = mqtttest::makeTlsFiles(dir.path());
    QVERIFY2(files.ok(), qPrintable(files.error));
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    const quint16 mutualPort = testsupport::freeTcpPort();
    QVERIFY(broker.start(QStringLiteral("user root\nlistener %1 127.0.0.1\ncafile %2\ncertfile %3\nkeyfile %4\n"
                                        "listener %5 127.0.0.1\ncafile %2\ncertfile %3\nkeyfile %4\n"
                                        "require_certificate true\nallow_anonymous true\n")
                             .arg(port)
                             .arg(files.caCert, files.serverCert, files.serverKey)
                             .arg(mutualPort),
                         false));
    QVERIFY(testsupport::waitForTcpPort(port));
    QVERIFY(testsupport::waitForTcpPort(mutualPort));

    EndpointConfig verified = configFor(port, "mqtts");
    verified.caFile = files.caCert;
    Client good(verified);
    Result result = good.connect();
    QVERIFY2(result.ok(), qPrintable(result.error));
    const QString topic = mqtttest::uniquePrefix("tls");
    WriteOptions retainedQos1;
    retainedQos1.qos = 1;
    retainedQos1.retain = true;
    QVERIFY(QCoro::waitFor(good.connector->write(rid(QStringLiteral("mqtts://127.0.0.1:%1/").arg(port) + topic), "secure",
                                                 retainedQos1))
                .ok());
    const ReadResult back = QCoro::waitFor(good.connector->read(rid(QStringLiteral("mqtts://127.0.0.1:%1/").arg(port) + topic), 3000ms));
    QVERIFY2(back.result.ok(), qPrintable(back.result.error));
    QCOMPARE(back.value.raw, QByteArray("secure"));

    EndpointConfig untrusted = configFor(port, "mqtts");
    untrusted.caFile = files.otherCaCert;
    Client rejected(untrusted);
    result = rejected.connect();
    QCOMPARE(result.kind, ErrorKind::Tls);
    QVERIFY2(result.error.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(result.error));
    QCOMPARE(rejected.connector->state(), ConnectorState::Error);

    EndpointConfig insecure = untrusted;
    insecure.insecure = true;
    Client optedOut(insecure);
    result = optedOut.connect();
    QVERIFY2(result.ok(), qPrintable(result.error));

    EndpointConfig mutual = configFor(mutualPort, "mqtts");
    mutual.caFile = files.caCert;
    mutual.certFile = files.clientCert;
    mutual.keyFile = files.clientKey;
    Client withCert(mutual);
    result = withCert.connect();
    QVERIFY2(result.ok(), qPrintable(result.error));

    EndpointConfig noCert = configFor(mutualPort, "mqtts");
    noCert.caFile = files.caCert;
    Client withoutCert(noCert);
    result = withoutCert.connect();
    QVERIFY(!result.ok());
    QVERIFY(result.kind == ErrorKind::Tls || result.kind == ErrorKind::Connection);

    // The broker goes away under TLS connections: they back off (and nothing dies of SIGPIPE).
    broker.stop();
    QTRY_COMPARE(good.connector->state(), ConnectorState::BackingOff);
    QTRY_COMPARE(withCert.connector->state(), ConnectorState::BackingOff);
}

void TestMqttConnector::reconnectsAndResubscribesAfterBrokerRestart()
{
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const QString ep = QStringLiteral("mqtt://127.0.0.1:%1/").arg(broker.port());
    Client client(configFor(broker.port()));
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(ep + "re/#"))).ok());
    QSignalSpy states(client.connector.get(), &Connector::stateChanged);

    broker.stop();
    QTRY_COMPARE(client.connector->state(), ConnectorState::BackingOff);
    QVERIFY(client.connector->nextRetry() > QDateTime::currentDateTimeUtc().addMSecs(-100));
    QVERIFY(client.connector->lastError().contains(QStringLiteral("127.0.0.1:%1").arg(broker.port())));
    // At least one retry fails (a new, later retry is scheduled): the backoff grows.
    const QDateTime firstRetry = client.connector->nextRetry();
    QTRY_VERIFY_WITH_TIMEOUT(client.connector->state() == ConnectorState::BackingOff
                                 && client.connector->nextRetry() > firstRetry,
                             20000);
    QVERIFY(broker.restart());
    QTRY_COMPARE_WITH_TIMEOUT(client.connector->state(), ConnectorState::Connected, 20000);
    QVERIFY(std::any_of(states.begin(), states.end(), [](const QList<QVariant> &args) {
        return args.first().value<ConnectorState>() == ConnectorState::Connecting;
    }));

    // Re-subscribed: a new message arrives. Retained, so it arrives whether the new SUBACK came
    // before it (delivered live) or after (delivered on subscribing), but only if the connector
    // subscribed again.
    QCOMPARE(mqtttest::publish(broker.port(), {"-r", "-t", "re/after", "-m", "back"}), 0);
    QTRY_VERIFY(client.find(ep + "re/after"));
    QCOMPARE(client.find(ep + "re/after")->value().raw, QByteArray("back"));
}

void TestMqttConnector::persistentSessionLosesNoQos1Message()
{
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("session"));
    EndpointConfig config = configFor(m_broker.port());
    config.cleanSession = false;
    config.clientId = QStringLiteral("tst-") + prefix.section(QLatin1Char('/'), -1);
    Client client(config);
    QCOMPARE(client.connector->subscribeQos(), 1);
    QVERIFY(client.connect().ok());
    QVERIFY(QCoro::waitFor(client.connector->observe(rid(m_ep + prefix + "/#"))).ok());

    client.connector->dropConnection();
    QTRY_COMPARE(client.connector->state(), ConnectorState::BackingOff);
    constexpr int kMessages = 20;
    for (int i = 0; i < kMessages; ++i)
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-q", "1", "-t", prefix + "/m" + QString::number(i), "-m",
                                                     QString::number(i)}),
                 0);
    QTRY_COMPARE_WITH_TIMEOUT(client.connector->state(), ConnectorState::Connected, 20000);
    for (int i = 0; i < kMessages; ++i) {
        const QString uri = m_ep + prefix + "/m" + QString::number(i);
        QTRY_VERIFY2(client.find(uri), qPrintable(uri));
        QCOMPARE(client.find(uri)->value().raw, QByteArray::number(i));
    }
}

// A persistent session resumed by a new connector (a new process, as the command line's watch
// --session or the window after a restart): the broker sends the queued QoS 1 messages right
// after CONNACK, before the connector has subscribed again. Every one of them must arrive,
// counted by its sequence number, however they fall into the connector's reads.
void TestMqttConnector::resumedSessionDeliversEveryQueuedMessage()
{
    testsupport::Mosquitto broker;
    // No cap on the session's queue, few messages in flight: the queue drains in many rounds.
    QVERIFY(broker.start(QStringLiteral("max_queued_messages 0\nmax_inflight_messages 20\n")));
    const QString ep = QStringLiteral("mqtt://127.0.0.1:%1/").arg(broker.port());
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("resume"));
    EndpointConfig config = configFor(broker.port());
    config.cleanSession = false;
    config.clientId = QStringLiteral("tst-resume-") + prefix.section(QLatin1Char('/'), -1);
    constexpr int kMessages = 5000;
    constexpr int kRounds = 3;
    for (int round = 0; round < kRounds; ++round) {
        {
            Client first(config);
            QVERIFY(first.connect().ok());
            QVERIFY(QCoro::waitFor(first.connector->observe(rid(ep + prefix + "/#"))).ok());
            first.connector->disconnectFromEndpoint();
        }
        // Queued while nobody is connected: mosquitto_pub -l publishes one message per line.
        QProcess publisher;
        publisher.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                        {"-h", "127.0.0.1", "-p", QString::number(broker.port()), "-q", "1", "-t", prefix + "/seq",
                         "-l"});
        QVERIFY(publisher.waitForStarted());
        QByteArray lines;
        for (int i = 0; i < kMessages; ++i)
            lines += QByteArray::number(round * kMessages + i) + '\n';
        publisher.write(lines);
        publisher.closeWriteChannel();
        QVERIFY(publisher.waitForFinished(60000));
        QCOMPARE(publisher.exitCode(), 0);

        Client resumed(config);
        std::vector<int> seen(kMessages, 0);
        int distinct = 0;
        QObject::connect(resumed.connector.get(), &Connector::updatesReady, resumed.store.get(),
                         [&](const UpdateBatch &batch) {
                             for (const Update &update : batch) {
                                 if (!update.value || update.direction != Direction::In)
                                     continue;
                                 bool ok = false;
                                 const int n = update.value->raw.toInt(&ok) - round * kMessages;
                                 if (ok && n >= 0 && n < kMessages && seen[size_t(n)]++ == 0)
                                     ++distinct;
                             }
                         });
        QVERIFY(resumed.connect().ok());
        QVERIFY(QCoro::waitFor(resumed.connector->observe(rid(ep + prefix + "/#"))).ok());
        QTRY_COMPARE_WITH_TIMEOUT(distinct, kMessages, 60000);
        resumed.connector->disconnectFromEndpoint();
    }
}

void TestMqttConnector::worksOnAnotherThread()
{
    const QString topic = mqtttest::uniquePrefix(QStringLiteral("thread")) + "/x";
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", topic, "-m", "threaded"}), 0);
    QThread thread;
    thread.start();
    auto connector = std::make_unique<MqttConnector>(configFor(m_broker.port()));
    connector->moveToThread(&thread);
    ResourceStore store;
    connect(connector.get(), &Connector::updatesReady, &store, &ResourceStore::ingest); // queued across threads
    MqttConnector *raw = connector.get();
    QMetaObject::invokeMethod(raw, [raw, this] {
        [](MqttConnector *c, QString ep) -> QCoro::Task<> {
            co_await c->connectToEndpoint();
            co_await c->observe(*ResourceId::parse(ep + "tst/#"));
        }(raw, m_ep);
    });
    QTRY_VERIFY(store.find(rid(m_ep + topic)));
    QCOMPARE(store.find(rid(m_ep + topic))->value().raw, QByteArray("threaded"));
    QMetaObject::invokeMethod(raw, [raw] { raw->disconnectFromEndpoint(); }, Qt::BlockingQueuedConnection);
    // Destroy it on its own thread.
    QMetaObject::invokeMethod(raw, [&connector] { connector.reset(); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
}

void TestMqttConnector::factoryMakesMqttConnectors()
{
    for (const char *scheme : {"mqtt", "mqtts"}) {
        QString error;
        const auto connector = createConnector(configFor(1883, QString::fromLatin1(scheme)), &error);
        QVERIFY2(connector, qPrintable(error));
        QVERIFY(qobject_cast<MqttConnector *>(connector.get()));
    }
}

QTEST_GUILESS_MAIN(TestMqttConnector)
#include "tst_mqttconnector.moc"
