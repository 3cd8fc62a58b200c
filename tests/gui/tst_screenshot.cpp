// The demo window as a user first sees it at 1366×768, grabbed to a PNG: the README's screenshot
// comes from here (THINGSCAPE_SCREENSHOT_DIR=<source>/resources/screenshots writes demo.png
// there). It checks what a reader of that screenshot would see wrong: cells cut to "1…" or
// "cl…", headers cut to "Valu", SenML records that all read "urn:dev:…", a window that does not
// fit 1280×720.
#include "elidedcells.h"
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/streamdock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QDir>
#include <QHeaderView>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace thingscape;

namespace {

// Header sections too narrow for their title ("Valu").
QStringList cutHeaders(const QHeaderView *header)
{
    QStringList cut;
    for (int section = 0; section < header->count(); ++section) {
        if (header->isSectionHidden(section))
            continue;
        const QString title = header->model()->headerData(section, header->orientation()).toString();
        const int needs = header->fontMetrics().horizontalAdvance(title);
        if (header->sectionSize(section) < needs)
            cut << QStringLiteral("%1 (%2 px for %3 px)").arg(title).arg(header->sectionSize(section)).arg(needs);
    }
    return cut;
}

} // namespace

class TestScreenshot : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void demoWindow();
};

void TestScreenshot::demoWindow()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    QTemporaryDir state;
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--rate"), QStringLiteral("4")}));
    const QString coap = sim.coap;

    // Given the demo in a window of 1366×768
    WindowModels session;
    MainWindow window(&session);
    window.resize(1366, 768);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.workspace()->apply(DemoLauncher::demoWorkspace(sim.mqtt, coap, sim.http), QString());
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 3, 20000);
    const auto temperature = *ResourceId::parse(coap + QStringLiteral("/sensors/temperature"));
    const auto energy = *ResourceId::parse(coap + QStringLiteral("/meters/energy"));
    QTRY_VERIFY_WITH_TIMEOUT(session.treeModel()->indexForId(temperature).isValid(), 20000);
    QTreeView *tree = window.treeDock()->view();
    for (int row = 0; row < tree->model()->rowCount(); ++row)
        tree->expand(tree->model()->index(row, 0));
    window.treeDock()->selectResource(temperature);
    // Let a few notifications draw the chart.
    QTRY_VERIFY_WITH_TIMEOUT(session.store()->find(temperature)->history().size() >= 6, 20000);
    QCOMPARE(window.size(), QSize(1366, 768));

    // Then no cell in view is cut, and no column title
    QTRY_VERIFY2_WITH_TIMEOUT(testsupport::elidedCells(tree).isEmpty(),
                              qPrintable(testsupport::elidedCells(tree).join(QLatin1Char('\n'))), 10000);
    QVERIFY2(cutHeaders(tree->header()).isEmpty(), qPrintable(cutHeaders(tree->header()).join(QLatin1Char('\n'))));
    QVERIFY2(cutHeaders(window.streamDock()->view()->horizontalHeader()).isEmpty(),
             qPrintable(cutHeaders(window.streamDock()->view()->horizontalHeader()).join(QLatin1Char('\n'))));
    // the Name column takes the spare width of the tree
    QVERIFY(tree->header()->length() >= tree->viewport()->width());
    // and every column shown fits beside it: nothing to scroll to sideways
    QTRY_VERIFY2_WITH_TIMEOUT(tree->header()->length() <= tree->viewport()->width(),
                              qPrintable(QStringLiteral("%1 px of columns in %2 px")
                                             .arg(tree->header()->length())
                                             .arg(tree->viewport()->width())),
                              10000);
    // the SenML records of the energy meter are named by their own names
    const auto recordNames = [&session, &energy] {
        QStringList names;
        const QModelIndex pack = session.treeModel()->indexForId(energy);
        for (int row = 0; row < session.treeModel()->rowCount(pack); ++row)
            names << session.treeModel()->index(row, 0, pack).data().toString();
        return names;
    };
    QTRY_VERIFY_WITH_TIMEOUT(recordNames().size() >= 2, 20000);
    QVERIFY2(recordNames().contains(QStringLiteral("voltage")), qPrintable(recordNames().join(QLatin1Char(','))));
    for (const QString &name : recordNames())
        QVERIFY2(!name.startsWith(QStringLiteral("urn:")), qPrintable(name));
    // and the window fits a 1280×720 screen
    QVERIFY2(window.minimumSizeHint().width() <= 1280 && window.minimumSizeHint().height() <= 720,
             qPrintable(QStringLiteral("%1×%2").arg(window.minimumSizeHint().width()).arg(window.minimumSizeHint().height())));

    const QImage image = window.grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(1366, 768));
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    const QString path = dir.isEmpty() ? QDir::temp().filePath(QStringLiteral("thingscape-demo.png"))
                                       : QDir(dir).filePath(QStringLiteral("demo.png"));
    QVERIFY(image.save(path));
    qInfo("screenshot: %s", qPrintable(path));
    window.workspace()->shutDownCleanly();
}

QTEST_MAIN(TestScreenshot)
#include "tst_screenshot.moc"
