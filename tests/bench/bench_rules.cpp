// Rule engine benchmark: 1,000 rule firings per second (a simple condition and a write to a
// loopback mosquitto). For each message: the time from its value event (the store publishing
// it) to the rule's write being issued, and the GUI thread's stall (lateness of a 5 ms timer)
// meanwhile. Beside it, the baseline: the same writes issued straight from the value events on
// the GUI thread, without the rule engine. Prints p50 / p99 per round and the medians of the
// rounds, and the ratios. Targets: p99 under 5 ms, GUI stall p99 under 50 ms.
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): one short round of each at QoS 1; checks only that
// every message led to exactly one write on both paths; no timing asserted.

#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include <unistd.h>

using namespace thingscape;

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return values.at(index);
}

double median(std::vector<double> values)
{
    return percentile(std::move(values), 0.5);
}

void wait(const std::function<bool()> &condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

// Issue times of writes, by payload, from whatever thread issues them.
struct Issued
{
    QMutex mutex;
    QHash<QByteArray, qint64> at;
    void note(const QByteArray &payload)
    {
        const qint64 t = nowNs();
        QMutexLocker lock(&mutex);
        at.insert(payload, t);
    }
    qsizetype count()
    {
        QMutexLocker lock(&mutex);
        return at.size();
    }
};

// Notes when the rule engine issues a write, then hands it to the endpoint manager.
class TimingSink : public RuleSink
{
public:
    TimingSink(EndpointManager *endpoints, Issued *issued)
        : m_endpoints(endpoints)
        , m_issued(issued)
    {
    }
    void write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options,
               std::function<void(const Result &)> done) override
    {
        m_issued->note(payload);
        EndpointManager *endpoints = m_endpoints;
        QMetaObject::invokeMethod(endpoints, [=] { endpoints->write(id, payload, options, done); }, Qt::QueuedConnection);
    }

private:
    EndpointManager *m_endpoints;
    Issued *m_issued;
};

// CPU time (ms) used so far by this process's threads called name (Linux /proc): the rule
// engine's thread is "rules". Independent of how busy the machine is.
double threadCpuMs(const QByteArray &name)
{
    double total = 0;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != name)
            continue;
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 12)
            total += double(fields.at(11).toLongLong() + fields.at(12).toLongLong()) * 1000.0 / double(sysconf(_SC_CLK_TCK));
    }
    return total;
}

struct Figures
{
    double p50Ms = 0;
    double p99Ms = 0;
    double stallP99Ms = 0;
    double cpuUsPerFiring = 0; // the rule engine's thread
    // Rule thread -> GUI thread: traces handed over and the queued calls carrying them (one per
    // trace, plus the status flushes, before they went in batches).
    double tracesPerSecond = 0;
    double handOversPerSecond = 0;
    // Where the time goes (instrumentation): the store hands value events over in batches;
    // the first event of a batch waits only for the rule thread to wake, the k-th also for the
    // k-1 before it.
    double batchP50 = 0;
    double batchMax = 0;
    double firstP50Ms = 0; // latency of a batch's first event: the hop to the rule thread
    double firstP99Ms = 0;
    double perEventUs = 0; // median added latency per event queued before it in its batch
    int writes = 0;
    int done = 0;
};

enum class Path {
    Rules,    // the rule engine: its thread, its scripts, its write
    Hop,      // the same write issued from a bare thread the value event is posted to: the hop alone
    Baseline, // the same write issued right in the value event's handler
};

const char *pathName(Path path)
{
    return path == Path::Rules ? "rules" : path == Path::Hop ? "bare hop" : "baseline";
}

