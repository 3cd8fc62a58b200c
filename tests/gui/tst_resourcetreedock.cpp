// The resource tree dock: what the filter does to the selection, which of Observe / Stop
// observing applies, one Copy URI action, peer text in tooltips, and columns that fit.
#include "elidedcells.h"

#include "model/resourcefilterproxymodel.h"
#include "model/resource.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/treestatsproxy.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/statusindicators.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/systemsdock.h"
#include "ui/treecelldelegate.h"

#include <QAbstractItemModelTester>
#include <QAbstractProxyModel>
#include <QAction>
#include <QCompleter>
#include <QDialog>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QHeaderView>
#include <QLabel>
#include <QSet>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QTreeView>

#include <algorithm>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Update valueUpdate(const QString &uri, const QByteArray &raw)
{
    Update u;
    u.id = rid(uri);
    Value value;
    value.timeMs = 1000;
    value.raw = raw;
    bool number = false;
    const double v = raw.toDouble(&number);
    value.decoded = number ? QCborValue(v) : QCborValue(QString::fromUtf8(raw));
    u.value = value;
    return u;
}

// What a user sees: the text a tooltip renders to.
QString renderedToolTip(const QString &tip)
{
    if (!Qt::mightBeRichText(tip))
        return tip;
    QTextDocument document;
    document.setHtml(tip);
    return document.toPlainText();
}

struct Fixture
{
    ResourceStore store;
    ResourceTreeModel model{&store};
    EndpointManager endpoints{&store};
    ResourceTreeDock dock{&store, &model, &endpoints};
};

} // namespace

class TestResourceTreeDock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void filterKeepsOrClearsTheSelectionNeverMovesIt();
    void removedRowClearsTheSelection();
    void observeOrStopObservingWhicheverApplies();
    void copyUriIsOneActionWithOneShortcut();
    void noRenameEditorOnASecondClick();
    void hostileNamesInToolTipsShowAsText();
    void columnsFitTheirContent();
    void longValueIsElidedWholeInItsTooltip();
    void statusBarCountsMessagesSent();
    void statusBarShowsTheStoresMemory();
    void asteriskUnfoldsAtMostTheCap();
    void largeTreeFilterWaitsForTypingAndUnfoldsACap();
    void narrowingAndWideningKeepTheSelectionAndCountMatches();
    void aSlicedFilterShowsItsFirstRowsAndKeepsTheSelection();
    void foldsAmongTheFirstRowsStayForTheWholeResult();
    void newRuleIsAskedForTheCurrentResource();
    void bridgeTargetIsCompletedAndChecked();

private:
    QTemporaryDir m_state;
};

void TestResourceTreeDock::initTestCase()
{
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestResourceTreeDock::filterKeepsOrClearsTheSelectionNeverMovesIt()
{
    // Given a tree with the kitchen temperature selected
    Fixture f;
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.store.ingest({valueUpdate("mqtt://h/home/hall/temp", "19"), valueUpdate("mqtt://h/home/kitchen/temp", "21"),
                    valueUpdate("mqtt://h/home/kitchen/humidity", "40"), valueUpdate("mqtt://h/garden/temp", "12")});
    f.dock.resize(600, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    const ResourceId kitchen = rid("mqtt://h/home/kitchen/temp");
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);
    f.dock.selectResource(kitchen);
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.takeFirst().first().value<ResourceId>(), kitchen);

    // When the filter still shows it, Then it stays selected and the details do not change
    f.dock.searchField()->setText(QStringLiteral("temp"));
    QCOMPARE(f.dock.currentResource(), kitchen);
    QCOMPARE(f.dock.selectedResources(), QList<ResourceId>{kitchen});
    QCOMPARE(shown.size(), 0);
    f.dock.searchField()->setText(QStringLiteral("kitchen/t"));
    QCOMPARE(f.dock.currentResource(), kitchen);
    QCOMPARE(shown.size(), 0);

    // When the filter hides it (the hall and garden rows stay, right next to where it was)
    f.dock.searchField()->setText(QStringLiteral("hall"));
    // Then the selection is cleared, never moved to a row the user did not pick
    QVERIFY(!f.dock.currentResource().isValid());
    QVERIFY(f.dock.selectedResources().isEmpty());
    QCOMPARE(shown.size(), 1);
    QVERIFY(!shown.takeFirst().first().value<ResourceId>().isValid());

    // And clearing the filter brings the rows back without selecting any of them
    f.dock.searchField()->clear();
    QVERIFY(!f.dock.currentResource().isValid());
    QCOMPARE(shown.size(), 0);

    // A path level above the selection filtered out counts the same
    f.dock.view()->expandAll();
    f.dock.selectResource(rid("mqtt://h/home/kitchen/humidity"));
    QCOMPARE(shown.size(), 1);
    shown.clear();
    f.dock.searchField()->setText(QStringLiteral("garden"));
    QVERIFY(!f.dock.currentResource().isValid());
    QCOMPARE(shown.size(), 1);
    QVERIFY(!shown.takeFirst().first().value<ResourceId>().isValid());
}

