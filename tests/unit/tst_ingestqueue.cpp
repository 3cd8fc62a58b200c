// Where the window's batches wait for the store (IngestQueue): in slices, in order, every update
// once; the event loop runs between slices; a source's next batch is wanted as soon as nothing
// of its own waits ahead; whenApplied() after everything pushed before it; a dropped source's
// updates never applied. No time is asserted: a slice's cost is made larger than its budget by
// an apply that takes at least 2 ms of CPU, so slices are many on any machine.

#include "protocols/ingestqueue.h"
#include "protocols/threadcputime.h"

#include <QTimer>
#include <QtTest>

using namespace thingscape;

namespace {

UpdateBatch batchOf(const QString &prefix, int first, int count)
{
    UpdateBatch batch;
    for (int i = first; i < first + count; ++i) {
        Update update;
        update.id = *ResourceId::parse(QStringLiteral("mqtt://h:1883/%1/%2").arg(prefix).arg(i));
        batch.append(update);
    }
    return batch;
}

double threadCpuMs()
{
    return double(threadCpuNs()) / 1e6;
}

// What the store got, slice by slice.
struct Applied
{
    QStringList uris;
    int slices = 0;
    int slowMs = 0; // each slice takes at least this long
    std::function<void()> during;

    IngestQueue::Apply apply()
    {
        return [this](const QString &, const UpdateBatch &updates) {
            ++slices;
            for (const Update &update : updates)
                uris.append(update.id.uri());
            if (during)
                during();
            // CPU time, as the queue measures a slice's cost (a busy machine would otherwise
            // make a 2 ms wait cost nothing and one slice take everything).
            const double until = threadCpuMs() + slowMs;
            while (threadCpuMs() < until) {
            }
        };
    }
};

// A queue with a 1 ms budget whose store takes at least 2 ms a slice: one apply per slice.
struct Sliced
{
    Sliced()
        : queue(applied.apply())
    {
        applied.slowMs = 2;
        queue.setSliceMs(1);
    }
    Applied applied;
    IngestQueue queue;
};

QStringList urisOf(const QList<UpdateBatch> &batches)
{
    QStringList uris;
    for (const UpdateBatch &batch : batches) {
        for (const Update &update : batch)
            uris.append(update.id.uri());
    }
    return uris;
}

} // namespace

class TestIngestQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withoutSlicesABatchIsAppliedWholeThenTheNextIsWanted();
    void slicesLetTheEventLoopRunAndKeepOrder();
    void aSourcesNextBatchIsWantedOnceNothingOfItsOwnWaitsAhead();
    void whenAppliedRunsAfterEverythingPushedBefore();
    void aDroppedSourceIsNeverApplied();
};

void TestIngestQueue::withoutSlicesABatchIsAppliedWholeThenTheNextIsWanted()
{
    // Given a queue without a slice budget (the command line's)
    Applied applied;
    IngestQueue queue(applied.apply());
    // When a batch of 3,000 arrives
    int appliedWhenWanted = -1;
    queue.push(QStringLiteral("e"), &applied, batchOf(QStringLiteral("a"), 0, 3000),
               [&] { appliedWhenWanted = int(applied.uris.size()); });
    // Then it went in one piece at once, and only then was the next batch wanted
    QCOMPARE(applied.slices, 1);
    QCOMPARE(applied.uris.size(), 3000);
    QCOMPARE(appliedWhenWanted, 3000);
    QCOMPARE(queue.waiting(), 0);
}

void TestIngestQueue::slicesLetTheEventLoopRunAndKeepOrder()
{
    // Given a queue with a 1 ms budget whose store takes at least 2 ms a slice
    Sliced sliced;
    Applied &applied = sliced.applied;
    IngestQueue &queue = sliced.queue;
    // And a timer that counts the event loop's turns while slices are applied
    int turns = 0;
    int turnsSeenBySlices = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++turns; });
    ticker.start();
    applied.during = [&] { turnsSeenBySlices = turns; };
    // When two batches of 500 arrive
    const QList<UpdateBatch> batches = {batchOf(QStringLiteral("a"), 0, 500), batchOf(QStringLiteral("b"), 0, 500)};
    queue.push(QStringLiteral("e"), &applied, batches.at(0), {});
    queue.push(QStringLiteral("e"), &applied, batches.at(1), {});
    // Then a first slice went at once, not all of it
    QCOMPARE(applied.slices, 1);
    QVERIFY(applied.uris.size() < 1000);
    QCOMPARE(queue.waiting(), 1000 - applied.uris.size());
    // And the rest follows slice by slice on later turns of the event loop, each update once,
    // in the order it came
    QTRY_COMPARE_WITH_TIMEOUT(queue.waiting(), 0, 60000);
    QCOMPARE(applied.uris, urisOf(batches));
    QVERIFY2(applied.slices > 2, qPrintable(QString::number(applied.slices)));
    QVERIFY(turnsSeenBySlices > 0);
}

