// Flat memory under steady load (issue 12): the main window offscreen on the simulated site at
// --devices 200 --rate 20 plus a flood of 5,000 msg/s over 50,000 topics on a private mosquitto,
// with the default limits (history capacity, the store's 96 MiB budget), for --minutes N. RSS is
// printed every minute with the store's own figures, malloc's heap in use and free heap (RSS
// growing over a flat heap is fragmentation, a growing heap is something kept), the updates
// received and not yet in the store, and each connector's largest backlog so far; the result is
// RSS's growth from minute 2 to minute N against the target < 5 %.
//
//   bench_window_steady [--minutes N] [--devices D] [--rate R] [--flood-rate F] [--topics T]
//
// Defaults 10 minutes, 200 devices at 20, 5,000 msg/s over 50,000 topics. The flood comes from
// bench_window_flood's publisher child (built beside this binary). Run it niced on a shared
// machine: nice -n 10 build/tests/bench/bench_window_steady.
// THINGSCAPE_BENCH_QUICK=1 (ctest): a few seconds of a small load, sampled every second; only
// "RSS was sampled and messages arrived" is checked, never the growth.
#include "benchwindow.h"
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTest>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>

using namespace thingscape;

namespace {

struct Params
{
    int minutes = 10;
    int devices = 200;
    int rate = 20;
    int floodRate = 5000;
    int topics = 50000;
    int sampleMs = 60000; // one "minute"
};

struct Sample
{
    double rssMb = 0;
    double storeMb = 0;    // everything the store holds (its own accounting)
    double keptMb = 0;     // what its budget covers
    double messagesPerS = 0;
    double heapMb = 0;     // malloc's blocks in use (mallinfo2: arenas + mmapped): RSS above it is free heap kept
    double freeMb = 0;     // free blocks malloc keeps in its arenas
    qsizetype waiting = 0; // updates received and not yet in the store
    qsizetype pendingPeak = 0; // the largest pending batch of any connector so far
    QString load;          // the machine's load average (1, 5, 15 min)
};

void measureHeap(Sample *sample)
{
#ifdef __GLIBC__
    const struct mallinfo2 info = mallinfo2();
    sample->heapMb = double(info.uordblks + info.hblkhd) / 1048576.0;
    sample->freeMb = double(info.fordblks) / 1048576.0;
#else
    Q_UNUSED(sample)
#endif
}

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(file.readAll()).section(QLatin1Char(' '), 0, 2);
}

