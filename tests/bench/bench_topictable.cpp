// The MQTT connector's topic table at its bound (issue 12): N distinct topics inserted as the
// connector meets them, every 4th retained on the broker (kept at the bound, for clearing), the
// table bounded at B entries as the connector bounds it. Printed: the worst single insert (what
// one message's handling can cost the I/O thread) by wall clock and by the thread's CPU time
// (what a loaded machine does not change), the 99.9th percentile and the median, the total, and
// the table's size at the end. No timing is judged.
//
//   bench_topictable [--topics N] [--bound B]
//
// N defaults to 1,500,000 and B to the connector's 500,000 (THINGSCAPE_BENCH_QUICK=1, as ctest
// runs it: 3,000 topics at a bound of 1,000, where only the table's contents are checked).
#include "benchstats.h"

#include "model/resourceid.h"
#include "protocols/mqtt/topictable.h"
#include "protocols/threadcputime.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace thingscape;

namespace {

QString topicFor(qint64 i)
{
    return QStringLiteral("site/b%1/f%2/dev%3/metric").arg(i % 10).arg((i / 10) % 100).arg(i);
}

bool retainedOnBroker(qint64 i)
{
    return i % 4 == 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    qint64 topics = quick ? 3000 : 1500000;
    qint64 bound = quick ? 1000 : 500000;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--topics") && i + 1 < args.size()) {
            topics = std::max<qint64>(10, args.at(++i).toLongLong());
        } else if (args.at(i) == QLatin1String("--bound") && i + 1 < args.size()) {
            bound = std::max<qint64>(10, args.at(++i).toLongLong());
        } else {
            std::fprintf(stderr, "usage: bench_topictable [--topics N] [--bound B]\n");
            return 2;
        }
    }
    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://h:1883"));
    // The ids are made before the clock runs: the connector makes one per new topic either way.
    std::vector<ResourceId> ids;
    ids.reserve(size_t(topics));
    for (qint64 i = 0; i < topics; ++i)
        ids.push_back(ResourceId::fromTopic(endpoint, topicFor(i)));

    TopicTable table;
    // As MqttConnector bounds it.
    table.setBound(bound, [](const TopicTable::Entry &entry) { return !entry.retainedOnBroker; });
    std::vector<double> callMs;
    callMs.reserve(size_t(topics));
    double worstCpuMs = 0;
    QElapsedTimer total;
    total.start();
    for (qint64 i = 0; i < topics; ++i) {
        QElapsedTimer clock;
        clock.start();
        const qint64 cpuBefore = threadCpuNs();
        table.insert(ids[size_t(i)]).retainedOnBroker = retainedOnBroker(i);
        callMs.push_back(double(clock.nsecsElapsed()) / 1e6);
        worstCpuMs = std::max(worstCpuMs, double(threadCpuNs() - cpuBefore) / 1e6);
    }
    const double totalMs = double(total.nsecsElapsed()) / 1e6;

    int failures = 0;
    const auto check = [&failures](bool ok, const char *what) {
        if (!ok) {
            ++failures;
            std::printf("CHECK FAILED: %s\n", what);
        }
    };
    qint64 retainedFound = 0;
    for (qint64 i = 0; i < topics; ++i) {
        if (retainedOnBroker(i))
            retainedFound += table.find(TopicTable::topicOf(ids[size_t(i)])) ? 1 : 0;
    }
    check(retainedFound == (topics + 3) / 4, "every topic retained on the broker is still in the table");
    check(table.find(TopicTable::topicOf(ids.back())) != nullptr, "the last topic is in the table");
    check(table.size() <= std::max<qint64>(2 * bound, topics / 2), "the table stays bounded");

    std::vector<double> sorted = callMs;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&sorted](double p) { return sorted[std::min(sorted.size() - 1, size_t(p * double(sorted.size())))]; };
    const qint64 overMs = std::count_if(callMs.begin(), callMs.end(), [](double ms) { return ms >= 1.0; });
    std::printf("bench_topictable: %lld distinct topics, bound %lld, every 4th retained on the broker\n",
                qlonglong(topics), qlonglong(bound));
    std::printf("  %-36s %10.3f ms\n", "worst single insert", sorted.back());
    std::printf("  %-36s %10.3f ms\n", "the same by the thread's CPU time", worstCpuMs);
    std::printf("  %-36s %10.4f ms\n", "99.9th percentile", at(0.999));
    std::printf("  %-36s %10.4f ms\n", "median", bench::median(callMs));
    std::printf("  %-36s %10lld\n", "inserts taking 1 ms or more", qlonglong(overMs));
    std::printf("  %-36s %10.1f ms\n", "all inserts", totalMs);
    std::printf("  %-36s %10lld\n", "entries at the end", qlonglong(table.size()));
    std::fflush(stdout);
    if (failures > 0) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
