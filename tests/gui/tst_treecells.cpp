// The resource tree at a laptop's width: counts, rates and times in short forms with the exact
// figure in the cell's tooltip, and columns hidden or shown from the header's context menu,
// remembered in the settings.
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
#include "ui/treecelldelegate.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDateTime>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QTreeView>

#include <memory>

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
    // A row of the view by its URI (unfolded down to it).
    QModelIndex rowOf(const QString &uri)
    {
        const QModelIndex tree = model.indexForId(rid(uri));
        if (!tree.isValid())
            return {};
        QList<QModelIndex> chain;
        for (QModelIndex at = tree; at.isValid(); at = at.parent())
            chain.prepend(at);
        QModelIndex shown;
        QAbstractItemModel *viewModel = dock.view()->model();
        for (const QModelIndex &step : chain) {
            QModelIndex next;
            for (int row = 0; row < viewModel->rowCount(shown) && !next.isValid(); ++row) {
                const QModelIndex candidate = viewModel->index(row, 0, shown);
                if (candidate.data(ResourceTreeModel::ResourceIdRole) == step.data(ResourceTreeModel::ResourceIdRole))
                    next = candidate;
            }
            if (!next.isValid())
                return {};
            dock.view()->expand(next);
            shown = next;
        }
        return shown;
    }
    // What the view draws in a cell.
    QString shownText(const QModelIndex &index)
    {
        const auto *delegate = qobject_cast<TreeCellDelegate *>(dock.view()->itemDelegateForIndex(index));
        if (!delegate)
            return QStringLiteral("<no tree cell delegate>");
        QStyleOptionViewItem option;
        option.initFrom(dock.view());
        delegate->initStyleOption(&option, index);
        return option.text;
    }
    // The tooltip a user sees when resting the pointer on a cell.
    QString toolTipOf(const QModelIndex &index)
    {
        QTreeView *view = dock.view();
        view->scrollTo(index);
        const QRect rect = view->visualRect(index);
        if (!rect.isValid())
            return QStringLiteral("<not in view>");
        QToolTip::hideText();
        QHelpEvent event(QEvent::ToolTip, rect.center(), view->viewport()->mapToGlobal(rect.center()));
        QCoreApplication::sendEvent(view->viewport(), &event);
        return QToolTip::isVisible() ? QToolTip::text() : QString();
    }
};

const QLocale kEnglish(QLocale::English, QLocale::UnitedStates);

} // namespace

class TestTreeCells : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void compactFormats_data();
    void compactFormats();
    void cellsShowShortFiguresAndTheirTooltipsExactOnes();
    void columnsHideAndShowFromTheHeaderMenuRemembered();
    void onlyTheSortedColumnMakesRoomForItsArrow();

private:
    QTemporaryDir m_state;
};

void TestTreeCells::initTestCase()
{
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(kEnglish);
}

void TestTreeCells::init()
{
    QSettings().remove(QStringLiteral("tree"));
}

void TestTreeCells::compactFormats_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("shown");
    QTest::newRow("count 0") << "count" << 0.0 << "0";
    QTest::newRow("count 999") << "count" << 999.0 << "999";
    QTest::newRow("count 9,999 exact") << "count" << 9999.0 << "9,999";
    QTest::newRow("count 10,000") << "count" << 10000.0 << "10.0k";
    QTest::newRow("count 12,345") << "count" << 12345.0 << "12.3k";
    QTest::newRow("count 123,456") << "count" << 123456.0 << "123k";
    QTest::newRow("count 999,700 steps up") << "count" << 999700.0 << "1.00M";
    QTest::newRow("count 1,234,567") << "count" << 1234567.0 << "1.23M";
    QTest::newRow("count 99,960,000 steps up") << "count" << 99960000.0 << "100M";
    QTest::newRow("count 4.5e9") << "count" << 4.5e9 << "4.50G";
    QTest::newRow("rate 0.5") << "rate" << 0.5 << "0.5";
    QTest::newRow("rate 12.34") << "rate" << 12.34 << "12.3";
    QTest::newRow("rate 99.96") << "rate" << 99.96 << "100";
    QTest::newRow("rate 1,234.4") << "rate" << 1234.4 << "1,234";
    QTest::newRow("rate 52,000") << "rate" << 52000.0 << "52.0k";
    QTest::newRow("bytes 512") << "bytes" << 512.0 << "512 B";
    QTest::newRow("bytes 1,536") << "bytes" << 1536.0 << "1.50 KB";
    QTest::newRow("bytes 12,800") << "bytes" << 12800.0 << "12.5 KB";
    QTest::newRow("bytes 1,000 KiB steps up") << "bytes" << 1024000.0 << "0.98 MB";
    QTest::newRow("bytes 1,048,000 steps up") << "bytes" << 1048000.0 << "1.00 MB";
    QTest::newRow("bytes 999.7 steps up") << "bytes" << 999.7 << "0.98 KB";
    QTest::newRow("bytes 3.5 MiB") << "bytes" << 3.5 * 1024 * 1024 << "3.50 MB";
}

