#pragma once

// What the window benchmarks share (bench_tree_scale, bench_window_flood, bench_gui_stall,
// bench_dashboard): the main window offscreen with its state in a temporary directory, the
// GUI thread's stalls, RSS, a busy core, a publisher child's QoS 1 end marker and a private
// mosquitto that queues without limit.

#include "keystroke.h"

#include "ui/mainwindow.h"
#include "ui/windowmodels.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QList>
#include <QSize>
#include <QTemporaryDir>
#include <QTimer>

#include <atomic>
#include <functional>
#include <thread>

struct mosquitto;

namespace testsupport {
class Mosquitto;
class Simulator;
} // namespace testsupport

namespace thingscape {
class ResourceId;
class Workspace;
} // namespace thingscape

namespace bench {

// CPU time this thread has used, in ms: what the code took, whatever else the machine ran.
double threadCpuMs();

// The application of a window bench. With THINGSCAPE_BENCH_TRACE_MS=N set, every event the GUI
// thread's event loop took N ms or more for is printed to stderr (what, for whom, how long): where
// the stalls a StallMonitor counts come from.
class TracingApplication : public QApplication
{
public:
    TracingApplication(int &argc, char **argv);
    bool notify(QObject *receiver, QEvent *event) override;

private:
    double m_traceMs = 0;
    int m_depth = 0;
};

// This process's resident set, in MiB.
double rssMb();

// Runs the event loop until the condition holds; false when it did not within timeoutMs.
bool waitFor(const std::function<bool()> &condition, qint64 timeoutMs, int stepMs = 20);

// The lateness of a 10 ms precise timer on the GUI thread: how long the window was frozen.
class StallMonitor
{
public:
    StallMonitor();
    // A freeze right after start() counts too.
    void start();
    void stop();
    double percentile(double p) const;
    double max() const;
    // The same from the GUI thread's own CPU time between ticks (less 10 ms): what the window's
    // code held the thread for, whatever else the machine ran meanwhile (on a loaded machine the
    // wall-clock lateness is mostly waiting for a core).
    double cpuPercentile(double p) const;
    double cpuMax() const;
    qsizetype samples() const { return m_lateness.size(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    QList<double> m_lateness;
    double m_cpuLast = 0;
    QList<double> m_cpuLateness;
};

struct Stalls
{
    double median = 0;
    double p99 = 0;
    double max = 0;
    int samples = 0;
    // The same from the GUI thread's own CPU time (see StallMonitor::cpuPercentile()).
    double cpuP99 = 0;
    double cpuMax = 0;
};
// The event loop run for durationMs under a StallMonitor.
Stalls measureStalls(int durationMs);

// The other core busy: one thread spinning from start() until it is destroyed.
class Spinner
{
public:
    Spinner() = default;
    ~Spinner();
    Spinner(const Spinner &) = delete;
    Spinner &operator=(const Spinner &) = delete;
    void start();

private:
    std::atomic<bool> m_running{false};
    std::thread m_thread;
};

// A publisher child's connection to the bench's broker; finish() sends a QoS 1 marker on
// "bench/done" whose PUBACK says the broker has read everything before it (one connection
// keeps order), then disconnects. Failures are printed.
class MarkerPublisher
{
public:
    MarkerPublisher();
    ~MarkerPublisher();
    MarkerPublisher(const MarkerPublisher &) = delete;
    MarkerPublisher &operator=(const MarkerPublisher &) = delete;
    bool connect(quint16 port);
    struct mosquitto *handle() const { return m_mosq; }
    bool finish();

private:
    struct mosquitto *m_mosq = nullptr;
    int m_markerMid = -1;
    bool m_markerAcked = false;
};

// A private mosquitto on a free port whose queues are unlimited: what a broker would drop is
// not the window's doing. -1 when it runs; else it said why, and this is the bench's exit code
// (0 when mosquitto is not installed, 1 under CI).
int startUnlimitedBroker(testsupport::Mosquitto *broker);
// A workspace with one MQTT endpoint subscribed to filter.
thingscape::Workspace mqttWorkspace(const thingscape::ResourceId &endpoint, const QString &id, const QString &name,
                                    const QString &filter);
// The simulated site at --devices N --rate R (seed 3), and the window's wait for it once the
// demo workspace is applied: all three endpoints connected and more than 10 resources a device.
bool startSimulator(testsupport::Simulator *sim, int devices, int rate);
bool waitForDemoSite(thingscape::WindowModels *session, int devices);

// The main window offscreen, its state in a temporary directory (set before the window exists).
class BenchWindow
{
public:
    explicit BenchWindow(QSize size = QSize(1366, 768));
    // Shown and exposed; false when the platform never exposed it.
    bool show();

private:
    struct StateDir
    {
        StateDir();
        QTemporaryDir dir;
    };
    StateDir m_state;

public:
    thingscape::WindowModels session;
    thingscape::MainWindow window;
};

} // namespace bench
