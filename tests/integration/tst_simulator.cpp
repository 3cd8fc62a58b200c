// thingscape-sim checked from the outside with real clients only: mosquitto_sub /
// mosquitto_pub, coap-client, coap-rd and QNetworkAccessManager.

#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

#include <memory>

namespace {

// One running simulator, stopped (SIGTERM) by the destructor.
class Simulator
{
public:
    ~Simulator() { stop(); }

    bool start(const QStringList &extraArgs, const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
    {
        // ctest sets THINGSCAPE_BINARY_DIR; run by hand, the build tree is two levels up.
        QString binaryDir = qEnvironmentVariable("THINGSCAPE_BINARY_DIR");
        if (binaryDir.isEmpty())
            binaryDir = QCoreApplication::applicationDirPath() + QStringLiteral("/../..");
        const QString program = binaryDir + QStringLiteral("/app/thingscape-sim");
        if (!QFile::exists(program)) {
            m_error = QStringLiteral("no %1 (THINGSCAPE_BINARY_DIR not set or not built)").arg(program);
            return false;
        }
        m_process = std::make_unique<QProcess>();
        m_process->setProcessEnvironment(environment);
        QObject::connect(m_process.get(), &QProcess::readyReadStandardError, m_process.get(),
                         [this] { m_stderr += m_process->readAllStandardError(); });
        m_process->start(program, QStringList{QStringLiteral("--print-endpoints")} + extraArgs);
        if (!m_process->waitForStarted(5000)) {
            m_error = m_process->errorString();
            return false;
        }
        QByteArray out;
        const bool gotLine = QTest::qWaitFor(
            [&] {
                out += m_process->readAllStandardOutput();
                return out.contains('\n') || m_process->state() == QProcess::NotRunning;
            },
            15000);
        if (!gotLine || !out.contains('\n')) {
            m_error = QStringLiteral("no endpoint line; stderr: %1").arg(QString::fromLocal8Bit(m_stderr));
            return false;
        }
        QJsonParseError parseError;
        const QJsonDocument json = QJsonDocument::fromJson(out.left(out.indexOf('\n')), &parseError);
        if (!json.isObject()) {
            m_error = QStringLiteral("endpoint line is not JSON: %1").arg(QString::fromUtf8(out));
            return false;
        }
        m_endpoints = json.object();
        return true;
    }

    // SIGTERM; true when the process ended by itself within timeoutMs.
    bool terminate(int timeoutMs)
    {
        if (!m_process || m_process->state() == QProcess::NotRunning)
            return true;
        m_process->terminate();
        return m_process->waitForFinished(timeoutMs);
    }

    void stop()
    {
        if (!m_process)
            return;
        if (!terminate(5000)) {
            m_process->kill();
            m_process->waitForFinished(2000);
        }
        m_stderr += m_process->readAllStandardError();
    }

    quint16 port(const char *key) const { return quint16(QUrl(m_endpoints.value(QLatin1String(key)).toString()).port()); }
    QString url(const char *key) const { return m_endpoints.value(QLatin1String(key)).toString(); }
    const QJsonObject &endpoints() const { return m_endpoints; }
    QProcess *process() const { return m_process.get(); }
    QString error() const { return m_error; }
    QString log()
    {
        if (m_process)
            m_stderr += m_process->readAllStandardError();
        return QString::fromLocal8Bit(m_stderr);
    }

private:
    std::unique_ptr<QProcess> m_process;
    QJsonObject m_endpoints;
    QByteArray m_stderr;
    QString m_error;
};

struct ToolResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

ToolResult run(const QString &program, const QStringList &args, int timeoutMs = 15000)
{
    QProcess process;
    process.start(program, args);
    ToolResult result;
    if (!process.waitForStarted(5000))
        return result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
    }
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

// "topic payload" lines from mosquitto_sub -v, as a map (last payload wins).
QMap<QString, QByteArray> topicMap(const QByteArray &output)
{
    QMap<QString, QByteArray> map;
    for (const QByteArray &line : output.split('\n')) {
        const qsizetype space = line.indexOf(' ');
        if (space > 0)
            map.insert(QString::fromUtf8(line.left(space)), line.mid(space + 1));
        else if (!line.isEmpty())
            map.insert(QString::fromUtf8(line), {});
    }
    return map;
}

QList<qint64> childrenNamed(qint64 pid, const QByteArray &name)
{
    return testsupport::childProcesses(pid, QString::fromUtf8(name));
}

bool tcpPortOpen(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(1000);
}

} // namespace

class TestSimulator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void printsEndpoints();
    void mqttHomeAssistantDiscovery();
    void mqttHomie();
    void mqttJsonTelemetry();
    void mqttWritesTakeEffect();
    void coapWellKnownCore();
    void coapObserve();
    void coapLightAndValveWrites();
    void coapBlockwise();
    void coapSenml();
    void httpThingDescriptions();
    void httpPropertyRoundTrip();
    void httpAction();
    void httpServerSentEvents();
    void resourceDirectoryRegistration();
    void mqttSkippedWithoutBroker();
    void sigtermLeavesNothingBehind();
    void sustainsFiftyDevicesAtTwentyHertz();

private:
    QByteArray mqttSub(const QStringList &topics, int count, int waitSeconds);
    QByteArray coapGet(const QString &path, const QStringList &extra = {});
    std::unique_ptr<QNetworkReply> http(const QByteArray &verb, const QString &url, const QByteArray &body = {});

