// The gateway with real peers: a private mosquitto feeds the engine; the gateway serves it over
// HTTP (GET with negotiation and ETag, SSE, WebSocket, PUT through to MQTT seen by
// mosquitto_sub), CoAP (coap-client-openssl GET and Observe, an HTTP-fed resource from a
// QHttpServer device), and its generated Thing Descriptions are consumed by Thingscape's own
// HTTP connector (a write through them lands on the broker, an action invoked through them
// publishes a Home Assistant button's command). CoAP writes answered with their outcome (5.02
// from a refusing device, 2.04 after an empty ACK). Plus the security rules: a token beyond
// loopback, read-only, limits, bodies over the limit refused early (413), and hostile ids and
// bodies answered with a 4xx and a message.
#include "mqtttesthelpers.h"
#include "testsupport.h"

#include "model/resource.h"
#include "model/resourcestore.h"
#include "model/valueevent.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/gateway/gateway.h"
#include "protocols/gateway/gatewayid.h"

#include <QCborValue>
#include <QDebug>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace thingscape;

namespace {

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;
    QByteArray etag;
    QJsonValue json() const
    {
        const QByteArray wrapped = "[" + body + "]";
        return QJsonDocument::fromJson(wrapped).array().at(0);
    }
};

// One raw HTTP/1.1 request on a fresh connection, read to the end (Connection: close): the
// exact bytes, hostile ones included, reach the server.
HttpAnswer rawRequest(quint16 port, const QByteArray &request)
{
    // The gateway runs on this thread: wait with the event loop turning, never blocking.
    QTcpSocket socket;
    QByteArray data;
    QObject::connect(&socket, &QTcpSocket::connected, &socket, [&] { socket.write(request); });
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { data += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    auto complete = [&] {
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        if (data.startsWith("HTTP/1.1 204") || data.startsWith("HTTP/1.1 304"))
            return true;
        const qsizetype at = data.toLower().indexOf("content-length:");
        if (at < 0 || at > end)
            return false;
        const qsizetype length = data.mid(at + 15, data.indexOf("\r\n", at) - at - 15).trimmed().toLongLong();
        return data.size() - end - 4 >= length;
    };
    QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired() && !complete()) {
        if (socket.state() == QAbstractSocket::UnconnectedState && (socket.error() != QAbstractSocket::UnknownSocketError))
            break;
        QTest::qWait(2);
    }
    data += socket.readAll();
    HttpAnswer answer;
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return answer;
    const QList<QByteArray> lines = data.left(end).split('\n');
    answer.status = lines.value(0).split(' ').value(1).toInt();
    for (const QByteArray &line : lines) {
        const QByteArray lower = line.toLower();
        if (lower.startsWith("content-type:"))
            answer.contentType = line.mid(13).trimmed();
        if (lower.startsWith("etag:"))
            answer.etag = line.mid(5).trimmed();
    }
    answer.body = data.mid(end + 4);
    return answer;
}

QByteArray get(const QString &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extraHeaders + "\r\n";
}

QByteArray put(const QString &path, const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "PUT " + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

QString runCoapClient(const QStringList &args, int timeoutMs = 30000, bool withLog = false)
{
    // Asynchronously: the CoAP server answering it runs on this thread.
    QProcess client;
    if (withLog)
        client.setProcessChannelMode(QProcess::MergedChannels);
    testsupport::dieWithParent(&client);
    client.start(testsupport::findProgram(QStringLiteral("coap-client-openssl")), args);
    QDeadlineTimer deadline(timeoutMs);
    while (client.state() != QProcess::NotRunning && !deadline.hasExpired())
        QTest::qWait(5);
    if (client.state() != QProcess::NotRunning) {
        client.kill();
        client.waitForFinished();
    }
    return QString::fromUtf8(client.readAllStandardOutput());
}

} // namespace

class TestGateway : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void idsAreStableAndReversible();
    void mqttValueReadableOverHttp();
    void listsFiltersAndPages();
    void valueArrivesOverSse();
    void valueArrivesOverWebSocket();
    void putPublishesToMqtt();
    void readOnlyRefusesWrites();
    void tokenRequiredBeyondLoopback();
    void hostileInputGets4xxWithMessage();
    void perClientLimits();
    void generatedThingDescriptionRoundTrip();
    void coapObserveAndGet();
    void coapWriteAnswersWithItsOutcome();
    void thingDescriptionsCarryActions();
    void oversizedBodiesAreRefusedEarly();

private:
    QString publishRetained(const QString &topic, const QString &payload);
    const Resource *waitFor(const QString &uri, const QByteArray &raw = {});
    QString idOf(const QString &uri) const { return GatewayId::encode(*ResourceId::parse(uri)); }
    // This run's Home Assistant node id: the prefix as one topic level.
    QString haNode() const { return QString(m_prefix).replace(QLatin1Char('/'), QLatin1Char('_')); }
    // device listening on a free port, its path an endpoint of the engine, connected; returns
    // the resource's URI.
    QString addHttpDevice(QHttpServer *device, const QString &id, const QString &path);
    // Writes payload to id through client and waits until a mosquitto_sub (subscribe: its
    // arguments) sees expected; empty, or what went wrong.
    QString writeSeenOnBroker(Engine *client, const ResourceId &id, const QByteArray &payload, const QStringList &subscribe,
                              const QByteArray &expected);
    // client (a second engine) with the gateway's HTTP side as its endpoint "gateway", connecting.
    void connectToGateway(Engine *client) const;
    // Serves with options on free ports (HTTP, and CoAP with options.coap).
    static bool startOnFreePorts(Gateway *gateway, GatewayOptions options);
    // The CoAP tests' set-up: device (an HTTP endpoint of the engine answering deviceValue at
    // path) and topic (retained, holding value), both in the store; then gateway serving CoAP
    // only. Their URIs and the gateway's coap://127.0.0.1:port; all empty if one failed.
    struct CoapSetUp
    {
        QString device;
        QString topic;
        QString base;
    };
    CoapSetUp setUpCoap(Gateway *gateway, QHttpServer *device, const QString &id, const QString &path,
                        const QByteArray &deviceValue, const QString &topic, const QString &value);

    testsupport::Mosquitto m_broker;
    QString m_prefix;
    QString m_base; // mqtt://127.0.0.1:port/prefix
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;
};