void TestTreeCells::compactFormats()
{
    QFETCH(QString, kind);
    QFETCH(double, value);
    QFETCH(QString, shown);
    if (kind == QLatin1String("count"))
        QCOMPARE(TreeCellDelegate::compactCount(value, kEnglish), shown);
    else if (kind == QLatin1String("rate"))
        QCOMPARE(TreeCellDelegate::compactRate(value, kEnglish), shown);
    else
        QCOMPARE(TreeCellDelegate::compactBytes(value, kEnglish), shown);
    // Never wider than seven characters ("1.00 MB"), whatever the figure
    QVERIFY(shown.size() <= 7);
}

void TestTreeCells::cellsShowShortFiguresAndTheirTooltipsExactOnes()
{
    // Given a tree where t3 got 12,345 messages and the others one each, all shown
    Fixture f;
    publish(&f.store, {kT1, kT2, kT4}, 1);
    publish(&f.store, {kT3}, 12345);
    f.dock.statsModel()->refresh();
    QAbstractItemModelTester tester(f.dock.view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    const int messages = f.dock.statsModel()->columnOf(TreeStatsProxy::MessagesColumn);
    const int resources = f.dock.statsModel()->columnOf(TreeStatsProxy::ResourcesColumn);
    const QModelIndex t3 = f.rowOf(kT3);
    const QModelIndex site = f.rowOf(kSite);
    QVERIFY(t3.isValid() && site.isValid());

    // Then the model keeps the exact count, the view shows it short
    QCOMPARE(t3.siblingAtColumn(messages).data().toString(), QStringLiteral("12,345"));
    QCOMPARE(f.shownText(t3.siblingAtColumn(messages)), QStringLiteral("12.3k"));
    QCOMPARE(f.shownText(site.siblingAtColumn(messages)), QStringLiteral("12.3k")); // 12,348
    // And small figures as they are, blanks blank (a leaf counts no resources below it)
    QCOMPARE(f.shownText(site.siblingAtColumn(resources)), QStringLiteral("4"));
    QCOMPARE(f.shownText(t3.siblingAtColumn(resources)), QString());
    // And the last update as a time of day, without milliseconds
    const QString time = f.shownText(t3.siblingAtColumn(ResourceTreeModel::LastUpdateColumn));
    QVERIFY2(QTime::fromString(time, QStringLiteral("HH:mm:ss")).isValid(), qPrintable(time));

    // When the pointer rests on the short figure, Then its tooltip says the exact one and what it counts
    QCOMPARE(f.toolTipOf(site.siblingAtColumn(messages)),
             QStringLiteral("Messages received at or below the row: 12,348"));
    // And the time's tooltip has the date and the milliseconds
    const QString timeTip = f.toolTipOf(t3.siblingAtColumn(ResourceTreeModel::LastUpdateColumn));
    QVERIFY2(timeTip.startsWith(QStringLiteral("Last update: ") + QDate::currentDate().toString(Qt::ISODate)),
             qPrintable(timeTip));
    QVERIFY2(timeTip.contains(time + QLatin1Char('.')), qPrintable(timeTip));
    // And the name keeps the row's own tooltip (its URI)
    QVERIFY(f.toolTipOf(t3).contains(kT3));
    // And nothing in view is cut
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                              qPrintable(testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))), 5000);
}

