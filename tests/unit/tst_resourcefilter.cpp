// The resource filter over a changing tree: keystroke after keystroke, rows arriving and going
// while its walk is under way, and how many rows it shows, always as a fresh filter would.
#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"

#include <QAbstractItemModelTester>
#include <QCborValue>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace thingscape;

namespace {

using Mode = ResourceFilterProxyModel::Mode;

UpdateBatch topicBatch(const QStringList &topics)
{
    UpdateBatch batch;
    for (const QString &topic : topics) {
        Update update;
        update.id = *ResourceId::parse(QStringLiteral("mqtt://h/") + topic);
        Value value;
        value.timeMs = 1000;
        value.raw = "1";
        value.decoded = QCborValue(1);
        update.value = value;
        batch.append(update);
    }
    return batch;
}

// site/fF/devD/metric for D in [from, to): ten floors.
QStringList devices(int from, int to)
{
    QStringList topics;
    for (int d = from; d < to; ++d)
        topics.append(QStringLiteral("site/f%1/dev%2/metric").arg(d % 10).arg(d));
    return topics;
}

// What a model shows, depth first, as "URI (depth)".
QStringList shown(const QAbstractItemModel *model, const QModelIndex &parent = {}, int depth = 0)
{
    QStringList rows;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        rows << QStringLiteral("%1 (%2)").arg(index.data(ResourceTreeModel::ResourceIdRole).toString()).arg(depth);
        rows << shown(model, index, depth + 1);
    }
    return rows;
}

// A fresh store, tree and filter with only that pattern, over the same topics.
QStringList freshFilter(const QStringList &topics, Mode mode, const QString &pattern)
{
    ResourceStore store;
    store.ingest(topicBatch(topics));
    ResourceTreeModel tree(&store);
    ResourceFilterProxyModel filter;
    filter.setSourceModel(&tree);
    filter.setFilter(mode, pattern);
    if (!QTest::qWaitFor([&] { return !filter.isApplying(); }, 30000))
        return {QStringLiteral("the fresh filter did not finish")};
    return shown(&filter);
}

// A filter over those topics that walks a few hundred rows per event-loop turn, under a tester.
struct SlicedFilter
{
    explicit SlicedFilter(const QStringList &topics)
    {
        store.ingest(topicBatch(topics));
        filter.setSliceMs(0);
        filter.setSourceModel(&tree);
        tester = std::make_unique<QAbstractItemModelTester>(&filter,
                                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    ResourceStore store;
    ResourceTreeModel tree{&store};
    ResourceFilterProxyModel filter;
    std::unique_ptr<QAbstractItemModelTester> tester;
};

} // namespace

class TestResourceFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keystrokesGiveWhatAFreshFilterGives_data();
    void keystrokesGiveWhatAFreshFilterGives();
    void aFilterTypedWhileRowsArriveAndGo();
    void shownChildrenAreCountedFromTheMarks();
    void tinySlicesShowTheFirstMatchesThenAll();
    void aNewKeyDropsTheWalkUnderWay();
};

void TestResourceFilter::keystrokesGiveWhatAFreshFilterGives_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QStringList>("keystrokes");
    QTest::newRow("narrowing then widening") << int(Mode::Substring)
                                             << QStringList({"dev", "dev4", "dev42", "dev4", "dev", "DEV1"});
    QTest::newRow("a level and across levels") << int(Mode::Substring)
                                               << QStringList({"f", "f3", "f3/", "f3/dev1", "3/dev", "zz", ""});
    QTest::newRow("the URI's scheme and host") << int(Mode::Substring) << QStringList({"mqtt", "h:1883/site/f2", "h"});
    QTest::newRow("wildcards") << int(Mode::MqttWildcard)
                               << QStringList({"site/#", "site/+/+/metric", "site/f3/#", "site/+", "#"});
    QTest::newRow("regex") << int(Mode::Regex) << QStringList({"dev1", "dev1[0-4]$", "dev1[0-4]", "f[12]/dev"});
}

void TestResourceFilter::keystrokesGiveWhatAFreshFilterGives()
{
    QFETCH(int, mode);
    QFETCH(QStringList, keystrokes);
    // Given a filter over 2,000 devices, walking in small slices
    const QStringList topics = devices(0, 2000);
    SlicedFilter f(topics);
    ResourceTreeModel &tree = f.tree;
    ResourceFilterProxyModel &filter = f.filter;
    for (const QString &pattern : std::as_const(keystrokes)) {
        // When each keystroke is applied
        filter.setFilter(Mode(mode), pattern);
        QTRY_VERIFY_WITH_TIMEOUT(!filter.isApplying(), 30000);
        // Then it shows what a filter that had only this pattern shows
        const QStringList rows = shown(&filter);
        QCOMPARE(rows, freshFilter(topics, Mode(mode), pattern));
        if (pattern.isEmpty())
            QCOMPARE(rows, shown(&tree));
    }
}