void TestGateway::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(pub, "mosquitto_pub", "mosquitto-clients")
    QVERIFY(m_broker.start());
    m_prefix = mqtttest::uniquePrefix(QStringLiteral("gw"));
    m_base = QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(m_prefix);
    m_engine = std::make_unique<Engine>();
    EndpointConfig config;
    config.id = QStringLiteral("broker");
    config.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()));
    // Home Assistant configs of this test's devices too (node id: haNode()).
    config.filters = {m_prefix + QStringLiteral("/#"), QStringLiteral("homeassistant/+/%1/#").arg(haNode())};
    m_engine->endpoints()->add(config);
    m_engine->connectEndpoint(config.id);
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->endpoints()->status(config.id).state, ConnectorState::Connected, 20000);
    m_gateway = std::make_unique<Gateway>(m_engine.get());
    GatewayOptions options;
    options.httpPort = 0;
    QString error;
    QVERIFY2(m_gateway->start(options, &error), qPrintable(error));
    m_port = m_gateway->httpPort();
    QVERIFY(m_port != 0);
}

void TestGateway::cleanupTestCase()
{
    m_gateway.reset();
    m_engine.reset();
}

QString TestGateway::publishRetained(const QString &topic, const QString &payload)
{
    const int code = mqtttest::publish(m_broker.port(), {QStringLiteral("-r"), QStringLiteral("-t"), m_prefix + QLatin1Char('/') + topic,
                                                         QStringLiteral("-m"), payload});
    return code == 0 ? m_base + QLatin1Char('/') + topic : QString();
}

const Resource *TestGateway::waitFor(const QString &uri, const QByteArray &raw)
{
    const ResourceId id = *ResourceId::parse(uri);
    QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        const Resource *resource = m_engine->store()->find(id);
        if (resource && resource->hasValue() && (raw.isNull() || resource->value().raw == raw))
            return resource;
        QTest::qWait(10);
    }
    return nullptr;
}

void TestGateway::connectToGateway(Engine *client) const
{
    EndpointConfig config;
    config.id = QStringLiteral("gateway");
    config.url = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
    client->endpoints()->add(config);
    client->connectEndpoint(config.id);
}

TestGateway::CoapSetUp TestGateway::setUpCoap(Gateway *gateway, QHttpServer *device, const QString &id, const QString &path,
                                              const QByteArray &deviceValue, const QString &topic, const QString &value)
{
    CoapSetUp setUp;
    setUp.device = addHttpDevice(device, id, path);
    setUp.topic = publishRetained(topic, value);
    GatewayOptions withCoap;
    withCoap.coap = true;
    if (!waitFor(setUp.device, deviceValue) || !waitFor(setUp.topic, value.toUtf8()) || !startOnFreePorts(gateway, withCoap))
        return {};
    setUp.base = QStringLiteral("coap://127.0.0.1:%1").arg(gateway->coapPort());
    return setUp;
}

QString TestGateway::addHttpDevice(QHttpServer *device, const QString &id, const QString &path)
{
    const QString url = QStringLiteral("http://127.0.0.1:%1%2").arg(device->listen(QHostAddress::LocalHost, 0)).arg(path);
    EndpointConfig http;
    http.id = id;
    http.url = *ResourceId::parse(url);
    m_engine->endpoints()->add(http);
    m_engine->connectEndpoint(http.id);
    return url;
}

QString TestGateway::writeSeenOnBroker(Engine *client, const ResourceId &id, const QByteArray &payload, const QStringList &subscribe,
                                       const QByteArray &expected)
{
    QProcess subscriber;
    if (!testsupport::startSubscriber(&subscriber, m_broker.port(), subscribe))
        return QStringLiteral("mosquitto_sub did not start");
    auto outcome = std::make_shared<std::optional<Result>>();
    client->endpoints()->write(id, payload, WriteOptions{}, [outcome](const Result &result) { *outcome = result; });
    QDeadlineTimer answered(20000);
    while (!outcome->has_value() && !answered.hasExpired())
        QTest::qWait(10);
    QString error = !outcome->has_value() ? QStringLiteral("no outcome within 20 s")
                  : (*outcome)->ok()      ? QString()
                                          : QStringLiteral("the write failed: %1").arg((*outcome)->error);
    QByteArray published;
    QDeadlineTimer seen(20000);
    while (error.isEmpty()
           && !testsupport::subscriberPayloads(published += subscriber.readAllStandardOutput()).split('\n').contains(expected)) {
        if (seen.hasExpired())
            error = QStringLiteral("the broker never saw %1, only: %2").arg(QString::fromUtf8(expected), QString::fromUtf8(published));
        QTest::qWait(10);
    }
    subscriber.kill();
    subscriber.waitForFinished();
    return error;
}

