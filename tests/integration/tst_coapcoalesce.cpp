// The CoAP connector's backlog under backpressure, against a real libcoap server (the project's
// CoapServer on its own thread) notifying a set of observed resources: a notification carries a
// state and its content format, and still merges like an MQTT message once the backlog passes the
// pending limit (Connector::coalescePending), newest value kept, in order, nothing repeated.

#include "protocols/coap/coapconnector.h"

#include "testsupport.h"
#include "tst_coap_server.h"

#include <QCoro/QCoroTask>
#include <QHash>
#include <QTest>

using namespace thingscape;

class TestCoapCoalesce : public QObject
{
    Q_OBJECT

private slots:
    void backlogPastTheLimitKeepsTheNewestValuePerResource();
};

void TestCoapCoalesce::backlogPastTheLimitKeepsTheNewestValuePerResource()
{
    // Given 20 observable resources changing 50 times a second each
    constexpr int kResources = 20;
    constexpr qsizetype kLimit = 300;
    testsupport::LibcoapServer server;
    server.addObservableSet(kResources, 50);
    const quint16 port = testsupport::freeUdpPort();
    QVERIFY(server.start(port));
    server.pauseChanges(true);

    // and a connector with backpressure whose consumer does not take its first batch yet
    EndpointConfig config;
    config.url = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:%1").arg(port));
    config.requestTimeoutMs = 10000;
    CoapConnector connector(config);
    connector.setBatchIntervalMs(5);
    connector.setAcknowledgedHandOver(true);
    connector.setPendingLimit(kLimit);
    QList<UpdateBatch> batches;
    connect(&connector, &Connector::updatesReady, this, [&batches](const UpdateBatch &batch) { batches.append(batch); });
    int registered = 0;
    for (int i = 0; i < kResources; ++i) {
        const ResourceId id = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:%1/obs/%2").arg(port).arg(i));
        connector.observe(id).then([&registered](const Result &result) {
            if (result.ok())
                ++registered;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(registered, kResources, 60000);

    // When notifications come while the backlog waits, until it passed the limit a few times
    server.pauseChanges(false);
    QTRY_VERIFY_WITH_TIMEOUT(connector.handOverStats().coalesced >= quint64(3 * kLimit), 120000);
    server.pauseChanges(true);
    // and then the consumer takes everything
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            connector.acknowledgeHandOver();
            const Connector::HandOverStats stats = connector.handOverStats();
            return stats.sent == stats.taken && !batches.isEmpty() && batches.size() == qsizetype(stats.sent);
        }(),
        60000);
    connector.flush();
    QTest::qWait(0);

    // Then the backlog never grew past the limit: it was merged each time it passed it
    const Connector::HandOverStats stats = connector.handOverStats();
    QVERIFY2(stats.peakPending <= kLimit + 1, qPrintable(QString::number(stats.peakPending)));
    QVERIFY(stats.coalesced >= quint64(3 * kLimit));

    // And each resource's values came in order, none twice
    QHash<QString, qint64> last;
    qint64 values = 0;
    for (const UpdateBatch &batch : std::as_const(batches)) {
        for (const Update &update : batch) {
            if (!update.value || update.direction != Direction::In)
                continue;
            ++values;
            const QString uri = update.id.toString();
            const qint64 counter = update.value->raw.toLongLong();
            QVERIFY2(!last.contains(uri) || counter > last.value(uri),
                     qPrintable(QStringLiteral("%1: %2 after %3").arg(uri).arg(counter).arg(last.value(uri))));
            last.insert(uri, counter);
        }
    }
    QCOMPARE(last.size(), kResources);
    // And what was merged away plus what came out is at most what was received (merges, not losses,
    // account for the difference)
    QVERIFY2(values + qint64(stats.coalesced) <= connector.notificationsReceived(),
             qPrintable(QStringLiteral("%1 delivered + %2 merged > %3 received")
                            .arg(values)
                            .arg(stats.coalesced)
                            .arg(connector.notificationsReceived())));
    server.stop();
}

QTEST_GUILESS_MAIN(TestCoapCoalesce)
#include "tst_coapcoalesce.moc"
