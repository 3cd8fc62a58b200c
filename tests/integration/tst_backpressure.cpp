// Backpressure from an MQTT connector on the I/O thread to a blocked GUI thread: a real
// mosquitto, an EndpointManager, a flood while the GUI thread is blocked on purpose.

#include "mqtttesthelpers.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/statusindicators.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

// One mosquitto_pub -l per topic, not started, each with the lines 0..perTopic-1 to send; empty
// when a file could not be written.
std::vector<std::unique_ptr<QProcess>> linePublishers(const QTemporaryDir &dir, int topics, int perTopic)
{
    std::vector<std::unique_ptr<QProcess>> publishers;
    for (int t = 0; t < topics; ++t) {
        QFile lines(dir.filePath(QStringLiteral("lines%1").arg(t)));
        if (!lines.open(QIODevice::WriteOnly))
            return {};
        for (int i = 0; i < perTopic; ++i)
            lines.write(QByteArray::number(i) + '\n');
        lines.close();
        auto process = std::make_unique<QProcess>();
        testsupport::dieWithParent(process.get());
        process->setStandardInputFile(lines.fileName());
        process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process->setStandardOutputFile(QProcess::nullDevice());
        publishers.push_back(std::move(process));
    }
    return publishers;
}

} // namespace

class TestBackpressure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void floodWhileTheGuiThreadIsBlocked();
    void behindIsShownWithItsCount();
    void aFloodIsHandedOverInBites();
    void aBacklogInBitesIsMergedInOrder();

private:
    // An endpoint on the broker for prefix/#, connected, with one message taken and nothing in
    // flight; empty when that did not happen. handOverLimit > 0: its connector hands over at most
    // that many updates at once.
    QString connectWarm(EndpointManager *manager, ResourceStore *store, const QString &prefix, qsizetype handOverLimit = 0);

    testsupport::Mosquitto m_broker;
};

QString TestBackpressure::connectWarm(EndpointManager *manager, ResourceStore *store, const QString &prefix,
                                      qsizetype handOverLimit)
{
    if (handOverLimit > 0)
        manager->setHandOverLimit(handOverLimit);
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), m_broker.port(), {});
    config.filters = {prefix + QStringLiteral("/#")};
    const QString id = manager->add(config);
    manager->connectEndpoint(id);
    if (!QTest::qWaitFor([&] { return manager->status(id).state == ConnectorState::Connected; }, 30000)
        || !QTest::qWaitFor([&] { return !manager->status(id).discovering; }, 30000)
        || mqtttest::publish(m_broker.port(), {"-q", "1", "-t", prefix + "/warm", "-m", "up"}) != 0
        || !QTest::qWaitFor([&] { return store->find(rid(base + prefix + "/warm")) != nullptr; }, 30000)
        || !QTest::qWaitFor([&] { return manager->handOverStats(id).taken == manager->handOverStats(id).sent; }, 30000))
        return {};
    return id;
}

void TestBackpressure::initTestCase()
{
    if (testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty()
        || testsupport::findProgram(QStringLiteral("mosquitto_pub")).isEmpty()) {
        if (qEnvironmentVariable("CI") == QLatin1String("true"))
            QFAIL("mosquitto / mosquitto_pub are not installed (required under CI=true)");
        QSKIP("mosquitto is not installed");
    }
    QVERIFY(m_broker.start());
}

