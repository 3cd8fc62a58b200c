// thingscape --demo: the simulator starts, the window fills with the three endpoints and the
// demo system, and quitting stops the simulator and its broker.
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/session.h"
#include "ui/systemsdock.h"
#include "ui/workspacecontroller.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace thingscape;

class TestDemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void demoWorkspaceComesAlive();
    void quittingStopsTheSimulator();

private:
    QTemporaryDir m_state;
};

void TestDemo::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    // The launcher looks for the simulator next to the running executable, then on PATH.
    qputenv("PATH", (qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app:") + qEnvironmentVariable("PATH")).toUtf8());
}

void TestDemo::demoWorkspaceComesAlive()
{
    Session session;
    MainWindow window(&session);
    DemoLauncher launcher;
    QSignalSpy ready(&launcher, &DemoLauncher::ready);
    QSignalSpy failed(&launcher, &DemoLauncher::failed);
    connect(&launcher, &DemoLauncher::ready, &window,
            [&window](const Workspace &workspace) { window.workspace()->apply(workspace, QString()); });
    launcher.start();
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 20000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));

    // Three endpoints, all connected
    QCOMPARE(session.endpoints()->endpoints().size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 3, 15000);
    // Resources from every protocol arrive
    auto countOf = [&session](const QString &scheme) {
        int n = 0;
        for (const Resource *resource : session.store()->resources())
            n += resource->id().scheme() == scheme ? 1 : 0;
        return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(countOf(QStringLiteral("mqtt")) > 10 && countOf(QStringLiteral("coap")) >= 7
                                 && countOf(QStringLiteral("http")) > 5,
                             20000);
    // Every resource of the demo system exists, and the observable CoAP sensor is live
    const QList<System> systems = window.systemsDock()->systems();
    QCOMPARE(systems.size(), 1);
    QVERIFY(systems.first().resources.size() >= 6);
    for (const ResourceId &id : systems.first().resources)
        QTRY_VERIFY2_WITH_TIMEOUT(session.store()->find(id), qPrintable(id.toString()), 10000);
    const auto temperature = std::find_if(systems.first().resources.begin(), systems.first().resources.end(),
                                          [](const ResourceId &id) { return id.path() == QStringLiteral("/sensors/temperature"); });
    QVERIFY(temperature != systems.first().resources.end());
    QTRY_VERIFY_WITH_TIMEOUT(session.store()->find(*temperature)->updateCount() >= 2, 15000);
    QVERIFY(!window.workspace()->isDirty());
    window.workspace()->shutDownCleanly();
}

void TestDemo::quittingStopsTheSimulator()
{
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedChannels);
    app.start(qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape"), {QStringLiteral("--demo")});
    QVERIFY(app.waitForStarted(5000));
    qint64 simPid = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            simPid = testsupport::childProcesses(app.processId(), QStringLiteral("thingscape-sim")).value(0);
            return simPid != 0;
        }(),
        15000);
    qint64 brokerPid = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            brokerPid = testsupport::childProcesses(simPid, QStringLiteral("mosquitto")).value(0);
            return brokerPid != 0;
        }(),
        15000);
    QTest::qWait(1500);
    // When the app is asked to quit
    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(15000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    // Then the simulator and its broker are gone
    QTRY_VERIFY_WITH_TIMEOUT(!testsupport::processAlive(simPid), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!testsupport::processAlive(brokerPid), 5000);
}

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
