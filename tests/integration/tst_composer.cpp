// The composer (GUI-free) against real peers: MQTT 5 properties seen by mosquitto_sub -V 5,
// MQTT 5 request / response with a correlation id, CoAP options (custom ones by number) seen in
// libcoap's coap-server log, HTTP headers seen by a QHttpServer; repeats with a count; the
// history kept in the workspace under "compose" across save and reopen.

#include "mqtttesthelpers.h"

#include "model/composehistory.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/composer.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one
#include "tests/support/composepeers.h"
#include "tests/support/testsupport.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using namespace thingscape;

namespace {

std::optional<ComposeResponse> sendAndWait(Composer &composer, const ComposeRequest &request, int timeoutMs = 20000)
{
    auto result = std::make_shared<std::optional<ComposeResponse>>();
    composer.send(request, [result](const ComposeResponse &response) { *result = response; });
    (void)QTest::qWaitFor([result] { return result->has_value(); }, timeoutMs);
    return *result;
}

} // namespace

class TestComposer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mqttPublishCarriesMqtt5Properties();
    void mqttRequestResponseWaitsForTheCorrelatedReply();
    void mqttReplyTimesOut();
    void coapRequestCarriesOptionsByNumber();
    void coapUnknownMethodIsAUsageError();
    void httpRequestCarriesHeaders();
    void badPayloadIsRefusedBeforeSending();
    void repeatSendsCountTimes();
    void historyPersistsAcrossReopen();
    void sendingIsNoUnsavedChange();
    void coapResetToANonRequestIsReported();

private:
    testsupport::Mosquitto m_broker;
};

void TestComposer::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto");
    QVERIFY(m_broker.start());
}

void TestComposer::mqttPublishCarriesMqtt5Properties()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients");
    const QString topic = mqtttest::uniquePrefix(QStringLiteral("compose")) + QStringLiteral("/props");
    QProcess subscriber;
    QVERIFY(testsupport::startMqtt5Subscriber(&subscriber, m_broker.port(), topic, QStringLiteral("%t|%C|%R|%D|%E|%P|%q|%p")));

    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(topic);
    request.payloadText = QStringLiteral("{\"on\": true}");
    request.format = ComposeRequest::PayloadFormat::Json;
    request.qos = 1;
    request.responseTopic = QStringLiteral("replies/here");
    request.correlationData = "corr-17";
    request.userProperties = {{QStringLiteral("origin"), QStringLiteral("compose")}};
    request.messageExpirySeconds = 300;
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QVERIFY(response->statusText.contains(QLatin1String("QoS 1")));

    QTRY_VERIFY_WITH_TIMEOUT(subscriber.state() == QProcess::NotRunning, 15000);
    const QString line = QString::fromUtf8(testsupport::subscriberPayloads(subscriber.readAllStandardOutput())).trimmed();
    const QStringList parts = line.split(QLatin1Char('|'));
    QCOMPARE(parts.size(), 8);
    QCOMPARE(parts.at(0), topic);
    QCOMPARE(parts.at(1), QStringLiteral("application/json")); // from the JSON format
    QCOMPARE(parts.at(2), QStringLiteral("replies/here"));
    QCOMPARE(parts.at(3), QStringLiteral("corr-17"));
    QVERIFY(parts.at(4).toInt() > 0 && parts.at(4).toInt() <= 300);
    QCOMPARE(parts.at(5), QStringLiteral("origin:compose"));
    QCOMPARE(parts.at(6), QStringLiteral("1"));
    QCOMPARE(parts.at(7), QStringLiteral("{\"on\": true}"));
    QCOMPARE(composer.history()->entries().size(), 1);
    QCOMPARE(composer.history()->entries().constFirst().request, request);
}

void TestComposer::mqttRequestResponseWaitsForTheCorrelatedReply()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients");
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("compose-rr"));
    const QString requestTopic = prefix + QStringLiteral("/req");
    const QString replyTopic = prefix + QStringLiteral("/reply");
    // A responder: one request in, then a wrong reply (other correlation data) and the right one.
    QProcess responder;
    QVERIFY(testsupport::startSubscriber(&responder, m_broker.port(), {"-V", "5", "-t", requestTopic, "-C", "1"}));

    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(requestTopic);
    request.payloadText = QStringLiteral("ping");
    request.responseTopic = replyTopic;
    request.correlationData = "abc";
    request.waitForReply = true;
    request.qos = 1;
    auto result = std::make_shared<std::optional<ComposeResponse>>();
    composer.send(request, [result](const ComposeResponse &response) { *result = response; });
    // The request reached the broker, so the composer is subscribed to the reply topic.
    QTRY_VERIFY_WITH_TIMEOUT(responder.state() == QProcess::NotRunning, 15000);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-V", "5", "-t", replyTopic, "-m", "not yours", "-D", "publish",
                                                 "correlation-data", "xyz"}),
             0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-V", "5", "-t", replyTopic, "-m", "pong", "-D", "publish",
                                                 "correlation-data", "abc", "-D", "publish", "user-property", "k", "v"}),
             0);
    QTRY_VERIFY_WITH_TIMEOUT(result->has_value(), 20000);
    const ComposeResponse &response = **result;
    QVERIFY2(response.result.ok(), qPrintable(response.result.error));
    QCOMPARE(response.payload, QByteArray("pong"));
    QCOMPARE(response.replyTopic, replyTopic);
    QVERIFY(response.fields.contains(qMakePair(QStringLiteral("k"), QStringLiteral("v"))));
}