bool parse(const QStringList &args, Params *params)
{
    for (qsizetype i = 1; i < args.size(); ++i) {
        int *target = args.at(i) == QLatin1String("--minutes")      ? &params->minutes
            : args.at(i) == QLatin1String("--devices")              ? &params->devices
            : args.at(i) == QLatin1String("--rate")                 ? &params->rate
            : args.at(i) == QLatin1String("--flood-rate")           ? &params->floodRate
            : args.at(i) == QLatin1String("--topics")               ? &params->topics
                                                                    : nullptr;
        if (!target || i + 1 >= args.size())
            return false;
        bool ok = false;
        *target = args.at(++i).toInt(&ok);
        if (!ok || *target < 1)
            return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    Params params;
    if (quick)
        params = {5, 5, 5, 500, 1000, 1000};
    if (!parse(app.arguments(), &params)) {
        std::fprintf(stderr, "usage: bench_window_steady [--minutes N] [--devices D] [--rate R] [--flood-rate F] [--topics T]\n");
        return 2;
    }
    const QString publisherPath = QCoreApplication::applicationDirPath() + QStringLiteral("/bench_window_flood");
    if (!QFile::exists(publisherPath)) {
        std::fprintf(stderr, "%s is missing: build the target bench_window_flood (its publisher child)\n", qPrintable(publisherPath));
        return 1;
    }

    testsupport::Mosquitto broker;
    if (const int exitCode = bench::startUnlimitedBroker(&broker); exitCode >= 0)
        return exitCode;
    testsupport::Simulator sim;
    if (!bench::startSimulator(&sim, params.devices, params.rate)) {
        std::fprintf(stderr, "the simulator did not start\n");
        return 1;
    }
    bench::BenchWindow bench;
    WindowModels &session = bench.session;
    MainWindow &window = bench.window;
    if (!bench.show())
        return 1;

    // The demo site and the flood broker, default limits.
    const ResourceId floodEndpoint = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1").arg(broker.port()));
    Workspace workspace = DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http);
    QList<EndpointConfig> endpoints = workspace.endpoints();
    endpoints.append(bench::mqttWorkspace(floodEndpoint, QStringLiteral("flood"), QStringLiteral("Flood broker"), QStringLiteral("flood/#"))
                         .endpoints());
    workspace.setEndpoints(endpoints);
    window.workspace()->apply(workspace, QString());
    ResourceStore *store = session.store();
    const qsizetype connected = endpoints.size();
    if (!bench::waitFor([&] { return session.endpoints()->connectedCount() == connected; }, 30000)
        || !bench::waitFor([&] { return store->size() > qsizetype(params.devices) * 10; }, 60000)) {
        std::fprintf(stderr, "the window did not reach the site and the flood broker\n");
        return 1;
    }
    // What a user looks at: a busy simulated sensor in the details view.
    window.treeDock()->selectResource(*ResourceId::parse(sim.coap + (params.devices > 1 ? QStringLiteral("/sensors/temperature-1")
                                                                                        : QStringLiteral("/sensors/temperature"))));

    QProcess publisher;
    publisher.setProcessChannelMode(QProcess::ForwardedChannels);
    const int floodSeconds = params.minutes * params.sampleMs / 1000;
    publisher.start(publisherPath, {QStringLiteral("--publish"), QString::number(broker.port()), QString::number(params.floodRate),
                                    QString::number(floodSeconds), QString::number(params.topics)});
    if (!publisher.waitForStarted(10000)) {
        std::fprintf(stderr, "the publisher did not start: %s\n", qPrintable(publisher.errorString()));
        return 1;
    }

    std::printf("bench_window_steady: the window on the simulated site (--devices %d --rate %d) and a flood of %d msg/s over %d "
                "topics, %d %s, default limits\n",
                params.devices, params.rate, params.floodRate, params.topics, params.minutes, quick ? "s (quick)" : "min");
    std::printf("  %-8s %9s %9s %9s %9s %9s %8s %9s %9s  %s\n", quick ? "second" : "minute", "RSS MB", "heap MB", "free MB",
                "store MB", "budget MB", "msg/s", "waiting", "pend.peak", "load");
    quint64 lastIn = store->messagesIn();
    const auto sampleNow = [&](int index, qint64 elapsedMs) {
        Sample sample;
        sample.rssMb = bench::rssMb();
        measureHeap(&sample);
        sample.storeMb = double(store->memoryBytes()) / 1048576.0;
        sample.keptMb = double(store->keptBytes()) / 1048576.0;
        sample.messagesPerS = elapsedMs > 0 ? double(store->messagesIn() - lastIn) * 1000.0 / double(elapsedMs) : 0;
        lastIn = store->messagesIn();
        sample.waiting = session.endpoints()->updatesWaiting();
        QStringList peaks; // per connector, in the order of the endpoints printed at the end
        for (const EndpointConfig &config : session.endpoints()->endpoints()) {
            const qsizetype peak = session.endpoints()->handOverStats(config.id).peakPending;
            sample.pendingPeak = std::max(sample.pendingPeak, peak);
            peaks.append(QString::number(peak));
        }
        sample.load = loadAverage();
        std::printf("  %-8d %9.1f %9.1f %9.1f %9.1f %9.1f %8.0f %9lld %9lld  %s  (peaks %s)\n", index, sample.rssMb, sample.heapMb,
                    sample.freeMb, sample.storeMb, sample.keptMb, sample.messagesPerS, qlonglong(sample.waiting),
                    qlonglong(sample.pendingPeak), qPrintable(sample.load), qPrintable(peaks.join(QLatin1Char('/'))));
        std::fflush(stdout);
        return sample;
    };
    QList<Sample> samples{sampleNow(0, 0)};
    QElapsedTimer clock;
    clock.start();
    for (int minute = 1; minute <= params.minutes; ++minute) {
        // Sampled on the minute from the flood's start, whatever the window was busy with.
        const qint64 due = qint64(minute) * params.sampleMs;
        while (clock.elapsed() < due)
            QTest::qWait(int(std::min<qint64>(500, due - clock.elapsed())));
        samples.append(sampleNow(minute, params.sampleMs));
    }

    const int from = std::min(2, params.minutes);
    const double growth = (samples.last().rssMb - samples.at(from).rssMb) / samples.at(from).rssMb * 100.0;
    std::printf("  %-40s %8.2f %%  (%.1f -> %.1f MB)  target < 5 %%  %s\n",
                qPrintable(QStringLiteral("RSS growth, %1 %2 to %3").arg(quick ? QStringLiteral("second") : QStringLiteral("minute")).arg(from).arg(params.minutes)),
                growth, samples.at(from).rssMb, samples.last().rssMb, quick ? "(quick: not judged)" : growth < 5.0 ? "PASS" : "FAIL");
    std::printf("  %-40s %10llu  (dropped by the budget: %llu history points, %llu stream payloads)\n", "messages in", qulonglong(store->messagesIn()),
                qulonglong(store->droppedByBudget()), qulonglong(store->payloadsDroppedByBudget()));
    std::printf("  %-40s %10lld\n", "resources", qlonglong(store->size()));
    // Per connector: a backlog that keeps growing shows here (hand-overs sent / taken, merged, peak).
    for (const EndpointConfig &config : session.endpoints()->endpoints()) {
        const Connector::HandOverStats stats = session.endpoints()->handOverStats(config.id);
        std::printf("  %-40s sent %llu taken %llu merged %llu peak pending %lld\n", qPrintable(config.url.toString().left(40)),
                    qulonglong(stats.sent), qulonglong(stats.taken), qulonglong(stats.coalesced), qlonglong(stats.peakPending));
    }
    std::fflush(stdout);

    if (publisher.state() != QProcess::NotRunning) {
        publisher.kill();
        publisher.waitForFinished(10000);
    }
    window.workspace()->shutDownCleanly();
    const bool measured = samples.size() == params.minutes + 1 && samples.last().rssMb > 0 && store->messagesIn() > 0;
    if (!measured) {
        std::printf("CHECK FAILED: RSS sampled %lld times and %llu messages in\n", qlonglong(samples.size()), qulonglong(store->messagesIn()));
        return 1;
    }
    return 0;
}