bool TestGateway::startOnFreePorts(Gateway *gateway, GatewayOptions options)
{
    options.httpPort = 0;
    options.coapPort = 0;
    QString error;
    if (!gateway->start(options, &error))
        qWarning().noquote() << error;
    return gateway->isRunning();
}

void TestGateway::idsAreStableAndReversible()
{
    const ResourceId uri = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/home/ä b/+x"));
    const QString id = GatewayId::encode(uri);
    QCOMPARE(GatewayId::encode(uri), id);
    for (const QChar c : id)
        QVERIFY2(c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_'), qPrintable(id));
    QString error;
    QCOMPARE(GatewayId::decode(id, &error).value_or(ResourceId()), uri);
    QVERIFY(!GatewayId::decode(u"a/b", &error));
    QVERIFY(error.contains(QLatin1String("malformed")));
    QVERIFY(!GatewayId::decode(u"", &error));
    QVERIFY(!GatewayId::decode(QString(GatewayId::kMaxLength + 1, QLatin1Char('A')), &error));
}

void TestGateway::mqttValueReadableOverHttp()
{
    const QString uri = publishRetained(QStringLiteral("room/temp"), QStringLiteral("21.5"));
    QVERIFY(!uri.isEmpty());
    QVERIFY(waitFor(uri, "21.5"));
    const QString path = QStringLiteral("/resources/") + idOf(uri);

    // Given a value fed by MQTT, when it is read as JSON, then it is the number.
    const HttpAnswer json = rawRequest(m_port, get(path));
    QCOMPARE(json.status, 200);
    QCOMPARE(json.contentType, QByteArray("application/json"));
    QCOMPARE(json.json().toDouble(), 21.5);
    QVERIFY(!json.etag.isEmpty());

    // The same ETag: 304 without a body; another representation has another tag.
    const HttpAnswer again = rawRequest(m_port, get(path, "If-None-Match: " + json.etag + "\r\n"));
    QCOMPARE(again.status, 304);
    QVERIFY(again.body.isEmpty());

    const HttpAnswer text = rawRequest(m_port, get(path, "Accept: text/plain\r\n"));
    QCOMPARE(text.status, 200);
    QCOMPARE(text.body, QByteArray("21.5"));
    QVERIFY(text.etag != json.etag);

    const HttpAnswer cbor = rawRequest(m_port, get(path, "Accept: application/cbor\r\n"));
    QCOMPARE(cbor.status, 200);
    QCOMPARE(QCborValue::fromCbor(cbor.body).toDouble(), 21.5);

    const HttpAnswer senml = rawRequest(m_port, get(path, "Accept: application/senml+json\r\n"));
    QCOMPARE(senml.status, 200);
    const QJsonObject record = QJsonDocument::fromJson(senml.body).array().at(0).toObject();
    QCOMPARE(record.value(QLatin1String("n")).toString(), uri);
    QCOMPARE(record.value(QLatin1String("v")).toDouble(), 21.5);

    const HttpAnswer senmlCbor = rawRequest(m_port, get(path, "Accept: application/senml+cbor\r\n"));
    QCOMPARE(senmlCbor.status, 200);
    QCOMPARE(QCborValue::fromCbor(senmlCbor.body).toArray().at(0).toMap().value(2).toDouble(), 21.5);

    const HttpAnswer refused = rawRequest(m_port, get(path, "Accept: image/png\r\n"));
    QCOMPARE(refused.status, 406);
    QVERIFY2(refused.json().toObject().value(QLatin1String("error")).toString().contains(QLatin1String("application/json")),
             refused.body.constData());

    // A new value: the old ETag no longer matches.
    QVERIFY(!publishRetained(QStringLiteral("room/temp"), QStringLiteral("22")).isEmpty());
    QVERIFY(waitFor(uri, "22"));
    const HttpAnswer changed = rawRequest(m_port, get(path, "If-None-Match: " + json.etag + "\r\n"));
    QCOMPARE(changed.status, 200);
    QCOMPARE(changed.json().toDouble(), 22.0);
}

void TestGateway::listsFiltersAndPages()
{
    for (int i = 0; i < 3; ++i)
        QVERIFY(!publishRetained(QStringLiteral("list/item%1").arg(i), QString::number(i)).isEmpty());
    QVERIFY(waitFor(m_base + QStringLiteral("/list/item2")));
    const QString prefix = QString::fromLatin1(QUrl::toPercentEncoding(m_base + QStringLiteral("/list/")));
    const HttpAnswer page = rawRequest(m_port, get(QStringLiteral("/resources?prefix=%1&limit=2").arg(prefix)));
    QCOMPARE(page.status, 200);
    const QJsonObject json = page.json().toObject();
    QCOMPARE(json.value(QLatin1String("total")).toInt(), 3);
    const QJsonArray items = json.value(QLatin1String("items")).toArray();
    QCOMPARE(items.size(), 2);
    const QJsonObject first = items.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("uri")).toString(), m_base + QStringLiteral("/list/item0"));
    QCOMPARE(first.value(QLatin1String("protocol")).toString(), QStringLiteral("mqtt"));
    QCOMPARE(first.value(QLatin1String("value")).toDouble(), 0.0);
    QCOMPARE(first.value(QLatin1String("href")).toString(), QStringLiteral("/resources/") + first.value(QLatin1String("id")).toString());
    QVERIFY(first.value(QLatin1String("metadata")).isObject());
    const QString next = json.value(QLatin1String("next")).toString();
    QVERIFY(!next.isEmpty());
    const HttpAnswer second = rawRequest(m_port, get(next));
    QCOMPARE(second.status, 200);
    const QJsonArray rest = second.json().toObject().value(QLatin1String("items")).toArray();
    QCOMPARE(rest.size(), 1);
    QCOMPARE(rest.at(0).toObject().value(QLatin1String("uri")).toString(), m_base + QStringLiteral("/list/item2"));
    QVERIFY(!second.json().toObject().contains(QLatin1String("next")));

    const HttpAnswer none = rawRequest(m_port, get(QStringLiteral("/resources?protocol=coap")));
    QCOMPARE(none.json().toObject().value(QLatin1String("total")).toInt(), 0);
    const HttpAnswer byEndpoint = rawRequest(m_port, get(QStringLiteral("/resources?endpoint=broker&limit=1000")));
    QVERIFY(byEndpoint.json().toObject().value(QLatin1String("total")).toInt() >= 3);

    const HttpAnswer links = rawRequest(m_port, get(QStringLiteral("/resources?prefix=%1").arg(prefix), "Accept: application/link-format\r\n"));
    QCOMPARE(links.status, 200);
    QCOMPARE(links.contentType, QByteArray("application/link-format"));
    QCOMPARE(links.body.count("</resources/"), 3);
    const HttpAnswer core = rawRequest(m_port, get(QStringLiteral("/.well-known/core")));
    QCOMPARE(core.status, 200);
    QVERIFY(core.body.contains(idOf(m_base + QStringLiteral("/list/item1")).toLatin1()));
    QVERIFY(core.body.contains(";obs"));

    const HttpAnswer api = rawRequest(m_port, get(QStringLiteral("/openapi.json")));
    QCOMPARE(api.status, 200);
    QVERIFY(api.json().toObject().value(QLatin1String("paths")).toObject().contains(QLatin1String("/resources/{id}")));
}

