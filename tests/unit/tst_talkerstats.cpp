// Who talks most, GUI-free: counts and rates aggregated up a 3-level tree under a known
// publish rate on a manual clock (counts asserted, never timing); outgoing messages not
// counted; resources below each node; the top talkers by rate and by bytes; quiet nodes leave
// the short windows. And the tree's natural order (s9 before s10).

#include "model/message.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace thingscape;
using Window = TalkerStats::Window;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Message message(const QString &uri, int bytes, Direction direction = Direction::In)
{
    Message m;
    m.id = rid(uri);
    m.raw = QByteArray(bytes, 'x');
    m.direction = direction;
    return m;
}

// Aligned to every bucket size (2 s, 10 s, 60 s), so that a window holds whole seconds.
constexpr qint64 kStart = 60'000LL * 29'000'000LL;

const QString kT1 = QStringLiteral("mqtt://h:1883/site/room1/t1");
const QString kT2 = QStringLiteral("mqtt://h:1883/site/room1/t2");
const QString kT3 = QStringLiteral("mqtt://h:1883/site/room2/t3");

} // namespace

class TestTalkerStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void ratesAggregateUpAThreeLevelTree();
    void resourcesBelowFollowAddsAndRemovals();
    void topTalkersByRateAndBytes();
    void quietNodesLeaveTheShortWindow();
    void countsFromARealStore();
    void treeSortsNamesInNaturalOrder();

private:
    // Ten seconds at a known rate: a batch every 100 ms with two messages on t1 (10 bytes
    // each), one on t2 (5 bytes) and, every other batch, one on t3 (100 bytes), plus one
    // outgoing message on t1 that must not count.
    void feedTenSeconds(TalkerStats *stats);
    ResourceStore m_store;
    std::unique_ptr<TalkerStats> m_stats;
};

void TestTalkerStats::init()
{
    m_stats = std::make_unique<TalkerStats>();
}

void TestTalkerStats::feedTenSeconds(TalkerStats *stats)
{
    for (int k = 0; k < 100; ++k) {
        StoreBatch batch;
        batch.messages = {message(kT1, 10), message(kT1, 10), message(kT2, 5), message(kT1, 7, Direction::Out)};
        if (k % 2 == 0)
            batch.messages.append(message(kT3, 100));
        stats->ingest(batch, kStart + k * 100);
    }
}

void TestTalkerStats::ratesAggregateUpAThreeLevelTree()
{
    // Given 10 s of messages at a known rate
    QSignalSpy updated(m_stats.get(), &TalkerStats::updated);
    feedTenSeconds(m_stats.get());
    QCOMPARE(updated.count(), 100); // once per batch
    const qint64 now = kStart + 9'900;
    auto at = [&](const QString &uri, Window window = Window::TenSeconds) {
        const auto s = m_stats->stats(rid(uri), window, now);
        if (!s)
            qFatal("no stats for %s", qPrintable(uri));
        return *s;
    };
    // Then every level holds the sum of what is below it
    QCOMPARE(at(kT1).messages, 200u);
    QCOMPARE(at(kT2).messages, 100u);
    QCOMPARE(at(kT3).messages, 50u);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site/room1")).messages, 300u);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site/room2")).messages, 50u);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site")).messages, 350u);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883")).messages, 350u);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883")).bytes, quint64(200 * 10 + 100 * 5 + 50 * 100));
    // And the rates over 10 s are those counts over 10 s
    QCOMPARE(at(kT1).messagesPerSecond, 20.0);
    QCOMPARE(at(kT1).bytesPerSecond, 200.0);
    QCOMPARE(at(kT2).messagesPerSecond, 10.0);
    QCOMPARE(at(kT3).messagesPerSecond, 5.0);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site/room1")).messagesPerSecond, 30.0);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site")).messagesPerSecond, 35.0);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site")).bytesPerSecond, 750.0);
    // Over a minute the same 350 messages spread over 60 s, over 10 minutes over 600 s
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site"), Window::OneMinute).messagesPerSecond, 350.0 / 60);
    QCOMPARE(at(QStringLiteral("mqtt://h:1883/site"), Window::TenMinutes).messagesPerSecond, 350.0 / 600);
    QCOMPARE(at(kT1).lastMs, kStart + 9'900);
    QVERIFY(!m_stats->stats(rid(QStringLiteral("mqtt://h:1883/other")), Window::TenSeconds, now));
}

void TestTalkerStats::resourcesBelowFollowAddsAndRemovals()
{
    ResourceStore store;
    Update a;
    a.id = rid(kT1);
    a.value = Value();
    Update b = a;
    b.id = rid(kT2);
    Update c = a;
    c.id = rid(kT3);
    TalkerStats stats(&store);
    store.ingest({a, b, c});
    auto resources = [&](const QString &uri) {
        return stats.stats(rid(uri), Window::TenSeconds, kStart)->resources;
    };
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883")), 3);
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883/site")), 3);
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883/site/room1")), 2);
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883/site/room2")), 1);
    QCOMPARE(resources(kT1), 1);
    store.remove({rid(kT2)});
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883/site/room1")), 1);
    QCOMPARE(resources(QStringLiteral("mqtt://h:1883")), 2);
}

