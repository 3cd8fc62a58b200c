// Who talks most, the memory-saving paths of TalkerStats: a node with one message in the
// horizon keeps it inline (no rate rings) and must report exactly what the rings reported
// (rates at the window's edges, top(), activeCount(), sweep()); the second message crosses to
// the rings with both counted; two in one 2-s bucket stay exact; thousands of nodes are found
// by their URI (the lookup table grows). Manual clock, counts asserted, never timing.

#include "model/message.h"
#include "model/resourcestore.h"
#include "model/talkerstats.h"

#include <QtTest>

using namespace thingscape;
using Window = TalkerStats::Window;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

StoreBatch batchOf(const QString &uri, const QList<int> &sizes)
{
    StoreBatch batch;
    for (const int bytes : sizes) {
        Message m;
        m.id = rid(uri);
        m.raw = QByteArray(bytes, 'x');
        m.direction = Direction::In;
        batch.messages.append(m);
    }
    return batch;
}

// Aligned to every bucket size (2 s, 10 s, 60 s).
constexpr qint64 kStart = 60'000LL * 29'000'000LL;
const QString kT1 = QStringLiteral("mqtt://h:1883/site/room1/t1");

} // namespace

class TestTalkerInline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneMessageRatesAsTheRingsGave();
    void oneMessageTopAndSweep();
    void secondMessageCrossesToTheRings();
    void twoMessagesInOneBucketStayExact();
    void thousandsOfNodesFoundByUri();
    void sweptRingsAreReusedEmpty();
};