void TestGateway::valueArrivesOverSse()
{
    const QString uri = publishRetained(QStringLiteral("sse/level"), QStringLiteral("1"));
    QVERIFY(waitFor(uri, "1"));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(10000));
    socket.write(get(QStringLiteral("/resources/") + idOf(uri), "Accept: text/event-stream\r\n").replace("Connection: close\r\n", ""));
    QByteArray stream;
    QTRY_VERIFY_WITH_TIMEOUT((stream += socket.readAll()).contains("data: 1\n"), 20000);
    QVERIFY(stream.startsWith("HTTP/1.1 200"));
    QVERIFY(stream.contains("text/event-stream"));
    QVERIFY(!publishRetained(QStringLiteral("sse/level"), QStringLiteral("{\"x\":2}")).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT((stream += socket.readAll()).contains("event: value\ndata: {\"x\":2}\n\n"), 20000);
}

void TestGateway::valueArrivesOverWebSocket()
{
    const QString a = publishRetained(QStringLiteral("ws/a"), QStringLiteral("10"));
    const QString b = publishRetained(QStringLiteral("ws/b"), QStringLiteral("\"x\""));
    QVERIFY(waitFor(a) && waitFor(b));
    QWebSocket socket;
    QList<QJsonObject> messages;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port)));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::ConnectedState, 20000);
    // One id and one URI in one subscription; nonsense gets an error, the rest still works.
    socket.sendTextMessage(QStringLiteral(R"({"subscribe": ["%1", "%2", "!!"]})").arg(idOf(a), b));
    auto has = [&](const QString &key, const QJsonValue &value) {
        return std::any_of(messages.begin(), messages.end(), [&](const QJsonObject &m) { return m.value(key) == value; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(has(QStringLiteral("subscribed"), QJsonArray{idOf(a), idOf(b)}), 20000);
    QVERIFY(std::any_of(messages.begin(), messages.end(), [](const QJsonObject &m) { return m.contains(QLatin1String("error")); }));
    QVERIFY(has(QStringLiteral("uri"), a));
    messages.clear();
    QVERIFY(!publishRetained(QStringLiteral("ws/b"), QStringLiteral("\"y\"")).isEmpty());
    QVERIFY(!publishRetained(QStringLiteral("ws/a"), QStringLiteral("11")).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(has(QStringLiteral("value"), 11) && has(QStringLiteral("value"), QStringLiteral("y")), 20000);
    socket.sendTextMessage(QStringLiteral("not json"));
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(messages.begin(), messages.end(), [](const QJsonObject &m) {
                                 return m.value(QLatin1String("error")).toString().contains(QLatin1String("not a JSON object"));
                             }), 20000);
    socket.close();
}

void TestGateway::putPublishesToMqtt()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    const QString uri = publishRetained(QStringLiteral("lamp/set"), QStringLiteral("off"));
    QVERIFY(waitFor(uri, "off"));
    QProcess subscriber;
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(),
                                         {QStringLiteral("-t"), m_prefix + QStringLiteral("/lamp/set"), QStringLiteral("-R")}));
    QList<Cause> causes;
    connect(m_engine->store(), &ResourceStore::valueEvents, this, [&](const ValueEvents &events) {
        for (const ValueEvent &event : events) {
            if (event.id.toString() == uri)
                causes.append(event.cause);
        }
    });
    const HttpAnswer answer = rawRequest(m_port, put(QStringLiteral("/resources/") + idOf(uri), "on", "Content-Type: text/plain\r\n"));
    QCOMPARE(answer.status, 204);
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT(testsupport::subscriberPayloads(output += subscriber.readAllStandardOutput()).split('\n').contains("on"), 20000);
    // The write is the gateway's in the value events (stream, rules).
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(causes.begin(), causes.end(), [](const Cause &c) { return c.kind == CauseKind::Gateway; }), 20000);
    subscriber.kill();
    subscriber.waitForFinished();

    const HttpAnswer badQos = rawRequest(m_port, put(QStringLiteral("/resources/") + idOf(uri) + QStringLiteral("?qos=7"), "on"));
    QCOMPARE(badQos.status, 400);
    QVERIFY(badQos.json().toObject().value(QLatin1String("error")).toString().contains(QLatin1String("qos")));
}