void TestBackpressure::floodWhileTheGuiThreadIsBlocked()
{
    // Given an MQTT endpoint connected through the manager, its connector on the I/O thread
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("flood"));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
    ResourceStore store;
    EndpointManager manager(&store);
    const QString id = connectWarm(&manager, &store, prefix);
    QVERIFY(!id.isEmpty());

    // A flood of 4 x 40,000 messages on 4 topics, from mosquitto_pub processes
    constexpr int kTopics = 4;
    constexpr int kPerTopic = 40000;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::vector<std::unique_ptr<QProcess>> publishers = linePublishers(dir, kTopics, kPerTopic);
    QCOMPARE(int(publishers.size()), kTopics);
    QSignalSpy applied(&store, &ResourceStore::batchApplied);
    const Connector::HandOverStats before = manager.handOverStats(id);
    for (int t = 0; t < kTopics; ++t)
        publishers[t]->start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                             {"-h", "127.0.0.1", "-p", QString::number(m_broker.port()), "-t",
                              prefix + QStringLiteral("/flood/%1").arg(t), "-l"});

    // When the GUI thread is blocked on purpose (not a fixed time: until the connector had
    // to merge its pending batch, which takes far more messages than one batch holds)
    QElapsedTimer blocked;
    blocked.start();
    quint64 maxInFlight = 0;
    Connector::HandOverStats during = before;
    while (during.coalesced == before.coalesced && blocked.elapsed() < 120000) {
        QThread::msleep(20);
        during = manager.handOverStats(id);
        maxInFlight = std::max(maxInFlight, during.sent - during.taken);
    }
    // Everything queued for the GUI thread while it was blocked is ahead of this marker.
    const qsizetype appliedBeforeMarker = applied.count();
    qsizetype appliedAtMarker = -1;
    QMetaObject::invokeMethod(this, [&] { appliedAtMarker = applied.count(); }, Qt::QueuedConnection);

    // Then the connector coalesced instead of queueing batches
    QVERIFY2(during.coalesced > before.coalesced, "the GUI thread was blocked for 120 s and nothing was coalesced");
    QVERIFY2(maxInFlight <= 1, qPrintable(QStringLiteral("%1 batches in flight").arg(maxInFlight)));
    QVERIFY2(during.peakPending <= Connector::kDefaultPendingLimit + 1,
             qPrintable(QStringLiteral("pending batch grew to %1").arg(during.peakPending)));
    // and at most one hand-over was queued to the GUI thread during the whole block
    QTRY_VERIFY(appliedAtMarker >= 0);
    QVERIFY2(appliedAtMarker - appliedBeforeMarker <= 1,
             qPrintable(QStringLiteral("%1 batches queued to the blocked GUI thread")
                            .arg(appliedAtMarker - appliedBeforeMarker)));

    // And the count is visible in the store once the merged batch is taken
    QTRY_VERIFY_WITH_TIMEOUT(store.ingestStats().coalesced > 0, 60000);
    QVERIFY(store.ingestStats().behindCount > 0);
    QVERIFY(store.ingestStats().lastBehindMs > 0);
    QVERIFY(!StatusIndicators::behindText(store.ingestStats(), store.subscriptions(), store.ingestStats().lastBehindMs)
                 .isEmpty());

    // And afterwards the app recovers: the flood ends, new messages flow normally
    for (const auto &process : publishers)
        QTRY_COMPARE_WITH_TIMEOUT(process->state(), QProcess::NotRunning, 120000);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-q", "1", "-t", prefix + "/after", "-m", "recovered"}), 0);
    QTRY_VERIFY_WITH_TIMEOUT(store.find(rid(base + prefix + "/after")), 60000);
    QCOMPARE(store.find(rid(base + prefix + "/after"))->value().raw, QByteArray("recovered"));
    for (int t = 0; t < kTopics; ++t)
        QVERIFY(store.find(rid(base + prefix + QStringLiteral("/flood/%1").arg(t))));
    // Every batch the GUI thread took was bounded; none waits any more
    qsizetype largest = 0;
    for (const QList<QVariant> &args : std::as_const(applied))
        largest = std::max(largest, args.at(0).value<StoreBatch>().messages.size());
    QVERIFY2(largest <= Connector::kDefaultPendingLimit + 1, qPrintable(QString::number(largest)));
    QTRY_COMPARE_WITH_TIMEOUT(manager.handOverStats(id).taken, manager.handOverStats(id).sent, 30000);
    const quint64 sentBefore = manager.handOverStats(id).sent;
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-q", "1", "-t", prefix + "/after", "-m", "again"}), 0);
    QTRY_COMPARE_WITH_TIMEOUT(store.find(rid(base + prefix + "/after"))->value().raw, QByteArray("again"), 30000);
    QVERIFY(manager.handOverStats(id).sent > sentBefore);
    const auto stats = manager.handOverStats(id);
    qInfo("flood: %llu batches, %llu messages coalesced, pending peak %lld, largest batch %lld, blocked %lld ms",
          stats.sent, stats.coalesced, qlonglong(stats.peakPending), qlonglong(largest), qlonglong(blocked.elapsed()));
}

