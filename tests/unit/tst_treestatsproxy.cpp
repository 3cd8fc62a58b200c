// Who talks most as tree columns, GUI-free: the stats proxy adds resources below, messages and
// rates after the tree's own columns (aggregated up a 3-level tree from a real store), its
// cells stand for their row (URI, parent, source index), one dataChanged per parent of the rows
// that talked; and a sort proxy above it orders siblings by rate and re-sorts when the rates
// change. Counts and orders are asserted, never timing.

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"
#include "model/treestatsproxy.h"
#include "storefeed.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

using namespace thingscape;

using testsupport::kT1;
using testsupport::kT2;
using testsupport::kT3;
using testsupport::publish;
using testsupport::rid;

namespace {

struct Fixture
{
    ResourceStore store;
    ResourceTreeModel tree{&store};
    TalkerStats stats{&store};
    TreeStatsProxy proxy{&tree, &tree};
    QAbstractItemModelTester tester{&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest};

    Fixture()
    {
        proxy.setTalkerStats(&stats);
        proxy.setRefreshBudgetMs(0); // every row at each refresh, however slow the machine
    }
    QModelIndex row(const QString &uri, int column = 0)
    {
        const QModelIndex treeIndex = tree.indexForId(rid(uri));
        return proxy.index(treeIndex.row(), column, proxy.mapFromSource(treeIndex).parent());
    }
    QString text(const QString &uri, TreeStatsProxy::Column column)
    {
        return row(uri, proxy.columnOf(column)).data().toString();
    }
};

} // namespace

class TestTreeStatsProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void columnsShowCountsAggregatedUpTheTree();
    void cellsStandForTheirRow();
    void refreshSignalsOncePerParentOfTheRowsThatTalked();
    void sortProxyOrdersSiblingsByRateAndFollowsChanges();
};

void TestTreeStatsProxy::columnsShowCountsAggregatedUpTheTree()
{
    // Given a 3-level tree: t1 and t2 in room1, t3 in room2; 4 messages on each of t1, t2 and
    // 1 on t3 (10 bytes each)
    Fixture f;
    publish(&f.store, {kT1, kT2, kT3}, 1, 10);
    publish(&f.store, {kT1, kT2}, 3, 10);

    // Then the proxy has the tree's columns and four more, with headers
    QCOMPARE(f.proxy.columnCount(), int(ResourceTreeModel::ColumnCount) + int(TreeStatsProxy::ColumnCount));
    QCOMPARE(f.proxy.columnOf(TreeStatsProxy::ResourcesColumn), int(ResourceTreeModel::ColumnCount));
    QCOMPARE(f.proxy.headerData(f.proxy.columnOf(TreeStatsProxy::MessageRateColumn), Qt::Horizontal).toString(),
             QStringLiteral("Msg/s"));
    QCOMPARE(f.proxy.headerData(ResourceTreeModel::NameColumn, Qt::Horizontal),
             f.tree.headerData(ResourceTreeModel::NameColumn, Qt::Horizontal));
    // And the counts are aggregated up the tree
    const QString site = QStringLiteral("mqtt://h:1883/site");
    const QString room1 = QStringLiteral("mqtt://h:1883/site/room1");
    const QString room2 = QStringLiteral("mqtt://h:1883/site/room2");
    QCOMPARE(f.text(site, TreeStatsProxy::ResourcesColumn), QStringLiteral("3"));
    QCOMPARE(f.text(room1, TreeStatsProxy::ResourcesColumn), QStringLiteral("2"));
    QCOMPARE(f.text(site, TreeStatsProxy::MessagesColumn), QStringLiteral("9"));
    QCOMPARE(f.text(room1, TreeStatsProxy::MessagesColumn), QStringLiteral("8"));
    QCOMPARE(f.text(room2, TreeStatsProxy::MessagesColumn), QStringLiteral("1"));
    QCOMPARE(f.text(kT1, TreeStatsProxy::MessagesColumn), QStringLiteral("4"));
    // And a leaf says nothing about resources below it (it is its own one)
    QCOMPARE(f.text(kT1, TreeStatsProxy::ResourcesColumn), QString());
    // And the rates over the last 10 s: 9 messages, 90 bytes at site (all in the window, however
    // slow the machine: the window is 10 s and the counts are from batches just applied, so
    // only their ratio is asserted)
    const double siteRate = f.row(site, f.proxy.columnOf(TreeStatsProxy::MessageRateColumn))
                                .data(TreeStatsProxy::SortKeyRole).toDouble();
    const double room2Rate = f.row(room2, f.proxy.columnOf(TreeStatsProxy::MessageRateColumn))
                                 .data(TreeStatsProxy::SortKeyRole).toDouble();
    const double siteBytes = f.row(site, f.proxy.columnOf(TreeStatsProxy::ByteRateColumn))
                                 .data(TreeStatsProxy::SortKeyRole).toDouble();
    QVERIFY(room2Rate > 0);
    QCOMPARE(siteRate / room2Rate, 9.0);
    QCOMPARE(siteBytes / siteRate, 10.0);
    QVERIFY(!f.text(site, TreeStatsProxy::MessageRateColumn).isEmpty());
    QVERIFY(f.text(site, TreeStatsProxy::ByteRateColumn).endsWith(QStringLiteral("/s")));
    // And the Last update column sorts a folder by its newest message below
    const qint64 last = f.row(site, ResourceTreeModel::LastUpdateColumn).data(TreeStatsProxy::SortKeyRole).toLongLong();
    QVERIFY(last > 0);
    QCOMPARE(last, f.stats.stats(rid(site), TalkerStats::Window::TenSeconds, last)->lastMs);
}

