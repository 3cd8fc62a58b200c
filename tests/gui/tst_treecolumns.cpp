// Who talks most in the resource tree: the count and rate columns show, fit their content, and
// the tree sorts by message rate or last update from the header (remembered in the settings),
// back to natural name order, keeping the selection, the unfolded rows and the filter.
#include "elidedcells.h"

#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"
#include "model/treestatsproxy.h"
#include "protocols/endpointmanager.h"
#include "storefeed.h"
#include "treedockfixture.h"
#include "ui/resourcetreedock.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QHeaderView>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <functional>

using namespace thingscape;

using testsupport::kSite;
using testsupport::kT1;
using testsupport::kT2;
using testsupport::kT3;
using testsupport::kT4;
using testsupport::publish;
using testsupport::rid;

namespace {

struct Fixture : testsupport::TreeDockFixture
{
    Fixture()
    {
        // room2 talks most, then room10, then room1; t2 talks once
        publish(&store, {kT1, kT2, kT3, kT4}, 1);
        publish(&store, {kT3}, 40);
        publish(&store, {kT4}, 20);
        publish(&store, {kT1}, 5);
        dock.statsModel()->refresh();
    }
    // The names under a row of the view, in the order shown.
    QStringList namesUnder(const QString &uri)
    {
        QTreeView *view = dock.view();
        // Walk down by URI: the view's rows carry their tree row's URI.
        std::function<QModelIndex(const QModelIndex &)> find = [&](const QModelIndex &at) -> QModelIndex {
            for (int r = 0; r < view->model()->rowCount(at); ++r) {
                const QModelIndex child = view->model()->index(r, 0, at);
                if (child.data(ResourceTreeModel::ResourceIdRole).toString() == uri)
                    return child;
                if (const QModelIndex below = find(child); below.isValid())
                    return below;
            }
            return {};
        };
        const QModelIndex row = find({});
        QStringList names;
        for (int r = 0; r < view->model()->rowCount(row); ++r)
            names.append(view->model()->index(r, 0, row).data().toString());
        return names;
    }
    void clickHeader(int column)
    {
        QHeaderView *header = dock.view()->header();
        const QPoint at(header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
    }
};

} // namespace

class TestTreeColumns : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void columnsShowCountsAndFitTheirContent();
    void headerSortsByRateKeepingSelectionAndUnfoldedRows();
    void sortIsRememberedAndAppliesToTheFilter();

private:
    QTemporaryDir m_state;
};

void TestTreeColumns::initTestCase()
{
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestTreeColumns::init()
{
    QSettings().remove(QStringLiteral("tree"));
}

void TestTreeColumns::columnsShowCountsAndFitTheirContent()
{
    // Given a tree whose rows talked
    Fixture f;
    QAbstractItemModelTester tester(f.dock.view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    // Then the tree has the four columns after its own
    const QAbstractItemModel *model = f.dock.view()->model();
    const int resources = f.dock.statsModel()->columnOf(TreeStatsProxy::ResourcesColumn);
    QCOMPARE(model->columnCount(), int(ResourceTreeModel::ColumnCount) + int(TreeStatsProxy::ColumnCount));
    QCOMPARE(model->headerData(resources, Qt::Horizontal).toString(), QStringLiteral("Resources"));
    // And the site row says 4 resources and 69 messages
    const QModelIndex site = model->index(0, 0, model->index(0, 0));
    QCOMPARE(site.data(ResourceTreeModel::ResourceIdRole).toString(), kSite);
    QCOMPARE(site.siblingAtColumn(resources).data().toString(), QStringLiteral("4"));
    QCOMPARE(site.siblingAtColumn(resources + TreeStatsProxy::MessagesColumn).data().toString(), QStringLiteral("69"));
    QVERIFY(!site.siblingAtColumn(resources + TreeStatsProxy::MessageRateColumn).data().toString().isEmpty());
    // And once the columns are fitted, no cell in view is cut, in a wide or a narrow dock
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                              qPrintable(testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))), 5000);
    f.dock.resize(300, 400);
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                              qPrintable(testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))), 5000);
    if (const QByteArray dir = qgetenv("THINGSCAPE_SCREENSHOT_DIR"); !dir.isEmpty()) {
        f.dock.resize(760, 300);
        QTest::qWait(300);
        f.dock.grab().save(QString::fromLocal8Bit(dir) + QStringLiteral("/treecolumns.png"));
    }
}

