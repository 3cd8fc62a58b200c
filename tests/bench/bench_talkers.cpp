// Who talks most: what the talker statistics cost per store batch, against the store's own
// apply of the same batch in the same run (the baseline), and what the tree's count and rate
// columns cost when they refresh (once a second). Scenarios: 10,000 messages per batch over
// 1,000 topics (10 each), over 10,000 topics (1 each) and 50,000 messages over 50,000 topics,
// topics 4 levels deep (site/floor/device/metric). Medians of the batches after a warm-up.
//
//   bench_talkers [--batches N]
//   bench_talkers --memory [--topics N]   the statistics' heap per tree node (mallinfo2) after
//                                          one batch of N one-message topics (default 1,000,000)
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): one small scenario, checks only the counts (every
// message and resource counted at the root and the folders; the refresh signals the rows that
// talked); no timing judged.

#include "benchstats.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"
#include "model/treestatsproxy.h"
#include "storefeed.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSignalSpy>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

using namespace thingscape;
using bench::Clock;
using bench::median;
using bench::msSince;

namespace {

QString topicUri(int i)
{
    return QStringLiteral("mqtt://127.0.0.1:1883/site/f%1/dev%2/metric").arg(i / 1000).arg(i);
}

UpdateBatch makeBatch(int topics, int perTopic)
{
    QStringList uris;
    for (int i = 0; i < topics; ++i)
        uris.append(topicUri(i));
    return testsupport::repeatedUpdates(uris, perTopic, 4);
}

struct Figures
{
    double storeMs = 0;   // the store's apply without the statistics (baseline)
    double statsMs = 0;   // TalkerStats::ingest of that batch
    double refreshMs = 0; // the tree's stats columns refreshing after a batch, every row
    double budgetedMs = 0; // the same within the window's budget (the rest waits)
    qsizetype rows = 0;
    bool ok = true;
};

Figures run(int topics, int perTopic, int batches, bool quick)
{
    Figures figures;
    const UpdateBatch batch = makeBatch(topics, perTopic);
    const quint64 perBatch = quint64(topics) * quint64(perTopic);

    // The statistics fed by hand from the store's batch, timed apart from the store's apply.
    ResourceStore store;
    TalkerStats stats;
    std::vector<double> statsMs;
    std::vector<double> storeMs;
    double lastStatsMs = 0;
    QObject::connect(&store, &ResourceStore::batchApplied, &store, [&](const StoreBatch &applied) {
        const auto start = Clock::now();
        stats.ingest(applied, QDateTime::currentMSecsSinceEpoch());
        lastStatsMs = msSince(start);
    });
    for (int b = 0; b < batches + 1; ++b) {
        const auto start = Clock::now();
        store.ingest(batch);
        const double total = msSince(start);
        if (b == 0)
            continue; // warm-up: the first batch creates every resource and node
        statsMs.push_back(lastStatsMs);
        storeMs.push_back(total - lastStatsMs);
    }
    figures.storeMs = median(storeMs);
    figures.statsMs = median(statsMs);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto root = stats.stats(*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883")),
                                  TalkerStats::Window::TenMinutes, now);
    const auto floor0 = stats.stats(*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/site/f0")),
                                    TalkerStats::Window::TenMinutes, now);
    const quint64 expected = perBatch * quint64(batches + 1);
    if (!root || root->messages != expected || root->resources != topics || !floor0
        || floor0->resources != std::min(topics, 1000)) {
        std::printf("WRONG RESULT: root counted %llu messages, %lld resources (expected %llu, %d)\n",
                    root ? qulonglong(root->messages) : 0ULL, root ? qlonglong(root->resources) : -1LL,
                    qulonglong(expected), topics);
        figures.ok = false;
    }

    // The tree's columns: one refresh after each batch (the window does one a second).
    ResourceStore treeStore;
    ResourceTreeModel tree(&treeStore);
    tree.setInsertAtOnce(std::max(topics, 1));
    TalkerStats treeStats(&treeStore);
    TreeStatsProxy proxy(&tree, &tree);
    proxy.setTalkerStats(&treeStats);
    proxy.setRefreshBudgetMs(0);
    QSignalSpy changed(&proxy, &QAbstractItemModel::dataChanged);
    std::vector<double> refreshMs;
    const int refreshes = quick ? 2 : std::max(3, batches / 4);
    for (int b = 0; b < refreshes + 1; ++b) {
        treeStore.ingest(batch);
        changed.clear();
        const auto start = Clock::now();
        proxy.refresh();
        if (b > 0)
            refreshMs.push_back(msSince(start));
    }
    figures.refreshMs = median(refreshMs);
    // One dataChanged per parent that holds a row that talked: the devices' folders, the
    // floors, the site, the endpoint and the root.
    const int floors = (topics + 999) / 1000;
    const qsizetype parents = qsizetype(topics) + floors + 1 + 1 + 1;
    if (changed.size() != parents) {
        std::printf("WRONG RESULT: the refresh signalled %lld parents, expected %lld\n", qlonglong(changed.size()),
                    qlonglong(parents));
        figures.ok = false;
    }
    figures.rows = proxy.pendingRows();
    proxy.setRefreshBudgetMs(TreeStatsProxy::kRefreshBudgetMs);
    std::vector<double> budgetedMs;
    for (int b = 0; b < refreshes; ++b) {
        treeStore.ingest(batch);
        const auto start = Clock::now();
        proxy.refresh();
        budgetedMs.push_back(msSince(start));
    }
    figures.budgetedMs = median(budgetedMs);
    proxy.setRefreshBudgetMs(0);
    return figures;
}

// The heap the statistics hold after one store batch of `topics` one-message topics: measured
// with mallinfo2 around TalkerStats::ingest (the store's own memory is not counted).
int memoryMode(int topics, bool quick)
{
    ResourceStore store;
    auto stats = std::make_unique<TalkerStats>();
    size_t before = 0;
    size_t after = 0;
    double ingestMs = 0;
    QObject::connect(&store, &ResourceStore::batchApplied, &store, [&](const StoreBatch &applied) {
        before = mallinfo2().uordblks;
        const auto start = Clock::now();
        stats->ingest(applied, QDateTime::currentMSecsSinceEpoch());
        ingestMs = msSince(start);
        after = mallinfo2().uordblks;
    });
    store.ingest(makeBatch(topics, 1));
    const qsizetype nodes = stats->nodeCount();
    const double perNode = nodes > 0 ? double(after - before) / double(nodes) : 0;
    std::printf("bench_talkers --memory: %d one-message topics, %lld nodes (%lld with rates), ingest %.1f ms\n"
                "  heap held by the statistics: %.1f MiB, %.1f bytes per node %s\n",
                topics, qlonglong(nodes), qlonglong(stats->activeCount()), ingestMs,
                double(after - before) / (1024.0 * 1024.0), perNode, quick ? "(not judged)" : "");
    // Sanity: every topic and its folders became nodes, and the heap grew.
    const qsizetype folders = (topics + 999) / 1000;
    const bool ok = nodes == qsizetype(topics) * 2 + folders + 2 && after > before;
    std::printf("%s\n", ok ? "ok" : "FAILED: wrong node count");
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    int batches = quick ? 3 : 21;
    const QStringList args = app.arguments();
    if (args.contains(QStringLiteral("--memory")) || quick) {
        int topics = quick ? 2000 : 1'000'000;
        if (const qsizetype i = args.indexOf(QStringLiteral("--topics")); i > 0 && i + 1 < args.size())
            topics = std::max(1, args.at(i + 1).toInt());
        const int rc = memoryMode(topics, quick);
        if (rc != 0 || !quick)
            return rc;
    }
    if (const qsizetype i = args.indexOf(QStringLiteral("--batches")); i > 0 && i + 1 < args.size())
        batches = std::max(1, args.at(i + 1).toInt());

    struct Scenario
    {
        const char *name;
        int topics;
        int perTopic;
    };
    std::vector<Scenario> scenarios = {{"10,000 msgs on 1,000 topics", 1000, 10},
                                       {"10,000 msgs on 10,000 topics", 10000, 1},
                                       {"50,000 msgs on 50,000 topics", 50000, 1}};
    if (quick)
        scenarios = {{"2,000 msgs on 200 topics", 200, 10}};
    bool ok = true;
    std::printf("bench_talkers: %d batches per scenario (after one warm-up), medians per batch\n", batches);
    std::printf("%-32s %12s %12s %10s %12s %12s %12s %8s\n", "scenario", "store apply", "talkers", "ratio", "ns/message",
                "refresh all", "budgeted", "rows");
    for (const Scenario &s : scenarios) {
        const Figures f = run(s.topics, s.perTopic, batches, quick);
        ok = ok && f.ok;
        const double messages = double(s.topics) * s.perTopic;
        std::printf("%-32s %9.2f ms %9.2f ms %9.3fx %9.0f ns %9.2f ms %9.2f ms %8lld  %s\n", s.name, f.storeMs,
                    f.statsMs, f.storeMs > 0 ? f.statsMs / f.storeMs : 0.0, 1e6 * f.statsMs / messages, f.refreshMs,
                    f.budgetedMs, qlonglong(f.rows), quick ? "(not judged)" : "");
    }
    std::printf("ratio = talker statistics / the store's own apply of the same batch (baseline, same run);\n"
                "refresh all = the tree's count and rate columns signalling every row that talked; budgeted = the\n"
                "window's refresh (once a second), which stops after %d ms and goes on at the next\n",
                TreeStatsProxy::kRefreshBudgetMs);
    std::printf("%s\n", ok ? "ok" : "FAILED: wrong counts");
    return ok ? 0 : 1;
}