void TestResourceTreeDock::removedRowClearsTheSelection()
{
    Fixture f;
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.store.ingest({valueUpdate("mqtt://h/a", "1"), valueUpdate("mqtt://h/b", "2"), valueUpdate("mqtt://h/c", "3")});
    f.dock.show();
    f.dock.view()->expandAll();
    f.dock.selectResource(rid("mqtt://h/b"));
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);
    // When the selected resource goes from the store
    f.store.remove({rid("mqtt://h/b")});
    // Then nothing is selected (not "a" or "c")
    QVERIFY(!f.dock.currentResource().isValid());
    QCOMPARE(shown.size(), 1);
    QVERIFY(!shown.first().first().value<ResourceId>().isValid());
}

void TestResourceTreeDock::observeOrStopObservingWhicheverApplies()
{
    Fixture f;
    Update observable = valueUpdate("coap://dev/sensor", "20");
    observable.metadata.edit().observable.set(true, MetaSource::LinkFormat);
    f.store.ingest({valueUpdate("mqtt://h/t", "1"), valueUpdate("coap://dev/config", "x"), observable});
    f.dock.show();
    f.dock.view()->expandAll();
    QAction *observe = f.dock.observeAction();
    QAction *stop = f.dock.stopObservingAction();
    // Nothing selected: neither
    QVERIFY(!observe->isEnabled());
    QVERIFY(!stop->isEnabled());
    // An MQTT topic arrives through the subscription: only Stop observing
    f.dock.selectResource(rid("mqtt://h/t"));
    QVERIFY(!observe->isEnabled());
    QVERIFY(stop->isEnabled());
    // After Stop observing: only Observe
    stop->trigger();
    QVERIFY(observe->isEnabled());
    QVERIFY(!stop->isEnabled());
    QVERIFY(!f.dock.isObserved(rid("mqtt://h/t")));
    // A CoAP resource that is not observable is not observed; an observable one is
    f.dock.selectResource(rid("coap://dev/config"));
    QVERIFY(observe->isEnabled());
    QVERIFY(!stop->isEnabled());
    f.dock.selectResource(rid("coap://dev/sensor"));
    QVERIFY(!observe->isEnabled());
    QVERIFY(stop->isEnabled());
}

void TestResourceTreeDock::copyUriIsOneActionWithOneShortcut()
{
    WindowModels session;
    MainWindow window(&session);
    QList<QAction *> copies;
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action->text().remove(QLatin1Char('&')).startsWith(QStringLiteral("Copy URI")))
            copies << action;
    }
    QCOMPARE(copies.size(), 1);
    QCOMPARE(copies.first()->shortcuts().size(), 1);
    QCOMPARE(copies.first(), window.treeDock()->copyUriAction());
    // and the Resource menu offers that same action
    bool inMenu = false;
    for (QAction *menu : window.menuBar()->actions()) {
        if (menu->menu() && menu->menu()->actions().contains(copies.first()))
            inMenu = true;
    }
    QVERIFY(inMenu);
    // Observe and Stop observing likewise: one each
    int observes = 0;
    for (QAction *action : window.findChildren<QAction *>())
        observes += action->text().remove(QLatin1Char('&')) == QStringLiteral("Observe") ? 1 : 0;
    QCOMPARE(observes, 1);
}

void TestResourceTreeDock::noRenameEditorOnASecondClick()
{
    Fixture f;
    f.model.addEndpoint(rid("mqtt://h"), QStringLiteral("Broker"));
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    QTreeView *view = f.dock.view();
    const QModelIndex endpoint = view->model()->index(0, 0);
    const QPoint at = view->visualRect(endpoint).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(view->currentIndex(), endpoint);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at, 1000);
    QTest::keyClick(view, Qt::Key_F2);
    QVERIFY(!view->indexWidget(endpoint));
    QVERIFY(!view->isPersistentEditorOpen(endpoint));
    QVERIFY(view->findChildren<QLineEdit *>().isEmpty());
}