void TestGateway::readOnlyRefusesWrites()
{
    const QString uri = publishRetained(QStringLiteral("ro/x"), QStringLiteral("5"));
    QVERIFY(waitFor(uri, "5"));
    Gateway readOnly(m_engine.get());
    GatewayOptions options;
    options.readOnly = true;
    QVERIFY(startOnFreePorts(&readOnly, options));
    const HttpAnswer refused = rawRequest(readOnly.httpPort(), put(QStringLiteral("/resources/") + idOf(uri), "6"));
    QCOMPARE(refused.status, 403);
    QVERIFY(refused.json().toObject().value(QLatin1String("error")).toString().contains(QLatin1String("read-only")));
    QCOMPARE(rawRequest(readOnly.httpPort(), get(QStringLiteral("/resources/") + idOf(uri))).json().toDouble(), 5.0);
    // Nothing was written: the broker still holds 5.
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {QStringLiteral("-t"), m_prefix + QStringLiteral("/ro/x")}).trimmed(), QStringLiteral("5"));
}

void TestGateway::tokenRequiredBeyondLoopback()
{
    Gateway open(m_engine.get());
    GatewayOptions options;
    options.httpAddress = QHostAddress(QHostAddress::AnyIPv4);
    options.httpPort = 0;
    QString error;
    QVERIFY(!open.start(options, &error));
    QVERIFY2(error.contains(QLatin1String("token")), qPrintable(error));
    QVERIFY(!open.isRunning());

    options.token = Gateway::generateToken();
    QVERIFY(options.token.size() >= 40);
    QVERIFY2(open.start(options, &error), qPrintable(error));
    const HttpAnswer without = rawRequest(open.httpPort(), get(QStringLiteral("/resources")));
    QCOMPARE(without.status, 401);
    QVERIFY(without.json().toObject().value(QLatin1String("error")).toString().contains(QLatin1String("token")));
    const HttpAnswer wrong = rawRequest(open.httpPort(), get(QStringLiteral("/resources"), "Authorization: Bearer nope\r\n"));
    QCOMPARE(wrong.status, 401);
    const HttpAnswer right = rawRequest(open.httpPort(), get(QStringLiteral("/resources"), "Authorization: Bearer " + options.token.toUtf8() + "\r\n"));
    QCOMPARE(right.status, 200);
    // TDs tell clients they need it.
    const HttpAnswer tds = rawRequest(open.httpPort(), get(QStringLiteral("/.well-known/wot?access_token=") + options.token));
    QCOMPARE(tds.status, 200);
    QVERIFY(tds.body.contains("\"bearer\""));
    // A WebSocket without it is closed.
    QWebSocket socket;
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(open.httpPort())));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 20000);
    QCOMPARE(socket.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
}