void TestComposer::mqttReplyTimesOut()
{
    Composer composer(nullptr);
    ComposeRequest request;
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("compose-to"));
    request.uri = QStringLiteral("mqtt://127.0.0.1:%1/%2/req").arg(m_broker.port()).arg(prefix);
    request.responseTopic = prefix + QStringLiteral("/reply");
    request.waitForReply = true;
    request.timeoutMs = 1000;
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QCOMPARE(response->result.kind, ErrorKind::Timeout);
    QVERIFY2(response->result.error.contains(request.responseTopic), qPrintable(response->result.error));
}

void TestComposer::coapRequestCarriesOptionsByNumber()
{
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    testsupport::CoapServerProcess coapServer;
    QVERIFY(coapServer.start(server, true));
    const quint16 port = coapServer.port();

    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(port);
    request.method = QStringLiteral("GET");
    request.accept = 0;
    request.coapOptions = {{65000, QByteArray("\x01\x02", 2)}, {2048, QByteArray("hello")}};
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 205);
    QCOMPARE(response->statusText, QStringLiteral("2.05 Content"));
    QVERIFY(!response->payload.isEmpty());
    QVERIFY(response->roundTrip.count() >= 0);
    QStringList names;
    for (const auto &[name, value] : response->fields)
        names << name;
    QVERIFY2(names.contains(QLatin1String("Max-Age")), qPrintable(names.join(QLatin1Char(',')))); // named, not numbered
    // The server's debug log shows the request's options as it received them.
    QTRY_VERIFY_WITH_TIMEOUT(coapServer.log().contains("65000:\\x01\\x02"), 10000);
    QVERIFY2(coapServer.log().contains("2048:\\x68\\x65\\x6C\\x6C\\x6F"), coapServer.log().constData());
    QVERIFY2(coapServer.log().contains("Accept:text/plain"), coapServer.log().constData());
}

void TestComposer::coapUnknownMethodIsAUsageError()
{
    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("coap://127.0.0.1:%1/x").arg(testsupport::freeUdpPort());
    request.method = QStringLiteral("BREW");
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QCOMPARE(response->result.kind, ErrorKind::Usage);
    QVERIFY2(response->result.error.contains(QLatin1String("BREW")), qPrintable(response->result.error));
}

void TestComposer::httpRequestCarriesHeaders()
{
    QHttpServer http;
    QList<QPair<QByteArray, QByteArray>> seen;
    QByteArray seenBody;
    http.route("/things/lamp", [&](const QHttpServerRequest &request) {
        seen = request.headers();
        seenBody = request.body();
        QHttpServerResponse response(QByteArrayLiteral("application/json"), QByteArray("{\"ok\":true}"),
                                     QHttpServerResponse::StatusCode::Created);
        response.addHeader(QByteArrayLiteral("X-Served-By"), QByteArrayLiteral("test"));
        return response;
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port != 0);

    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("http://127.0.0.1:%1/things/lamp").arg(port);
    request.method = QStringLiteral("POST");
    request.headers = {{"X-Custom", "hello"}};
    request.payloadText = QStringLiteral("{\"level\": 3}");
    request.format = ComposeRequest::PayloadFormat::CborJson;
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 201);
    QCOMPARE(response->payload, QByteArray("{\"ok\":true}"));
    QVERIFY(response->fields.contains(qMakePair(QStringLiteral("X-Served-By"), QStringLiteral("test"))));
    QVERIFY(response->mediaType.startsWith(QLatin1String("application/json")));
    QByteArray custom;
    QByteArray contentType;
    for (const auto &[name, value] : seen) {
        if (name.compare("X-Custom", Qt::CaseInsensitive) == 0)
            custom = value;
        if (name.compare("Content-Type", Qt::CaseInsensitive) == 0)
            contentType = value;
    }
    QCOMPARE(custom, QByteArray("hello"));
    QCOMPARE(contentType, QByteArray("application/cbor"));
    QCOMPARE(seenBody, QByteArray("\xa1\x65level\x03"));
}

void TestComposer::badPayloadIsRefusedBeforeSending()
{
    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("http://127.0.0.1:%1/x").arg(testsupport::freeTcpPort());
    request.method = QStringLiteral("PUT");
    request.format = ComposeRequest::PayloadFormat::Json;
    request.payloadText = QStringLiteral("{\"a\": }");
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QCOMPARE(response->result.kind, ErrorKind::Usage);
    QVERIFY2(response->result.error.startsWith(QLatin1String("JSON payload")), qPrintable(response->result.error));

    request.format = ComposeRequest::PayloadFormat::Hex;
    request.payloadText = QStringLiteral("0a 1");
    const auto odd = sendAndWait(composer, request);
    QVERIFY(odd);
    QCOMPARE(odd->result.kind, ErrorKind::Usage);
    QVERIFY2(odd->result.error.contains(QLatin1String("odd")), qPrintable(odd->result.error));
}