void TestResourceFilter::aFilterTypedWhileRowsArriveAndGo()
{
    // Given 3,000 devices and a filter that walks a few hundred rows per event-loop turn
    QStringList topics = devices(0, 3000);
    SlicedFilter f(topics);
    ResourceStore &store = f.store;
    ResourceFilterProxyModel &filter = f.filter;
    QSignalSpy applied(&filter, &ResourceFilterProxyModel::applied);
    // When a pattern is typed and, while its walk goes on, rows arrive (matching or not, under
    // new and old parents) and go, and a second key is typed
    filter.setPattern(QStringLiteral("dev7"));
    QVERIFY(filter.isApplying());
    int turns = 0;
    int next = 3000;
    while (filter.isApplying()) {
        ++turns;
        if (turns == 2) {
            // A second key while the first walk goes on: it is dropped for the new one.
            filter.setPattern(QStringLiteral("dev77"));
            QVERIFY(filter.isApplying());
        }
        if (turns % 2 == 0 && next < 3400) {
            const QStringList more = devices(next, next + 40) + QStringList({QStringLiteral("new%1/dev77x").arg(next)});
            store.ingest(topicBatch(more));
            topics += more;
            next += 40;
        }
        if (turns == 5) {
            const QStringList gone({QStringLiteral("site/f7/dev77/metric"), QStringLiteral("site/f0/dev1770/metric")});
            QList<ResourceId> ids;
            for (const QString &topic : gone) {
                ids.append(*ResourceId::parse(QStringLiteral("mqtt://h/") + topic));
                topics.removeOne(topic);
            }
            store.remove(ids);
        }
        QCoreApplication::processEvents();
        QVERIFY2(turns < 100000, "the walk never ends");
    }
    // Then the walk took several turns and the result is the last pattern's, as if fresh
    QVERIFY2(turns > 5, qPrintable(QString::number(turns)));
    QCOMPARE(filter.pattern(), QStringLiteral("dev77"));
    QVERIFY(!applied.isEmpty());
    const QStringList rows = shown(&filter);
    QVERIFY(rows.contains(QStringLiteral("mqtt://h:1883/new3000/dev77x (2)")));
    QVERIFY(!rows.contains(QStringLiteral("mqtt://h:1883/site/f7/dev77/metric (4)")));
    QCOMPARE(rows, freshFilter(topics, Mode::Substring, QStringLiteral("dev77")));
    // And rows arriving after it is applied are filtered too
    store.ingest(topicBatch({QStringLiteral("late/dev77/x"), QStringLiteral("late/other/x")}));
    topics += QStringList({QStringLiteral("late/dev77/x"), QStringLiteral("late/other/x")});
    QTRY_COMPARE(shown(&filter), freshFilter(topics, Mode::Substring, QStringLiteral("dev77")));
}

void TestResourceFilter::shownChildrenAreCountedFromTheMarks()
{
    // Given a filter over ten floors of 100 devices
    ResourceStore store;
    store.ingest(topicBatch(devices(0, 1000)));
    ResourceTreeModel tree(&store);
    ResourceFilterProxyModel filter;
    filter.setSourceModel(&tree);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QModelIndex floor3 = tree.indexForId(*ResourceId::parse(QStringLiteral("mqtt://h/site/f3")));
    QVERIFY(floor3.isValid());
    // Without a pattern it cannot say
    QCOMPARE(filter.shownChildrenUpTo(floor3, 1000), -1);
    // When a pattern is applied
    filter.setPattern(QStringLiteral("dev1"));
    QTRY_VERIFY(!filter.isApplying());
    // Then the count is what the filter shows below the row, up to the limit
    const QModelIndex shownFloor3 = filter.mapFromSource(floor3);
    QVERIFY(shownFloor3.isValid());
    const int rows = filter.rowCount(shownFloor3); // dev13, dev103, dev113, ..., dev193
    QCOMPARE(rows, 11);
    QCOMPARE(filter.shownChildrenUpTo(floor3, 1000), rows);
    QCOMPARE(filter.shownChildrenUpTo(floor3, 5), 5);
    // And a new match below the row counts at once
    store.ingest(topicBatch({QStringLiteral("site/f3/dev1x/metric")}));
    QCOMPARE(filter.shownChildrenUpTo(floor3, 1000), 12);
}