void TestBackpressure::behindIsShownWithItsCount()
{
    // Given a store that took a batch that waited 2.5 s and one with 1,234 messages merged
    ResourceStore store;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(StatusIndicators::behindText(store.ingestStats(), store.subscriptions(), now).isEmpty());
    QSignalSpy changed(&store, &ResourceStore::ingestStatsChanged);
    store.noteHandOver(20, 0);
    QCOMPARE(changed.count(), 0); // keeping up is not news
    QVERIFY(StatusIndicators::behindText(store.ingestStats(), store.subscriptions(), now).isEmpty());
    store.noteHandOver(2500, 0);
    store.noteHandOver(10, 1234);
    QCOMPARE(changed.count(), 2);
    const IngestStats stats = store.ingestStats();
    QCOMPARE(stats.coalesced, quint64(1234));
    QCOMPARE(stats.maxWaitMs, qint64(2500));
    QCOMPARE(stats.behindCount, quint64(2));
    // Then the status bar says so, with the count
    const QString text = StatusIndicators::behindText(stats, store.subscriptions(), stats.lastBehindMs + 10);
    QVERIFY2(text.contains(QLatin1String("1234")) || text.contains(QLatin1String("1,234")), qPrintable(text));
    // A subscriber that drops events is shown too
    std::shared_ptr<EventSubscription> slow = store.subscribe(QStringLiteral("recorder"), 1);
    Update a;
    a.id = rid(QStringLiteral("mqtt://h/a"));
    a.value = Value();
    store.ingest({a, a, a});
    const QString withSubscriber = StatusIndicators::behindText(IngestStats(), store.subscriptions(), now);
    QVERIFY2(withSubscriber.contains(QLatin1String("recorder")) && withSubscriber.contains(QLatin1Char('2')),
             qPrintable(withSubscriber));
    // And it goes away once ingestion has kept up for a while (the totals stay in the tooltip)
    QVERIFY(StatusIndicators::behindText(stats, {}, stats.lastBehindMs + StatusIndicators::kBehindShownMs + 1)
                .isEmpty());
}

void TestBackpressure::aFloodIsHandedOverInBites()
{
    // Given a manager whose connectors hand over at most 500 updates at once (as the window's)
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("bites"));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
    ResourceStore store;
    EndpointManager manager(&store);
    const QString id = connectWarm(&manager, &store, prefix, 500);
    QVERIFY(!id.isEmpty());

    // When 4,000 messages (fewer than the pending limit, so none is merged) pile up while the
    // GUI thread is blocked: until the connector holds all of them
    constexpr int kMessages = 4000;
    QTemporaryDir dir;
    QFile lines(dir.filePath(QStringLiteral("lines")));
    QVERIFY(lines.open(QIODevice::WriteOnly));
    for (int i = 0; i < kMessages; ++i)
        lines.write(QByteArray::number(i) + '\n');
    lines.close();
    QProcess publisher;
    testsupport::dieWithParent(&publisher);
    publisher.setStandardInputFile(lines.fileName());
    publisher.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    publisher.setStandardOutputFile(QProcess::nullDevice());
    QSignalSpy applied(&store, &ResourceStore::batchApplied);
    const quint64 messagesBefore = store.messagesIn();
    publisher.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                    {"-h", "127.0.0.1", "-p", QString::number(m_broker.port()), "-q", "1", "-t",
                     prefix + QStringLiteral("/flood"), "-l"});
    QVERIFY(publisher.waitForFinished(120000));
    QElapsedTimer blocked;
    blocked.start();
    // (the first bite may have gone before the GUI thread was blocked: at most 500)
    while (manager.handOverStats(id).peakPending < kMessages - 500 && blocked.elapsed() < 120000)
        QThread::msleep(20);
    QVERIFY2(manager.handOverStats(id).peakPending >= kMessages - 500, "the connector never held the flood");

    // Then the GUI thread takes them in bites of at most 500, in order, every one of them
    QTRY_COMPARE_WITH_TIMEOUT(store.messagesIn() - messagesBefore, quint64(kMessages), 60000);
    qsizetype largest = 0;
    for (const QList<QVariant> &args : std::as_const(applied))
        largest = std::max(largest, args.at(0).value<StoreBatch>().messages.size());
    QVERIFY2(largest <= 500, qPrintable(QString::number(largest)));
    QVERIFY(applied.count() >= kMessages / 500);
    QCOMPARE(store.find(rid(base + prefix + "/flood"))->value().raw, QByteArray::number(kMessages - 1));
    QCOMPARE(manager.handOverStats(id).coalesced, quint64(0));
    // Each one once, in the order sent, across the bites
    int next = 0;
    for (const QList<QVariant> &args : std::as_const(applied)) {
        for (const Message &message : args.at(0).value<StoreBatch>().messages) {
            if (message.id == rid(base + prefix + "/flood")) {
                QCOMPARE(message.raw, QByteArray::number(next));
                ++next;
            }
        }
    }
    QCOMPARE(next, kMessages);
}