void TestResourceTreeDock::hostileNamesInToolTipsShowAsText()
{
    // Given an endpoint, a topic and a title named like HTML
    const QString hostile = QStringLiteral("<b>x</b><img src=\"file:///nonexistent.png\">");
    Fixture f;
    f.model.addEndpoint(rid("mqtt://h"), hostile);
    Update titled = valueUpdate("mqtt://h/dev/x", "1");
    titled.metadata.edit().title.set(hostile, MetaSource::MqttConvention);
    f.store.ingest({titled});
    f.dock.view()->expandAll();
    // Then the tooltips render to the very text, tags and all
    const QModelIndex endpoint = f.dock.view()->model()->index(0, 0);
    const QString endpointTip = endpoint.data(Qt::ToolTipRole).toString();
    QVERIFY2(renderedToolTip(endpointTip).startsWith(hostile), qPrintable(renderedToolTip(endpointTip)));
    const QModelIndex topicRow = f.dock.view()->model()->index(0, 0, f.dock.view()->model()->index(0, 0, endpoint));
    QVERIFY(topicRow.isValid());
    QVERIFY2(renderedToolTip(topicRow.data(Qt::ToolTipRole).toString()).contains(hostile),
             qPrintable(topicRow.data(Qt::ToolTipRole).toString()));

    // The systems dock shows the URI in its tooltip the same way
    WindowModels session;
    MainWindow window(&session);
    const ResourceId odd = rid(QStringLiteral("mqtt://h/<b>y</b>"));
    window.systemsDock()->createSystem(QStringLiteral("S"), {odd});
    QTableWidget *table = window.systemsDock()->resourceTable();
    QCOMPARE(table->rowCount(), 1);
    const QString systemTip = table->item(0, 0)->toolTip();
    QCOMPARE(renderedToolTip(systemTip), odd.toString());
}

void TestResourceTreeDock::columnsFitTheirContent()
{
    // Given names, values, units and times of different widths
    Fixture f;
    Update unit = valueUpdate("coap://device.example/sensors/a-rather-long-temperature-name", "1234567.25");
    unit.metadata.edit().unit.set(QStringLiteral("kWh"), MetaSource::SenML);
    f.store.ingest({unit, valueUpdate("mqtt://h/x", "closed"), valueUpdate("mqtt://h/y", "on")});
    f.dock.resize(1000, 400); // wide enough for every column, the talker columns too
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    // Then, once the columns are fitted, no cell in view is cut
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                              qPrintable(testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))), 5000);
    // and the Name column takes the spare width: the columns fill the view
    QHeaderView *header = f.dock.view()->header();
    QTRY_COMPARE_WITH_TIMEOUT(header->length(), f.dock.view()->viewport()->width(), 5000);
    QVERIFY(header->sectionSize(ResourceTreeModel::NameColumn) > header->sectionSize(ResourceTreeModel::ValueColumn));
    // When the dock gets narrow, the columns still show their content (the tree scrolls)
    f.dock.resize(260, 400);
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                              qPrintable(testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))), 5000);
    // When a filter shows (a new model, whose header starts at default widths) and goes again,
    // the columns are still fitted by the dock, not left at the header's defaults
    f.dock.resize(1000, 400); // every column fits again, the talker columns too
    for (const QString &text : {QStringLiteral("temperature"), QString()}) {
        f.dock.searchField()->setText(text);
        QTRY_COMPARE_WITH_TIMEOUT(f.dock.filterModel()->pattern(), text, 5000);
        f.dock.view()->expandAll();
        QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(f.dock.view()).isEmpty(),
                                  qPrintable(text + QLatin1Char(' ')
                                             + testsupport::elidedCells(f.dock.view()).join(QLatin1Char('\n'))),
                                  5000);
        QTRY_COMPARE_WITH_TIMEOUT(header->length(), f.dock.view()->viewport()->width(), 5000);
    }
}

