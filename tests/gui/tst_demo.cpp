// thingscape --demo: the simulator starts, the window fills with the three endpoints and the
// demo system, and quitting stops the simulator and its broker.
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/windowmodels.h"
#include "ui/systemsdock.h"
#include "ui/workspacecontroller.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace thingscape;

namespace {

// The inodes of the sockets a process holds (its /proc/<pid>/fd links "socket:[inode]").
QSet<QByteArray> socketInodes(qint64 pid)
{
    QSet<QByteArray> inodes;
    const QFileInfoList fds = QDir(QStringLiteral("/proc/%1/fd").arg(pid)).entryInfoList(QDir::System | QDir::Files);
    for (const QFileInfo &fd : fds) {
        const QString target = fd.symLinkTarget().section(QLatin1Char('/'), -1);
        if (target.startsWith(QLatin1String("socket:[")))
            inodes.insert(target.mid(8).chopped(1).toLatin1());
    }
    return inodes;
}

// Whether the app holds an established TCP connection to a port the broker listens on: the
// demo is up and the app's MQTT connector has connected (from /proc/net/tcp{,6}).
bool appConnectedToBroker(qint64 appPid, qint64 brokerPid)
{
    const QSet<QByteArray> app = socketInodes(appPid);
    const QSet<QByteArray> broker = socketInodes(brokerPid);
    QList<QList<QByteArray>> rows;
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        QFile file(QString::fromLatin1(table));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        file.readLine(); // the header
        while (!file.atEnd())
            rows.append(file.readLine().simplified().split(' '));
    }
    // Columns: sl local_address rem_address st ... inode (the 10th).
    QSet<QByteArray> listening; // hex ports
    for (const QList<QByteArray> &row : rows) {
        if (row.size() > 9 && row.at(3) == "0A" && broker.contains(row.at(9)))
            listening.insert(row.at(1).split(':').value(1));
    }
    for (const QList<QByteArray> &row : rows) {
        if (row.size() > 9 && row.at(3) == "01" && app.contains(row.at(9))
            && listening.contains(row.at(2).split(':').value(1)))
            return true;
    }
    return false;
}

} // namespace

class TestDemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void demoWorkspaceComesAlive();
    void savedDemoReopensWithTheSimulatorRunning();
    void savedDemoWithoutSimulatorSaysSo();
    void rebindMovesEveryUriUnderTheDemoEndpoints();
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
    WindowModels session;
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

namespace {

// Starts the demo in the window as thingscape --demo does and waits until it is connected.
bool startDemo(DemoLauncher &launcher, MainWindow &window, WindowModels &session)
{
    launcher.attach(window.workspace());
    QObject::connect(&launcher, &DemoLauncher::ready, &window,
                     [&window](const Workspace &workspace) { window.workspace()->apply(workspace, QString()); });
    QSignalSpy ready(&launcher, &DemoLauncher::ready);
    launcher.start();
    if (!QTest::qWaitFor([&] { return !ready.isEmpty(); }, 20000))
        return false;
    return QTest::qWaitFor([&] { return session.endpoints()->connectedCount() == 3; }, 20000);
}

} // namespace

void TestDemo::savedDemoReopensWithTheSimulatorRunning()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("demo.thingscape"));
    QList<EndpointConfig> before;
    QString titleBefore;
    {
        // Given the demo, saved to a file, and then the app (and its simulator) gone
        WindowModels session;
        MainWindow window(&session);
        DemoLauncher launcher;
        QVERIFY(startDemo(launcher, window, session));
        QVERIFY(window.workspace()->saveAs(path));
        before = session.endpoints()->endpoints();
        window.workspace()->shutDownCleanly();
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("demo")).toBool());

    // When the file is opened again
    WindowModels session;
    MainWindow window(&session);
    DemoLauncher launcher;
    launcher.attach(window.workspace());
    QSignalSpy reopened(&launcher, &DemoLauncher::reopened);
    QSignalSpy failed(&launcher, &DemoLauncher::failed);
    QVERIFY(window.workspace()->open(path));
    QTRY_VERIFY_WITH_TIMEOUT(!reopened.isEmpty() || !failed.isEmpty(), 20000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));

    // Then the simulator runs again and every endpoint connects, on the simulator's new ports
    QCOMPARE(session.endpoints()->endpoints().size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 3, 20000);
    for (const EndpointConfig &config : session.endpoints()->endpoints()) {
        const auto old = std::find_if(before.begin(), before.end(), [&](const EndpointConfig &c) { return c.id == config.id; });
        QVERIFY(old != before.end());
        QCOMPARE(config.name, old->name);
    }
    // the system's resources moved with them, and come alive with their titles
    const QList<System> systems = window.systemsDock()->systems();
    QCOMPARE(systems.size(), 1);
    QVERIFY(systems.first().resources.size() >= 6);
    for (const ResourceId &id : systems.first().resources) {
        QVERIFY2(session.endpoints()->endpointFor(id).size() > 0, qPrintable(id.toString()));
        QTRY_VERIFY2_WITH_TIMEOUT(session.store()->find(id), qPrintable(id.toString()), 15000);
    }
    // the file is the workspace's, unchanged
    QCOMPARE(window.workspace()->path(), path);
    QVERIFY(!window.workspace()->isDirty());
    window.workspace()->shutDownCleanly();
}

