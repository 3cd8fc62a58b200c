// How smooth the window stays under load: the lateness of a 10 ms timer on the GUI thread
// while the simulated site runs at --devices 50 --rate 20 and every endpoint is connected,
// next to the same window idle (no endpoints) measured in the same run. Prints medians and
// 99th percentiles; asserts nothing about time. THINGSCAPE_BENCH_QUICK=1 shortens it.
// --busy (or THINGSCAPE_BENCH_BUSY=1) keeps a thread spinning on the other core for both
// measurements, as on a machine doing something else.
#include "benchwindow.h"
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

using namespace thingscape;
using bench::measureStalls;
using bench::Stalls;

namespace {

bool g_busy = false;

} // namespace

class BenchGuiStall : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stallUnderLoad();
};

void BenchGuiStall::stallUnderLoad()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int devices = quick ? 5 : 50;
    const int rate = quick ? 5 : 20;
    const int durationMs = quick ? 3000 : 20000;
    bench::Spinner spinner;
    if (g_busy)
        spinner.start();

    testsupport::Simulator sim;
    QVERIFY2(bench::startSimulator(&sim, devices, rate), "the simulated site did not start (see above)");

    bench::BenchWindow bench(QSize(1400, 900));
    WindowModels &session = bench.session;
    MainWindow &window = bench.window;
    QVERIFY(bench.show());

    // Baseline: the same window, idle.
    const Stalls idle = measureStalls(durationMs);

    window.workspace()->apply(DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http), QString());
    QVERIFY(bench::waitForDemoSite(&session, devices));
    // What a user looks at: the whole tree expanded, a busy resource in the details view.
    window.treeDock()->view()->expandAll();
    window.treeDock()->selectResource(*ResourceId::parse(sim.coap
                                                         + (devices > 1 ? QStringLiteral("/sensors/temperature-1")
                                                                        : QStringLiteral("/sensors/temperature"))));
    QTest::qWait(2000);
    const quint64 before = session.store()->messagesIn();
    const Stalls loaded = measureStalls(durationMs);
    const double rateIn = double(session.store()->messagesIn() - before) * 1000.0 / durationMs;

    std::printf("GUI event-loop stall (lateness of a 10 ms timer), %d s each, %d device sets at %d Hz%s\n",
                durationMs / 1000, devices, rate, g_busy ? ", the other core busy" : "");
    std::printf("  idle   : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks)\n", idle.median, idle.p99, idle.max,
                idle.samples);
    std::printf("  loaded : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks), %.0f messages/s in, %lld resources\n",
                loaded.median, loaded.p99, loaded.max, loaded.samples, rateIn, qlonglong(session.store()->size()));
    std::printf("  ratio loaded/idle: median %.2f  p99 %.2f\n", idle.median > 0 ? loaded.median / idle.median : 0.0,
                idle.p99 > 0 ? loaded.p99 / idle.p99 : 0.0);
    std::printf("  by the GUI thread's own CPU time: idle p99 %.2f ms max %.2f ms; loaded p99 %.2f ms max %.2f ms\n",
                idle.cpuP99, idle.cpuMax, loaded.cpuP99, loaded.cpuMax);
    std::printf("  loaded p99 %.2f ms  target < 50 ms %s  (CPU-based %.2f ms %s)\n", loaded.p99,
                loaded.p99 < 50 ? "PASS" : "FAIL", loaded.cpuP99, loaded.cpuP99 < 50 ? "PASS" : "FAIL");
    std::fflush(stdout);
    QVERIFY(loaded.samples > 0);
    QVERIFY(rateIn > 0);
    window.workspace()->shutDownCleanly();
}

int main(int argc, char **argv)
{
    // --busy is ours, the rest QTest's.
    std::vector<char *> rest;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::strcmp(argv[i], "--busy") == 0)
            g_busy = true;
        else
            rest.push_back(argv[i]);
    }
    g_busy = g_busy || qEnvironmentVariableIsSet("THINGSCAPE_BENCH_BUSY");
    int restCount = int(rest.size());
    bench::TracingApplication app(restCount, rest.data());
    BenchGuiStall bench;
    return QTest::qExec(&bench, restCount, rest.data());
}
#include "bench_gui_stall.moc"
