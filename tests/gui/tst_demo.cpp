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

namespace {

// Children of a process, read from /proc: (pid, command name).
QList<QPair<qint64, QString>> childrenOf(qint64 parent)
{
    QList<QPair<qint64, QString>> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 pid = entry.toLongLong(&ok);
        if (!ok)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const qsizetype open = text.indexOf('(');
        const qsizetype close = text.lastIndexOf(')');
        if (open < 0 || close < 0)
            continue;
        const QList<QByteArray> rest = text.mid(close + 2).split(' ');
        if (rest.size() > 1 && rest.at(1).toLongLong() == parent)
            children.append({pid, QString::fromUtf8(text.mid(open + 1, close - open - 1))});
    }
    return children;
}

bool alive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    // A zombie is as good as gone.
    const QByteArray text = stat.readAll();
    return !text.mid(text.lastIndexOf(')') + 2).startsWith('Z');
}

} // namespace

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
    if (testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty())
        QSKIP("mosquitto is not installed (Debian package mosquitto)");
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
            for (const auto &[pid, name] : childrenOf(app.processId())) {
                if (name == QStringLiteral("thingscape-sim"))
                    simPid = pid;
            }
            return simPid != 0;
        }(),
        15000);
    qint64 brokerPid = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const auto &[pid, name] : childrenOf(simPid)) {
                if (name == QStringLiteral("mosquitto"))
                    brokerPid = pid;
            }
            return brokerPid != 0;
        }(),
        15000);
    QTest::qWait(1500);
    // When the app is asked to quit
    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(15000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    // Then the simulator and its broker are gone
    QTRY_VERIFY_WITH_TIMEOUT(!alive(simPid), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!alive(brokerPid), 5000);
}

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
