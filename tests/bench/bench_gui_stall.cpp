// How smooth the window stays under load: the lateness of a 10 ms timer on the GUI thread
// while the simulated site runs at --devices 50 --rate 20 and every endpoint is connected,
// next to the same window idle (no endpoints) measured in the same run. Prints medians and
// 99th percentiles; asserts nothing about time. THINGSCAPE_BENCH_QUICK=1 shortens it.
// --busy (or THINGSCAPE_BENCH_BUSY=1) keeps a thread spinning on the other core for both
// measurements, as on a machine doing something else.
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

namespace {

struct Stalls
{
    double median = 0;
    double p99 = 0;
    double max = 0;
    int samples = 0;
};

// Runs the event loop for the duration with a 10 ms precise timer and records how late each tick was.
Stalls measure(int durationMs)
{
    QList<double> lateness;
    QElapsedTimer clock;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(10);
    qint64 last = 0;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last > 0)
            lateness.append(std::max(0.0, double(now - last) / 1e6 - 10.0));
        last = now;
    });
    clock.start();
    timer.start();
    QTest::qWait(durationMs);
    timer.stop();
    std::sort(lateness.begin(), lateness.end());
    Stalls s;
    s.samples = int(lateness.size());
    if (lateness.isEmpty())
        return s;
    s.median = lateness.at(lateness.size() / 2);
    s.p99 = lateness.at(std::min<qsizetype>(lateness.size() - 1, qsizetype(lateness.size() * 0.99)));
    s.max = lateness.last();
    return s;
}

bool g_busy = false;

// The other core busy: one thread spinning while it lives.
class Spinner
{
public:
    explicit Spinner(bool on)
    {
        if (!on)
            return;
        m_running = true;
        m_thread = std::thread([this] {
            volatile quint64 n = 0;
            while (m_running.load(std::memory_order_relaxed))
                n = n + 1;
        });
    }
    ~Spinner()
    {
        m_running = false;
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    std::atomic<bool> m_running{false};
    std::thread m_thread;
};

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
    QTemporaryDir state;
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    const Spinner spinner(g_busy);

    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--devices"), QString::number(devices), QStringLiteral("--rate"),
                       QString::number(rate), QStringLiteral("--seed"), QStringLiteral("3")}));

    WindowModels session;
    MainWindow window(&session);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Baseline: the same window, idle.
    const Stalls idle = measure(durationMs);

    window.workspace()->apply(DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http), QString());
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 3, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(session.store()->size() > qsizetype(devices) * 10, 30000);
    // What a user looks at: the whole tree expanded, a busy resource in the details view.
    window.treeDock()->view()->expandAll();
    window.treeDock()->selectResource(*ResourceId::parse(sim.coap
                                                         + (devices > 1 ? QStringLiteral("/sensors/temperature-1")
                                                                        : QStringLiteral("/sensors/temperature"))));
    QTest::qWait(2000);
    const quint64 before = session.store()->messagesIn();
    const Stalls loaded = measure(durationMs);
    const double rateIn = double(session.store()->messagesIn() - before) * 1000.0 / durationMs;

    std::printf("GUI event-loop stall (lateness of a 10 ms timer), %d s each, %d device sets at %d Hz%s\n",
                durationMs / 1000, devices, rate, g_busy ? ", the other core busy" : "");
    std::printf("  idle   : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks)\n", idle.median, idle.p99, idle.max,
                idle.samples);
    std::printf("  loaded : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks), %.0f messages/s in, %lld resources\n",
                loaded.median, loaded.p99, loaded.max, loaded.samples, rateIn, qlonglong(session.store()->size()));
    std::printf("  ratio loaded/idle: median %.2f  p99 %.2f\n", idle.median > 0 ? loaded.median / idle.median : 0.0,
                idle.p99 > 0 ? loaded.p99 / idle.p99 : 0.0);
    std::printf("  loaded p99 %.2f ms  target < 50 ms %s\n", loaded.p99, loaded.p99 < 50 ? "PASS" : "FAIL");
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
    QApplication app(restCount, rest.data());
    BenchGuiStall bench;
    return QTest::qExec(&bench, restCount, rest.data());
}
#include "bench_gui_stall.moc"
