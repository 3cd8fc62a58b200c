// A Thing's event stream that names a property many times while the property's read is still
// on its way: the property is read again once after that read, not once per event. Under the
// simulator's load (1000 events/s naming properties) one GET per event drowned the I/O thread
// in new connections and every protocol's messages stopped.
//
// The peer is a real server on loopback that holds the first refresh read until the connector
// has delivered every event, so the count of reads does not depend on timing.
#include "rawhttpserver.h"

#include "model/resourcestore.h"
#include "protocols/connector.h"
#include "protocols/http/httpconnector.h"

#include <QCoro/QCoroTask>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpSocket>
#include <QTest>

using namespace thingscape;
using testsupport::RawHttpRequest;
using testsupport::RawHttpServer;

class TestHttpEventRefresh : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsDuringAReadAskForOneMoreRead();
};

void TestHttpEventRefresh::eventsDuringAReadAskForOneMoreRead()
{
    RawHttpServer server;
    QVERIFY(server.listen());
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
    QByteArray level = "10";
    bool hold = false;
    QPointer<QTcpSocket> held;
    QPointer<QTcpSocket> stream;
    int levelReads = 0;
    server.route("/dimmer/level", [&](const RawHttpRequest &, QTcpSocket *socket) {
        ++levelReads;
        if (hold)
            held = socket;
        else
            RawHttpServer::respond(socket, 200, "OK", "application/json", level);
    });
    server.route("/sse/dimmer", [&](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
        socket->write(": hello\n\n");
        stream = socket;
    });
    const QByteArray td = QStringLiteral(R"({
      "@context": "https://www.w3.org/2022/wot/td/v1.1",
      "id": "urn:thingscape:test:dimmer",
      "title": "Dimmer",
      "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
      "security": "nosec_sc",
      "properties": {"level": {"type": "integer", "readOnly": true, "forms": [{"href": "%1/dimmer/level"}]}},
      "events": {"changed": {"data": {"type": "object"},
                             "forms": [{"href": "%1/sse/dimmer", "subprotocol": "sse", "contentType": "text/event-stream"}]}}
    })")
                               .arg(base)
                               .toUtf8();
    server.route("/td/dimmer", [td](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::respond(socket, 200, "OK", "application/td+json", td);
    });

    // Given a discovered Thing whose level was read once and whose events are observed
    EndpointConfig config;
    config.url = ResourceId::parse(base + QStringLiteral("/"))->endpoint();
    config.name = QStringLiteral("dimmer");
    config.requestTimeoutMs = 30000;
    HttpConnector connector(config);
    connector.setBatchIntervalMs(5);
    ResourceStore store;
    const ResourceId levelId = *ResourceId::parse(base + QStringLiteral("/dimmer/level"));
    const ResourceId eventId = *ResourceId::parse(base + QStringLiteral("/sse/dimmer"));
    int events = 0;
    connect(&connector, &Connector::updatesReady, &store, &ResourceStore::ingest);
    connect(&connector, &Connector::updatesReady, this, [&](const UpdateBatch &updates) {
        for (const Update &update : updates)
            events += update.id == eventId && update.value ? 1 : 0;
    });
    const Result discovered =
        QCoro::waitFor(connector.discover(*ResourceId::parse(base + QStringLiteral("/td/dimmer")), std::chrono::seconds(10)));
    QVERIFY2(discovered.ok(), qPrintable(discovered.error));
    QTRY_VERIFY_WITH_TIMEOUT(store.find(levelId) && store.find(levelId)->hasValue(), 20000);
    QCOMPARE(levelReads, 1);
    const Result observed = QCoro::waitFor(connector.observe(eventId));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(!stream.isNull(), 20000);

    // When an event names the level, and its read is held by the device
    hold = true;
    level = "40";
    stream->write("event: changed\ndata: {\"level\": 40}\n\n");
    QTRY_VERIFY_WITH_TIMEOUT(!held.isNull(), 20000);
    QCOMPARE(levelReads, 2);
    // And 50 more events name it while that read is on its way
    QByteArray burst;
    for (int i = 0; i < 50; ++i)
        burst += "event: changed\ndata: {\"level\": 55}\n\n";
    stream->write(burst);
    QTRY_COMPARE_WITH_TIMEOUT(events, 51, 20000);

    // Then no other read started meanwhile
    QCOMPARE(levelReads, 2);

    // And once the held read is answered, the level is read exactly once more
    hold = false;
    RawHttpServer::respond(held, 200, "OK", "application/json", level);
    level = "55";
    QTRY_COMPARE_WITH_TIMEOUT(store.find(levelId)->value().raw, QByteArray("55"), 20000);
    QCOMPARE(levelReads, 3);
    // And every event is in the store as it came
    QCOMPARE(events, 51);
    connector.unobserve(eventId);
}

QTEST_GUILESS_MAIN(TestHttpEventRefresh)
#include "tst_httpeventrefresh.moc"
