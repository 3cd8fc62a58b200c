// Removing many resources from the ResourceStore: an endpoint with N topics goes
// (removeUnder), and the same with a ResourceTreeModel attached, as the window has it.
// Baseline in the same run: inserting the same N. Removal must stay linear: its time per
// resource at N/4, N/2 and N is printed, with the ratio to inserting. For comparison, the
// bookkeeping the store used to do (QList::contains / removeOne per removed resource) is
// timed at small N, where it is already quadratic.
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): small N, checks only that exactly the endpoint's
// resources left (no timing asserted).

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QSignalSpy>

#include <chrono>
#include <cstdio>

using namespace thingscape;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

UpdateBatch topics(const QString &endpoint, int count)
{
    UpdateBatch batch;
    batch.reserve(count);
    for (int i = 0; i < count; ++i) {
        Update update;
        update.id = *ResourceId::parse(QStringLiteral("%1/site/%2/sensor/%3").arg(endpoint).arg(i % 100).arg(i));
        Value value;
        value.raw = QByteArray::number(i);
        value.decoded = QCborValue(i);
        update.value = value;
        batch.append(update);
    }
    return batch;
}

struct Run
{
    double insertMs = 0;
    double removeMs = 0;
    bool ok = false;
};

// Inserts n topics on the doomed endpoint (and n/10 on one that stays), removes the first.
Run run(int n, bool withModel)
{
    ResourceStore store;
    std::unique_ptr<ResourceTreeModel> model;
    std::unique_ptr<QAbstractItemModelTester> tester;
    if (withModel) {
        model = std::make_unique<ResourceTreeModel>(&store);
        // Fatal checks only in the quick mode: the full tester walks every row on each change.
        if (qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK"))
            tester = std::make_unique<QAbstractItemModelTester>(model.get(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    }
    store.ingest(topics(QStringLiteral("mqtt://stays:1883"), std::max(1, n / 10)));
    const UpdateBatch doomed = topics(QStringLiteral("mqtt://doomed:1883"), n);
    Run result;
    auto start = Clock::now();
    store.ingest(doomed);
    result.insertMs = msSince(start);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    start = Clock::now();
    store.removeUnder(QStringLiteral("mqtt://doomed:1883"));
    result.removeMs = msSince(start);
    result.ok = spy.count() == 1 && spy.at(0).at(0).value<StoreBatch>().removed.size() == n
        && store.size() == std::max(1, n / 10) && store.findUnder(QStringLiteral("mqtt://doomed:1883")).isEmpty()
        && (!model || model->rowCount() == 1);
    return result;
}

// What ingest() used to do per removal: QList::contains, then removeOne from the batch lists.
double legacyBookkeepingMs(int n)
{
    QList<ResourceId> ids;
    for (int i = 0; i < n; ++i)
        ids.append(*ResourceId::parse(QStringLiteral("mqtt://doomed:1883/t/%1").arg(i)));
    const auto start = Clock::now();
    QList<ResourceId> removals;
    for (const ResourceId &id : std::as_const(ids)) {
        if (!removals.contains(id))
            removals.append(id);
    }
    QList<ResourceId> added = ids;
    for (const ResourceId &id : std::as_const(removals))
        added.removeOne(id);
    return msSince(start);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int n = quick ? 5000 : 100000;
    bool ok = true;
    std::printf("bench_store_remove: remove an endpoint with N resources (removeUnder)\n");
    std::printf("%-8s %-6s %12s %12s %14s %10s\n", "N", "model", "insert ms", "remove ms", "remove us/res", "rem/ins");
    for (const bool withModel : {false, true}) {
        for (const int size : {n / 4, n / 2, n}) {
            const Run r = run(size, withModel);
            ok = ok && r.ok;
            std::printf("%-8d %-6s %12.1f %12.1f %14.3f %10.2f%s\n", size, withModel ? "yes" : "no", r.insertMs,
                        r.removeMs, 1000.0 * r.removeMs / size, r.insertMs > 0 ? r.removeMs / r.insertMs : 0.0,
                        r.ok ? "" : "  WRONG RESULT");
        }
    }
    if (!quick) {
        std::printf("old bookkeeping alone (QList::contains/removeOne per resource), for comparison:\n");
        for (const int size : {5000, 10000, 20000, 40000})
            std::printf("%-8d %12.1f ms\n", size, legacyBookkeepingMs(size));
    }
    std::printf("%s\n", ok ? "ok" : "FAILED: removal left the wrong resources");
    return ok ? 0 : 1;
}