void TestGateway::hostileInputGets4xxWithMessage()
{
    const QString uri = publishRetained(QStringLiteral("hostile/x"), QStringLiteral("1"));
    QVERIFY(waitFor(uri, "1"));
    struct Case
    {
        QByteArray request;
        int status;
    };
    const QByteArray validButUnknown = GatewayId::encode(*ResourceId::parse(m_base + QStringLiteral("/nobody"))).toLatin1();
    const QByteArray notAUri = QByteArray("not a uri at all").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QList<Case> cases{
        {get(QStringLiteral("/resources/!!!")), 400},
        {get(QStringLiteral("/resources/") + QString::fromLatin1(notAUri)), 400},
        {get(QStringLiteral("/resources/") + QString::fromLatin1(validButUnknown)), 404},
        {get(QStringLiteral("/resources/%00%ff/../../etc/passwd")), 400},
        {get(QStringLiteral("/resources/") + QString(20000, QLatin1Char('A'))), 400},
        {get(QStringLiteral("/resources?limit=abc")), 400},
        {get(QStringLiteral("/resources?offset=-1")), 400},
        {get(QStringLiteral("/resources?protocol=gopher")), 400},
        {get(QStringLiteral("/things/%%%")), 400},
        {get(QStringLiteral("/nowhere")), 404},
        {"DELETE /resources/" + idOf(uri).toLatin1() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405},
        {"PATCH /.well-known/core HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405},
        {put(QStringLiteral("/resources/") + idOf(uri), QByteArray(1024 * 1024 + 100, 'x')), 413},
    };
    for (const Case &c : cases) {
        const HttpAnswer answer = rawRequest(m_port, c.request);
        QVERIFY2(answer.status == c.status, qPrintable(QStringLiteral("%1 for %2: %3").arg(answer.status).arg(QString::fromLatin1(c.request.left(80)), QString::fromUtf8(answer.body))));
        QVERIFY2(!answer.json().toObject().value(QLatin1String("error")).toString().isEmpty(), c.request.left(80).constData());
    }
    // Garbage that is not HTTP at all: no crash, and the gateway still answers.
    rawRequest(m_port, QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n", 30));
    QCOMPARE(rawRequest(m_port, get(QStringLiteral("/resources/") + idOf(uri))).status, 200);
}

void TestGateway::perClientLimits()
{
    Gateway limited(m_engine.get());
    GatewayOptions options;
    options.httpPort = 0;
    options.limitLoopback = true;
    options.maxConnectionsPerClient = 2;
    options.maxRequestsPerSecond = 1; // a burst of 2, then 1 a second
    options.maxBodyBytes = 16;
    QString error;
    QVERIFY2(limited.start(options, &error), qPrintable(error));
    // Two connections held open; the third is refused with a message.
    QTcpSocket a, b;
    a.connectToHost(QHostAddress::LocalHost, limited.httpPort());
    b.connectToHost(QHostAddress::LocalHost, limited.httpPort());
    QVERIFY(a.waitForConnected(10000) && b.waitForConnected(10000));
    QTRY_COMPARE_WITH_TIMEOUT(limited.clientCount(), 2, 20000);
    const HttpAnswer third = rawRequest(limited.httpPort(), get(QStringLiteral("/")));
    QCOMPARE(third.status, 503);
    QVERIFY(third.json().toObject().value(QLatin1String("error")).toString().contains(QLatin1String("too many connections")));
    a.abort();
    b.abort();
    QTRY_COMPARE_WITH_TIMEOUT(limited.clientCount(), 0, 20000);

    // Twenty requests at once against a burst of two refilled at one a second: most get 429
    // (it would take the gateway 18 s to answer them for all to pass).
    Gateway rated(m_engine.get());
    options.maxConnectionsPerClient = 64;
    QVERIFY2(rated.start(options, &error), qPrintable(error));
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 20; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, rated.httpPort());
        QVERIFY(sockets.back()->waitForConnected(10000));
    }
    for (auto &socket : sockets)
        socket->write(get(QStringLiteral("/")));
    QList<QByteArray> answers(20);
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(sockets.begin(), sockets.end(), [&, i = 0](auto &socket) mutable {
                                 answers[i] += socket->readAll();
                                 return answers[i++].contains("\r\n\r\n");
                             }), 30000);
    const auto tooMany = std::count_if(answers.begin(), answers.end(), [](const QByteArray &a) { return a.startsWith("HTTP/1.1 429"); });
    const auto ok = std::count_if(answers.begin(), answers.end(), [](const QByteArray &a) { return a.startsWith("HTTP/1.1 200"); });
    QVERIFY2(tooMany >= 2 && ok >= 1 && tooMany + ok == 20, qPrintable(QStringLiteral("%1 429, %2 200").arg(tooMany).arg(ok)));
    QVERIFY(answers.at(0).contains("too many requests") || std::any_of(answers.begin(), answers.end(), [](const QByteArray &a) {
                return a.contains("too many requests");
            }));
}

void TestGateway::generatedThingDescriptionRoundTrip()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    const QString uri = publishRetained(QStringLiteral("td/fan"), QStringLiteral("off"));
    QVERIFY(waitFor(uri, "off"));
    const HttpAnswer wot = rawRequest(m_port, get(QStringLiteral("/.well-known/wot")));
    QCOMPARE(wot.status, 200);
    const QJsonArray things = wot.json().toArray();
    QVERIFY(!things.isEmpty());
    const QJsonObject td = things.at(0).toObject();
    QVERIFY(td.value(QLatin1String("@context")).toArray().contains(QStringLiteral("https://www.w3.org/2022/wot/td/v1.1")));
    const QString self = td.value(QLatin1String("links")).toArray().at(0).toObject().value(QLatin1String("href")).toString();
    const HttpAnswer one = rawRequest(m_port, get(QLatin1Char('/') + self));
    QCOMPARE(one.status, 200);
    QCOMPARE(one.json().toObject().value(QLatin1String("id")), td.value(QLatin1String("id")));

    // A second engine discovers the gateway as a Web of Things site...
    Engine client;
    connectToGateway(&client);
    const Resource *fan = nullptr;
    QDeadlineTimer deadline(30000);
    const QString href = QStringLiteral("http://127.0.0.1:%1/resources/%2").arg(m_port).arg(idOf(uri));
    while (!fan && !deadline.hasExpired()) {
        fan = client.store()->find(*ResourceId::parse(href));
        QTest::qWait(20);
    }
    QVERIFY2(fan, qPrintable(QStringLiteral("%1 resources, none is %2").arg(client.store()->size()).arg(href)));
    QTRY_VERIFY_WITH_TIMEOUT(fan->hasValue() && fan->value().decoded.toString() == QLatin1String("off"), 20000);
    // ...and writes through it: the MQTT device changes.
    const QString written = writeSeenOnBroker(&client, fan->id(), "\"on\"", {QStringLiteral("-t"), m_prefix + QStringLiteral("/td/fan"), QStringLiteral("-R")}, "on");
    QVERIFY2(written.isEmpty(), qPrintable(written));
    client.disconnectAll();
}

