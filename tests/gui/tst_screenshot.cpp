// The demo window as a user first sees it, grabbed to a PNG: the README's screenshot comes
// from here (THINGSCAPE_SCREENSHOT_DIR=docs dir). Also checks the first view is populated.
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/session.h"
#include "ui/workspacecontroller.h"

#include <QDir>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace thingscape;

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

    Session session;
    MainWindow window(&session);
    window.resize(1500, 920);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.workspace()->apply(DemoLauncher::demoWorkspace(sim.mqtt, coap, sim.http), QString());
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 3, 20000);
    const auto temperature = *ResourceId::parse(coap + QStringLiteral("/sensors/temperature"));
    QTRY_VERIFY_WITH_TIMEOUT(session.treeModel()->indexForId(temperature).isValid(), 20000);
    QTreeView *tree = window.treeDock()->view();
    for (int row = 0; row < tree->model()->rowCount(); ++row)
        tree->expand(tree->model()->index(row, 0));
    window.treeDock()->selectResource(temperature);
    // Let a few notifications draw the chart.
    QTRY_VERIFY_WITH_TIMEOUT(session.store()->find(temperature)->history().size() >= 6, 20000);
    QTest::qWait(500);

    const QImage image = window.grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), window.width());
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", QDir::tempPath());
    const QString path = dir + QStringLiteral("/thingscape-demo.png");
    QVERIFY(image.save(path));
    qInfo("screenshot: %s", qPrintable(path));
    window.workspace()->shutDownCleanly();
}

QTEST_MAIN(TestScreenshot)
#include "tst_screenshot.moc"