void TestDemo::savedDemoWithoutSimulatorSaysSo()
{
    // Given a saved demo workspace
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("demo.thingscape"));
    Workspace saved = DemoLauncher::demoWorkspace(QStringLiteral("mqtt://127.0.0.1:1"), QStringLiteral("coap://127.0.0.1:2"),
                                                  QStringLiteral("http://127.0.0.1:3"));
    QVERIFY(saved.save(path));
    // When it is opened where no simulator can be found
    const QByteArray path0 = qgetenv("PATH");
    qputenv("PATH", QByteArray("/nonexistent"));
    WindowModels session;
    MainWindow window(&session);
    DemoLauncher launcher;
    launcher.attach(window.workspace());
    QSignalSpy failed(&launcher, &DemoLauncher::failed);
    const bool opened = window.workspace()->open(path);
    qputenv("PATH", path0);
    QVERIFY(opened);
    // Then it says the demo site is not running, and why
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    const QString error = failed.first().first().toString();
    QVERIFY2(error.contains(QStringLiteral("not running")) && error.contains(QStringLiteral("thingscape-sim")),
             qPrintable(error));
    // and the workspace is still open as saved: endpoints, system and all
    QCOMPARE(session.endpoints()->endpoints().size(), 3);
    QCOMPARE(window.systemsDock()->systems().size(), 1);
    QCOMPARE(window.workspace()->path(), path);
    window.workspace()->shutDownCleanly();
}

void TestDemo::rebindMovesEveryUriUnderTheDemoEndpoints()
{
    Workspace saved = DemoLauncher::demoWorkspace(QStringLiteral("mqtt://127.0.0.1:1000"), QStringLiteral("coap://127.0.0.1:2000"),
                                                  QStringLiteral("http://127.0.0.1:3000"));
    // A dashboard and a rule that name demo resources, and an endpoint of the user's own
    QJsonObject tile;
    tile.insert(QStringLiteral("resource"), QStringLiteral("coap://127.0.0.1:2000/sensors/temperature"));
    tile.insert(QStringLiteral("other"), QStringLiteral("coap://127.0.0.1:20000/x"));
    saved.setDashboards({tile});
    QList<EndpointConfig> endpoints = saved.endpoints();
    EndpointConfig own;
    own.id = QStringLiteral("mine");
    own.name = QStringLiteral("Mine");
    own.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1000"));
    endpoints.append(own);
    saved.setEndpoints(endpoints);

    const Workspace moved = DemoLauncher::rebind(saved, QStringLiteral("mqtt://127.0.0.1:1001"),
                                                 QStringLiteral("coap://127.0.0.1:2001"), QStringLiteral("http://127.0.0.1:3001"));
    QStringList urls;
    for (const EndpointConfig &config : moved.endpoints())
        urls << config.id + QLatin1Char('=') + config.url.toString();
    QCOMPARE(urls, QStringList({"demo-mqtt=mqtt://127.0.0.1:1001", "demo-coap=coap://127.0.0.1:2001",
                                "demo-http=http://127.0.0.1:3001", "mine=mqtt://127.0.0.1:1001"}));
    for (const ResourceId &id : moved.systems().first().resources)
        QVERIFY2(id.port() == 1001 || id.port() == 2001 || id.port() == 3001, qPrintable(id.toString()));
    const QJsonObject movedTile = moved.dashboards().first().toObject();
    QCOMPARE(movedTile.value(QStringLiteral("resource")).toString(), QStringLiteral("coap://127.0.0.1:2001/sensors/temperature"));
    // A port that merely starts with the old one is another endpoint
    QCOMPARE(movedTile.value(QStringLiteral("other")).toString(), QStringLiteral("coap://127.0.0.1:20000/x"));
    QVERIFY(DemoLauncher::isDemoWorkspace(moved));
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
    // Quit once the demo runs (the app's MQTT connector is connected to the simulator's
    // broker), not after a sleep that hopes it got there.
    QTRY_VERIFY_WITH_TIMEOUT(appConnectedToBroker(app.processId(), brokerPid), 30000);
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