void TestGateway::coapObserveAndGet()
{
    REQUIRE_BINARY(coapClient, "coap-client-openssl", "libcoap3-bin")
    // An HTTP device (a QHttpServer) feeding the same engine.
    QHttpServer device;
    device.route(QStringLiteral("/meter"), [] { return QHttpServerResponse("text/plain", "42.5"); });
    Gateway coap(m_engine.get());
    const CoapSetUp setUp = setUpCoap(&coap, &device, QStringLiteral("meter"), QStringLiteral("/meter"), "42.5",
                                      QStringLiteral("coap/level"), QStringLiteral("7"));
    QVERIFY(!setUp.base.isEmpty());
    const QString &meter = setUp.device;
    const QString &uri = setUp.topic;
    const QString &base = setUp.base;

    const QString core = runCoapClient({QStringLiteral("-m"), QStringLiteral("get"), base + QStringLiteral("/.well-known/core")});
    QVERIFY2(core.contains(QStringLiteral("</r/%1>").arg(idOf(uri))), qPrintable(core));
    QVERIFY2(core.contains(QLatin1String("obs")), qPrintable(core));

    const QString value = runCoapClient({QStringLiteral("-m"), QStringLiteral("get"), base + QStringLiteral("/r/") + idOf(meter)});
    QVERIFY2(value.contains(QLatin1String("42.5")), qPrintable(value));

    // Observe the MQTT-fed resource while MQTT changes it.
    QProcess observer;
    testsupport::dieWithParent(&observer);
    observer.start(testsupport::findProgram(QStringLiteral("coap-client-openssl")),
                   {QStringLiteral("-m"), QStringLiteral("get"), QStringLiteral("-s"), QStringLiteral("60"), QStringLiteral("-A"), QStringLiteral("0"),
                    base + QStringLiteral("/r/") + idOf(uri)});
    QVERIFY(observer.waitForStarted());
    QByteArray seen;
    QTRY_VERIFY_WITH_TIMEOUT((seen += observer.readAllStandardOutput()).contains("7"), 20000);
    QVERIFY(!publishRetained(QStringLiteral("coap/level"), QStringLiteral("8")).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT((seen += observer.readAllStandardOutput()).contains("8"), 20000);
    observer.kill();
    observer.waitForFinished();

    // A large value goes out block-wise and arrives whole.
    const QString big = QString(3000, QLatin1Char('z'));
    const QString bigUri = publishRetained(QStringLiteral("coap/big"), big);
    QVERIFY(waitFor(bigUri));
    const QString bigValue = runCoapClient({QStringLiteral("-m"), QStringLiteral("get"), QStringLiteral("-A"), QStringLiteral("0"),
                                            base + QStringLiteral("/r/") + idOf(bigUri)});
    QVERIFY2(bigValue.contains(big), qPrintable(QString::number(bigValue.size())));
    m_engine->endpoints()->remove(QStringLiteral("meter"));
}

void TestGateway::coapWriteAnswersWithItsOutcome()
{
    REQUIRE_BINARY(coapClient, "coap-client-openssl", "libcoap3-bin")
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    // An HTTP device whose valve refuses every write.
    QHttpServer device;
    device.route(QStringLiteral("/valve"), QHttpServerRequest::Method::Get, [] { return QHttpServerResponse("text/plain", "closed"); });
    device.route(QStringLiteral("/valve"), QHttpServerRequest::Method::Put | QHttpServerRequest::Method::Post, [] {
        return QHttpServerResponse("text/plain", "valve jammed", QHttpServerResponder::StatusCode::InternalServerError);
    });
    Gateway coap(m_engine.get());
    const CoapSetUp setUp = setUpCoap(&coap, &device, QStringLiteral("valve"), QStringLiteral("/valve"), "closed",
                                      QStringLiteral("coapw/lamp"), QStringLiteral("off"));
    QVERIFY(!setUp.base.isEmpty());
    const QString &valve = setUp.device;
    const QString &lamp = setUp.topic;
    const QString base = setUp.base + QStringLiteral("/r/");

    // The device's refusal comes back as the answer: 5.02 with the reason.
    const QString failed = runCoapClient({QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"), QStringLiteral("open"),
                                          base + idOf(valve)}, 30000, true);
    QVERIFY2(failed.contains(QLatin1String("5.02")) && failed.contains(QLatin1String("writing")), qPrintable(failed));

    // A write that succeeds: 2.04 once MQTT took it, after an empty ACK.
    QProcess subscriber;
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(),
                                         {QStringLiteral("-t"), m_prefix + QStringLiteral("/coapw/lamp"), QStringLiteral("-R")}));
    const QString written = runCoapClient({QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"), QStringLiteral("on"),
                                           QStringLiteral("-v"), QStringLiteral("7"), base + idOf(lamp)}, 30000, true);
    const qsizetype ack = written.indexOf(QLatin1String("t:ACK c:0.00"));
    const qsizetype changed = written.indexOf(QLatin1String("c:2.04"));
    QVERIFY2(ack >= 0 && changed > ack, qPrintable(written));
    QVERIFY2(!written.contains(QLatin1String("5.0")) && !written.contains(QLatin1String("4.0")), qPrintable(written));
    QByteArray published;
    QTRY_VERIFY_WITH_TIMEOUT(testsupport::subscriberPayloads(published += subscriber.readAllStandardOutput()).split('\n').contains("on"), 20000);
    subscriber.kill();
    subscriber.waitForFinished();

    // Refused before any write: answered at once, with the reason.
    const QString unknown = runCoapClient({QStringLiteral("-m"), QStringLiteral("put"), QStringLiteral("-e"), QStringLiteral("1"),
                                           base + idOf(m_base + QStringLiteral("/coapw/nobody"))}, 30000, true);
    QVERIFY2(unknown.contains(QLatin1String("4.04")), qPrintable(unknown));
    m_engine->endpoints()->remove(QStringLiteral("valve"));
}