    Simulator m_sim;
    QString m_mosquittoSub;
    QString m_mosquittoPub;
    QString m_coapClient;
    QNetworkAccessManager m_network;
};

void TestSimulator::initTestCase()
{
    m_mosquittoSub = testsupport::findProgram(QStringLiteral("mosquitto_sub"));
    m_mosquittoPub = testsupport::findProgram(QStringLiteral("mosquitto_pub"));
    m_coapClient = testsupport::findProgram(QStringLiteral("coap-client-openssl"));
    if (m_coapClient.isEmpty())
        m_coapClient = testsupport::findProgram(QStringLiteral("coap-client"));
    QVERIFY2(!m_mosquittoSub.isEmpty() && !m_mosquittoPub.isEmpty(), "install mosquitto-clients");
    QVERIFY2(!m_coapClient.isEmpty(), "install libcoap3-bin");
    QVERIFY2(!testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty(), "install mosquitto");
    QVERIFY2(m_sim.start({QStringLiteral("--seed"), QStringLiteral("1")}), qPrintable(m_sim.error()));
}

void TestSimulator::cleanupTestCase()
{
    QVERIFY2(m_sim.terminate(5000), "still running 5 s after SIGTERM");
    QCOMPARE(m_sim.process()->exitCode(), 0);
}

QByteArray TestSimulator::mqttSub(const QStringList &topics, int count, int waitSeconds)
{
    QStringList args{QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                     QString::number(m_sim.port("mqtt")), QStringLiteral("-v"), QStringLiteral("-W"),
                     QString::number(waitSeconds)};
    if (count > 0)
        args << QStringLiteral("-C") << QString::number(count);
    for (const QString &topic : topics)
        args << QStringLiteral("-t") << topic;
    return run(m_mosquittoSub, args, (waitSeconds + 5) * 1000).out;
}

QByteArray TestSimulator::coapGet(const QString &path, const QStringList &extra)
{
    return run(m_coapClient,
               QStringList{QStringLiteral("-m"), QStringLiteral("get")} + extra +
                   QStringList{m_sim.url("coap") + path})
        .out.trimmed();
}

std::unique_ptr<QNetworkReply> TestSimulator::http(const QByteArray &verb, const QString &url, const QByteArray &body)
{
    QNetworkRequest request{QUrl(url)};
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    std::unique_ptr<QNetworkReply> reply(m_network.sendCustomRequest(request, verb, body));
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
        reply->abort();
    return reply;
}

void TestSimulator::printsEndpoints()
{
    const QJsonObject &endpoints = m_sim.endpoints();
    QVERIFY(endpoints.value(QStringLiteral("mqtt")).toString().startsWith(QStringLiteral("mqtt://127.0.0.1:")));
    QVERIFY(endpoints.value(QStringLiteral("coap")).toString().startsWith(QStringLiteral("coap://127.0.0.1:")));
    QVERIFY(endpoints.value(QStringLiteral("http")).toString().startsWith(QStringLiteral("http://127.0.0.1:")));
    QVERIFY(m_sim.port("mqtt") > 0);
    QVERIFY(m_sim.port("coap") > 0);
    QVERIFY(m_sim.port("http") > 0);
    QVERIFY(tcpPortOpen(m_sim.port("mqtt")));
}

