#include "benchwindow.h"

#include "simulator.h"
#include "testsupport.h"

#include "model/resourceid.h"
#include "model/resourcestore.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/threadcputime.h"
#include "ui/windowheap.h"

#include <QFile>
#include <QPointer>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include <mosquitto.h>

#include <algorithm>
#include <cstdio>

namespace bench {

double threadCpuMs()
{
    return double(thingscape::threadCpuNs()) / 1e6;
}

TracingApplication::TracingApplication(int &argc, char **argv)
    // The window's malloc policy first, as its main() sets it: glibc reads it when a second
    // thread first allocates, and QApplication may start one.
    : QApplication((thingscape::applyWindowHeapPolicy(), argc), argv)
    , m_traceMs(qEnvironmentVariable("THINGSCAPE_BENCH_TRACE_MS").toDouble())
{
}

bool TracingApplication::notify(QObject *receiver, QEvent *event)
{
    if (m_traceMs <= 0 || m_depth > 0 || QThread::currentThread() != thread())
        return QApplication::notify(receiver, event);
    const int type = int(event->type());
    const QPointer<QObject> alive(receiver); // it may go while it handles the event
    QElapsedTimer clock;
    clock.start();
    const double cpuBefore = threadCpuMs();
    ++m_depth;
    const bool result = QApplication::notify(receiver, event);
    --m_depth;
    const double ms = double(clock.nsecsElapsed()) / 1e6;
    if (ms >= m_traceMs) {
        const QObject *owner = alive ? alive->parent() : nullptr;
        std::fprintf(stderr, "slow event %7.1f ms (CPU %6.1f ms): type %d to %s '%s' (parent %s)\n", ms,
                     threadCpuMs() - cpuBefore, type,
                     alive ? alive->metaObject()->className() : "(deleted)",
                     alive ? qPrintable(alive->objectName()) : "", owner ? owner->metaObject()->className() : "-");
    }
    return result;
}

double rssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

bool waitFor(const std::function<bool()> &condition, qint64 timeoutMs, int stepMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QTest::qWait(stepMs);
    }
    return true;
}

StallMonitor::StallMonitor()
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(10);
    QObject::connect(&m_timer, &QTimer::timeout, [this] {
        const qint64 now = m_clock.nsecsElapsed();
        m_lateness.append(std::max(0.0, double(now - m_last) / 1e6 - 10.0));
        m_last = now;
        const double cpu = threadCpuMs();
        m_cpuLateness.append(std::max(0.0, cpu - m_cpuLast - 10.0));
        m_cpuLast = cpu;
    });
}

void StallMonitor::start()
{
    m_lateness.clear();
    m_cpuLateness.clear();
    m_cpuLast = threadCpuMs();
    m_clock.start();
    m_last = m_clock.nsecsElapsed();
    m_timer.start();
}

void StallMonitor::stop()
{
    m_timer.stop();
}

namespace {

double percentileOf(QList<double> sorted, double p)
{
    if (sorted.isEmpty())
        return 0;
    std::sort(sorted.begin(), sorted.end());
    return sorted.at(std::min<qsizetype>(sorted.size() - 1, qsizetype(double(sorted.size()) * p)));
}

} // namespace

double StallMonitor::percentile(double p) const
{
    return percentileOf(m_lateness, p);
}

double StallMonitor::cpuPercentile(double p) const
{
    return percentileOf(m_cpuLateness, p);
}

double StallMonitor::cpuMax() const
{
    return m_cpuLateness.isEmpty() ? 0 : *std::max_element(m_cpuLateness.cbegin(), m_cpuLateness.cend());
}

double StallMonitor::max() const
{
    return m_lateness.isEmpty() ? 0 : *std::max_element(m_lateness.cbegin(), m_lateness.cend());
}

Stalls measureStalls(int durationMs)
{
    StallMonitor monitor;
    monitor.start();
    QTest::qWait(durationMs);
    monitor.stop();
    Stalls s;
    s.samples = int(monitor.samples());
    s.median = monitor.percentile(0.5);
    s.p99 = monitor.percentile(0.99);
    s.max = monitor.max();
    s.cpuP99 = monitor.cpuPercentile(0.99);
    s.cpuMax = monitor.cpuMax();
    return s;
}

void Spinner::start()
{
    if (m_running.exchange(true))
        return;
    m_thread = std::thread([this] {
        volatile quint64 n = 0;
        while (m_running.load(std::memory_order_relaxed))
            n = n + 1;
    });
}

Spinner::~Spinner()
{
    m_running = false;
    if (m_thread.joinable())
        m_thread.join();
}

MarkerPublisher::MarkerPublisher()
{
    mosquitto_lib_init();
    m_mosq = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(m_mosq, [](struct mosquitto *, void *obj, int mid) {
        auto *self = static_cast<MarkerPublisher *>(obj);
        if (mid == self->m_markerMid)
            self->m_markerAcked = true;
    });
}

MarkerPublisher::~MarkerPublisher()
{
    mosquitto_destroy(m_mosq);
    mosquitto_lib_cleanup();
}

bool MarkerPublisher::connect(quint16 port)
{
    if (mosquitto_connect(m_mosq, "127.0.0.1", port, 600) == MOSQ_ERR_SUCCESS)
        return true;
    std::fprintf(stderr, "publisher: cannot connect to 127.0.0.1:%u\n", port);
    return false;
}

bool MarkerPublisher::finish()
{
    mosquitto_publish(m_mosq, &m_markerMid, "bench/done", 1, "1", 1, false);
    while (!m_markerAcked) {
        if (mosquitto_loop(m_mosq, 100, 64) != MOSQ_ERR_SUCCESS) {
            std::fprintf(stderr, "publisher: lost the broker before its end marker was acknowledged\n");
            return false;
        }
    }
    mosquitto_disconnect(m_mosq);
    mosquitto_loop(m_mosq, 10, 1);
    return true;
}

int startUnlimitedBroker(testsupport::Mosquitto *broker)
{
    if (testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty()) {
        std::fprintf(stderr, "mosquitto is not installed\n");
        return testsupport::inCi() ? 1 : 0;
    }
    if (broker->start(QStringLiteral("max_queued_messages 0\nmax_queued_bytes 0\n")))
        return -1;
    std::fprintf(stderr, "cannot start mosquitto\n");
    return 1;
}

thingscape::Workspace mqttWorkspace(const thingscape::ResourceId &endpoint, const QString &id, const QString &name,
                                    const QString &filter)
{
    thingscape::EndpointConfig config;
    config.id = id;
    config.name = name;
    config.url = endpoint;
    config.filters = {filter};
    thingscape::Workspace workspace;
    workspace.setEndpoints({config});
    return workspace;
}

bool startSimulator(testsupport::Simulator *sim, int devices, int rate)
{
    return sim->start({QStringLiteral("--devices"), QString::number(devices), QStringLiteral("--rate"),
                       QString::number(rate), QStringLiteral("--seed"), QStringLiteral("3")});
}

bool waitForDemoSite(thingscape::WindowModels *session, int devices)
{
    return waitFor([session] { return session->endpoints()->connectedCount() == 3; }, 20000)
        && waitFor([session, devices] { return session->store()->size() > qsizetype(devices) * 10; }, 30000);
}

BenchWindow::StateDir::StateDir()
{
    qputenv("THINGSCAPE_STATE_DIR", dir.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

BenchWindow::BenchWindow(QSize size)
    : window(&session)
{
    window.resize(size);
}

bool BenchWindow::show()
{
    window.show();
    return QTest::qWaitForWindowExposed(&window);
}

} // namespace bench
