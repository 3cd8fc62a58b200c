// The simulated site seen through Thingscape's own connectors and command-line verbs:
// every device discovered over each protocol, writes that change later reads, and the
// connectors keeping up with a loaded site.
#include "simulator.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/valueevent.h"
#include "protocols/connectorfactory.h"

#include <QCoro/QCoroTask>
#include <QCborMap>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <limits>

using namespace thingscape;
using namespace std::chrono_literals;

namespace {

QString binary(const QString &name)
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/") + name;
}

// A connector wired to a store, as the app wires them (the store on this thread).
struct Live
{
    explicit Live(const QString &url)
    {
        EndpointConfig config;
        config.url = *ResourceId::parse(url);
        config.clientId = QStringLiteral("tst-simsite-%1").arg(QCoreApplication::applicationPid());
        QString error;
        connector = createConnector(config, &error);
        if (connector)
            QObject::connect(connector.get(), &Connector::updatesReady, &store, &ResourceStore::ingest);
    }
    const Resource *find(const QString &uri) const { return store.find(*ResourceId::parse(uri)); }
    ResourceStore store;
    std::unique_ptr<Connector> connector;
};

// Discovers, and (as the app does) keeps observing what discovery found: for MQTT the filter.
Result connectAndDiscover(Live &live, const QString &root)
{
    Result result = QCoro::waitFor(live.connector->connectToEndpoint());
    if (!result.ok())
        return result;
    const ResourceId rootId = *ResourceId::parse(root);
    if (rootId.protocol() == Protocol::Mqtt) {
        result = QCoro::waitFor(live.connector->observe(
            ResourceId::fromTopic(rootId.endpoint(), rootId.topic().isEmpty() ? QStringLiteral("#") : rootId.topic())));
        if (!result.ok())
            return result;
    }
    result = QCoro::waitFor(live.connector->discover(rootId, 3000ms));
    // Everything the I/O thread handed over up to discovery's end is queued to this thread:
    // deliver it, then hand the pending batch to the store (no sleep that hopes it arrived).
    QCoreApplication::sendPostedEvents();
    live.connector->flush();
    return result;
}

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliResult cli(const QStringList &args, int timeoutMs = 30000)
{
    QProcess process;
    process.start(binary(QStringLiteral("thingscape")), args);
    process.waitForFinished(timeoutMs);
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

QList<QJsonObject> jsonLines(const QByteArray &out)
{
    QList<QJsonObject> objects;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.trimmed().isEmpty())
            objects.append(QJsonDocument::fromJson(line).object());
    }
    return objects;
}

} // namespace

class TestSimSite : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mqttDevicesAreDiscoveredWithTheirConventions();
    void coapDevicesAreDiscoveredAndObserved();
    void httpThingsAreDiscovered();
    void writesChangeLaterReads();
    void cliVerbsSeeEveryProtocol();
    void connectorsKeepUpWithALoadedSite();
    void announcesDeviceSetsInEnglishPlurals();

private:
    testsupport::Simulator m_sim;
};

void TestSimSite::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    QVERIFY(m_sim.start({QStringLiteral("--seed"), QStringLiteral("7")}));
}