void TestSimulator::mqttHomeAssistantDiscovery()
{
    const auto topics = topicMap(mqttSub({QStringLiteral("homeassistant/#")}, 6, 5));
    QCOMPARE(topics.size(), 6);
    const QJsonObject climate =
        QJsonDocument::fromJson(topics.value(QStringLiteral("homeassistant/climate/thingscape-sim/thermostat/config")))
            .object();
    QCOMPARE(climate.value(QStringLiteral("temp_cmd_t")).toString(), QStringLiteral("thingscape/thermostat/setpoint/set"));
    QCOMPARE(climate.value(QStringLiteral("curr_temp_t")).toString(), QStringLiteral("thingscape/thermostat/temperature"));
    const QJsonObject setpoint =
        QJsonDocument::fromJson(
            topics.value(QStringLiteral("homeassistant/number/thingscape-sim/thermostat-setpoint/config")))
            .object();
    QCOMPARE(setpoint.value(QStringLiteral("cmd_t")).toString(), QStringLiteral("thingscape/thermostat/setpoint/set"));
    QCOMPARE(setpoint.value(QStringLiteral("stat_t")).toString(), QStringLiteral("thingscape/thermostat/setpoint"));
    const QJsonObject temperature =
        QJsonDocument::fromJson(
            topics.value(QStringLiteral("homeassistant/sensor/thingscape-sim/thermostat-temperature/config")))
            .object();
    QCOMPARE(temperature.value(QStringLiteral("unit_of_meas")).toString(), QStringLiteral("°C"));
    const QJsonObject plug =
        QJsonDocument::fromJson(topics.value(QStringLiteral("homeassistant/switch/thingscape-sim/plug/config"))).object();
    QCOMPARE(plug.value(QStringLiteral("cmd_t")).toString(), QStringLiteral("thingscape/plug/set"));
    const QJsonObject power =
        QJsonDocument::fromJson(topics.value(QStringLiteral("homeassistant/sensor/thingscape-sim/plug-power/config")))
            .object();
    QCOMPARE(power.value(QStringLiteral("stat_t")).toString(), QStringLiteral("thingscape/plug/power"));
    QCOMPARE(power.value(QStringLiteral("unit_of_meas")).toString(), QStringLiteral("W"));
}

void TestSimulator::mqttHomie()
{
    const auto topics = topicMap(mqttSub({QStringLiteral("homie/#")}, 0, 2));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/$homie")), QByteArray("4.0"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/$state")), QByteArray("ready"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/$name")), QByteArray("Weather Station"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/$nodes")), QByteArray("outdoor"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/outdoor/$properties")),
             QByteArray("temperature,humidity,pressure,update-interval"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/outdoor/temperature/$datatype")), QByteArray("float"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/outdoor/temperature/$unit")), QByteArray("°C"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/outdoor/humidity/$unit")), QByteArray("%"));
    QCOMPARE(topics.value(QStringLiteral("homie/weather-station/outdoor/update-interval/$settable")),
             QByteArray("true"));
    bool ok = false;
    topics.value(QStringLiteral("homie/weather-station/outdoor/temperature")).toDouble(&ok);
    QVERIFY(ok);
    topics.value(QStringLiteral("homie/weather-station/outdoor/pressure")).toDouble(&ok);
    QVERIFY(ok);
}

void TestSimulator::mqttJsonTelemetry()
{
    // The retained message and at least two live ones (1 Hz).
    const QByteArray output = mqttSub({QStringLiteral("site/#")}, 3, 6);
    const QList<QByteArray> lines = output.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    qint64 lastSequence = -1;
    for (const QByteArray &line : lines) {
        QVERIFY(line.startsWith("site/door-sensor/telemetry "));
        const QJsonObject telemetry = QJsonDocument::fromJson(line.mid(line.indexOf(' ') + 1)).object();
        QVERIFY(telemetry.value(QStringLiteral("open")).isBool());
        QVERIFY(telemetry.value(QStringLiteral("temperature")).isDouble());
        QVERIFY(telemetry.value(QStringLiteral("battery")).isDouble());
        const qint64 sequence = telemetry.value(QStringLiteral("seq")).toInteger();
        QVERIFY(sequence > lastSequence);
        lastSequence = sequence;
    }
}