void TestTreeCells::columnsHideAndShowFromTheHeaderMenuRemembered()
{
    const int byteRate = [] {
        Fixture probe;
        return probe.dock.statsModel()->columnOf(TreeStatsProxy::ByteRateColumn);
    }();
    const auto shownColumns = [](QHeaderView *header) {
        QList<int> shown;
        for (int column = 0; column < header->count(); ++column) {
            if (!header->isSectionHidden(column))
                shown.append(column);
        }
        return shown;
    };
    QList<int> defaults;
    {
        // Given a new tree dock: names, values, last update, messages and message rate show; the
        // unit (said with the value), protocol, resources below and byte rate are hidden
        Fixture f;
        QHeaderView *header = f.dock.view()->header();
        defaults = shownColumns(header);
        const int messages = f.dock.statsModel()->columnOf(TreeStatsProxy::MessagesColumn);
        const int rate = f.dock.statsModel()->columnOf(TreeStatsProxy::MessageRateColumn);
        QCOMPARE(defaults, (QList<int>{ResourceTreeModel::NameColumn, ResourceTreeModel::ValueColumn,
                                       ResourceTreeModel::LastUpdateColumn, messages, rate}));
        // And the value says its unit
        Update update = testsupport::repeatedUpdates({kT1}, 1).constFirst();
        update.value->raw = "42.5";
        update.value->decoded = QCborValue(42.5);
        update.metadata.edit().unit.set(QStringLiteral("°C"), MetaSource::SenML);
        f.store.ingest({update});
        const QModelIndex t1 = f.rowOf(kT1);
        QVERIFY(t1.isValid());
        QCOMPARE(f.shownText(t1.siblingAtColumn(ResourceTreeModel::ValueColumn)), QString::fromUtf8("42.5\u00a0°C"));
        // When the header's menu shows Bytes/s and the unit, and hides Last update
        std::unique_ptr<QMenu> menu(f.dock.makeColumnsMenu(nullptr));
        auto *showBytes = menu->findChild<QAction *>(QStringLiteral("showColumn_byteRate"));
        auto *showUnit = menu->findChild<QAction *>(QStringLiteral("showColumn_unit"));
        auto *showTime = menu->findChild<QAction *>(QStringLiteral("showColumn_lastUpdate"));
        auto *showName = menu->findChild<QAction *>(QStringLiteral("showColumn_name"));
        QVERIFY(showBytes && showUnit && showTime && showName);
        QVERIFY(!showBytes->isChecked() && !showUnit->isChecked() && showTime->isChecked());
        // (the names cannot be hidden)
        QVERIFY(!showName->isEnabled());
        showBytes->trigger();
        showUnit->trigger();
        showTime->trigger();
        // Then the view follows at once, and the unit has its own column again
        QVERIFY(!header->isSectionHidden(byteRate));
        QVERIFY(!header->isSectionHidden(ResourceTreeModel::UnitColumn));
        QVERIFY(header->isSectionHidden(ResourceTreeModel::LastUpdateColumn));
        QVERIFY(!f.dock.isColumnShown(ResourceTreeModel::LastUpdateColumn));
        QCOMPARE(f.shownText(t1.siblingAtColumn(ResourceTreeModel::ValueColumn)), QStringLiteral("42.5"));
        // And a filter (another model in the view) keeps the choice
        f.dock.searchField()->setText(QStringLiteral("t1"));
        QTRY_VERIFY_WITH_TIMEOUT(f.dock.view()->model() == static_cast<QAbstractItemModel *>(f.dock.filterModel()), 10000);
        QVERIFY(header->isSectionHidden(ResourceTreeModel::LastUpdateColumn));
        QVERIFY(!header->isSectionHidden(byteRate));
    }
    {
        // When a new tree dock opens, Then it remembers
        Fixture f;
        QHeaderView *header = f.dock.view()->header();
        QVERIFY(!header->isSectionHidden(byteRate));
        QVERIFY(!header->isSectionHidden(ResourceTreeModel::UnitColumn));
        QVERIFY(header->isSectionHidden(ResourceTreeModel::LastUpdateColumn));
        QVERIFY(header->isSectionHidden(ResourceTreeModel::ProtocolColumn));
        // When Default columns is picked, Then the defaults are back, remembered as such
        std::unique_ptr<QMenu> menu(f.dock.makeColumnsMenu(nullptr));
        auto *reset = menu->findChild<QAction *>(QStringLiteral("defaultColumnsAction"));
        QVERIFY(reset);
        reset->trigger();
        QCOMPARE(shownColumns(header), defaults);
    }
    Fixture f;
    QCOMPARE(shownColumns(f.dock.view()->header()), defaults);
}

void TestTreeCells::onlyTheSortedColumnMakesRoomForItsArrow()
{
    // Given the tree by name, shown
    Fixture f;
    publish(&f.store, {kT1, kT2, kT3, kT4}, 3);
    f.dock.statsModel()->refresh();
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    QHeaderView *header = f.dock.view()->header();
    const int rate = f.dock.statsModel()->columnOf(TreeStatsProxy::MessageRateColumn);
    const int messages = f.dock.statsModel()->columnOf(TreeStatsProxy::MessagesColumn);
    const int rateHint = header->sectionSizeHint(rate);
    const int messagesHint = header->sectionSizeHint(messages);
    // When it is sorted by message rate
    f.dock.sortBy(rate, Qt::DescendingOrder);
    // Then the Msg/s column asks for room for the arrow, and gets it; the others ask for none
    QVERIFY2(header->sectionSizeHint(rate) > rateHint,
             qPrintable(QStringLiteral("%1 -> %2").arg(rateHint).arg(header->sectionSizeHint(rate))));
    QCOMPARE(header->sectionSizeHint(messages), messagesHint);
    QTRY_VERIFY_WITH_TIMEOUT(header->sectionSize(rate) >= header->sectionSizeHint(rate), 5000);
    // And back by name, it gives the room back
    f.dock.sortBy(-1, Qt::AscendingOrder);
    QCOMPARE(header->sectionSizeHint(rate), rateHint);
}

QTEST_MAIN(TestTreeCells)
#include "tst_treecells.moc"