void TestResourceFilter::tinySlicesShowTheFirstMatchesThenAll()
{
    // Given 3,000 devices and a filter that walks a few hundred rows per event-loop turn
    const QStringList topics = devices(0, 3000);
    SlicedFilter f(topics);
    ResourceFilterProxyModel &filter = f.filter;
    const QStringList whole = freshFilter(topics, Mode::Substring, QStringLiteral("dev9"));
    QList<bool> applyingWhenApplied;
    connect(&filter, &ResourceFilterProxyModel::applied, &filter,
            [&] { applyingWhenApplied.append(filter.isApplying()); });
    // When a pattern is typed
    filter.setPattern(QStringLiteral("dev9"));
    // Then its first matches show at once, while the walk goes on
    QCOMPARE(applyingWhenApplied, QList<bool>({true}));
    const QStringList first = shown(&filter);
    QVERIFY(!first.isEmpty());
    QVERIFY(first.size() < whole.size());
    // And every turn shows only rows of the whole result, in its order; unfolding a row the walk
    // has not reached yet shows nothing of it
    const QModelIndex lastFloor = f.tree.indexForId(*ResourceId::parse(QStringLiteral("mqtt://h/site/f9")));
    QVERIFY(lastFloor.isValid());
    QCOMPARE(filter.shownChildrenUpTo(lastFloor, 1000), 0);
    int turns = 0;
    while (filter.isApplying()) {
        QCoreApplication::processEvents();
        ++turns;
        QVERIFY2(turns < 100000, "the walk never ends");
        const QStringList rows = shown(&filter);
        QStringList inOrder = whole;
        inOrder.removeIf([&rows](const QString &row) { return !rows.contains(row); });
        QCOMPARE(rows, inOrder);
    }
    // And when it is done the whole result shows, as a fresh filter shows it, and the count
    QVERIFY2(turns > 5, qPrintable(QString::number(turns)));
    QCOMPARE(applyingWhenApplied, QList<bool>({true, false}));
    QCOMPARE(shown(&filter), whole);
    QCOMPARE(filter.matchCount(), 111); // dev9, dev90 … dev99, dev900 … dev999
    QCOMPARE(filter.shownChildrenUpTo(lastFloor, 1000), filter.rowCount(filter.mapFromSource(lastFloor)));
    QCOMPARE(filter.shownChildrenUpTo(lastFloor, 1000), 12); // dev9, dev99, dev909 … dev999
}

void TestResourceFilter::aNewKeyDropsTheWalkUnderWay()
{
    // Given 3,000 devices, a filter walking in tiny slices, and the first matches of "dev1" shown
    const QStringList topics = devices(0, 3000);
    SlicedFilter f(topics);
    ResourceFilterProxyModel &filter = f.filter;
    const QStringList dev1 = freshFilter(topics, Mode::Substring, QStringLiteral("dev1"));
    const QStringList dev2 = freshFilter(topics, Mode::Substring, QStringLiteral("dev2"));
    QSignalSpy applied(&filter, &ResourceFilterProxyModel::applied);
    filter.setPattern(QStringLiteral("dev1"));
    QCoreApplication::processEvents();
    QVERIFY(filter.isApplying());
    QVERIFY(!applied.isEmpty());
    QVERIFY(!shown(&filter).isEmpty());
    // When a new key comes before that walk is done
    filter.setPattern(QStringLiteral("dev2"));
    // Then from its first slice on only rows of the new pattern show, and never a row only the
    // old one matches, however many turns the old walk had left
    QVERIFY(filter.isApplying());
    int turns = 0;
    do {
        const QStringList rows = shown(&filter);
        for (const QString &row : rows)
            QVERIFY2(dev2.contains(row), qPrintable(row));
        QCoreApplication::processEvents();
        QVERIFY2(++turns < 100000, "the walk never ends");
    } while (filter.isApplying());
    QCOMPARE(filter.pattern(), QStringLiteral("dev2"));
    QCOMPARE(shown(&filter), dev2);
    QVERIFY(!dev2.contains(QStringLiteral("mqtt://h:1883/site/f1/dev1/metric (4)")));
    QVERIFY(dev1.contains(QStringLiteral("mqtt://h:1883/site/f1/dev1/metric (4)")));
    QCOMPARE(filter.matchCount(), 1111); // dev2, dev20 … dev29, dev200 … dev299, dev2000 … dev2999
}

QTEST_GUILESS_MAIN(TestResourceFilter)
#include "tst_resourcefilter.moc"