void TestSimulator::mqttWritesTakeEffect()
{
    const QString port = QString::number(m_sim.port("mqtt"));
    const auto publish = [&](const char *topic, const char *payload) {
        return run(m_mosquittoPub, {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), port,
                                    QStringLiteral("-t"), QLatin1String(topic), QStringLiteral("-m"),
                                    QLatin1String(payload)})
            .exitCode;
    };
    QCOMPARE(publish("thingscape/thermostat/setpoint/set", "29.5"), 0);
    QCOMPARE(publish("thingscape/plug/set", "OFF"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(
        topicMap(mqttSub({QStringLiteral("thingscape/thermostat/setpoint")}, 1, 3))
            .value(QStringLiteral("thingscape/thermostat/setpoint")),
        QByteArray("29.5"), 10000);
    // Far below the new setpoint, the thermostat heats.
    QCOMPARE(topicMap(mqttSub({QStringLiteral("thingscape/thermostat/action")}, 1, 3))
                 .value(QStringLiteral("thingscape/thermostat/action")),
             QByteArray("heating"));
    QTRY_COMPARE_WITH_TIMEOUT(topicMap(mqttSub({QStringLiteral("thingscape/plug/state")}, 1, 3))
                                  .value(QStringLiteral("thingscape/plug/state")),
                              QByteArray("OFF"), 10000);
    QCOMPARE(topicMap(mqttSub({QStringLiteral("thingscape/plug/power")}, 1, 3))
                 .value(QStringLiteral("thingscape/plug/power"))
                 .toDouble(),
             0.0);
    QCOMPARE(publish("thingscape/plug/set", "ON"), 0);
    QTRY_VERIFY_WITH_TIMEOUT(topicMap(mqttSub({QStringLiteral("thingscape/plug/power")}, 1, 3))
                                     .value(QStringLiteral("thingscape/plug/power"))
                                     .toDouble() > 10.0,
                             10000);
    QCOMPARE(publish("homie/weather-station/outdoor/update-interval/set", "7"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(topicMap(mqttSub({QStringLiteral("homie/weather-station/outdoor/update-interval")}, 1, 3))
                                  .value(QStringLiteral("homie/weather-station/outdoor/update-interval")),
                              QByteArray("7"), 10000);
}

void TestSimulator::coapWellKnownCore()
{
    const QByteArray links = coapGet(QStringLiteral("/.well-known/core"));
    QVERIFY2(!links.isEmpty(), "no answer from /.well-known/core");
    QMap<QByteArray, QByteArray> byPath;
    // No title here contains a comma, so splitting on commas is enough.
    for (const QByteArray &link : links.split(',')) {
        const qsizetype end = link.indexOf('>');
        QVERIFY(link.startsWith('<') && end > 0);
        byPath.insert(link.mid(1, end - 1), link.mid(end + 1));
    }
    const auto has = [&](const char *path, const char *attribute) {
        return (byPath.value(path) + ';').contains(QByteArray(";") + attribute + ';');
    };
    for (const char *path : {"/sensors/temperature", "/sensors/humidity", "/sensors/door", "/meters/energy",
                             "/actuators/light", "/actuators/valve"}) {
        QVERIFY2(byPath.contains(path), path);
        QVERIFY2(has(path, "obs"), path);
        QVERIFY2(byPath.value(path).contains(";title=\""), path);
        QVERIFY2(byPath.value(path).contains(";ct="), path);
    }
    QVERIFY(has("/sensors/temperature", "rt=\"temperature-c\""));
    QVERIFY(has("/sensors/temperature", "if=\"core.s\""));
    QVERIFY(has("/sensors/humidity", "rt=\"humidity-rh\""));
    QVERIFY(has("/meters/energy", "ct=110"));
    QVERIFY(has("/actuators/light", "if=\"core.a\""));
    QVERIFY(has("/actuators/light", "ct=\"0 50\""));
    QVERIFY(has("/actuators/valve", "rt=\"valve\""));
    QVERIFY(has("/logs/history", "ct=50"));
    QVERIFY(!has("/logs/history", "obs"));
}

void TestSimulator::coapObserve()
{
    // The lab's temperature is notified when its two-decimal reading changes; left alone it can
    // drift by less than that for seconds (it follows the simulated time of day). With the
    // radiator valve fully open it warms by about 0.02 °C a tick, so the reading changes on
    // almost every tick: the registration's answer plus at least one notification.
    const QString coap = m_sim.url("coap");
    const QByteArray valveBefore = coapGet(QStringLiteral("/actuators/valve")).trimmed();
    QCOMPARE(run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"),
                                QStringLiteral("100"), coap + "/actuators/valve"})
                 .exitCode,
             0);
    // Values are printed back to back; each reading has exactly two decimals.
    const QByteArray temperatures =
        run(m_coapClient, {QStringLiteral("-s"), QStringLiteral("6"), coap + "/sensors/temperature"}).out;
    QCOMPARE(run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"),
                                QString::fromLatin1(valveBefore), coap + "/actuators/valve"})
                 .exitCode,
             0);
    static const QRegularExpression reading(QStringLiteral("-?\\d+\\.\\d\\d"));
    qsizetype count = 0;
    for (auto it = reading.globalMatch(QString::fromLatin1(temperatures)); it.hasNext(); it.next())
        ++count;
    QVERIFY2(count >= 2, temperatures.constData());

    const QByteArray meter =
        run(m_coapClient, {QStringLiteral("-s"), QStringLiteral("4"), m_sim.url("coap") + "/meters/energy"}).out;
    QVERIFY2(meter.count("urn:dev:energy-meter:") >= 3, meter.constData());
}