void TestTreeColumns::headerSortsByRateKeepingSelectionAndUnfoldedRows()
{
    // Given the tree in natural order, unfolded, with t2 selected
    Fixture f;
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room1"), QStringLiteral("room2"), QStringLiteral("room10")}));
    f.dock.selectResource(rid(kT2));
    QCOMPARE(f.dock.currentResource(), rid(kT2));
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);

    // When the Msg/s header is clicked
    const int rate = f.dock.statsModel()->columnOf(TreeStatsProxy::MessageRateColumn);
    f.clickHeader(rate);
    // Then the busiest come first, under every parent
    QCOMPARE(f.dock.sortColumn(), rate);
    QCOMPARE(f.dock.sortOrder(), Qt::DescendingOrder);
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room2"), QStringLiteral("room10"), QStringLiteral("room1")}));
    QCOMPARE(f.namesUnder(QStringLiteral("mqtt://h:1883/site/room1")), (QStringList{QStringLiteral("t1"), QStringLiteral("t2")}));
    QAbstractItemModelTester tester(f.dock.view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // And the selection and the unfolded rows stayed, the details did not change
    QCOMPARE(f.dock.currentResource(), rid(kT2));
    QCOMPARE(f.dock.selectedResources(), QList<ResourceId>{rid(kT2)});
    QCOMPARE(shown.size(), 0);
    QVERIFY(f.dock.view()->isExpanded(f.dock.view()->currentIndex().parent()));
    QCOMPARE(f.dock.view()->header()->sortIndicatorSection(), rate);

    // When the rates change, Then the order follows (re-sorted when the columns refresh)
    publish(&f.store, {kT1}, 100);
    f.dock.statsModel()->refresh();
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room1"), QStringLiteral("room2"), QStringLiteral("room10")}));
    QCOMPARE(f.dock.currentResource(), rid(kT2));

    // When it is clicked again, Then the quietest come first
    f.clickHeader(rate);
    QCOMPARE(f.dock.sortOrder(), Qt::AscendingOrder);
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room10"), QStringLiteral("room2"), QStringLiteral("room1")}));

    // When Value (nothing to sort by) is clicked, Then nothing changes
    f.clickHeader(ResourceTreeModel::ValueColumn);
    QCOMPARE(f.dock.sortColumn(), rate);
    QCOMPARE(f.dock.view()->header()->sortIndicatorSection(), rate);

    // When Name is clicked, Then the natural order is back, with the selection
    f.clickHeader(ResourceTreeModel::NameColumn);
    QCOMPARE(f.dock.sortColumn(), -1);
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room1"), QStringLiteral("room2"), QStringLiteral("room10")}));
    QCOMPARE(f.dock.currentResource(), rid(kT2));
    QCOMPARE(shown.size(), 0);
    QVERIFY(f.dock.view()->isExpanded(f.dock.view()->currentIndex().parent()));
    // And the view shows the tree without a sorting proxy
    QCOMPARE(f.dock.view()->model(), static_cast<QAbstractItemModel *>(f.dock.statsModel()));
}

void TestTreeColumns::sortIsRememberedAndAppliesToTheFilter()
{
    {
        // Given the tree sorted by last update
        Fixture f;
        f.dock.sortBy(ResourceTreeModel::LastUpdateColumn, Qt::DescendingOrder);
        QCOMPARE(f.dock.sortColumn(), int(ResourceTreeModel::LastUpdateColumn));
    }
    // When a new tree dock opens, Then it sorts the same way
    Fixture f;
    QCOMPARE(f.dock.sortColumn(), int(ResourceTreeModel::LastUpdateColumn));
    QCOMPARE(f.dock.sortOrder(), Qt::DescendingOrder);
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    // And folders sort by the newest message below them: when room2 speaks a moment later, it
    // comes first
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QTRY_VERIFY(QDateTime::currentMSecsSinceEpoch() > before + 1);
    publish(&f.store, {kT3}, 1);
    f.dock.statsModel()->refresh();
    QCOMPARE(f.namesUnder(kSite).constFirst(), QStringLiteral("room2"));

    // When sorted by rate and filtered
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.sortBy(f.dock.statsModel()->columnOf(TreeStatsProxy::MessageRateColumn), Qt::DescendingOrder);
    QSignalSpy applied(&f.dock, &ResourceTreeDock::filterApplied);
    f.dock.searchField()->setText(QStringLiteral("t"));
    QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 10000);
    QCOMPARE(f.dock.view()->model(), static_cast<QAbstractItemModel *>(f.dock.filterModel()));
    // Then the matches show busiest first
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room2"), QStringLiteral("room10"), QStringLiteral("room1")}));
    // And back to names while filtering, natural order
    f.dock.sortBy(-1, Qt::AscendingOrder);
    QCOMPARE(f.namesUnder(kSite), (QStringList{QStringLiteral("room1"), QStringLiteral("room2"), QStringLiteral("room10")}));
    // And with the filter cleared, the whole tree in natural order
    f.dock.searchField()->clear();
    QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 2, 10000);
    QCOMPARE(f.dock.view()->model(), static_cast<QAbstractItemModel *>(f.dock.statsModel()));
}

QTEST_MAIN(TestTreeColumns)
#include "tst_treecolumns.moc"
