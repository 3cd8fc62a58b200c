// An event stream faster than its consumer: while the consumer holds the hand-over, the HTTP
// connector's pending batch keeps the latest value per resource, not one update per event.
// Every SSE event used to carry the resource's state (online), so the connector's coalescing
// (value-only updates) never merged them and the pending batch grew with the stream
// (bench_window_steady: 805 MB of pending updates in 2 minutes).
//
// The peer is a real server on loopback serving three event streams; the consumer does not
// acknowledge until the connector has taken in every event, so nothing depends on timing.
#include "rawhttpserver.h"

#include "model/resourcestore.h"
#include "protocols/connector.h"
#include "protocols/http/httpconnector.h"

#include <QCoro/QCoroTask>
#include <QPointer>
#include <QTcpSocket>
#include <QTest>

using namespace thingscape;
using testsupport::RawHttpRequest;
using testsupport::RawHttpServer;

class TestHttpSsePending : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void heldStreamKeepsOneValuePerResource();
};

void TestHttpSsePending::heldStreamKeepsOneValuePerResource()
{
    RawHttpServer server;
    QVERIFY(server.listen());
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
    const QStringList names{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    QHash<QString, QPointer<QTcpSocket>> streams;
    for (const QString &name : names) {
        server.route("/sse/" + name.toUtf8(), [&streams, name](const RawHttpRequest &, QTcpSocket *socket) {
            RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
            socket->write(": hello\n\n");
            streams.insert(name, socket);
        });
    }

    // Given a connector with backpressure (one batch in flight until acknowledged) whose
    // pending batch is coalesced past 20 updates
    EndpointConfig config;
    config.url = ResourceId::parse(base + QStringLiteral("/"))->endpoint();
    config.name = QStringLiteral("streams");
    config.requestTimeoutMs = 30000;
    HttpConnector connector(config);
    constexpr qsizetype kPendingLimit = 20;
    connector.setBatchIntervalMs(5);
    connector.setAcknowledgedHandOver(true);
    connector.setPendingLimit(kPendingLimit);
    ResourceStore store;
    bool releasing = true;
    qsizetype batches = 0;
    connect(&connector, &Connector::updatesReady, &store, &ResourceStore::ingest);
    connect(&connector, &Connector::updatesReady, this, [&](const UpdateBatch &) {
        ++batches;
        if (releasing)
            connector.acknowledgeHandOver();
    });
    QList<ResourceId> ids;
    for (const QString &name : names) {
        ids << *ResourceId::parse(base + QStringLiteral("/sse/") + name);
        const Result observed = QCoro::waitFor(connector.observe(ids.last()));
        QVERIFY2(observed.ok(), qPrintable(observed.error));
        QTRY_VERIFY_WITH_TIMEOUT(!streams.value(name).isNull(), 20000);
    }
    // And a first event each, taken in: the resources are online
    for (const QString &name : names)
        streams.value(name)->write("data: 0\n\n");
    for (const ResourceId &id : ids) {
        QTRY_VERIFY_WITH_TIMEOUT(store.find(id) && store.find(id)->hasValue(), 20000);
        QCOMPARE(store.find(id)->state(), ResourceState::Online);
    }
    const qsizetype peakBefore = connector.handOverStats().peakPending;
    QVERIFY(peakBefore <= kPendingLimit);

    // When the consumer holds the hand-over (one batch goes out and is never acknowledged)
    releasing = false;
    const qsizetype batchesBefore = batches;
    for (const QString &name : names)
        streams.value(name)->write("data: 1\n\n");
    QTRY_VERIFY_WITH_TIMEOUT(batches > batchesBefore, 20000);
    // And 1,000 events per resource arrive meanwhile
    constexpr int kEvents = 1000;
    for (const QString &name : names) {
        QByteArray burst;
        for (int i = 2; i <= kEvents + 1; ++i)
            burst += "id: " + QByteArray::number(i) + "\ndata: " + QByteArray::number(i) + "\n\n";
        streams.value(name)->write(burst);
    }

    // Then the events are merged into the pending batch as they come: all but at most one
    // pending batch's worth are counted as coalesced, and the batch never outgrew its limit
    QTRY_VERIFY_WITH_TIMEOUT(connector.handOverStats().coalesced >= quint64(names.size() * kEvents - kPendingLimit - 1),
                             60000);
    QVERIFY2(connector.handOverStats().peakPending <= kPendingLimit + 1,
             qPrintable(QString::number(connector.handOverStats().peakPending)));

    // And once the consumer takes the batch again, every resource has its last value, online
    releasing = true;
    connector.acknowledgeHandOver();
    for (const ResourceId &id : ids) {
        QTRY_COMPARE_WITH_TIMEOUT(store.find(id)->value().raw, QByteArray::number(kEvents + 1), 20000);
        QCOMPARE(store.find(id)->state(), ResourceState::Online);
        // A small value holds its own bytes, not a stream chunk's
        QVERIFY(store.find(id)->value().raw.capacity() < 256);
    }
    for (const ResourceId &id : ids)
        connector.unobserve(id);
}

QTEST_GUILESS_MAIN(TestHttpSsePending)
#include "tst_httpssepending.moc"