void TestComposer::repeatSendsCountTimes()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients");
    const QString topic = mqtttest::uniquePrefix(QStringLiteral("compose-repeat")) + QStringLiteral("/load");
    QProcess subscriber;
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(), {"-t", topic, "-C", "5"}));
    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(topic);
    request.payloadText = QStringLiteral("tick");
    request.qos = 1;
    QList<int> sequences;
    bool finished = false;
    const quint64 ticket = composer.repeat(request, 10, 5, [&](const ComposeResponse &response) {
        QVERIFY2(response.result.ok(), qPrintable(response.result.error));
        sequences.append(response.sequence);
    }, [&] { finished = true; });
    QVERIFY(composer.isRunning(ticket));
    QTRY_VERIFY_WITH_TIMEOUT(finished, 30000);
    QCOMPARE(sequences, (QList<int>{1, 2, 3, 4, 5}));
    QVERIFY(!composer.isRunning(ticket));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.state() == QProcess::NotRunning, 15000);
    const QByteArray out = subscriber.readAllStandardOutput();
    QVERIFY2(testsupport::subscriberPayloads(out).count("tick") == 5, out.constData());
    QCOMPARE(composer.history()->entries().size(), 1); // a repeat is one history entry
}

void TestComposer::historyPersistsAcrossReopen()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws.json"));
    ComposeRequest first;
    first.uri = QStringLiteral("coap://127.0.0.1:5683/lamp");
    first.method = QStringLiteral("PUT");
    first.payloadText = QStringLiteral("on");
    first.coapOptions = {{65001, QByteArray("\x00\xff", 2)}};
    first.etag = "\x01\x02";
    ComposeRequest second;
    second.uri = QStringLiteral("mqtt://127.0.0.1:1883/home/fan/set");
    second.payloadText = QStringLiteral("off");
    second.userProperties = {{QStringLiteral("a"), QStringLiteral("b")}};
    second.correlationData = QByteArray("\x00\x01", 2);
    {
        Engine engine;
        Composer composer(&engine);
        QSignalSpy changed(&engine, &Engine::changed);
        composer.history()->add(first);
        composer.history()->add(second);
        composer.history()->saveTemplate(QStringLiteral("lamp on"), first);
        QVERIFY(changed.count() >= 1);
        QString error;
        QVERIFY2(engine.save(path, &error), qPrintable(error));
    }
    Engine engine;
    Composer composer(&engine);
    QString error;
    QVERIFY2(engine.load(path, &error), qPrintable(error));
    QCOMPARE(composer.history()->entries().size(), 2);
    QCOMPARE(composer.history()->entries().at(0).request, second); // newest first
    QCOMPARE(composer.history()->entries().at(1).request, first);
    QCOMPARE(composer.history()->search(QStringLiteral("FAN")), QList<int>{0});
    QCOMPARE(composer.history()->search(QStringLiteral("lamp")), QList<int>{1});
    QCOMPARE(composer.history()->templates().size(), 1);
    QCOMPARE(composer.history()->findTemplate(QStringLiteral("lamp on")), std::optional<ComposeRequest>(first));
}

void TestComposer::sendingIsNoUnsavedChange()
{
    // Given a workspace's composer and a CoAP server
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    testsupport::CoapServerProcess coapServer;
    QVERIFY(coapServer.start(server));
    const quint16 port = coapServer.port();
    Engine engine;
    Composer composer(&engine);
    QSignalSpy changed(&engine, &Engine::changed);
    // When a request is sent and answered
    ComposeRequest request;
    request.uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(port);
    request.method = QStringLiteral("GET");
    const auto response = sendAndWait(composer, request);
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    // Then the workspace has no unsaved change, but its next save carries the history
    QCOMPARE(changed.count(), 0);
    QVERIFY(engine.extraValue(QStringLiteral("compose")).toObject().value(QStringLiteral("history")).toArray().size() == 1);
    // And a template saved is a change
    composer.history()->saveTemplate(QStringLiteral("time"), request);
    QCOMPARE(changed.count(), 1);
}

void TestComposer::coapResetToANonRequestIsReported()
{
    // Given a CoAP server, and a NON request with an unknown critical option (odd number)
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    testsupport::CoapServerProcess coapServer;
    QVERIFY(coapServer.start(server));
    const quint16 port = coapServer.port();
    Composer composer(nullptr);
    ComposeRequest request;
    request.uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(port);
    request.method = QStringLiteral("GET");
    request.confirmable = false;
    request.coapOptions = {{65001, QByteArray("x")}};
    // When it is sent, Then the server's reset is reported as such, not as a timeout
    const auto response = sendAndWait(composer, request, 30000);
    QVERIFY(response);
    QVERIFY(!response->result.ok());
    QVERIFY2(response->result.error.contains(QLatin1String("RST")), qPrintable(response->result.error));
}

QTEST_GUILESS_MAIN(TestComposer)
#include "tst_composer.moc"