Figures runRound(quint16 port, Path path, int messages, int rate, int qos)
{
    static int round = 0;
    const QString prefix = QStringLiteral("bench/rules/%1").arg(++round);
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    const QString in = base + QLatin1Char('/') + prefix + QStringLiteral("/in");
    const QString out = base + QLatin1Char('/') + prefix + QStringLiteral("/out");
    Engine engine;
    engine.setRulesAutoStart(false);
    Issued issued;
    int done = 0;
    const QJsonArray rules = {QJsonObject{{QStringLiteral("name"), QStringLiteral("relay")},
                                          {QStringLiteral("mode"), QStringLiteral("parallel")},
                                          {QStringLiteral("max"), 1000},
                                          {QStringLiteral("limit"), 0}, // meant to fire 1,000 times a second
                                          {QStringLiteral("triggers"), QJsonArray{QJsonObject{{QStringLiteral("resource"), in}}}},
                                          {QStringLiteral("condition"), QStringLiteral("value >= 0")},
                                          {QStringLiteral("actions"), QJsonArray{QJsonObject{{QStringLiteral("write"), out},
                                                                                            {QStringLiteral("value"), QStringLiteral("value")},
                                                                                            {QStringLiteral("qos"), qos}}}}}};
    Workspace workspace;
    EndpointConfig broker;
    broker.id = QStringLiteral("broker");
    broker.url = *ResourceId::parse(base);
    broker.filters = {prefix + QStringLiteral("/in")};
    workspace.setEndpoints({broker});
    const bool withRules = path == Path::Rules;
    if (withRules)
        workspace.setRules(rules);
    // The bare hop: an idle thread, woken by a queued call per value event.
    QThread hopThread;
    QObject hopper;
    if (path == Path::Hop) {
        hopper.moveToThread(&hopThread);
        hopThread.start();
    }
    engine.rules()->setSink(std::make_shared<TimingSink>(engine.endpoints(), &issued));
    engine.apply(workspace);
    wait([&] { return engine.endpoints()->connectedCount() == 1; }, 20000);

    const ResourceId inId = *ResourceId::parse(in);
    const ResourceId outId = *ResourceId::parse(out);
    QHash<QByteArray, qint64> eventAt;
    QHash<QByteArray, QPair<int, int>> batchOf; // payload -> (batch, position in it)
    std::vector<int> batchSizes;
    QObject::connect(engine.store(), &ResourceStore::valueEvents, &engine, [&](const ValueEvents &events) {
        int position = 0;
        for (const ValueEvent &event : events) {
            if (event.direction != Direction::In || event.id != inId)
                continue;
            eventAt.insert(event.value.raw, nowNs());
            batchOf.insert(event.value.raw, {int(batchSizes.size()), position++});
            if (path == Path::Hop && event.value.toDouble() >= 0) {
                const QByteArray payload = event.value.raw;
                EndpointManager *endpoints = engine.endpoints();
                QMetaObject::invokeMethod(&hopper, [&issued, &done, endpoints, outId, payload, qos] {
                    issued.note(payload);
                    QMetaObject::invokeMethod(endpoints, [&done, endpoints, outId, payload, qos] {
                        WriteOptions options;
                        options.qos = qos;
                        endpoints->write(outId, payload, options, [&done](const Result &) { ++done; });
                    }, Qt::QueuedConnection);
                }, Qt::QueuedConnection);
            }
            if (path == Path::Baseline) {
                // The baseline: the same write, issued right here.
                if (event.value.toDouble() >= 0) {
                    issued.note(event.value.raw);
                    WriteOptions options;
                    options.qos = qos;
                    engine.endpoints()->write(outId, event.value.raw, options, [&done](const Result &) { ++done; });
                }
            }
        }
        if (position > 0)
            batchSizes.push_back(position);
    });
    if (withRules) {
        QObject::connect(engine.rules(), &RuleEngine::traced, &engine, [&done](const RuleTrace &) { ++done; });
        engine.rules()->start();
    }
    // Subscribed: a probe gets through.
    QProcess probe;
    wait([&] {
        QProcess::execute(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                          {QStringLiteral("-p"), QString::number(port), QStringLiteral("-t"), prefix + QStringLiteral("/in"), QStringLiteral("-m"), QStringLiteral("-1")});
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return engine.store()->find(inId) != nullptr;
    }, 20000);
    wait([&] { return false; }, 100);
    eventAt.clear();
    batchOf.clear();
    batchSizes.clear();
    {
        QMutexLocker lock(&issued.mutex);
        issued.at.clear();
    }
    done = 0;

    // GUI stall: lateness of a 5 ms timer.
    std::vector<double> stalls;
    QElapsedTimer tick;
    tick.start();
    QTimer stallTimer;
    stallTimer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&stallTimer, &QTimer::timeout, [&] {
        stalls.push_back(std::max(0.0, double(tick.nsecsElapsed()) / 1e6 - 5.0));
        tick.restart();
    });
    stallTimer.start(5);
    const double cpuBefore = threadCpuMs("rules");
    const quint64 handOversBefore = engine.rules()->handOvers();

    // The publisher: mosquitto_pub -l, fed at the rate in 10 ms slices.
    QProcess pub;
    pub.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
              {QStringLiteral("-p"), QString::number(port), QStringLiteral("-t"), prefix + QStringLiteral("/in"), QStringLiteral("-l"),
               QStringLiteral("-q"), QString::number(qos)});
    pub.waitForStarted();
    int sent = 0;
    QElapsedTimer clock;
    clock.start();
    QTimer feeder;
    QObject::connect(&feeder, &QTimer::timeout, [&] {
        const int due = std::min(messages, int(clock.elapsed() * rate / 1000));
        QByteArray lines;
        for (; sent < due; ++sent)
            lines += QByteArray::number(sent) + '\n';
        pub.write(lines);
        if (sent >= messages) {
            feeder.stop();
            pub.closeWriteChannel();
        }
    });
    feeder.start(10);
    wait([&] { return done >= messages; }, 60000 + messages * 10);
    const double seconds = double(clock.elapsed()) / 1000.0;
    stallTimer.stop();
    pub.waitForFinished(5000);

    Figures figures;
    std::vector<double> latencies;
    {
        QMutexLocker lock(&issued.mutex);
        for (auto it = issued.at.cbegin(); it != issued.at.cend(); ++it) {
            const auto event = eventAt.constFind(it.key());
            if (event != eventAt.constEnd())
                latencies.push_back(double(it.value() - *event) / 1e6);
        }
        figures.writes = int(issued.at.size());
    }
    figures.done = done;
    {
        QMutexLocker lock(&issued.mutex);
        std::vector<double> sizes(batchSizes.begin(), batchSizes.end());
        figures.batchP50 = percentile(sizes, 0.5);
        figures.batchMax = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
        // Per batch: its first event's latency, and the slope to its last.
        QHash<int, QPair<double, double>> firstLast; // batch -> (first latency, last latency)
        QHash<int, int> lastPosition;
        for (auto it = batchOf.cbegin(); it != batchOf.cend(); ++it) {
            const auto at = issued.at.constFind(it.key());
            const auto event = eventAt.constFind(it.key());
            if (at == issued.at.constEnd() || event == eventAt.constEnd())
                continue;
            const double latency = double(*at - *event) / 1e6;
            auto &entry = firstLast[it->first];
            if (it->second == 0)
                entry.first = latency;
            if (it->second >= lastPosition.value(it->first, -1)) {
                lastPosition[it->first] = it->second;
                entry.second = latency;
            }
        }
        std::vector<double> firsts, slopes;
        for (auto it = firstLast.cbegin(); it != firstLast.cend(); ++it) {
            firsts.push_back(it->first);
            const int n = lastPosition.value(it.key());
            if (n > 0)
                slopes.push_back((it->second - it->first) * 1000.0 / n);
        }
        figures.firstP50Ms = percentile(firsts, 0.5);
        figures.firstP99Ms = percentile(firsts, 0.99);
        figures.perEventUs = percentile(slopes, 0.5);
    }
    figures.p50Ms = percentile(latencies, 0.5);
    figures.p99Ms = percentile(latencies, 0.99);
    figures.stallP99Ms = percentile(stalls, 0.99);
    if (withRules && seconds > 0) {
        figures.tracesPerSecond = double(done) / seconds;
        figures.handOversPerSecond = double(engine.rules()->handOvers() - handOversBefore) / seconds;
    }
    figures.cpuUsPerFiring = withRules ? (threadCpuMs("rules") - cpuBefore) * 1000.0 / double(messages) : 0;
    engine.rules()->stop();
    hopThread.quit();
    hopThread.wait();
    return figures;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") != 0;
    const int messages = quick ? 200 : 10000;
    const int rate = 1000;
    const int rounds = quick ? 1 : 3;
    const int qos = quick ? 1 : 0;
    testsupport::Mosquitto broker;
    if (testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty() || !broker.start()) {
        std::fprintf(stderr, "bench_rules: mosquitto is needed (Debian package mosquitto)\n");
        return testsupport::inCi() ? 1 : 0;
    }
    std::printf("bench_rules: %d messages at %d/s, %d round(s), QoS %d\n", messages, rate, rounds, qos);
    struct Series
    {
        std::vector<double> p50, p99, stall, cpu, firstP99, perEvent, traces, handOvers;
    };
    std::map<Path, Series> series;
    bool ok = true;
    for (int r = 0; r < rounds; ++r) {
        for (const Path path : {Path::Rules, Path::Hop, Path::Baseline}) {
            const Figures f = runRound(broker.port(), path, messages, rate, qos);
            std::printf("  round %d %-9s writes %5d/%d  event->write p50 %7.3f ms  p99 %7.3f ms  GUI stall p99 %6.2f ms"
                        "  rule thread CPU %5.1f us/firing\n",
                        r + 1, pathName(path), f.writes, messages, f.p50Ms, f.p99Ms, f.stallP99Ms, f.cpuUsPerFiring);
            std::printf("          batches of %.0f events (median; largest %.0f); a batch's first event p50 %.3f ms, p99 %.3f ms;"
                        " +%.1f us per event queued before it\n",
                        f.batchP50, f.batchMax, f.firstP50Ms, f.firstP99Ms, f.perEventUs);
            if (path == Path::Rules)
                std::printf("          traces handed over %.0f/s in %.0f queued calls/s (%.1f traces per call; one call per trace"
                            " before batching)\n",
                            f.tracesPerSecond, f.handOversPerSecond,
                            f.handOversPerSecond > 0 ? f.tracesPerSecond / f.handOversPerSecond : 0.0);
            if (f.writes != messages || f.done != messages) {
                std::fprintf(stderr, "bench_rules: %s: %d writes issued, %d done, for %d messages\n", pathName(path), f.writes,
                             f.done, messages);
                ok = false;
            }
            Series &s = series[path];
            s.p50.push_back(f.p50Ms);
            s.p99.push_back(f.p99Ms);
            s.stall.push_back(f.stallP99Ms);
            s.cpu.push_back(f.cpuUsPerFiring);
            s.firstP99.push_back(f.firstP99Ms);
            s.perEvent.push_back(f.perEventUs);
            s.traces.push_back(f.tracesPerSecond);
            s.handOvers.push_back(f.handOversPerSecond);
        }
    }
    const Series &rules = series[Path::Rules];
    const Series &hop = series[Path::Hop];
    const Series &base = series[Path::Baseline];
    std::printf("median of rounds: rules p50 %.3f ms, p99 %.3f ms (target < 5 ms), GUI stall p99 %.2f ms (target < 50 ms)\n",
                median(rules.p50), median(rules.p99), median(rules.stall));
    std::printf("                  rule thread CPU %.1f us per firing (condition, value script, trace); +%.1f us per event"
                " queued before it in its batch\n",
                median(rules.cpu), median(rules.perEvent));
    std::printf("                  traces handed over %.0f/s in %.0f queued calls/s (one per trace before batching)\n",
                median(rules.traces), median(rules.handOvers));
    std::printf("                  bare hop to an idle thread p50 %.3f ms, p99 %.3f ms, GUI stall p99 %.2f ms\n", median(hop.p50),
                median(hop.p99), median(hop.stall));
    std::printf("                  baseline (no thread) p50 %.3f ms, p99 %.3f ms, GUI stall p99 %.2f ms\n", median(base.p50),
                median(base.p99), median(base.stall));
    std::printf("rules vs bare hop: p99 %+.3f ms (x%.2f); rules vs baseline: p99 %+.3f ms; GUI stall p99 x%.2f of the baseline's\n",
                median(rules.p99) - median(hop.p99), median(hop.p99) > 0 ? median(rules.p99) / median(hop.p99) : 0.0,
                median(rules.p99) - median(base.p99), median(base.stall) > 0 ? median(rules.stall) / median(base.stall) : 0.0);
    return ok ? 0 : 1;
}