void TestTreeStatsProxy::cellsStandForTheirRow()
{
    Fixture f;
    publish(&f.store, {kT1, kT2, kT3}, 1);
    const QModelIndex cell = f.row(kT2, f.proxy.columnOf(TreeStatsProxy::MessagesColumn));
    QVERIFY(cell.isValid());
    // Its URI and kind are the row's
    QCOMPARE(cell.data(ResourceTreeModel::ResourceIdRole).toString(), kT2);
    QVERIFY(cell.data(ResourceTreeModel::HasResourceRole).toBool());
    // Its parent is the row's parent, its source the row's first column
    QCOMPARE(cell.parent(), f.row(QStringLiteral("mqtt://h:1883/site/room1")));
    QCOMPARE(f.proxy.mapToSource(cell), f.tree.indexForId(rid(kT2)));
    QCOMPARE(cell.siblingAtColumn(0), f.row(kT2));
    QVERIFY(f.proxy.flags(cell) & Qt::ItemIsSelectable);
    QVERIFY(!(f.proxy.flags(cell) & Qt::ItemIsEditable));
    // And nothing hangs below it
    QCOMPARE(f.proxy.rowCount(f.row(QStringLiteral("mqtt://h:1883/site"), f.proxy.columnOf(TreeStatsProxy::MessagesColumn))), 0);
    QCOMPARE(cell.data(Qt::TextAlignmentRole).value<Qt::Alignment>(), Qt::AlignRight | Qt::AlignVCenter);
}

void TestTreeStatsProxy::refreshSignalsOncePerParentOfTheRowsThatTalked()
{
    // Given t1 and t3 talked
    Fixture f;
    publish(&f.store, {kT1, kT2, kT3}, 1);
    f.proxy.refresh();
    QSignalSpy changed(&f.proxy, &QAbstractItemModel::dataChanged);
    publish(&f.store, {kT1, kT3}, 5);
    publish(&f.store, {kT1}, 5);
    // When the proxy refreshes (the timer does it once a second)
    changed.clear(); // the tree's own, for the rows whose values changed
    f.proxy.refresh();
    // Then one dataChanged per parent: room1 (t1), room2 (t3), site (room1, room2), the
    // endpoint's row (site) and the root (the endpoint), over the stats columns and Last update
    QSet<QString> parents;
    for (const QList<QVariant> &args : std::as_const(changed)) {
        const auto from = args.at(0).toModelIndex();
        const auto to = args.at(1).toModelIndex();
        QCOMPARE(from.parent(), to.parent());
        QVERIFY(from.column() <= int(ResourceTreeModel::LastUpdateColumn));
        QCOMPARE(to.column(), f.proxy.columnOf(TreeStatsProxy::ByteRateColumn));
        const QString parent = from.parent().data(ResourceTreeModel::ResourceIdRole).toString();
        QVERIFY2(!parents.contains(parent), qPrintable(parent));
        parents.insert(parent);
    }
    QCOMPARE(parents,
             (QSet<QString>{QStringLiteral("mqtt://h:1883/site/room1"), QStringLiteral("mqtt://h:1883/site/room2"),
                            QStringLiteral("mqtt://h:1883/site"), QStringLiteral("mqtt://h:1883"), QString()}));
    // And room1's range holds t1 (and t2, which talked at the first refresh: its rate still
    // falls, so it is redrawn until that is over)
    bool room1Seen = false;
    for (const QList<QVariant> &args : std::as_const(changed)) {
        const auto from = args.at(0).toModelIndex();
        if (from.parent() == f.row(QStringLiteral("mqtt://h:1883/site/room1"))) {
            room1Seen = true;
            QVERIFY(from.row() <= f.row(kT1).row());
            QVERIFY(args.at(1).toModelIndex().row() >= f.row(kT1).row());
        }
    }
    QVERIFY(room1Seen);
}

void TestTreeStatsProxy::sortProxyOrdersSiblingsByRateAndFollowsChanges()
{
    // Given room1 talks more than room2, and a sort proxy by message rate, busiest first
    Fixture f;
    publish(&f.store, {kT1, kT2, kT3}, 1);
    publish(&f.store, {kT1}, 10);
    f.proxy.refresh();
    QSortFilterProxyModel sorted;
    QAbstractItemModelTester sortedTester(&sorted, QAbstractItemModelTester::FailureReportingMode::QtTest);
    sorted.setSourceModel(&f.proxy);
    sorted.setSortRole(TreeStatsProxy::SortKeyRole);
    sorted.sort(f.proxy.columnOf(TreeStatsProxy::MessageRateColumn), Qt::DescendingOrder);
    const QModelIndex site = sorted.mapFromSource(f.row(QStringLiteral("mqtt://h:1883/site")));
    auto names = [&] {
        QStringList list;
        for (int r = 0; r < sorted.rowCount(site); ++r)
            list.append(sorted.index(r, 0, site).data().toString());
        return list;
    };
    QCOMPARE(names(), (QStringList{QStringLiteral("room1"), QStringLiteral("room2")}));
    const QPersistentModelIndex room1 = sorted.index(0, 0, site);
    // When room2 becomes the busier and the proxy refreshes
    publish(&f.store, {kT3}, 30);
    f.proxy.refresh();
    // Then the sort proxy re-sorts by itself, and rows keep their identity
    QCOMPARE(names(), (QStringList{QStringLiteral("room2"), QStringLiteral("room1")}));
    QCOMPARE(room1.row(), 1);
    QCOMPARE(room1.data().toString(), QStringLiteral("room1"));
}

QTEST_GUILESS_MAIN(TestTreeStatsProxy)
#include "tst_treestatsproxy.moc"