void TestTalkerStats::topTalkersByRateAndBytes()
{
    feedTenSeconds(m_stats.get());
    // Marks the three as resources (the store would, with its added list).
    const qint64 now = kStart + 9'900;
    const auto byRate = m_stats->top(Window::TenSeconds, false, TalkerStats::Kind::All, 100, now);
    QStringList order;
    for (const auto &s : byRate)
        order << s.id.toString();
    // Ties (the endpoint and its only folder) in URI order.
    QCOMPARE(order, (QStringList{"mqtt://h:1883", "mqtt://h:1883/site", "mqtt://h:1883/site/room1", kT1, kT2,
                                 "mqtt://h:1883/site/room2", kT3}));
    const auto byBytes = m_stats->top(Window::TenSeconds, true, TalkerStats::Kind::Subtrees, 2, now);
    QCOMPARE(byBytes.size(), 2);
    QCOMPARE(byBytes.at(0).id.toString(), QStringLiteral("mqtt://h:1883"));
    const auto rooms = m_stats->top(Window::TenSeconds, true, TalkerStats::Kind::Subtrees, 10, now);
    // room2 (500 B/s) before room1 (250 B/s) by bytes
    QStringList roomOrder;
    for (const auto &s : rooms)
        roomOrder << s.id.toString();
    QVERIFY(roomOrder.indexOf(QStringLiteral("mqtt://h:1883/site/room2")) < roomOrder.indexOf(QStringLiteral("mqtt://h:1883/site/room1")));
}

void TestTalkerStats::quietNodesLeaveTheShortWindow()
{
    feedTenSeconds(m_stats.get());
    const qint64 later = kStart + 30'000;
    QVERIFY(m_stats->top(Window::TenSeconds, false, TalkerStats::Kind::All, 10, later).isEmpty());
    QCOMPARE(m_stats->top(Window::OneMinute, false, TalkerStats::Kind::All, 10, later).size(), 7);
    QCOMPARE(m_stats->stats(rid(kT1), Window::TenSeconds, later)->messagesPerSecond, 0.0);
    QCOMPARE(m_stats->stats(rid(kT1), Window::TenSeconds, later)->messages, 200u); // totals stay
    // Quiet past the longest window: the rings go, the totals stay.
    QCOMPARE(m_stats->activeCount(), 7);
    m_stats->sweep(kStart + 20 * 60'000);
    QCOMPARE(m_stats->activeCount(), 0);
    QCOMPARE(m_stats->stats(rid(kT1), Window::TenMinutes, kStart + 20 * 60'000)->messages, 200u);
}

void TestTalkerStats::countsFromARealStore()
{
    ResourceStore store;
    TalkerStats stats(&store);
    for (int batch = 0; batch < 5; ++batch) {
        UpdateBatch updates;
        for (const QString &uri : {kT1, kT2, kT3}) {
            Update u;
            u.id = rid(uri);
            Value v;
            v.raw = QByteArray::number(batch);
            u.value = v;
            updates.append(u);
        }
        store.ingest(updates);
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QCOMPARE(stats.stats(rid(QStringLiteral("mqtt://h:1883/site")), Window::TenMinutes, now)->messages, 15u);
    QCOMPARE(stats.stats(rid(QStringLiteral("mqtt://h:1883/site/room1")), Window::TenMinutes, now)->messages, 10u);
    QCOMPARE(stats.stats(rid(kT3), Window::TenMinutes, now)->messages, 5u);
    QCOMPARE(stats.stats(rid(QStringLiteral("mqtt://h:1883")), Window::TenMinutes, now)->resources, 3);
}

void TestTalkerStats::treeSortsNamesInNaturalOrder()
{
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    UpdateBatch batch;
    for (const char *name : {"s10", "s9", "s1", "S2", "s100", "sensor", "s09"}) {
        Update u;
        u.id = rid(QStringLiteral("mqtt://h:1883/lab/") + QString::fromLatin1(name));
        u.value = Value();
        batch.append(u);
    }
    store.ingest(batch);
    // A later arrival goes to its natural place too.
    Update late;
    late.id = rid(QStringLiteral("mqtt://h:1883/lab/s11"));
    late.value = Value();
    store.ingest({late});
    const QModelIndex lab = model.indexForId(rid(QStringLiteral("mqtt://h:1883/lab")));
    QVERIFY(lab.isValid());
    QStringList names;
    for (int row = 0; row < model.rowCount(lab); ++row)
        names << model.index(row, 0, lab).data(ResourceTreeModel::ResourceIdRole).toString().section(QLatin1Char('/'), -1);
    QCOMPARE(names, (QStringList{"s1", "S2", "s9", "s09", "s10", "s11", "s100", "sensor"}));
    QVERIFY(model.indexForId(rid(QStringLiteral("mqtt://h:1883/lab/s09"))).isValid()); // found by its key
}

QTEST_GUILESS_MAIN(TestTalkerStats)
#include "tst_talkerstats.moc"