void TestBackpressure::aBacklogInBitesIsMergedInOrder()
{
    // Given a manager handing over at most 500 updates at once (merging past the default pending limit)
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("bitemerge"));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
    ResourceStore store;
    EndpointManager manager(&store);
    const QString id = connectWarm(&manager, &store, prefix, 500);
    QVERIFY(!id.isEmpty());

    // When 4 topics x 10,000 messages pile up while the GUI thread is blocked, until merged
    constexpr int kTopics = 4;
    constexpr int kPerTopic = 10000;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::vector<std::unique_ptr<QProcess>> publishers = linePublishers(dir, kTopics, kPerTopic);
    QCOMPARE(int(publishers.size()), kTopics);
    QSignalSpy applied(&store, &ResourceStore::batchApplied);
    const quint64 messagesBefore = store.messagesIn();
    for (int t = 0; t < kTopics; ++t)
        publishers[t]->start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                             {"-h", "127.0.0.1", "-p", QString::number(m_broker.port()), "-q", "1", "-t",
                              prefix + QStringLiteral("/t/%1").arg(t), "-l"});
    QElapsedTimer blocked;
    blocked.start();
    while (manager.handOverStats(id).coalesced == 0 && blocked.elapsed() < 120000)
        QThread::msleep(20);
    QVERIFY2(manager.handOverStats(id).coalesced > 0, "the GUI thread was blocked for 120 s and nothing was merged");
    for (const auto &process : publishers)
        QTRY_COMPARE_WITH_TIMEOUT(process->state(), QProcess::NotRunning, 120000);

    // Then every topic ends at its last value, every message is taken or counted as merged,
    // each bite holds at most 500, and each topic's values come in the order sent
    for (int t = 0; t < kTopics; ++t) {
        const ResourceId topic = rid(base + prefix + QStringLiteral("/t/%1").arg(t));
        QTRY_VERIFY_WITH_TIMEOUT(store.find(topic) && store.find(topic)->value().raw == QByteArray::number(kPerTopic - 1),
                                 60000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(manager.handOverStats(id).taken, manager.handOverStats(id).sent, 30000);
    QCOMPARE(store.messagesIn() - messagesBefore + manager.handOverStats(id).coalesced, quint64(kTopics * kPerTopic));
    QHash<QString, int> last;
    for (const QList<QVariant> &args : std::as_const(applied)) {
        const StoreBatch batch = args.at(0).value<StoreBatch>();
        QVERIFY2(batch.messages.size() <= 500, qPrintable(QString::number(batch.messages.size())));
        for (const Message &message : batch.messages) {
            const int value = message.raw.toInt();
            QVERIFY2(value > last.value(message.id.uri(), -1), qPrintable(message.id.uri()));
            last.insert(message.id.uri(), value);
        }
    }
}

QTEST_MAIN(TestBackpressure)
#include "tst_backpressure.moc"
