// How long opening a workspace takes as it grows: files with 1,000, 4,000 and 16,000 endpoints
// (MQTT, CoAP and HTTP, not connecting) opened in the real window, until the tree shows every
// endpoint. Prints the time and the time per endpoint for each size, and the ratio of the
// largest to the smallest per-endpoint time (about 1 when loading is linear). Asserts nothing
// about time; THINGSCAPE_BENCH_QUICK=1 (ctest) loads small files and checks that every
// endpoint arrived, in the window and in the endpoint manager.
#include "testsupport.h"

#include "model/resourcetreemodel.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace thingscape;

namespace {

QString writeWorkspace(const QString &dir, int endpoints)
{
    QList<EndpointConfig> configs;
    configs.reserve(endpoints);
    static const char *const schemes[] = {"mqtt", "coap", "http"};
    for (int i = 0; i < endpoints; ++i) {
        EndpointConfig config;
        config.id = QStringLiteral("ep-%1").arg(i);
        config.name = QStringLiteral("Endpoint %1").arg(i);
        // Distinct host:port per endpoint, on hosts that are never asked.
        config.url = *ResourceId::parse(QStringLiteral("%1://host-%2.invalid:%3")
                                            .arg(QLatin1String(schemes[i % 3]))
                                            .arg(i / 1000)
                                            .arg(1000 + i % 1000));
        config.autoConnect = false;
        configs.append(config);
    }
    Workspace workspace;
    workspace.setEndpoints(configs);
    const QString path = dir + QStringLiteral("/ws-%1.thingscape").arg(endpoints);
    QString error;
    if (!workspace.save(path, &error))
        qFatal("%s", qPrintable(error));
    return path;
}

} // namespace

class BenchWorkspaceLoad : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void load();
};

void BenchWorkspaceLoad::load()
{
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const QList<int> sizes = quick ? QList<int>{100, 400} : QList<int>{1000, 4000, 16000};
    QTemporaryDir state;
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QTemporaryDir files;

    QList<double> perEndpointUs;
    for (const int size : sizes) {
        const QString path = writeWorkspace(files.path(), size);
        WindowModels session;
        MainWindow window(&session);
        window.resize(1366, 768);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QElapsedTimer clock;
        clock.start();
        QVERIFY(window.workspace()->open(path));
        // What the user waits for: every endpoint in the tree, the queued work done.
        QTRY_COMPARE_WITH_TIMEOUT(session.treeModel()->rowCount(), size, 600000);
        QCoreApplication::processEvents();
        const double ms = double(clock.nsecsElapsed()) / 1e6;
        QCOMPARE(session.endpoints()->endpoints().size(), size);
        perEndpointUs.append(ms * 1000.0 / size);
        std::printf("%6d endpoints: %9.1f ms, %7.1f us per endpoint\n", size, ms, perEndpointUs.constLast());
        std::fflush(stdout);
        window.workspace()->shutDownCleanly();
    }
    std::printf("per-endpoint time, largest / smallest file: %.2f (about 1 when linear)\n",
                perEndpointUs.constLast() / perEndpointUs.constFirst());
}

QTEST_MAIN(BenchWorkspaceLoad)
#include "bench_workspace_load.moc"