void TestGateway::thingDescriptionsCarryActions()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    // A Home Assistant button: a command topic and no state, so something to invoke.
    const QString device = QStringLiteral("Door %1").arg(m_prefix);
    const QString command = m_prefix + QStringLiteral("/bell/press");
    const QString config = QStringLiteral(R"({"name": "Bell", "command_topic": "%1", "payload_press": "PRESS", "device": {"name": "%2", "identifiers": ["%3"]}})")
                               .arg(command, device, m_prefix);
    QCOMPARE(mqtttest::publish(m_broker.port(), {QStringLiteral("-r"), QStringLiteral("-t"),
                                                 QStringLiteral("homeassistant/button/%1/bell/config").arg(haNode()),
                                                 QStringLiteral("-m"), config}),
             0);
    const QString bell = m_base + QStringLiteral("/bell/press");
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->find(*ResourceId::parse(bell)), 20000);
    const QString thingPath = QStringLiteral("/things/") + GatewayId::encodeText(device);
    HttpAnswer thing;
    QTRY_VERIFY_WITH_TIMEOUT((thing = rawRequest(m_port, get(thingPath))).json().toObject().value(QLatin1String("actions")).toObject().contains(QLatin1String("press")),
                             20000);
    const QJsonObject td = thing.json().toObject();
    QVERIFY(!td.value(QLatin1String("properties")).toObject().contains(QLatin1String("press")));
    const QJsonObject form = td.value(QLatin1String("actions")).toObject().value(QLatin1String("press")).toObject()
                                 .value(QLatin1String("forms")).toArray().at(0).toObject();
    QCOMPARE(form.value(QLatin1String("op")).toString(), QStringLiteral("invokeaction"));
    QCOMPARE(form.value(QLatin1String("htv:methodName")).toString(), QStringLiteral("POST"));
    QCOMPARE(form.value(QLatin1String("href")).toString(), QStringLiteral("resources/") + idOf(bell));

    // Our own HTTP connector takes the gateway's TDs and invokes the action through it.
    Engine client;
    connectToGateway(&client);
    const ResourceId action = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1/resources/%2").arg(m_port).arg(idOf(bell)));
    QTRY_VERIFY_WITH_TIMEOUT(client.store()->find(action), 30000);
    QCOMPARE(client.store()->find(action)->metadata().extra.value(QLatin1String("affordance")).toString(), QStringLiteral("action"));
    const QString invoked = writeSeenOnBroker(&client, action, "\"PRESS\"", {QStringLiteral("-t"), command}, "PRESS");
    QVERIFY2(invoked.isEmpty(), qPrintable(invoked));
    client.disconnectAll();
    QCOMPARE(mqtttest::publish(m_broker.port(), {QStringLiteral("-r"), QStringLiteral("-t"),
                                                 QStringLiteral("homeassistant/button/%1/bell/config").arg(haNode()),
                                                 QStringLiteral("-n")}),
             0);
}

void TestGateway::oversizedBodiesAreRefusedEarly()
{
    const QString uri = publishRetained(QStringLiteral("limit/x"), QStringLiteral("1"));
    QVERIFY(waitFor(uri, "1"));
    Gateway small(m_engine.get());
    GatewayOptions options;
    options.maxBodyBytes = 1000;
    QVERIFY(startOnFreePorts(&small, options));
    const QByteArray head = "PUT /resources/" + idOf(uri).toLatin1() + " HTTP/1.1\r\nHost: x\r\n";
    auto refusal = [](const HttpAnswer &answer) {
        return QStringLiteral("%1 %2").arg(answer.status).arg(answer.json().toObject().value(QLatin1String("error")).toString());
    };

    // Declared over the limit: refused on its headers, before its body (only 10 of the
    // 50,000,000 bytes are ever sent: an answer proves nothing waited for the rest).
    const HttpAnswer declared = rawRequest(small.httpPort(), head + "Content-Length: 50000000\r\n\r\n" + QByteArray(10, 'x'));
    QVERIFY2(declared.status == 413 && refusal(declared).contains(QLatin1String("50000000 bytes is over the limit of 1000")),
             qPrintable(refusal(declared)));

    // Chunked without an end: cut once what came is past the limit and the header allowance.
    QByteArray endless = head + "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 200; ++i)
        endless += "400\r\n" + QByteArray(1024, 'y') + "\r\n";
    const HttpAnswer cut = rawRequest(small.httpPort(), endless);
    QVERIFY2(cut.status == 413 && refusal(cut).contains(QLatin1String("larger than 1000 bytes")), qPrintable(refusal(cut)));

    // Chunked and a little over: read whole, then refused.
    const HttpAnswer over = rawRequest(small.httpPort(), head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n7d0\r\n"
                                                         + QByteArray(2000, 'z') + "\r\n0\r\n\r\n");
    QVERIFY2(over.status == 413 && refusal(over).contains(QLatin1String("2000 bytes")), qPrintable(refusal(over)));

    // Nothing else is lost: the gateway still answers.
    QCOMPARE(rawRequest(small.httpPort(), get(QStringLiteral("/resources/") + idOf(uri))).status, 200);
}

QTEST_MAIN(TestGateway)
#include "tst_gateway.moc"