void TestSimulator::coapLightAndValveWrites()
{
    const QString coap = m_sim.url("coap");
    for (const char *state : {"on", "off", "on"}) {
        QCOMPARE(run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"),
                                    QLatin1String(state), coap + "/actuators/light"})
                     .exitCode,
                 0);
        QCOMPARE(coapGet(QStringLiteral("/actuators/light")), QByteArray(state));
    }
    QCOMPARE(run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-t"),
                                QStringLiteral("50"), QStringLiteral("-e"), QStringLiteral("{\"on\":false}"),
                                coap + "/actuators/light"})
                 .exitCode,
             0);
    QCOMPARE(coapGet(QStringLiteral("/actuators/light"), {QStringLiteral("-A"), QStringLiteral("50")}),
             QByteArray("{\"on\":false}"));

    QCOMPARE(run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"),
                                QStringLiteral("73"), coap + "/actuators/valve"})
                 .exitCode,
             0);
    QCOMPARE(coapGet(QStringLiteral("/actuators/valve")), QByteArray("73"));
    // Out of range: refused, the valve keeps its position.
    const ToolResult refused = run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"),
                                                  QStringLiteral("150"), coap + "/actuators/valve"});
    QVERIFY2((refused.out + refused.err).contains("4.00"), (refused.out + refused.err).constData());
    QCOMPARE(coapGet(QStringLiteral("/actuators/valve")), QByteArray("73"));
}

void TestSimulator::coapBlockwise()
{
    const QByteArray history = coapGet(QStringLiteral("/logs/history"), {QStringLiteral("-b"), QStringLiteral("64")});
    QVERIFY2(history.size() > 4096, QByteArray::number(history.size()).constData());
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(history, &error);
    QVERIFY2(json.isArray(), qPrintable(error.errorString()));
    QVERIFY(json.array().size() >= 100);
    QVERIFY(json.array().last().toObject().value(QStringLiteral("temperature")).isDouble());
}

void TestSimulator::coapSenml()
{
    const QByteArray pack = coapGet(QStringLiteral("/meters/energy"));
    const QJsonDocument json = QJsonDocument::fromJson(pack);
    QVERIFY2(json.isArray(), pack.constData());
    const QJsonArray records = json.array();
    QCOMPARE(records.size(), 4);
    QCOMPARE(records.first().toObject().value(QStringLiteral("bn")).toString(), QStringLiteral("urn:dev:energy-meter:"));
    QMap<QString, QString> units;
    for (const QJsonValue &record : records) {
        const QJsonObject object = record.toObject();
        QVERIFY(object.value(QStringLiteral("v")).isDouble());
        units.insert(object.value(QStringLiteral("n")).toString(), object.value(QStringLiteral("u")).toString());
    }
    const QMap<QString, QString> expected{{QStringLiteral("voltage"), QStringLiteral("V")},
                                          {QStringLiteral("current"), QStringLiteral("A")},
                                          {QStringLiteral("power"), QStringLiteral("W")},
                                          {QStringLiteral("energy"), QStringLiteral("Wh")}};
    QCOMPARE(units, expected);
}