void TestTalkerInline::oneMessageRatesAsTheRingsGave()
{
    TalkerStats stats;
    stats.ingest(batchOf(kT1, {40}), kStart + 500);
    struct Case
    {
        Window window;
        qint64 lastInMs; // the last moment the message is in the window (its bucket's window)
        double seconds;
    };
    const QList<Case> cases = {{Window::TenSeconds, 9'999, 10}, {Window::OneMinute, 59'999, 60},
                               {Window::TenMinutes, 599'999, 600}};
    for (const Case &c : cases) {
        for (const QString &node : {kT1, QStringLiteral("mqtt://h:1883/site"), QStringLiteral("mqtt://h:1883")}) {
            for (const qint64 at : {qint64(500), c.lastInMs}) {
                const auto s = stats.stats(node, c.window, kStart + at);
                QVERIFY(s);
                QCOMPARE(s->messages, 1u);
                QCOMPARE(s->bytes, 40u);
                QCOMPARE(s->lastMs, kStart + 500);
                QCOMPARE(s->messagesPerSecond, 1.0 / c.seconds);
                QCOMPARE(s->bytesPerSecond, 40.0 / c.seconds);
            }
            const auto out = stats.stats(rid(node), c.window, kStart + c.lastInMs + 1);
            QCOMPARE(out->messagesPerSecond, 0.0);
            QCOMPARE(out->bytesPerSecond, 0.0);
            QCOMPARE(out->messages, 1u);
        }
    }
}

void TestTalkerInline::oneMessageTopAndSweep()
{
    TalkerStats stats;
    StoreBatch batch = batchOf(kT1, {40});
    batch.messages.append(batchOf(QStringLiteral("mqtt://h:1883/site/room2/t3"), {100}).messages);
    stats.ingest(batch, kStart + 500);
    QCOMPARE(stats.nodeCount(), 6);
    QCOMPARE(stats.activeCount(), 6); // every node holds its one message's rate
    const auto byBytes = stats.top(Window::TenSeconds, true, TalkerStats::Kind::All, 10, kStart + 1'000);
    QCOMPARE(byBytes.size(), 6);
    // The endpoint and site (140 B), then room2 and t3 (100 B, in URI order), then room1 and t1.
    QCOMPARE(byBytes.at(0).id, rid(QStringLiteral("mqtt://h:1883")));
    QCOMPARE(byBytes.at(0).bytesPerSecond, 14.0);
    QCOMPARE(byBytes.at(1).id, rid(QStringLiteral("mqtt://h:1883/site")));
    QCOMPARE(byBytes.at(2).id, rid(QStringLiteral("mqtt://h:1883/site/room2")));
    QCOMPARE(byBytes.at(3).id, rid(QStringLiteral("mqtt://h:1883/site/room2/t3")));
    QCOMPARE(byBytes.at(3).bytesPerSecond, 10.0);
    QCOMPARE(byBytes.at(5).id, rid(kT1));
    QCOMPARE(byBytes.at(5).messagesPerSecond, 0.1);
    QCOMPARE(stats.top(Window::TenSeconds, false, TalkerStats::Kind::Subtrees, 10, kStart + 1'000).size(), 4);
    // Out of the short window: gone from its top, still in the longer ones.
    QVERIFY(stats.top(Window::TenSeconds, false, TalkerStats::Kind::All, 10, kStart + 10'500).isEmpty());
    QCOMPARE(stats.top(Window::OneMinute, false, TalkerStats::Kind::All, 10, kStart + 10'500).size(), 6);
    // Quiet past the longest window: the rates go, the totals stay; a new message counts alone.
    stats.sweep(kStart + 20 * 60'000);
    QCOMPARE(stats.activeCount(), 0);
    stats.ingest(batchOf(kT1, {8}), kStart + 20 * 60'000);
    QCOMPARE(stats.activeCount(), 4);
    const auto s = stats.stats(kT1, Window::TenMinutes, kStart + 20 * 60'000);
    QCOMPARE(s->messages, 2u);
    QCOMPARE(s->bytes, 48u);
    QCOMPARE(s->messagesPerSecond, 1.0 / 600);
    QCOMPARE(s->bytesPerSecond, 8.0 / 600);
}

void TestTalkerInline::secondMessageCrossesToTheRings()
{
    TalkerStats stats;
    stats.ingest(batchOf(kT1, {10}), kStart + 500);   // 2-s bucket 0
    stats.ingest(batchOf(kT1, {20}), kStart + 3'000); // 2-s bucket 1: the rings, with both
    QCOMPARE(stats.activeCount(), 4);
    const auto both = stats.stats(kT1, Window::TenSeconds, kStart + 3'000);
    QCOMPARE(both->messages, 2u);
    QCOMPARE(both->lastMs, kStart + 3'000);
    QCOMPARE(both->messagesPerSecond, 0.2);
    QCOMPARE(both->bytesPerSecond, 3.0);
    // The first leaves the 10-s window with its bucket, the second 2 s later.
    const auto second = stats.stats(kT1, Window::TenSeconds, kStart + 10'000);
    QCOMPARE(second->messagesPerSecond, 0.1);
    QCOMPARE(second->bytesPerSecond, 2.0);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 11'999)->messagesPerSecond, 0.1);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 12'000)->messagesPerSecond, 0.0);
    // Both in one 10-s bucket: in the minute until it ends.
    QCOMPARE(stats.stats(kT1, Window::OneMinute, kStart + 59'999)->bytesPerSecond, 0.5);
    QCOMPARE(stats.stats(kT1, Window::OneMinute, kStart + 60'000)->bytesPerSecond, 0.0);
    // A third adds to the rings.
    stats.ingest(batchOf(kT1, {30}), kStart + 5'000);
    QCOMPARE(stats.stats(QStringLiteral("mqtt://h:1883/site"), Window::TenSeconds, kStart + 5'000)->bytesPerSecond,
             6.0);
    const auto top = stats.top(Window::TenSeconds, false, TalkerStats::Kind::All, 1, kStart + 10'500);
    QCOMPARE(top.size(), 1);
    QCOMPARE(top.at(0).messagesPerSecond, 0.2); // the first has left the window
}

void TestTalkerInline::twoMessagesInOneBucketStayExact()
{
    TalkerStats stats;
    stats.ingest(batchOf(kT1, {10, 10}), kStart + 100); // two in one batch
    stats.ingest(batchOf(kT1, {5}), kStart + 1'900);    // the same 2-s bucket
    const auto s = stats.stats(kT1, Window::TenSeconds, kStart + 1'900);
    QCOMPARE(s->messages, 3u);
    QCOMPARE(s->messagesPerSecond, 0.3);
    QCOMPARE(s->bytesPerSecond, 2.5);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 9'999)->messagesPerSecond, 0.3);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 10'000)->messagesPerSecond, 0.0);
    // The next bucket: all three and the new one.
    stats.ingest(batchOf(kT1, {1}), kStart + 2'000);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 2'000)->messagesPerSecond, 0.4);
    QCOMPARE(stats.stats(kT1, Window::TenSeconds, kStart + 10'000)->messagesPerSecond, 0.1);
}

void TestTalkerInline::thousandsOfNodesFoundByUri()
{
    TalkerStats stats;
    StoreBatch batch;
    const int topics = 3000;
    for (int i = 0; i < topics; ++i)
        batch.messages.append(batchOf(QStringLiteral("mqtt://h:1883/d%1/v").arg(i), {i % 50 + 1}).messages);
    stats.ingest(batch, kStart);
    QCOMPARE(stats.nodeCount(), 1 + 2 * topics);
    for (int i = 0; i < topics; ++i) {
        const QString uri = QStringLiteral("mqtt://h:1883/d%1/v").arg(i);
        const auto s = stats.stats(uri, Window::OneMinute, kStart);
        QVERIFY2(s, qPrintable(uri));
        QCOMPARE(s->bytes, quint64(i % 50 + 1));
        QCOMPARE(s->id, rid(uri));
        QCOMPARE(stats.stats(QStringLiteral("mqtt://h:1883/d%1").arg(i), Window::OneMinute, kStart)->messages, 1u);
    }
    QVERIFY(!stats.stats(QStringLiteral("mqtt://h:1883/d3000/v"), Window::OneMinute, kStart));
    QVERIFY(!stats.stats(QStringLiteral("mqtt://h:1883/d1/v/w"), Window::OneMinute, kStart));
    QCOMPARE(stats.stats(QStringLiteral("mqtt://h:1883"), Window::OneMinute, kStart)->messages, quint64(topics));
    // Touched parents first, each once, ranked in the order made.
    const auto touched = stats.takeTouched();
    QCOMPARE(touched.size(), 1 + 2 * topics);
    QCOMPARE(touched.at(0).id, rid(QStringLiteral("mqtt://h:1883")));
    for (qsizetype i = 1; i < touched.size(); ++i)
        QVERIFY(touched.at(i - 1).rank < touched.at(i).rank);
    QVERIFY(stats.takeTouched().isEmpty());
}

void TestTalkerInline::sweptRingsAreReusedEmpty()
{
    // Given two topics with rings (messages in two 2-s buckets), swept after 20 quiet minutes
    TalkerStats stats;
    const QString a = QStringLiteral("mqtt://h:1883/a/t");
    const QString b = QStringLiteral("mqtt://h:1883/b/t");
    for (const qint64 at : {kStart + 500, kStart + 2'500}) {
        StoreBatch batch = batchOf(a, {10, 10});
        batch.messages.append(batchOf(b, {5}).messages);
        stats.ingest(batch, at);
    }
    QCOMPARE(stats.stats(a, Window::TenSeconds, kStart + 2'500)->messagesPerSecond, 0.4);
    const qint64 later = kStart + 20 * 60'000;
    stats.sweep(later);
    QCOMPARE(stats.activeCount(), 0);
    // When a new topic and then one of the old ones get rings again (reusing the swept ones)
    const QString c = QStringLiteral("mqtt://h:1883/c/t");
    stats.ingest(batchOf(c, {7}), later);
    stats.ingest(batchOf(c, {7, 7}), later + 2'000);
    stats.ingest(batchOf(b, {3}), later + 2'000);
    stats.ingest(batchOf(b, {3}), later + 4'000);
    // Then each counts only its own messages since: nothing of what the swept rings held
    const auto cs = stats.stats(c, Window::TenSeconds, later + 4'000);
    QCOMPARE(cs->messagesPerSecond, 0.3);
    QCOMPARE(cs->bytesPerSecond, 2.1);
    const auto bs = stats.stats(b, Window::TenMinutes, later + 4'000);
    QCOMPARE(bs->messages, 4u);
    QCOMPARE(bs->messagesPerSecond, 2.0 / 600);
    QCOMPARE(bs->bytesPerSecond, 6.0 / 600);
    QCOMPARE(stats.stats(a, Window::TenMinutes, later + 4'000)->messagesPerSecond, 0.0);
    QCOMPARE(stats.stats(QStringLiteral("mqtt://h:1883"), Window::TenSeconds, later + 4'000)->messagesPerSecond, 0.5);
    // a, its folder and both old messages' totals stay; the endpoint counts everything
    QCOMPARE(stats.stats(a, Window::TenMinutes, later + 4'000)->messages, 4u);
    QCOMPARE(stats.stats(QStringLiteral("mqtt://h:1883"), Window::TenMinutes, later + 4'000)->messages, 11u);
    QCOMPARE(stats.activeCount(), 5); // the endpoint, b, c and their folders
}

QTEST_GUILESS_MAIN(TestTalkerInline)
#include "tst_talkerinline.moc"