void TestIngestQueue::aSourcesNextBatchIsWantedOnceNothingOfItsOwnWaitsAhead()
{
    Sliced sliced;
    Applied &applied = sliced.applied;
    IngestQueue &queue = sliced.queue;
    int one = 0;
    int two = 0;
    int otherSource = 0;
    // When a source's first batch arrives: its next one is wanted at once (it fills while
    // this one is applied)
    queue.push(QStringLiteral("e"), &one, batchOf(QStringLiteral("a"), 0, 300), [&] { ++one; });
    QCOMPARE(one, 1);
    // And its second one waits behind it: not wanted until the first is in
    int appliedWhenWanted = -1;
    queue.push(QStringLiteral("e"), &one, batchOf(QStringLiteral("a"), 300, 300), [&] {
        ++two;
        appliedWhenWanted = int(applied.uris.size());
    });
    QCOMPARE(two, 0);
    // While another source's batch is wanted at once whatever waits of the first
    queue.push(QStringLiteral("f"), &two, batchOf(QStringLiteral("b"), 0, 10), [&] { ++otherSource; });
    QCOMPARE(otherSource, 1);
    QTRY_COMPARE_WITH_TIMEOUT(two, 1, 60000);
    QCOMPARE(appliedWhenWanted, 300);
    QTRY_COMPARE_WITH_TIMEOUT(queue.waiting(), 0, 60000);
    QCOMPARE(applied.uris.size(), 610);
}

void TestIngestQueue::whenAppliedRunsAfterEverythingPushedBefore()
{
    Sliced sliced;
    Applied &applied = sliced.applied;
    IngestQueue &queue = sliced.queue;
    // Nothing waiting: at once
    bool now = false;
    queue.whenApplied([&] { now = true; });
    QVERIFY(now);
    // Something waiting: after all of it, before what comes later
    queue.push(QStringLiteral("e"), &applied, batchOf(QStringLiteral("a"), 0, 400), {});
    int appliedThen = -1;
    queue.whenApplied([&] { appliedThen = int(applied.uris.size()); });
    queue.push(QStringLiteral("e"), &applied, batchOf(QStringLiteral("b"), 0, 400), {});
    QCOMPARE(appliedThen, -1);
    QTRY_COMPARE_WITH_TIMEOUT(queue.waiting(), 0, 60000);
    QCOMPARE(appliedThen, 400);
}

void TestIngestQueue::aDroppedSourceIsNeverApplied()
{
    Sliced sliced;
    Applied &applied = sliced.applied;
    IngestQueue &queue = sliced.queue;
    int gone = 0;
    int kept = 0;
    queue.push(QStringLiteral("gone"), &gone, batchOf(QStringLiteral("gone"), 0, 400), {});
    queue.push(QStringLiteral("kept"), &kept, batchOf(QStringLiteral("kept"), 0, 100), {});
    bool secondWanted = false;
    queue.push(QStringLiteral("gone"), &gone, batchOf(QStringLiteral("gone"), 400, 400), [&] { secondWanted = true; });
    const qsizetype before = applied.uris.size();
    QVERIFY(before < 400);
    // When its connector goes
    queue.dropSource(&gone);
    QCOMPARE(queue.waiting(), 100);
    bool done = false;
    queue.whenApplied([&] { done = true; });
    // Then only the other source's updates follow, and the gone one's next batch is never asked for
    QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
    QCOMPARE(applied.uris.size(), before + 100);
    QVERIFY(applied.uris.last().contains(QLatin1String("/kept/99")));
    QVERIFY(!secondWanted);
}

QTEST_GUILESS_MAIN(TestIngestQueue)
#include "tst_ingestqueue.moc"