void TestSimulator::httpThingDescriptions()
{
    const auto main = http("GET", m_sim.url("http") + "/.well-known/wot");
    QCOMPARE(main->error(), QNetworkReply::NoError);
    QVERIFY(main->header(QNetworkRequest::ContentTypeHeader).toString().contains(QStringLiteral("json")));
    const QJsonObject td = QJsonDocument::fromJson(main->readAll()).object();
    QCOMPARE(td.value(QStringLiteral("@context")).toString(), QStringLiteral("https://www.w3.org/2022/wot/td/v1.1"));
    QCOMPARE(td.value(QStringLiteral("title")).toString(), QStringLiteral("Smart Lamp"));
    QCOMPARE(td.value(QStringLiteral("securityDefinitions"))
                 .toObject()
                 .value(td.value(QStringLiteral("security")).toString())
                 .toObject()
                 .value(QStringLiteral("scheme"))
                 .toString(),
             QStringLiteral("nosec"));
    const QString href = td.value(QStringLiteral("properties"))
                             .toObject()
                             .value(QStringLiteral("on"))
                             .toObject()
                             .value(QStringLiteral("forms"))
                             .toArray()
                             .first()
                             .toObject()
                             .value(QStringLiteral("href"))
                             .toString();
    QCOMPARE(href, m_sim.url("http") + "/things/smart-lamp/properties/on");

    const auto all = http("GET", m_sim.url("http") + "/things");
    QCOMPARE(all->error(), QNetworkReply::NoError);
    const QJsonArray things = QJsonDocument::fromJson(all->readAll()).array();
    QCOMPARE(things.size(), 2);
    QStringList titles;
    for (const QJsonValue &thing : things) {
        const QJsonObject object = thing.toObject();
        QCOMPARE(object.value(QStringLiteral("@context")).toString(),
                 QStringLiteral("https://www.w3.org/2022/wot/td/v1.1"));
        QVERIFY(!object.value(QStringLiteral("properties")).toObject().isEmpty());
        QVERIFY(!object.value(QStringLiteral("actions")).toObject().isEmpty());
        QVERIFY(!object.value(QStringLiteral("events")).toObject().isEmpty());
        titles.append(object.value(QStringLiteral("title")).toString());
    }
    QCOMPARE(titles, (QStringList{QStringLiteral("Smart Lamp"), QStringLiteral("Air Quality Monitor")}));
}

