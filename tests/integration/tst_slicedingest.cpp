// The window's way of taking a flood (EndpointManager::setApplySliceMs): a real mosquitto holding
// 5,000 retained topics, a manager handing them over in bites of 250 and applying them in slices
// of 1 ms, views that are slow on purpose (2 ms a store batch), a tree model under a
// QAbstractItemModelTester. Every topic reaches the store and the tree once, the event loop
// turns between slices, and an operation's result (discover's) comes only after every update
// received before it is in the store. No time is asserted.

#include "mqtttesthelpers.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSet>
#include <QTest>
#include <QTimer>

#include <mosquitto.h>

using namespace thingscape;

namespace {

constexpr int kTopics = 5000;

// Publishes count retained topics prefix/dN/v (QoS 1) and waits for every acknowledgement.
bool publishRetained(quint16 port, const QString &prefix, int count)
{
    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(nullptr, true, nullptr);
    if (!mosq || mosquitto_connect(mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
        return false;
    mosquitto_max_inflight_messages_set(mosq, 0);
    int acked = 0;
    mosquitto_user_data_set(mosq, &acked);
    mosquitto_publish_callback_set(mosq, [](struct mosquitto *, void *data, int) { ++*static_cast<int *>(data); });
    bool ok = true;
    for (int i = 0; i < count && ok; ++i) {
        const QByteArray topic = (prefix + QStringLiteral("/d%1/v").arg(i)).toUtf8();
        const QByteArray payload = QByteArray::number(i);
        ok = mosquitto_publish(mosq, nullptr, topic.constData(), int(payload.size()), payload.constData(), 1, true)
            == MOSQ_ERR_SUCCESS;
        if (i % 256 == 255)
            mosquitto_loop(mosq, 0, 1);
    }
    QElapsedTimer clock;
    clock.start();
    while (ok && acked < count && clock.elapsed() < 120000)
        ok = mosquitto_loop(mosq, 100, 1) == MOSQ_ERR_SUCCESS;
    mosquitto_disconnect(mosq);
    mosquitto_destroy(mosq);
    return ok && acked == count;
}

} // namespace

class TestSlicedIngest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void aRetainedFloodGoesInSlicesAndResultsFollowTheirUpdates();

private:
    testsupport::Mosquitto m_broker;
};

void TestSlicedIngest::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    // Unlimited queues: whatever the broker would drop for a slow client is not ours to count.
    QVERIFY(m_broker.start(QStringLiteral("max_queued_messages 0\nmax_queued_bytes 0\n")));
}

void TestSlicedIngest::aRetainedFloodGoesInSlicesAndResultsFollowTheirUpdates()
{
    // Given 5,000 retained topics on the broker
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("sliced"));
    QVERIFY(publishRetained(m_broker.port(), prefix, kTopics));

    // And a store with slow views, a tree under a tester, and a manager as the window sets it up
    ResourceStore store;
    ResourceTreeModel tree(&store);
    QAbstractItemModelTester tester(&tree, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int batches = 0;
    qsizetype largestBatch = 0;
    connect(&store, &ResourceStore::batchApplied, this, [&](const StoreBatch &batch) {
        ++batches;
        largestBatch = std::max(largestBatch, batch.added.size());
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 2) {
        }
    });
    EndpointManager manager(&store);
    manager.setHandOverLimit(250);
    manager.setApplySliceMs(1);
    QSet<QString> received;
    connect(&manager, &EndpointManager::updatesArrived, this, [&](const QString &, const UpdateBatch &updates) {
        for (const Update &update : updates) {
            if (update.direction == Direction::In && !update.remove)
                received.insert(update.id.uri());
        }
    });
    // (the event loop's turns, counted by a timer due at every turn)
    int turns = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, this, [&] { ++turns; });
    ticker.start();
    int turnsAtFirstBatch = -1;
    connect(&store, &ResourceStore::batchApplied, this, [&] {
        if (turnsAtFirstBatch < 0)
            turnsAtFirstBatch = turns;
    });

    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), m_broker.port(), {});
    config.filters = {prefix + QStringLiteral("/#")};
    const QString id = manager.add(config);
    bool opened = false;
    manager.open(id, [&](const Result &result) { opened = result.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(opened, 30000);

    // When discovery listens for a short while (the updates outrun the slow views)
    bool discovered = false;
    qsizetype receivedAtResult = 0;
    QStringList missingAtResult;
    manager.discover(
        id,
        [&](const Result &) {
            discovered = true;
            receivedAtResult = received.size();
            for (const QString &uri : std::as_const(received)) {
                if (!store.find(*ResourceId::parse(uri)))
                    missingAtResult.append(uri);
            }
        },
        {}, std::chrono::milliseconds(300));
    QTRY_VERIFY_WITH_TIMEOUT(discovered, 120000);

    // Then its result came after every update received before it was in the store
    QVERIFY(receivedAtResult > 0);
    QVERIFY2(missingAtResult.isEmpty(), qPrintable(QStringLiteral("%1 of %2 not in the store, e.g. %3")
                                                        .arg(missingAtResult.size())
                                                        .arg(receivedAtResult)
                                                        .arg(missingAtResult.value(0))));
    // And every topic arrives, in the store once and in the tree
    QTRY_COMPARE_WITH_TIMEOUT(store.size(), qsizetype(kTopics), 120000);
    QTRY_COMPARE_WITH_TIMEOUT(manager.updatesWaiting(), qsizetype(0), 120000);
    QTRY_COMPARE_WITH_TIMEOUT(tree.waitingResources(), qsizetype(0), 120000);
    const ResourceId last = ResourceId::fromTopic(config.url, prefix + QStringLiteral("/d%1/v").arg(kTopics - 1));
    QVERIFY(tree.indexForId(last).isValid());
    QCOMPARE(store.find(last)->value().raw, QByteArray::number(kTopics - 1));
    // In slices smaller than a hand-over, with the event loop turning between them
    QVERIFY2(largestBatch < 250, qPrintable(QString::number(largestBatch)));
    QVERIFY(batches > kTopics / 250);
    QVERIFY(turnsAtFirstBatch >= 0);
    QVERIFY2(turns > batches / 4, qPrintable(QStringLiteral("%1 turns, %2 batches").arg(turns).arg(batches)));
}

QTEST_MAIN(TestSlicedIngest)
#include "tst_slicedingest.moc"