void TestResourceTreeDock::longValueIsElidedWholeInItsTooltip()
{
    // Given a SenML pack whose JSON is far wider than the tree, beside a short value
    Fixture f;
    QAbstractItemModelTester tester(f.dock.view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QByteArray pack = R"([{"bn":"urn:dev:energy-meter:","bt":1796000000})";
    for (const char *name : {"current", "energy", "power", "voltage", "frequency", "phase"})
        pack += QByteArray(R"(,{"n":")") + name + R"(","u":"W","v":1234.5})";
    pack += ']';
    f.store.ingest({valueUpdate("coap://dev/meters/energy", pack), valueUpdate("coap://dev/sensors/t", "21.5")});
    f.dock.resize(900, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    f.dock.view()->expandAll();
    QTreeView *view = f.dock.view();
    QHeaderView *header = view->header();
    const auto third = [&] {
        return std::max(header->sectionSizeHint(ResourceTreeModel::ValueColumn), view->viewport()->width() / 3);
    };
    // Then the Value column takes at most a third of the tree and every column shows
    QTRY_COMPARE_WITH_TIMEOUT(header->length(), view->viewport()->width(), 5000);
    QVERIFY2(header->sectionSize(ResourceTreeModel::ValueColumn) <= third(),
             qPrintable(QStringLiteral("%1 > %2").arg(header->sectionSize(ResourceTreeModel::ValueColumn)).arg(third())));
    // And the pack's cell is cut, its tooltip holding the whole value; no other cell is cut
    QModelIndex energy;
    for (QModelIndex row = view->model()->index(0, 0); row.isValid(); row = view->indexBelow(row)) {
        if (row.data().toString() == QStringLiteral("energy"))
            energy = row.siblingAtColumn(ResourceTreeModel::ValueColumn);
    }
    QVERIFY(energy.isValid());
    QVERIFY(view->sizeHintForIndex(energy).width() > header->sectionSize(ResourceTreeModel::ValueColumn));
    auto *cells = qobject_cast<TreeCellDelegate *>(view->itemDelegate());
    QVERIFY(cells);
    QTextDocument tip;
    tip.setHtml(cells->valueToolTip(energy));
    QCOMPARE(tip.toPlainText(), QStringLiteral("Value: ") + energy.data().toString());
    QVERIFY(energy.data().toString().contains(QStringLiteral("urn:dev:energy-meter:")));
    QVERIFY(cells->valueToolTip(energy.siblingAtColumn(ResourceTreeModel::NameColumn)).isEmpty());
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(view).isEmpty(),
                              qPrintable(testsupport::elidedCells(view).join(QLatin1Char('\n'))), 5000);
    // When the tree narrows, the cap follows it
    f.dock.resize(600, 400);
    QTRY_COMPARE_WITH_TIMEOUT(header->sectionSize(ResourceTreeModel::ValueColumn), third(), 5000);
    // When the user drags the Value column wider, a refit (the dock resized) keeps their width
    f.dock.resize(900, 400);
    header->resizeSection(ResourceTreeModel::ValueColumn, 400);
    f.dock.resize(950, 400);
    QTRY_COMPARE_WITH_TIMEOUT(header->length(), view->viewport()->width(), 5000);
    QCOMPARE(header->sectionSize(ResourceTreeModel::ValueColumn), 400);
}

void TestResourceTreeDock::statusBarCountsMessagesSent()
{
    // Given a window, when two messages go out (as a write records them)
    WindowModels session;
    MainWindow window(&session);
    Update out;
    out.id = rid("mqtt://h/cmd");
    out.direction = Direction::Out;
    Value value;
    value.raw = "1";
    out.value = value;
    session.store()->ingest({out, out});
    // Then the status bar counts them, not only a rate that is back to 0/s a second later
    auto *rate = window.findChild<QLabel *>(QStringLiteral("statusRate"));
    QVERIFY(rate);
    QTRY_VERIFY2_WITH_TIMEOUT(rate->text().contains(QStringLiteral("(2 sent)")), qPrintable(rate->text()), 5000);
}

void TestResourceTreeDock::statusBarShowsTheStoresMemory()
{
    // Given a window whose store keeps some history
    WindowModels session;
    MainWindow window(&session);
    UpdateBatch batch;
    for (int i = 0; i < 50; ++i) {
        Update u = valueUpdate(QStringLiteral("mqtt://h/m/%1").arg(i % 5), QByteArray::number(i));
        u.value->timeMs = 1000 + i;
        batch.append(u);
    }
    session.store()->ingest(batch);
    QVERIFY(session.store()->historyBytes() > 0);
    QVERIFY(session.store()->memoryBytes() > session.store()->keptBytes());
    // Then the status bar shows the store's own figure against its budget, and says what it counts
    auto *memory = window.findChild<QLabel *>(QStringLiteral("statusMemory"));
    QVERIFY(memory);
    const QString expected = StatusIndicators::megabytes(session.store()->memoryBytes());
    QTRY_VERIFY2_WITH_TIMEOUT(memory->text() == QStringLiteral("Store: %1").arg(expected), qPrintable(memory->text()), 5000);
    QVERIFY(memory->toolTip().contains(QStringLiteral("of a 96 MB budget")));
}

namespace {

// The URIs of the rows a tree view shows.
QStringList shownUris(const QTreeView *view, const QModelIndex &parent = {})
{
    QStringList uris;
    const QAbstractItemModel *model = view->model();
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex child = model->index(row, 0, parent);
        uris.append(child.data(ResourceTreeModel::ResourceIdRole).toString());
        if (view->isExpanded(child))
            uris.append(shownUris(view, child));
    }
    return uris;
}

// The rows a tree view shows (unfolded parents' children, recursively).
int shownRows(const QTreeView *view, const QModelIndex &parent = {})
{
    int count = 0;
    const QAbstractItemModel *model = view->model();
    for (int row = 0; row < model->rowCount(parent); ++row) {
        ++count;
        const QModelIndex child = model->index(row, 0, parent);
        if (view->isExpanded(child))
            count += shownRows(view, child);
    }
    return count;
}

UpdateBatch devices(int count)
{
    UpdateBatch batch;
    for (int i = 0; i < count; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/site/f%1/dev%2/metric").arg(i % 100).arg(i), "1"));
    return batch;
}

} // namespace

void TestResourceTreeDock::asteriskUnfoldsAtMostTheCap()
{
    // Given 3,000 devices on 100 floors, all folded
    Fixture f;
    f.store.ingest(devices(3000));
    QAbstractItemModelTester tester(f.dock.view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.resize(600, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    QTreeView *view = f.dock.view();
    QSignalSpy messages(&f.dock, &ResourceTreeDock::statusMessage);
    // When '*' is pressed on the endpoint row
    view->setCurrentIndex(view->model()->index(0, 0));
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Asterisk);
    // Then rows below it unfold, depth first, up to the cap and no further, and the status bar says so
    const int shown = shownRows(view, view->model()->index(0, 0));
    QVERIFY2(shown > ResourceTreeDock::kExpandCap / 2 && shown <= ResourceTreeDock::kExpandCap, qPrintable(QString::number(shown)));
    const QModelIndex site = view->model()->index(0, 0, view->model()->index(0, 0));
    QVERIFY(view->isExpanded(site));
    QVERIFY(view->isExpanded(view->model()->index(0, 0, site)));
    QCOMPARE(messages.size(), 1);
    QVERIFY(messages.first().first().toString().contains(QString::number(ResourceTreeDock::kExpandCap)));
}

void TestResourceTreeDock::largeTreeFilterWaitsForTypingAndUnfoldsACap()
{
    // Given a tree larger than the size where typing is waited for, one device selected
    Fixture f;
    const int count = int(ResourceTreeDock::kFilterDelayRows) + 1000;
    f.store.ingest(devices(count));
    f.dock.resize(600, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    // (The tester watches the filtering from here on: checking the whole model after each of
    // the 21,000 rows' insertions took minutes and is tst_resourcetreemodel's subject.)
    QTRY_VERIFY_WITH_TIMEOUT(f.model.waitingResources() == 0, 120000);
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const ResourceId kept = rid("mqtt://h/site/f42/dev442/metric");
    f.dock.selectResource(kept);
    QCOMPARE(f.dock.currentResource(), kept);
    QSignalSpy applied(&f.dock, &ResourceTreeDock::filterApplied);
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);
    // When a filter is typed
    QTest::keyClicks(f.dock.searchField(), QStringLiteral("dev44"));
    // Then the first key applies at once and the rest once typing settled (never per keystroke
    // on a tree this size)
    QTRY_VERIFY_WITH_TIMEOUT(f.dock.filterModel()->pattern() == QStringLiteral("dev44")
                                 && !f.dock.filterModel()->isApplying() && applied.size() >= 1,
                             30000);
    QVERIFY(applied.size() < 5);
    // And the selection stayed where it was, shown
    QCOMPARE(f.dock.currentResource(), kept);
    QCOMPARE(shown.size(), 0);
    QTreeView *view = f.dock.view();
    QVERIFY(view->visualRect(view->currentIndex()).isValid());
    // And only matches show, unfolded no further than the cap, down to their leaves: a floor
    // holds 210 devices but shows the few that match
    QVERIFY(shownRows(view) <= ResourceTreeDock::kExpandCap + 1);
    const QStringList uris = shownUris(view);
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/site/f44/dev44/metric")));
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/site/f40/dev440/metric")));
    const QModelIndex hidden = f.model.indexForId(rid("mqtt://h/site/f43/dev543/metric"));
    QVERIFY(hidden.isValid());
    const auto *decoration = qobject_cast<const QAbstractProxyModel *>(f.dock.filterModel()->sourceModel());
    QVERIFY(decoration);
    QVERIFY(!f.dock.filterModel()->mapFromSource(decoration->mapFromSource(hidden)).isValid());
    const QModelIndex match = f.model.indexForId(rid("mqtt://h/site/f44/dev4444/metric"));
    QVERIFY(f.dock.filterModel()->mapFromSource(decoration->mapFromSource(match)).isValid());

    // When the filter hides the selection, Then it is cleared, not moved
    applied.clear();
    f.dock.searchField()->setText(QStringLiteral("dev45"));
    QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 30000);
    QVERIFY(!f.dock.currentResource().isValid());
    QCOMPARE(shown.size(), 1);
    // And clearing it shows the whole tree again, unfiltered
    applied.clear();
    f.dock.searchField()->clear();
    QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 30000);
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(f.model.rowCount(f.model.indexForId(rid("mqtt://h/site"))), 100);
}

void TestResourceTreeDock::aSlicedFilterShowsItsFirstRowsAndKeepsTheSelection()
{
    // Given 3,000 devices, the row the filter's walk reaches last selected, and a filter that
    // walks a few hundred rows per event-loop turn
    Fixture f;
    f.store.ingest(devices(3000));
    f.dock.resize(900, 500);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    QTRY_VERIFY(f.model.waitingResources() == 0);
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.filterModel()->setSliceMs(0);
    const ResourceId kept = rid("mqtt://h/site/f99/dev2999/metric");
    f.dock.selectResource(kept);
    QCOMPARE(f.dock.currentResource(), kept);
    QSignalSpy firstRows(&f.dock, &ResourceTreeDock::filterFirstRowsShown);
    QSignalSpy applied(&f.dock, &ResourceTreeDock::filterApplied);
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);
    const auto *status = f.dock.findChild<QLabel *>(QStringLiteral("treeFilterStatus"));
    QVERIFY(status);
    // When a filter is typed
    f.dock.searchField()->setText(QStringLiteral("dev29"));
    // Then its first matches show at once, saying it is still filtering, before the walk
    // reaches the selected row
    QCOMPARE(firstRows.size(), 1);
    QCOMPARE(applied.size(), 0);
    QCOMPARE(status->text(), QStringLiteral("filtering…"));
    QStringList uris = shownUris(f.dock.view());
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/site/f0/dev2900")));
    QVERIFY(!uris.contains(QStringLiteral("mqtt://h:1883/site/f99/dev2999")));
    // And once the walk is done all of it shows, the selection where it was and the details
    // never changed
    QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 30000);
    QCOMPARE(firstRows.size(), 1);
    QCOMPARE(f.dock.currentResource(), kept);
    QCOMPARE(f.dock.selectedResources(), QList<ResourceId>({kept}));
    QCOMPARE(shown.size(), 0);
    QCOMPARE(status->text(), QStringLiteral("111 matches")); // dev29, dev290 … dev299, dev2900 … dev2999
    uris = shownUris(f.dock.view());
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/site/f99/dev2999")));
}