void TestSimulator::httpPropertyRoundTrip()
{
    const QString base = m_sim.url("http") + "/things/smart-lamp/properties/";
    for (const QByteArray &value : {QByteArray("17"), QByteArray("88")}) {
        const auto put = http("PUT", base + "brightness", value);
        QCOMPARE(put->error(), QNetworkReply::NoError);
        const auto get = http("GET", base + "brightness");
        QCOMPARE(get->readAll(), value);
    }
    QCOMPARE(http("PUT", base + "color", "\"#00ff00\"")->error(), QNetworkReply::NoError);
    QCOMPARE(http("GET", base + "color")->readAll(), QByteArray("\"#00ff00\""));
    QCOMPARE(http("PUT", base + "on", "false")->error(), QNetworkReply::NoError);
    QCOMPARE(http("GET", base + "on")->readAll(), QByteArray("false"));
    // The lamp's power follows.
    QCOMPARE(http("GET", base + "power")->readAll().toDouble(), 0.3);

    const auto wrongType = http("PUT", base + "brightness", "\"bright\"");
    QCOMPARE(wrongType->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
    const auto readOnly = http("PUT", base + "power", "3");
    QCOMPARE(readOnly->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
    const auto missing = http("GET", base + "nothing");
    QCOMPARE(missing->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
}

void TestSimulator::httpAction()
{
    const QString lamp = m_sim.url("http") + "/things/smart-lamp/";
    const bool before = http("GET", lamp + "properties/on")->readAll() == "true";
    const auto toggle = http("POST", lamp + "actions/toggle");
    QCOMPARE(toggle->error(), QNetworkReply::NoError);
    const QJsonObject output = QJsonDocument::fromJson(toggle->readAll()).object();
    QCOMPARE(output.value(QStringLiteral("on")).toBool(), !before);
    QCOMPARE(http("GET", lamp + "properties/on")->readAll(), QByteArray(before ? "false" : "true"));

    const auto calibrate = http("POST", m_sim.url("http") + "/things/air-quality-monitor/actions/calibrate");
    QCOMPARE(calibrate->error(), QNetworkReply::NoError);
    QCOMPARE(QJsonDocument::fromJson(calibrate->readAll()).object().value(QStringLiteral("status")).toString(),
             QStringLiteral("ok"));
}

void TestSimulator::httpServerSentEvents()
{
    // The event form in the TD names the stream.
    const QJsonObject td =
        QJsonDocument::fromJson(http("GET", m_sim.url("http") + "/things")->readAll()).array().at(1).toObject();
    const QJsonObject form = td.value(QStringLiteral("events"))
                                 .toObject()
                                 .value(QStringLiteral("measurement"))
                                 .toObject()
                                 .value(QStringLiteral("forms"))
                                 .toArray()
                                 .first()
                                 .toObject();
    QCOMPARE(form.value(QStringLiteral("subprotocol")).toString(), QStringLiteral("sse"));
    const QUrl url(form.value(QStringLiteral("href")).toString());
    QVERIFY(url.isValid());

    QNetworkRequest request(url);
    request.setRawHeader("Accept", "text/event-stream");
    std::unique_ptr<QNetworkReply> reply(m_network.get(request));
    QByteArray stream;
    connect(reply.get(), &QNetworkReply::readyRead, this, [&] { stream += reply->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(stream.count("event: measurement\n") >= 3, 10000);
    QVERIFY(reply->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(QStringLiteral("text/event-stream")));
    const qsizetype data = stream.indexOf("data: ");
    const QByteArray firstData = stream.mid(data + 6, stream.indexOf('\n', data) - data - 6);
    QVERIFY(QJsonDocument::fromJson(firstData).object().value(QStringLiteral("co2")).isDouble());

    // A write shows up on the lamp's stream.
    const QJsonObject lamp =
        QJsonDocument::fromJson(http("GET", m_sim.url("http") + "/.well-known/wot")->readAll()).object();
    const QUrl lampUrl(lamp.value(QStringLiteral("events"))
                           .toObject()
                           .value(QStringLiteral("stateChanged"))
                           .toObject()
                           .value(QStringLiteral("forms"))
                           .toArray()
                           .first()
                           .toObject()
                           .value(QStringLiteral("href"))
                           .toString());
    std::unique_ptr<QNetworkReply> lampReply(m_network.get(QNetworkRequest(lampUrl)));
    QByteArray lampStream;
    connect(lampReply.get(), &QNetworkReply::readyRead, this, [&] { lampStream += lampReply->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(lampStream.contains("retry:"), 5000);
    http("PUT", m_sim.url("http") + "/things/smart-lamp/properties/brightness", "55");
    QTRY_VERIFY_WITH_TIMEOUT(lampStream.contains("\"brightness\":55"), 5000);
    reply->abort();
    lampReply->abort();
}

void TestSimulator::resourceDirectoryRegistration()
{
    REQUIRE_BINARY(rd, "coap-rd-openssl", "libcoap3-bin")
    const quint16 port = testsupport::freeUdpPort();
    QProcess directory;
    directory.start(rd, {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port)});
    QVERIFY(directory.waitForStarted(5000));
    QVERIFY2(testsupport::waitForCoapPort(port, 10000), "coap-rd does not answer a CoAP ping");

    Simulator sim;
    QVERIFY2(sim.start({QStringLiteral("--no-mqtt"), QStringLiteral("--rd"),
                        QStringLiteral("coap://127.0.0.1:%1").arg(port)}),
             qPrintable(sim.error()));
    QVERIFY(!sim.endpoints().contains(QStringLiteral("mqtt")));
    static const QRegularExpression registered(QStringLiteral("registered in the resource directory as (/rd/\\S+)"));
    QRegularExpressionMatch match;
    QTRY_VERIFY_WITH_TIMEOUT((match = registered.match(sim.log())).hasMatch(), 10000);
    const QByteArray links = run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("get"),
                                                QStringLiteral("coap://127.0.0.1:%1/.well-known/core").arg(port)})
                                 .out;
    QVERIFY2(links.contains('<' + match.captured(1).toUtf8() + '>'), links.constData());
    sim.stop();
    directory.terminate();
    directory.waitForFinished(5000);
}

void TestSimulator::mqttSkippedWithoutBroker()
{
    // Not installed: the rest of the site runs.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("THINGSCAPE_MOSQUITTO"), QStringLiteral("/nonexistent/mosquitto"));
    Simulator missing;
    QVERIFY2(missing.start({}, environment), qPrintable(missing.error()));
    QVERIFY(!missing.endpoints().contains(QStringLiteral("mqtt")));
    QVERIFY(missing.endpoints().contains(QStringLiteral("coap")));
    QVERIFY(missing.endpoints().contains(QStringLiteral("http")));
    QVERIFY2(missing.log().contains(QStringLiteral("MQTT part skipped: mosquitto is not installed")),
             qPrintable(missing.log()));
    QVERIFY(!run(m_coapClient, {QStringLiteral("-m"), QStringLiteral("get"), missing.url("coap") + "/sensors/door"})
                 .out.trimmed()
                 .isEmpty());
    QVERIFY(missing.terminate(5000));
    QCOMPARE(missing.process()->exitCode(), 0);

    // The requested port is taken: the broker cannot start, the rest runs.
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    Simulator taken;
    QVERIFY2(taken.start({QStringLiteral("--mqtt-port"), QString::number(squatter.serverPort())}),
             qPrintable(taken.error()));
    QVERIFY(!taken.endpoints().contains(QStringLiteral("mqtt")));
    QVERIFY(taken.endpoints().contains(QStringLiteral("http")));
    QVERIFY2(taken.log().contains(QStringLiteral("MQTT part skipped")), qPrintable(taken.log()));
    QVERIFY(taken.terminate(5000));
    QCOMPARE(taken.process()->exitCode(), 0);
}

void TestSimulator::sigtermLeavesNothingBehind()
{
    Simulator sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("2")}), qPrintable(sim.error()));
    static const QRegularExpression configDir(QStringLiteral("private broker config in (\\S+)"));
    const QRegularExpressionMatch match = configDir.match(sim.log());
    QVERIFY2(match.hasMatch(), qPrintable(sim.log()));
    const QString directory = match.captured(1);
    QVERIFY(QFileInfo::exists(directory + QStringLiteral("/mosquitto.conf")));
    const QList<qint64> brokers = childrenNamed(sim.process()->processId(), "mosquitto");
    QCOMPARE(brokers.size(), 1);
    const quint16 mqttPort = sim.port("mqtt");
    QVERIFY(tcpPortOpen(mqttPort));

    QVERIFY2(sim.terminate(5000), "still running 5 s after SIGTERM");
    QCOMPARE(sim.process()->exitStatus(), QProcess::NormalExit);
    QCOMPARE(sim.process()->exitCode(), 0);
    QVERIFY2(!QFileInfo::exists(QStringLiteral("/proc/%1").arg(brokers.first())), "the broker is still running");
    QVERIFY(!tcpPortOpen(mqttPort));
    QVERIFY2(!QFileInfo::exists(directory), qPrintable(directory));
    QVERIFY(sim.log().contains(QStringLiteral("removed")));
}

void TestSimulator::sustainsFiftyDevicesAtTwentyHertz()
{
    Simulator sim;
    QVERIFY2(sim.start({QStringLiteral("--devices"), QStringLiteral("50"), QStringLiteral("--rate"),
                        QStringLiteral("20"), QStringLiteral("--seed"), QStringLiteral("3")}),
             qPrintable(sim.error()));
    constexpr int seconds = 10;
    QProcess counter;
    counter.start(m_mosquittoSub, {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                   QString::number(sim.port("mqtt")), QStringLiteral("-t"),
                                   QStringLiteral("site/+/telemetry"), QStringLiteral("-W"),
                                   QString::number(seconds)});
    QVERIFY(counter.waitForStarted(5000));
    qint64 lines = 0;
    QByteArray pending;
    connect(&counter, &QProcess::readyReadStandardOutput, this, [&] {
        pending += counter.readAllStandardOutput();
        const qsizetype end = pending.lastIndexOf('\n');
        if (end < 0)
            return;
        lines += pending.left(end + 1).count('\n');
        pending.remove(0, end + 1);
    });
    QVERIFY(QTest::qWaitFor([&] { return counter.state() == QProcess::NotRunning; }, (seconds + 10) * 1000));
    lines += counter.readAllStandardOutput().count('\n');

    // Each of the 50 door sensors: one message per tick. A functional check, not a benchmark.
    const qint64 nominal = 50LL * 20 * seconds;
    qInfo("%lld telemetry messages in %d s (nominal %lld)", lines, seconds, nominal);
    QVERIFY2(lines >= nominal / 2, qPrintable(QStringLiteral("%1 of %2").arg(lines).arg(nominal)));
    QVERIFY(lines <= nominal * 2);

    // Every copy of the site is there, with suffixed ids.
    const QByteArray configs = run(m_mosquittoSub, {QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                                                    QStringLiteral("-p"), QString::number(sim.port("mqtt")),
                                                    QStringLiteral("-t"), QStringLiteral("homeassistant/switch/#"),
                                                    QStringLiteral("-v"), QStringLiteral("-C"),
                                                    QStringLiteral("50"), QStringLiteral("-W"), QStringLiteral("5")})
                                   .out;
    QCOMPARE(configs.count('\n'), 50);
    QVERIFY(configs.contains("homeassistant/switch/thingscape-sim/plug-50/config"));
    QCOMPARE(QJsonDocument::fromJson(http("GET", sim.url("http") + "/things")->readAll()).array().size(), 100);

    QVERIFY2(sim.terminate(5000), "still running 5 s after SIGTERM");
    QCOMPARE(sim.process()->exitCode(), 0);
}

QTEST_MAIN(TestSimulator)
#include "tst_simulator.moc"