void TestSimSite::mqttDevicesAreDiscoveredWithTheirConventions()
{
    Live live(m_sim.mqtt);
    QVERIFY(live.connector);
    const Result result = connectAndDiscover(live, m_sim.mqtt + QStringLiteral("/"));
    QVERIFY2(result.ok(), qPrintable(result.error));

    // Home Assistant: the thermostat's setpoint is titled, has a unit and writes to its command topic
    const Resource *setpoint = live.find(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/setpoint"));
    QVERIFY(setpoint);
    QVERIFY(setpoint->metadata().writable.valueOr(false));
    QCOMPARE(setpoint->metadata().writable.source, MetaSource::MqttConvention);
    QVERIFY(setpoint->metadata().commandUri.valueOr(QString()).endsWith(QStringLiteral("/thingscape/thermostat/setpoint/set")));
    QVERIFY(setpoint->hasValue());
    QVERIFY(setpoint->value().isNumeric());
    // Homie: the weather station's temperature has its unit and datatype
    const Resource *outdoor = live.find(m_sim.mqtt + QStringLiteral("/homie/weather-station/outdoor/temperature"));
    QVERIFY(outdoor);
    QCOMPARE(outdoor->metadata().unit.valueOr(QString()), QStringLiteral("°C"));
    QCOMPARE(outdoor->metadata().unit.source, MetaSource::MqttConvention);
    // Plain JSON telemetry
    const Resource *door = live.find(m_sim.mqtt + QStringLiteral("/site/door-sensor/telemetry"));
    QVERIFY(door);
    QCOMPARE(door->value().kind(), ValueKind::Structure);
    // The plug, with its command topic
    const Resource *plug = live.find(m_sim.mqtt + QStringLiteral("/thingscape/plug/state"));
    QVERIFY(plug);
    QVERIFY(plug->metadata().commandUri.isSet());
}

void TestSimSite::coapDevicesAreDiscoveredAndObserved()
{
    Live live(m_sim.coap);
    QVERIFY(live.connector);
    const Result result = connectAndDiscover(live, m_sim.coap);
    QVERIFY2(result.ok(), qPrintable(result.error));
    for (const char *path : {"/sensors/temperature", "/sensors/humidity", "/sensors/door", "/meters/energy",
                             "/actuators/light", "/actuators/valve", "/logs/history"}) {
        const Resource *resource = live.find(m_sim.coap + QLatin1String(path));
        QVERIFY2(resource, path);
        QCOMPARE(resource->metadata().resourceTypes.source, MetaSource::LinkFormat);
        QVERIFY2(resource->metadata().title.isSet(), path);
    }
    const Resource *temperature = live.find(m_sim.coap + QStringLiteral("/sensors/temperature"));
    QVERIFY(temperature->metadata().observable.valueOr(false));
    QCOMPARE(*temperature->metadata().resourceTypes, QStringList{QStringLiteral("temperature-c")});

    // Observe: notifications keep coming
    const auto id = *ResourceId::parse(m_sim.coap + QStringLiteral("/sensors/temperature"));
    const Result observed = QCoro::waitFor(live.connector->observe(id));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(live.find(id.toString()) && live.find(id.toString())->updateCount() >= 3, 8000);
    live.connector->unobserve(id);

    // The large history log arrives whole through block-wise transfer
    const ReadResult log = QCoro::waitFor(
        live.connector->read(*ResourceId::parse(m_sim.coap + QStringLiteral("/logs/history")), 10000ms));
    QVERIFY2(log.result.ok(), qPrintable(log.result.error));
    QVERIFY(log.value.raw.size() > 4096);
    QVERIFY2(log.value.error.isEmpty(), qPrintable(log.value.error));
}

void TestSimSite::httpThingsAreDiscovered()
{
    Live live(m_sim.http);
    QVERIFY(live.connector);
    const Result result = connectAndDiscover(live, m_sim.http + QStringLiteral("/"));
    QVERIFY2(result.ok(), qPrintable(result.error));
    const Resource *brightness = live.find(m_sim.http + QStringLiteral("/things/smart-lamp/properties/brightness"));
    QVERIFY(brightness);
    QCOMPARE(brightness->metadata().title.source, MetaSource::ThingDescription);
    QVERIFY(brightness->metadata().writable.valueOr(false));
    QVERIFY(live.find(m_sim.http + QStringLiteral("/things/air-quality-monitor/properties/co2")));
    QVERIFY(live.find(m_sim.http + QStringLiteral("/things/smart-lamp/actions/toggle")));
}

void TestSimSite::writesChangeLaterReads()
{
    // MQTT: a setpoint written through the Home Assistant command topic is reported back
    {
        Live live(m_sim.mqtt);
        // Discovery sees the Home Assistant config that names the command topic.
        QVERIFY2(connectAndDiscover(live, m_sim.mqtt + QStringLiteral("/")).ok(), "mqtt");
        const auto setpoint = *ResourceId::parse(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/setpoint"));
        WriteOptions options;
        options.qos = 1;
        const Result written = QCoro::waitFor(live.connector->write(setpoint, "23.5", options));
        QVERIFY2(written.ok(), qPrintable(written.error));
        QTRY_COMPARE_WITH_TIMEOUT(live.find(setpoint.toString())->value().toDouble(), 23.5, 5000);
    }
    // CoAP: the light switched on reads on
    {
        Live live(m_sim.coap);
        QVERIFY(QCoro::waitFor(live.connector->connectToEndpoint()).ok());
        const auto light = *ResourceId::parse(m_sim.coap + QStringLiteral("/actuators/light"));
        for (const QByteArray &state : {QByteArray("on"), QByteArray("off")}) {
            WriteOptions options;
            options.contentFormat = ContentFormat::Text;
            const Result written = QCoro::waitFor(live.connector->write(light, state, options));
            QVERIFY2(written.ok(), qPrintable(written.error));
            const ReadResult read = QCoro::waitFor(live.connector->read(light, 5000ms));
            QVERIFY2(read.result.ok(), qPrintable(read.result.error));
            QVERIFY2(read.value.raw.contains(state), read.value.raw.constData());
        }
    }
    // HTTP: a property written through its Thing Description form reads back
    {
        Live live(m_sim.http);
        QVERIFY(connectAndDiscover(live, m_sim.http + QStringLiteral("/")).ok());
        const auto brightness = *ResourceId::parse(m_sim.http + QStringLiteral("/things/smart-lamp/properties/brightness"));
        WriteOptions options;
        options.contentFormat = ContentFormat::Json;
        const Result written = QCoro::waitFor(live.connector->write(brightness, "37", options));
        QVERIFY2(written.ok(), qPrintable(written.error));
        const ReadResult read = QCoro::waitFor(live.connector->read(brightness, 5000ms));
        QVERIFY2(read.result.ok(), qPrintable(read.result.error));
        QCOMPARE(read.value.toDouble(), 37.0);
    }
}

void TestSimSite::cliVerbsSeeEveryProtocol()
{
    const CliResult mqtt = cli({QStringLiteral("discover"), m_sim.mqtt + QStringLiteral("/"), QStringLiteral("--json"),
                                QStringLiteral("--timeout"), QStringLiteral("2")});
    QCOMPARE(mqtt.exitCode, 0);
    const QList<QJsonObject> mqttLines = jsonLines(mqtt.out);
    QVERIFY(std::any_of(mqttLines.begin(), mqttLines.end(), [](const QJsonObject &o) {
        return o.value(QStringLiteral("uri")).toString().endsWith(QStringLiteral("/thingscape/thermostat/setpoint"))
            && o.value(QStringLiteral("writable")).toBool();
    }));

    const CliResult coap = cli({QStringLiteral("discover"), m_sim.coap, QStringLiteral("--json")});
    QCOMPARE(coap.exitCode, 0);
    const QList<QJsonObject> coapLines = jsonLines(coap.out);
    QVERIFY(coapLines.size() >= 7);
    QVERIFY(std::any_of(coapLines.begin(), coapLines.end(), [](const QJsonObject &o) {
        return o.value(QStringLiteral("uri")).toString().endsWith(QStringLiteral("/sensors/temperature"))
            && o.value(QStringLiteral("rt")).toArray().contains(QStringLiteral("temperature-c"))
            && o.value(QStringLiteral("observable")).toBool();
    }));

    const CliResult http = cli({QStringLiteral("discover"), m_sim.http + QStringLiteral("/"), QStringLiteral("--json")});
    QCOMPARE(http.exitCode, 0);
    const QList<QJsonObject> httpLines = jsonLines(http.out);
    QVERIFY(std::any_of(httpLines.begin(), httpLines.end(), [](const QJsonObject &o) {
        return o.value(QStringLiteral("uri")).toString().endsWith(QStringLiteral("/things/smart-lamp/properties/on"));
    }));

    // put then get, on CoAP
    QCOMPARE(cli({QStringLiteral("put"), m_sim.coap + QStringLiteral("/actuators/valve"), QStringLiteral("42")}).exitCode, 0);
    const CliResult valve = cli({QStringLiteral("get"), m_sim.coap + QStringLiteral("/actuators/valve"), QStringLiteral("--json")});
    QCOMPARE(valve.exitCode, 0);
    QCOMPARE(jsonLines(valve.out).value(0).value(QStringLiteral("value")).toDouble(), 42.0);

    // watch an observable CoAP sensor for three updates
    const CliResult watch = cli({QStringLiteral("watch"), m_sim.coap + QStringLiteral("/sensors/temperature"),
                                 QStringLiteral("--count"), QStringLiteral("3"), QStringLiteral("--timeout"),
                                 QStringLiteral("10"), QStringLiteral("--json")});
    QCOMPARE(watch.exitCode, 0);
    QCOMPARE(jsonLines(watch.out).size(), 3);
}

void TestSimSite::connectorsKeepUpWithALoadedSite()
{
    // 50 device sets at 20 Hz: the JSON telemetry alone is 1,000 MQTT messages a second, plus
    // 50 x 3 observable CoAP sensors at 20 Hz. Keeping up, shown without a clock (a busy machine
    // only makes it take longer): every telemetry message from the first one seen reaches the
    // store, in order, none missing; once the site holds still, the store has each door sensor's
    // last message; every observed CoAP sensor kept notifying. How fresh the values stay under
    // this load (the delay from the device stamp) is bench_soak's "lag" column.
    testsupport::Simulator loaded;
    QVERIFY(loaded.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--devices"), QStringLiteral("50"), QStringLiteral("--rate"), QStringLiteral("20"),
                          QStringLiteral("--no-http")}));
    Live mqtt(loaded.mqtt);
    QVERIFY(connectAndDiscover(mqtt, loaded.mqtt + QStringLiteral("/site/#")).ok());
    Live coap(loaded.coap);
    QVERIFY(connectAndDiscover(coap, loaded.coap).ok());

    // Each door sensor's telemetry "seq" as the store takes it: a step of one is the next
    // message, the same one again a duplicate delivery (overlapping subscriptions), anything
    // else a message lost or out of order.
    struct Telemetry
    {
        qint64 last = -1;
        qint64 received = 0;
        qint64 skipped = 0;
    };
    QHash<QString, Telemetry> telemetry;
    connect(&mqtt.store, &ResourceStore::valueEvents, this, [&telemetry](const ValueEvents &events) {
        for (const ValueEvent &event : events) {
            if (event.derived || !event.id.uri().endsWith(QStringLiteral("/telemetry")))
                continue;
            const QJsonObject message = QJsonDocument::fromJson(event.value.raw).object();
            Telemetry &device = telemetry[message.value(QStringLiteral("id")).toString()];
            const qint64 seq = message.value(QStringLiteral("seq")).toInteger(-1);
            if (device.last >= 0 && seq != device.last && seq != device.last + 1)
                ++device.skipped;
            if (seq != device.last)
                ++device.received;
            device.last = seq;
        }
    });
    QHash<QString, int> notifications; // by CoAP sensor URI
    connect(&coap.store, &ResourceStore::valueEvents, this, [&notifications](const ValueEvents &events) {
        for (const ValueEvent &event : events)
            ++notifications[event.id.uri()];
    });
    QStringList sensors;
    for (const Resource *resource : coap.store.resources()) {
        if (resource->metadata().observable.valueOr(false) && resource->id().path().startsWith(QStringLiteral("/sensors/"))) {
            QVERIFY(QCoro::waitFor(coap.connector->observe(resource->id())).ok());
            sensors.append(resource->id().uri());
        }
    }
    QCOMPARE(sensors.size(), 150);

    // The load runs until every door sensor delivered 200 messages (10 s at full speed), every
    // sensor's value came and every temperature (whose noise changes it nearly every tick; a
    // sensor notifies only a change) notified 20 times, however long a busy machine takes.
    const auto isTemperature = [](const QString &uri) { return uri.contains(QStringLiteral("/sensors/temperature")); };
    const auto loadedLongEnough = [&] {
        if (telemetry.size() < 50)
            return false;
        for (const Telemetry &device : std::as_const(telemetry)) {
            if (device.received < 200)
                return false;
        }
        return std::all_of(sensors.cbegin(), sensors.cend(), [&](const QString &uri) {
            return notifications.value(uri) >= (isTemperature(uri) ? 20 : 1);
        });
    };
    const auto progress = [&] {
        qint64 fewestMessages = telemetry.size() < 50 ? 0 : std::numeric_limits<qint64>::max();
        for (const Telemetry &device : std::as_const(telemetry))
            fewestMessages = std::min(fewestMessages, device.received);
        int fewestTemperature = std::numeric_limits<int>::max();
        int fewest = std::numeric_limits<int>::max();
        for (const QString &uri : std::as_const(sensors)) {
            fewest = std::min(fewest, notifications.value(uri));
            if (isTemperature(uri))
                fewestTemperature = std::min(fewestTemperature, notifications.value(uri));
        }
        return QStringLiteral("%1 door sensors heard, the fewest messages of one: %2; the fewest notifications of a "
                              "CoAP temperature: %3, of any sensor: %4")
            .arg(telemetry.size()).arg(fewestMessages).arg(fewestTemperature).arg(fewest);
    };
    QTRY_VERIFY2_WITH_TIMEOUT(loadedLongEnough(), qPrintable(progress()), 120000);

    // The site holds still and says what it sent last; the store must end with exactly that.
    const QJsonObject held = loaded.hold().value(QStringLiteral("telemetry")).toObject();
    QCOMPARE(held.size(), 50);
    const auto caughtUp = [&] {
        for (auto it = held.begin(); it != held.end(); ++it) {
            if (telemetry.value(it.key()).last != it.value().toInteger())
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(caughtUp(), 60000);
    qint64 received = 0;
    for (auto it = held.begin(); it != held.end(); ++it) {
        const Telemetry device = telemetry.value(it.key());
        QVERIFY2(device.skipped == 0, qPrintable(QStringLiteral("%1: %2 telemetry messages lost or out of order")
                                                     .arg(it.key()).arg(device.skipped)));
        received += device.received;
        // The store's current value is that last message, too.
        const Resource *resource = mqtt.find(loaded.mqtt + QStringLiteral("/site/") + it.key() + QStringLiteral("/telemetry"));
        QVERIFY(resource);
        QCOMPARE(QJsonDocument::fromJson(resource->value().raw).object().value(QStringLiteral("seq")).toInteger(),
                 it.value().toInteger());
    }
    qInfo("%lld telemetry messages in order, none lost; %s", received, qPrintable(progress()));
}

void TestSimSite::announcesDeviceSetsInEnglishPlurals()
{
    // Its own processes (CoAP only: nothing else is needed to announce), in the C locale and in a
    // language without a catalogue of its own: both read English plurals, never "set(s)".
    const QList<std::pair<int, QString>> cases{{1, QStringLiteral("C")}, {3, QStringLiteral("de_DE.UTF-8")}};
    for (const auto &[devices, locale] : cases) {
        QProcess sim;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("LC_ALL"), locale);
        environment.insert(QStringLiteral("LANGUAGE"), locale);
        sim.setProcessEnvironment(environment);
        sim.start(binary(QStringLiteral("thingscape-sim")),
                  {QStringLiteral("--no-mqtt"), QStringLiteral("--no-http"), QStringLiteral("--devices"),
                   QString::number(devices), QStringLiteral("--rate"), QStringLiteral("0.1")});
        QVERIFY2(sim.waitForStarted(10000), qPrintable(sim.errorString()));
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += sim.readAllStandardError()).contains("listening on"), 30000);
        sim.terminate();
        QVERIFY(sim.waitForFinished(30000));
        const QByteArray expected = devices == 1 ? QByteArray("1 device set at ") : QByteArray("3 device sets at ");
        QVERIFY2(err.contains(expected), err.constData());
        QVERIFY2(!err.contains("set(s)"), err.constData());
    }
}

QTEST_GUILESS_MAIN(TestSimSite)
#include "tst_simsite.moc"
