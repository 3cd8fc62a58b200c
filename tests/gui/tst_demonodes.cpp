// Every row of the demo site's tree, clicked as a user would: the details view says something
// useful for each (an endpoint's state and settings, a folder's children and traffic, a WoT
// Thing's description, a resource's metadata and value). With THINGSCAPE_SCREENSHOT_DIR set it
// grabs the window for each row, to look at.
#include "elidedcells.h"
#include "simulator.h"
#include "testwindow.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"
#include "ui/detailsview.h"
#include "ui/mainwindow.h"
#include "ui/nodedetails.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <algorithm>

using namespace thingscape;

namespace {

// The rows of a view, parents first, all unfolded.
QList<QPersistentModelIndex> allRows(QTreeView *view, const QModelIndex &parent = {})
{
    QList<QPersistentModelIndex> rows;
    const QAbstractItemModel *model = view->model();
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex child = model->index(row, 0, parent);
        rows.append(child);
        if (model->hasChildren(child)) {
            view->expand(child);
            rows.append(allRows(view, child));
        }
    }
    return rows;
}

QString tableText(const QTableWidget *table)
{
    QStringList lines;
    for (int row = 0; row < table->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < table->columnCount(); ++column)
            cells << (table->item(row, column) ? table->item(row, column)->text() : QString());
        lines << cells.join(QStringLiteral(": "));
    }
    return lines.join(QStringLiteral("; "));
}

} // namespace

class TestDemoNodes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyRowShowsUsefulDetails();
};

void TestDemoNodes::everyRowShowsUsefulDetails()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--rate"), QStringLiteral("4")}));
    // Given the demo in a window of 1366×768, every kind of resource arrived
    testsupport::TestWindow w;
    w.window->workspace()->apply(DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http), QString());
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->connectedCount(), 3, 20000);
    ResourceStore *store = w.session->store();
    for (const QString &uri : {sim.coap + QStringLiteral("/sensors/temperature"), sim.coap + QStringLiteral("/meters/energy"),
                               sim.mqtt + QStringLiteral("/thingscape/plug/state"),
                               sim.mqtt + QStringLiteral("/homie/weather-station/outdoor/temperature"),
                               sim.http + QStringLiteral("/things/smart-lamp/properties/on")}) {
        const ResourceId id = *ResourceId::parse(uri);
        QTRY_VERIFY2_WITH_TIMEOUT(store->find(id) && store->find(id)->hasValue(), qPrintable(uri), 20000);
    }
    // (the tree takes what the store has)
    QTRY_COMPARE_WITH_TIMEOUT(w.session->treeModel()->waitingResources(), qsizetype(0), 20000);
    QTreeView *tree = w.window->treeDock()->view();
    DetailsView *details = w.window->details();
    NodeDetails *node = details->nodeDetails();
    auto *title = details->findChild<QLabel *>(QStringLiteral("detailsTitle"));
    auto *metadata = details->findChild<QTableWidget *>(QStringLiteral("metadataTable"));
    auto *facts = node->findChild<QTableWidget *>(QStringLiteral("nodeFacts"));
    auto *summary = node->findChild<QLabel *>(QStringLiteral("nodeSummary"));
    auto *list = node->findChild<QTreeWidget *>(QStringLiteral("nodeList"));
    QVERIFY(title && metadata && facts && summary && list);

    // When each row is clicked in turn
    const QList<QPersistentModelIndex> rows = allRows(tree);
    QVERIFY2(rows.size() > 40, qPrintable(QString::number(rows.size())));
    // (unfolded, every cell in view still reads whole once the columns are fitted: the tree scrolls)
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(tree).isEmpty(),
                              qPrintable(testsupport::elidedCells(tree).join(QLatin1Char('\n'))), 10000);
    const bool shots = !qEnvironmentVariableIsEmpty("THINGSCAPE_SCREENSHOT_DIR");
    if (shots)
        testsupport::saveShot(w.window.get(), QStringLiteral("unfolded"));
    // (a long value, the SenML pack's JSON, is elided in a Value column of at most a third of the
    // tree, not widened for: the columns after it stay in view)
    QHeaderView *header = tree->header();
    const int valueCap = std::max(header->sectionSizeHint(ResourceTreeModel::ValueColumn), tree->viewport()->width() / 3);
    QTRY_VERIFY2_WITH_TIMEOUT(header->sectionSize(ResourceTreeModel::ValueColumn) <= valueCap,
                              qPrintable(QStringLiteral("Value %1 px in a %2 px tree")
                                             .arg(header->sectionSize(ResourceTreeModel::ValueColumn))
                                             .arg(tree->viewport()->width())),
                              10000);
    QVERIFY(static_cast<const QAbstractItemView *>(tree)->sizeHintForColumn(ResourceTreeModel::ValueColumn) > header->sectionSize(ResourceTreeModel::ValueColumn));
    QStringList problems;
    int shot = 0;
    for (const QPersistentModelIndex &row : rows) {
        if (!row.isValid())
            continue;
        tree->scrollTo(row);
        tree->setCurrentIndex(row);
        const QString uri = row.data(ResourceTreeModel::ResourceIdRole).toString();
        const bool resource = row.data(ResourceTreeModel::HasResourceRole).toBool();
        const QString where = QStringLiteral("%1 (%2)").arg(row.data().toString(), uri);
        // Then the details name it
        if (details->heading().isEmpty())
            problems << where + QStringLiteral(": no heading");
        if (resource) {
            // a resource: its metadata, and its value in text
            if (details->resourceId().toString() != uri)
                problems << where + QStringLiteral(": shows another resource");
            if (metadata->rowCount() == 0)
                problems << where + QStringLiteral(": no metadata");
            qInfo("resource %s | %s | metadata: %s", qPrintable(where), qPrintable(details->heading()),
                  qPrintable(tableText(metadata)));
        } else {
            // a node: what it is, its facts, and its children
            if (node->kind() == NodeDetails::Kind::None || node->kind() == NodeDetails::Kind::Gone)
                problems << where + QStringLiteral(": shown as nothing");
            if (facts->rowCount() == 0)
                problems << where + QStringLiteral(": no facts");
            if (summary->text().isEmpty() && node->kind() == NodeDetails::Kind::Endpoint)
                problems << where + QStringLiteral(": endpoint without a summary");
            if (node->kind() != NodeDetails::Kind::Endpoint && list->topLevelItemCount() == 0)
                problems << where + QStringLiteral(": no children listed");
            qInfo("node %s | kind %d | %s | %s | facts: %s | children: %d", qPrintable(where), int(node->kind()),
                  qPrintable(details->heading()), qPrintable(summary->text()), qPrintable(tableText(facts)),
                  list->topLevelItemCount());
        }
        if (shots) {
            // As the user sees it: with the columns fitted to the rows scrolled into view.
            QTRY_VERIFY_WITH_TIMEOUT(testsupport::elidedCells(tree).isEmpty(), 10000);
            testsupport::saveShot(w.window.get(), QStringLiteral("node-%1").arg(++shot, 3, 10, QLatin1Char('0')));
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

QTEST_MAIN(TestDemoNodes)
#include "tst_demonodes.moc"