void TestResourceTreeDock::foldsAmongTheFirstRowsStayForTheWholeResult()
{
    // Given 10 devices under "a" and 600 under "b" (more than a filter unfolds), and a filter
    // that walks a few hundred rows per event-loop turn
    Fixture f;
    UpdateBatch batch;
    for (int i = 0; i < 10; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/a/dev%1/metric").arg(i), "1"));
    for (int i = 0; i < 600; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/b/dev%1/metric").arg(i), "1"));
    f.store.ingest(batch);
    f.dock.resize(900, 500);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    QTRY_VERIFY(f.model.waitingResources() == 0);
    QAbstractItemModelTester filterTester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester statsTester(f.dock.statsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.dock.filterModel()->setSliceMs(0);
    QSignalSpy firstRows(&f.dock, &ResourceTreeDock::filterFirstRowsShown);
    QSignalSpy applied(&f.dock, &ResourceTreeDock::filterApplied);
    QTreeView *view = f.dock.view();
    const auto childWithUri = [view](const QModelIndex &parent, const QString &uri) {
        for (int row = 0; row < view->model()->rowCount(parent); ++row) {
            const QModelIndex child = view->model()->index(row, 0, parent);
            if (child.data(ResourceTreeModel::ResourceIdRole).toString() == uri)
                return child;
        }
        return QModelIndex();
    };

    // When a filter matching every device is typed, its first matches show: all of a, part of b
    f.dock.searchField()->setText(QStringLiteral("dev"));
    QCOMPARE(firstRows.size(), 1);
    QCOMPARE(applied.size(), 0);
    const QModelIndex endpoint = view->model()->index(0, 0);
    const QModelIndex a = childWithUri(endpoint, QStringLiteral("mqtt://h:1883/a"));
    const QModelIndex b = childWithUri(endpoint, QStringLiteral("mqtt://h:1883/b"));
    QVERIFY(a.isValid() && b.isValid());
    QVERIFY(view->isExpanded(a) && view->isExpanded(b));
    const QModelIndex aDev3 = childWithUri(a, QStringLiteral("mqtt://h:1883/a/dev3"));
    QVERIFY(aDev3.isValid());
    QVERIFY(view->isExpanded(aDev3));
    QVERIFY(view->model()->rowCount(b) < 600);
    const QModelIndex bDev5 = childWithUri(b, QStringLiteral("mqtt://h:1883/b/dev5"));
    QVERIFY(bDev5.isValid());
    QVERIFY(view->isExpanded(bDev5));
    // And the user folds a/dev3, and folds and unfolds again b/dev5 (as clicking their arrows does)
    view->collapse(aDev3);
    view->collapse(bDev5);
    view->expand(bDev5);

    // Then when the whole result shows (b's 600 devices are more than the filter unfolds: b
    // folds), the user's fold and unfold are still there, and the rest is unfolded as the filter
    // does it
    QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 30000);
    QCOMPARE(firstRows.size(), 1);
    QStringList uris = shownUris(view);
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/b/dev5/metric")));
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/a/dev3")));
    QVERIFY(!uris.contains(QStringLiteral("mqtt://h:1883/a/dev3/metric")));
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/a/dev4/metric")));
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/b/dev599")));

    // When another pattern is typed, Then it unfolds as the filter does, not as the user did before
    f.dock.searchField()->setText(QStringLiteral("dev3"));
    QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 2 && !f.dock.filterModel()->isApplying(), 30000);
    uris = shownUris(view);
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/a/dev3/metric")));
    QVERIFY(uris.contains(QStringLiteral("mqtt://h:1883/b/dev399/metric")));
}

void TestResourceTreeDock::narrowingAndWideningKeepTheSelectionAndCountMatches()
{
    // Given a large tree (its filter walks in slices) with two devices selected, the first current
    Fixture f;
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.store.ingest(devices(int(ResourceTreeDock::kFilterDelayRows) + 1000));
    f.dock.resize(900, 500);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    // The tree takes all but the first rows in slices: the devices to select must be in it.
    QTRY_COMPARE_WITH_TIMEOUT(f.model.waitingResources(), qsizetype(0), 60000);
    const ResourceId first = rid("mqtt://h/site/f1/dev4401/metric");
    const ResourceId second = rid("mqtt://h/site/f2/dev4402/metric");
    f.dock.selectResource(second);
    const QPersistentModelIndex secondRow = f.dock.view()->currentIndex();
    f.dock.selectResource(first);
    f.dock.view()->selectionModel()->select(secondRow, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const auto selected = [&f] {
        const QList<ResourceId> ids = f.dock.selectedResources();
        return QSet<ResourceId>(ids.cbegin(), ids.cend());
    };
    QCOMPARE(selected(), QSet<ResourceId>({first, second}));
    QSignalSpy shown(&f.dock, &ResourceTreeDock::currentResourceChanged);
    const auto *status = f.dock.findChild<QLabel *>(QStringLiteral("treeFilterStatus"));
    QVERIFY(status);
    const auto type = [&f](const QString &text) {
        f.dock.searchField()->setText(text);
        return QTest::qWaitFor(
            [&] { return f.dock.filterModel()->pattern() == text && !f.dock.filterModel()->isApplying(); }, 30000);
    };
    // When a filter that shows both is typed, Then both stay selected and it says how many match
    QVERIFY(type(QStringLiteral("dev44")));
    QVERIFY(type(QStringLiteral("dev440"))); // dev440, dev4400 … dev4409
    QCOMPARE(selected(), QSet<ResourceId>({first, second}));
    QCOMPARE(f.dock.currentResource(), first);
    QCOMPARE(status->text(), QStringLiteral("11 matches"));
    // When a narrowing key hides the second, Then the first stays selected and current
    QVERIFY(type(QStringLiteral("dev4401")));
    QCOMPARE(selected(), QSet<ResourceId>({first}));
    QCOMPARE(f.dock.currentResource(), first);
    QCOMPARE(status->text(), QStringLiteral("1 match"));
    // When a widening key shows the second again, Then the selection stays as it was (never grows)
    QVERIFY(type(QStringLiteral("dev440")));
    QCOMPARE(selected(), QSet<ResourceId>({first}));
    QCOMPARE(f.dock.currentResource(), first);
    QCOMPARE(status->text(), QStringLiteral("11 matches"));
    // And clearing the filter keeps it, with the details never changed, and the count goes
    QVERIFY(type(QString()));
    QCOMPARE(selected(), QSet<ResourceId>({first}));
    QCOMPARE(f.dock.currentResource(), first);
    QCOMPARE(shown.size(), 0);
    QVERIFY(status->isHidden());
}

void TestResourceTreeDock::newRuleIsAskedForTheCurrentResource()
{
    // Given a titled resource selected in the tree
    Fixture f;
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    Update titled = valueUpdate("mqtt://h/gh/temp", "21");
    titled.metadata.edit().title.set(QStringLiteral("Greenhouse temperature"), MetaSource::MqttConvention);
    f.store.ingest({titled, valueUpdate("mqtt://h/gh/valve", "0")});
    QSignalSpy asked(&f.dock, &ResourceTreeDock::newRuleRequested);
    // Nothing selected: nothing asked
    f.dock.newRuleForCurrent();
    QCOMPARE(asked.size(), 0);
    f.dock.selectResource(rid("mqtt://h/gh/temp"));
    // When "New rule triggered by this…" is chosen
    f.dock.newRuleForCurrent();
    // Then a rule for that resource, by its title, is asked for
    QCOMPARE(asked.size(), 1);
    QCOMPARE(asked.first().at(0).value<ResourceId>(), rid("mqtt://h/gh/temp"));
    QCOMPARE(asked.first().at(1).toString(), QStringLiteral("Greenhouse temperature"));
}

void TestResourceTreeDock::bridgeTargetIsCompletedAndChecked()
{
    // Given a tree with three resources
    Fixture f;
    QAbstractItemModelTester tester(f.dock.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.store.ingest({valueUpdate("mqtt://127.0.0.1:1883/gh/temp", "21"), valueUpdate("coap://127.0.0.1:5683/valve", "0"),
                    valueUpdate("http://127.0.0.1:8080/things/lamp/properties/on", "true")});
    f.dock.resize(600, 400);
    f.dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f.dock));
    const ResourceId from = rid("mqtt://127.0.0.1:1883/gh/temp");
    QSignalSpy bridged(&f.dock, &ResourceTreeDock::bridgeRequested);

    // When "Bridge to…" opens for one of them
    QPointer<QDialog> dialog = f.dock.bridgeFrom(from);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    auto *target = dialog->findChild<QLineEdit *>(QStringLiteral("bridgeTarget"));
    auto *problem = dialog->findChild<QLabel *>(QStringLiteral("bridgeProblem"));
    QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(target && problem && ok);
    // Then the target completes over the other known URIs
    QVERIFY(target->completer());
    const QAbstractItemModel *uris = target->completer()->model();
    QStringList offered;
    for (int row = 0; row < uris->rowCount(); ++row)
        offered.append(uris->index(row, 0).data().toString());
    QVERIFY(offered.contains(QStringLiteral("coap://127.0.0.1:5683/valve")));
    QVERIFY(offered.contains(QStringLiteral("http://127.0.0.1:8080/things/lamp/properties/on")));
    QVERIFY(!offered.contains(from.toString()));

    // When the target is empty, not a URI, or the source itself: a clear message, the dialog
    // stays with what was typed, and nothing is bridged
    ok->click();
    QVERIFY(problem->isVisible());
    QVERIFY(!problem->text().isEmpty());
    target->setText(QStringLiteral("valve please"));
    ok->click();
    QVERIFY(problem->text().startsWith(QStringLiteral("Not a resource URI")));
    QVERIFY(dialog->isVisible());
    QCOMPARE(target->text(), QStringLiteral("valve please"));
    target->setText(from.toString());
    ok->click();
    QVERIFY(problem->text().contains(QStringLiteral("itself")));
    QVERIFY(dialog->isVisible());
    QCOMPARE(bridged.size(), 0);

    // When a known target is given, Then the bridge is asked for and the dialog goes
    target->setText(QStringLiteral("coap://127.0.0.1:5683/valve"));
    ok->click();
    QCOMPARE(bridged.size(), 1);
    QCOMPARE(bridged.first().at(0).value<ResourceId>(), from);
    QCOMPARE(bridged.first().at(1).value<ResourceId>(), rid("coap://127.0.0.1:5683/valve"));
    QTRY_VERIFY(!dialog); // deleted on close
}

QTEST_MAIN(TestResourceTreeDock)
#include "tst_resourcetreedock.moc"
