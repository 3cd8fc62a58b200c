// The resource filter's walk without a window or a broker (issue 12 "Filter"): N topics shaped
// as bench_tree_scale's (site/bB/fF/devD/metric) go straight into a store and a tree, then the
// keystrokes "" -> dev, dev -> dev4, dev4 -> dev go to a ResourceFilterProxyModel over it. Per
// keystroke: the GUI thread's CPU time until the walk is done (what the code costs, whatever else
// the machine runs), the wall time until the first matches show and until done, and the longest
// event-loop turn meanwhile; medians of R rounds. For instruction counts, under callgrind:
//   valgrind --tool=callgrind --toggle-collect='*continueMatchWalk*' bench_filter_walk --topics 100000 --rounds 1
//
//   bench_filter_walk [--topics N] [--rounds R]
//
// N defaults to 1,000,000 (THINGSCAPE_BENCH_QUICK=1, as ctest runs it: 2,000 topics, where only
// the rows are checked, never time).
#include "benchstats.h"
#include "keystroke.h"
#include "storefeed.h"

#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/threadcputime.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace thingscape;

namespace {

constexpr int kBuildings = 10;
constexpr int kFloors = 100;

QString topicFor(qint64 i)
{
    const qint64 building = i % kBuildings;
    const qint64 floor = building == 0 ? 0 : (i / kBuildings) % kFloors;
    return QStringLiteral("site/b%1/f%2/dev%3/metric").arg(building).arg(floor).arg(i);
}

double cpuMs()
{
    return double(threadCpuNs()) / 1e6;
}

using bench::Keystroke;

Keystroke type(ResourceFilterProxyModel *filter, const QString &text)
{
    Keystroke figures;
    QElapsedTimer clock;
    double first = -1;
    const QMetaObject::Connection shown = QObject::connect(filter, &ResourceFilterProxyModel::applied, [&] {
        if (first < 0)
            first = double(clock.nsecsElapsed()) / 1e6;
    });
    const double cpuAtStart = cpuMs();
    clock.start();
    filter->setFilter(ResourceFilterProxyModel::Mode::Substring, text);
    double last = double(clock.nsecsElapsed()) / 1e6;
    // The longest event-loop turn meanwhile, the setFilter() call included (no stall by CPU time).
    figures.stall = last;
    while (filter->isApplying()) {
        QCoreApplication::processEvents();
        const double now = double(clock.nsecsElapsed()) / 1e6;
        figures.stall = std::max(figures.stall, now - last);
        last = now;
    }
    figures.done = double(clock.nsecsElapsed()) / 1e6;
    figures.cpu = cpuMs() - cpuAtStart;
    figures.first = first < 0 ? figures.done : first;
    QObject::disconnect(shown);
    return figures;
}

// Resources whose own URI contains "dev" + prefix: devD for every D written starting with it.
qint64 expectedMatches(qint64 topics, const QString &prefix)
{
    qint64 count = 0;
    for (qint64 i = 0; i < topics; ++i)
        count += QString::number(i).startsWith(prefix) ? 1 : 0;
    return count;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    qint64 topics = quick ? 2000 : 1000000;
    int rounds = quick ? 1 : 3;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--topics") && i + 1 < args.size()) {
            topics = std::max<qint64>(10, args.at(++i).toLongLong());
        } else if (args.at(i) == QLatin1String("--rounds") && i + 1 < args.size()) {
            rounds = std::max(1, args.at(++i).toInt());
        } else {
            std::fprintf(stderr, "usage: bench_filter_walk [--topics N] [--rounds R]\n");
            return 2;
        }
    }

    ResourceStore store;
    for (qint64 from = 0; from < topics; from += 10000) {
        QStringList uris;
        for (qint64 i = from; i < std::min(topics, from + 10000); ++i)
            uris.append(QStringLiteral("mqtt://h/") + topicFor(i));
        testsupport::publish(&store, uris, 1);
    }
    ResourceTreeModel tree(&store);
    ResourceFilterProxyModel filter;
    filter.setSourceModel(&tree);
    std::printf("bench_filter_walk: %lld topics in the tree, %d round(s)\n", qlonglong(topics), rounds);

    int failures = 0;
    const auto check = [&failures](bool ok, const char *what) {
        if (!ok) {
            ++failures;
            std::printf("CHECK FAILED: %s\n", what);
        }
    };
    std::vector<Keystroke> dev, dev4, widen;
    for (int round = 0; round < rounds; ++round) {
        dev.push_back(type(&filter, QStringLiteral("dev")));
        check(filter.matchCount() == topics, "every resource matches dev");
        dev4.push_back(type(&filter, QStringLiteral("dev4")));
        check(filter.matchCount() == expectedMatches(topics, QStringLiteral("4")), "devices 4… match dev4");
        widen.push_back(type(&filter, QStringLiteral("dev")));
        check(filter.matchCount() == topics, "every resource matches dev again");
        type(&filter, QString());
    }
    std::printf("  %-28s %10s %10s %10s %10s   (medians, ms)\n", "keystroke", "GUI CPU", "first rows", "done",
                "longest turn");
    const auto print = [](const char *what, const std::vector<Keystroke> &rounds) {
        const Keystroke figures = bench::medians(rounds);
        std::printf("  %-28s %10.1f %10.1f %10.1f %10.1f   medians\n", what, figures.cpu, figures.first, figures.done,
                    figures.stall);
    };
    print("\"\" -> dev (all match)", dev);
    print("dev -> dev4 (narrowing)", dev4);
    print("dev4 -> dev (widening)", widen);
    std::fflush(stdout);
    if (failures > 0) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
