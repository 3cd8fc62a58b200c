// The window at scale: N retained topics shaped site/bB/fF/devD/metric on a private mosquitto,
// the real main window offscreen with one endpoint on that broker, and what a user feels:
// RSS before and after all-in, time to all-in, the GUI thread's worst stall while it loads,
// filter keystroke latency (narrowing "dev" -> "dev4", widening back) and the expand latency of
// the node with the most children. Each figure is printed beside its target with PASS / FAIL.
//
//   bench_tree_scale [--topics N] [--floors F] [--expand-all] [--skip-filter] [--filter-rounds R]
//                    [--screenshot PNG]
//
// N defaults to 1,000,000 (THINGSCAPE_BENCH_QUICK=1, as ctest runs it: 2,000, where only
// correctness is asserted, never time). Buildings are 10: b0 has one floor, the widest node
// (site/b0/f0, N / 10 children); b1..b9 have F floors each (default 100), so typing in the
// filter changes rows under 9 F parents at once (what made it quadratic).
// Internal: "--publish PORT N F" is the publisher child (its own process, so its memory is not
// the window's).
#include "benchstats.h"
#include "benchwindow.h"
#include "testsupport.h"

#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QAbstractProxyModel>
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include <mosquitto.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace thingscape;
using bench::Keystroke;
using bench::rssMb;
using bench::StallMonitor;
using bench::waitFor;

namespace {

constexpr int kBuildings = 10;

QByteArray topicFor(qint64 i, int floors)
{
    // Building b0 has one wide floor (N / 10 devices: the expand figure); the others have
    // floors F each, so a filter keystroke changes rows under many parents (the filter figure).
    const qint64 building = i % kBuildings;
    const qint64 floor = building == 0 ? 0 : (i / kBuildings) % floors;
    return "site/b" + QByteArray::number(building) + "/f" + QByteArray::number(floor) + "/dev"
        + QByteArray::number(i) + "/metric";
}

// The publisher child: every topic retained at QoS 0, then the end marker.
int publish(quint16 port, qint64 topics, int floors)
{
    bench::MarkerPublisher publisher;
    if (!publisher.connect(port))
        return 3;
    struct mosquitto *mosq = publisher.handle();
    for (qint64 i = 0; i < topics; ++i) {
        const QByteArray topic = topicFor(i, floors);
        const QByteArray payload = QByteArray::number(double(i % 400) / 10.0, 'f', 1);
        if (mosquitto_publish(mosq, nullptr, topic.constData(), int(payload.size()), payload.constData(), 0, true)
            != MOSQ_ERR_SUCCESS) {
            std::fprintf(stderr, "publisher: publish %lld failed\n", qlonglong(i));
            return 3;
        }
        if (i % 512 == 511) {
            while (mosquitto_want_write(mosq))
                mosquitto_loop(mosq, 10, 64);
        }
    }
    return publisher.finish() ? 0 : 3;
}

// The view's index for a row of the tree model, through whatever proxies the view shows.
QModelIndex viewIndexFor(QTreeView *view, const QModelIndex &treeIndex)
{
    QList<const QAbstractProxyModel *> chain;
    for (auto *proxy = qobject_cast<const QAbstractProxyModel *>(view->model()); proxy;
         proxy = qobject_cast<const QAbstractProxyModel *>(proxy->sourceModel()))
        chain.prepend(proxy);
    QModelIndex index = treeIndex;
    for (const QAbstractProxyModel *proxy : std::as_const(chain))
        index = proxy->mapFromSource(index);
    return index;
}

int failures = 0;

void check(bool ok, const char *what)
{
    if (!ok) {
        ++failures;
        std::printf("CHECK FAILED: %s\n", what);
    }
}

void row(const char *what, double value, const char *unit, const QString &target, bool pass, bool hasTarget = true)
{
    std::printf("  %-44s %12.1f %-3s  target %-12s %s\n", what, value, unit, qPrintable(target),
                hasTarget ? (pass ? "PASS" : "FAIL") : "");
    std::fflush(stdout);
}

// Sets the filter text as a keystroke does and waits until the view shows the whole result.
Keystroke typeFilter(ResourceTreeDock *dock, const QString &text, StallMonitor *monitor)
{
    // One character after a pause, as a user types looking at the result (keys typed faster
    // than this wait for typing to settle).
    QTest::qWait(ResourceTreeDock::kFilterDelayMs);
    monitor->start();
    const double cpuAtStart = bench::threadCpuMs();
    QElapsedTimer clock;
    clock.start();
    bool applied = false;
    double first = -1;
    const auto shown = [&] {
        // What the user sees: the view laid out and painted.
        dock->view()->viewport()->repaint();
        if (first < 0)
            first = double(clock.nsecsElapsed()) / 1e6;
    };
    const QMetaObject::Connection firstRows = QObject::connect(dock, &ResourceTreeDock::filterFirstRowsShown, shown);
    const QMetaObject::Connection done = QObject::connect(dock, &ResourceTreeDock::filterApplied, [&] { applied = true; });
    dock->searchField()->setText(text);
    waitFor([&] { return applied; }, 600000, 1);
    QObject::disconnect(done);
    QObject::disconnect(firstRows);
    check(applied, "the filter applies");
    dock->view()->viewport()->repaint();
    QCoreApplication::processEvents();
    Keystroke figures;
    figures.done = double(clock.nsecsElapsed()) / 1e6;
    figures.first = first < 0 ? figures.done : first;
    figures.cpu = bench::threadCpuMs() - cpuAtStart;
    QTest::qWait(30); // one more timer tick so a freeze at the end is counted
    monitor->stop();
    figures.stall = std::max(monitor->max(), 0.0);
    figures.cpuStall = std::max(monitor->cpuMax(), 0.0);
    return figures;
}

} // namespace

namespace {

// Issue 12 "Memory": the heap in use, with blocks malloc mapped on their own (what the window
// holds, without code, fonts and other mapped files).
double heapInUseMb()
{
#ifdef __GLIBC__
    const struct mallinfo2 info = mallinfo2();
    return double(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
#else
    return 0;
#endif
}

// Issue 12 "Memory": how much of the RSS is heap glibc keeps free (in the arenas of the threads
// that allocated it), and what a trim hands back.
void printHeap(double rss)
{
#ifdef __GLIBC__
    const struct mallinfo2 info = mallinfo2();
    const double mib = 1024.0 * 1024.0;
    std::printf("  %-44s %12.1f MB   (free in the arenas %.1f MB, mmapped %.1f MB)\n", "  heap in use",
                double(info.uordblks) / mib, double(info.fordblks) / mib, double(info.hblkhd) / mib);
    QElapsedTimer clock;
    clock.start();
    malloc_trim(0);
    const double trimMs = double(clock.nsecsElapsed()) / 1e6;
    std::printf("  %-44s %12.1f MB   (RSS after malloc_trim(0): %.1f MB, the trim took %.1f ms)\n",
                "  RSS now", rss, rssMb(), trimMs);
#else
    Q_UNUSED(rss);
#endif
}

} // namespace

int main(int argc, char **argv)
{
    if (argc >= 5 && std::strcmp(argv[1], "--publish") == 0)
        return publish(quint16(std::atoi(argv[2])), std::atoll(argv[3]), std::atoi(argv[4]));

    qputenv("QT_QPA_PLATFORM", "offscreen");
    bench::TracingApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    qint64 topics = quick ? 2000 : 1000000;
    int floors = 100;
    bool expandAll = false;
    bool skipFilter = false; // the filter before issue 12 froze for minutes at 100,000
    QString screenshot;      // the window under the filter "dev4", as a user sees it
    int filterRounds = 1;    // the keystrokes again on the same tree: their medians
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--topics") && i + 1 < args.size())
            topics = args.at(++i).toLongLong();
        else if (args.at(i) == QLatin1String("--floors") && i + 1 < args.size())
            floors = std::max(1, args.at(++i).toInt());
        else if (args.at(i) == QLatin1String("--expand-all"))
            expandAll = true;
        else if (args.at(i) == QLatin1String("--skip-filter"))
            skipFilter = true;
        else if (args.at(i) == QLatin1String("--screenshot") && i + 1 < args.size())
            screenshot = args.at(++i);
        else if (args.at(i) == QLatin1String("--filter-rounds") && i + 1 < args.size())
            filterRounds = std::max(1, args.at(++i).toInt());
        else {
            std::fprintf(stderr, "usage: bench_tree_scale [--topics N] [--floors F] [--expand-all] [--skip-filter] "
                                 "[--filter-rounds R] [--screenshot PNG]\n");
            return 2;
        }
    }
    if (topics < kBuildings) {
        std::fprintf(stderr, "--topics must be at least %d\n", kBuildings);
        return 2;
    }

    // Unlimited queues: every retained message reaches the window, none is dropped by the broker.
    testsupport::Mosquitto broker;
    if (const int exitCode = bench::startUnlimitedBroker(&broker); exitCode >= 0)
        return exitCode;
    QElapsedTimer publishClock;
    publishClock.start();
    QProcess publisher;
    publisher.setProcessChannelMode(QProcess::ForwardedChannels);
    publisher.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--publish"), QString::number(broker.port()),
                                                              QString::number(topics), QString::number(floors)});
    if (!publisher.waitForFinished(3600 * 1000) || publisher.exitCode() != 0) {
        std::fprintf(stderr, "publishing failed\n");
        return 1;
    }
    std::printf("bench_tree_scale: %lld retained topics (site/b0/f0/devN/metric, site/b1..9/f0..%d/devN/metric), published in %.1f s\n",
                qlonglong(topics), floors - 1, double(publishClock.elapsed()) / 1000.0);

    bench::BenchWindow bench;
    WindowModels &session = bench.session;
    MainWindow &window = bench.window;
    if (!bench.show())
        return 1;
    QTest::qWait(200);
    const double rssBefore = rssMb();
    const double heapBefore = heapInUseMb();

    // All in: one endpoint on the broker, only the bench's topics.
    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1").arg(broker.port()));
    const Workspace workspace = bench::mqttWorkspace(endpoint, QStringLiteral("bench"), QStringLiteral("Bench broker"),
                                                     QStringLiteral("site/#"));
    StallMonitor monitor;
    monitor.start();
    QElapsedTimer loadClock;
    loadClock.start();
    const double cpuAtStart = bench::threadCpuMs();
    window.workspace()->apply(workspace, QString());
    ResourceStore *store = session.store();
    const bool allIn = waitFor([&] { return store->size() >= topics; }, 3600 * 1000, 20);
    const double loadMs = double(loadClock.elapsed());
    // The window settles: no message for a second (a broker may send retained messages twice).
    quint64 seen = store->messagesIn();
    QElapsedTimer quiet;
    quiet.start();
    while (quiet.elapsed() < 1000) {
        QTest::qWait(50);
        if (store->messagesIn() != seen) {
            seen = store->messagesIn();
            quiet.restart();
        }
    }
    // And the tree has taken them all (it takes a flood in slices, after the store).
    ResourceTreeModel *tree = session.treeModel();
    const bool treeIn = waitFor([&] { return tree->waitingResources() == 0; }, 3600 * 1000, 20);
    const double settleMs = double(loadClock.elapsed());
    const double loadCpuMs = bench::threadCpuMs() - cpuAtStart;
    monitor.stop();
    const double loadP99 = monitor.percentile(0.99);
    const double loadMax = monitor.max();
    const double loadCpuP99 = monitor.cpuPercentile(0.99);
    const double loadCpuMax = monitor.cpuMax();
    check(allIn, "every topic reaches the store");
    check(treeIn, "the tree takes every topic");
    const ResourceId lastId = ResourceId::fromTopic(endpoint, QString::fromLatin1(topicFor(topics - 1, floors)));
    check(tree->indexForId(lastId).isValid(), "the last topic is in the tree");
    const double rssAfter = rssMb();

    ResourceTreeDock *dock = window.treeDock();
    QTreeView *view = dock->view();
    // Filter keystrokes: "dev" (everything), narrowing to "dev4", widening back, clearing; each
    // round again on the same tree, the figures are the rounds' medians.
    std::printf("bench_tree_scale: all in, filtering (pid %lld)\n", QCoreApplication::applicationPid());
    std::fflush(stdout);
    Keystroke dev, dev4, widen, clear;
    std::vector<Keystroke> devRounds, dev4Rounds, widenRounds, clearRounds;
    for (int round = 0; round < (skipFilter ? 0 : filterRounds); ++round) {
        devRounds.push_back(typeFilter(dock, QStringLiteral("dev"), &monitor));
        dev4Rounds.push_back(typeFilter(dock, QStringLiteral("dev4"), &monitor));
        // Correctness: under dev4, a dev4… row is shown and a dev5… row is not.
        {
            const ResourceId dev4Id = ResourceId::fromTopic(endpoint, QString::fromLatin1(topicFor(4, floors)));
            const ResourceId dev5Id = ResourceId::fromTopic(endpoint, QString::fromLatin1(topicFor(5, floors)));
            check(viewIndexFor(view, tree->indexForId(dev4Id)).isValid(), "dev4 shows under the filter dev4");
            check(!viewIndexFor(view, tree->indexForId(dev5Id)).isValid(), "dev5 is hidden under the filter dev4");
        }
        if (!screenshot.isEmpty() && round == 0) {
            QTest::qWait(1200); // column widths and the status bar settle
            window.grab().save(screenshot);
        }
        widenRounds.push_back(typeFilter(dock, QStringLiteral("dev"), &monitor));
        clearRounds.push_back(typeFilter(dock, QString(), &monitor));
        const auto print = [](const char *what, const Keystroke &k) {
            std::printf(" %s %.1f / %.1f / %.1f (cpu %.1f) / cpu %.1f ms;", what, k.first, k.done, k.stall, k.cpuStall, k.cpu);
        };
        std::printf("  round %d (first rows / done / worst stall (its GUI-thread CPU) / GUI-thread CPU):", round + 1);
        print("\"\" -> dev", devRounds.back());
        print("dev -> dev4", dev4Rounds.back());
        print("dev4 -> dev", widenRounds.back());
        print("cleared", clearRounds.back());
        std::printf("\n");
        std::fflush(stdout);
    }
    if (!skipFilter) {
        dev = medians(devRounds);
        dev4 = medians(dev4Rounds);
        widen = medians(widenRounds);
        clear = medians(clearRounds);
    }

    // Expand the widest node (site/b0/f0), everything else folded.
    view->collapseAll();
    QCoreApplication::processEvents();
    const QModelIndex wideTree = tree->indexForId(ResourceId::fromTopic(endpoint, QStringLiteral("site/b0/f0")));
    check(wideTree.isValid(), "site/b0/f0 is in the tree");
    const int wideChildren = tree->rowCount(wideTree);
    for (QModelIndex up = wideTree.parent(); up.isValid(); up = up.parent())
        view->expand(viewIndexFor(view, up));
    view->viewport()->repaint();
    QCoreApplication::processEvents();
    const QModelIndex wide = viewIndexFor(view, wideTree);
    check(wide.isValid(), "site/b0/f0 is in the view");
    monitor.start();
    QElapsedTimer expandClock;
    expandClock.start();
    view->expand(wide);
    view->viewport()->repaint();
    QCoreApplication::processEvents();
    const double expandMs = double(expandClock.nsecsElapsed()) / 1e6;
    check(view->isExpanded(wide) && view->model()->rowCount(wide) == wideChildren, "site/b0/f0 expanded with all its rows");
    // Scrolling to its end: the rows are really there.
    view->scrollTo(view->model()->index(wideChildren - 1, 0, wide));
    view->viewport()->repaint();
    QTest::qWait(30);
    monitor.stop();

    double expandAllMs = 0;
    double expandAllRss = 0;
    if (expandAll) {
        view->collapseAll();
        // Selecting the endpoint shows its details (a summary of everything under it): not timed.
        view->setCurrentIndex(viewIndexFor(view, tree->indexForId(endpoint)));
        QTest::qWait(500);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        const double rssFolded = rssMb();
        QElapsedTimer clock;
        clock.start();
        // The key and the layout and paint it causes; not the event loop after it, where the
        // details of the selected endpoint refresh every second (a walk over all its resources).
        QTest::keyClick(view, Qt::Key_Asterisk);
        view->viewport()->repaint();
        expandAllMs = double(clock.nsecsElapsed()) / 1e6;
        QCoreApplication::processEvents();
        expandAllRss = rssMb() - rssFolded;
    }

    const bool million = topics >= 1000000;
    const bool hundredK = topics >= 100000 && topics < 1000000;
    std::printf("  %-44s %12s %-3s  %-19s\n", "figure", "value", "", "target");
    row("RSS before (window, no endpoint)", rssBefore, "MB", QStringLiteral("-"), true, false);
    std::printf("  %-44s %12.1f MB   (the rest of it: code, fonts, shared memory)\n", "  of it heap in use (with mmapped blocks)", heapBefore);
    row("RSS all in", rssAfter, "MB", million ? QStringLiteral("<= 1024 MB") : hundredK ? QStringLiteral("<= 150 MB") : QStringLiteral("-"),
        million ? rssAfter <= 1024 : rssAfter <= 150, million || hundredK);
    std::printf("  %-44s %12.0f B\n", "  RSS growth per topic", (rssAfter - rssBefore) * 1024 * 1024 / double(topics));
    row("time to all in", loadMs / 1000.0, "s", QStringLiteral("-"), true, false);
    std::printf("  %-44s %12.1f s   (%llu messages in)\n", "  until no message for 1 s and all in the tree",
                settleMs / 1000.0, qulonglong(store->messagesIn()));
    std::printf("  %-44s %12.0f /s\n", "  topics per second", double(topics) * 1000.0 / std::max(1.0, loadMs));
    row("GUI stall while loading, p99", loadP99, "ms", QStringLiteral("< 50 ms"), loadP99 < 50);
    row("GUI stall while loading, max", loadMax, "ms", QStringLiteral("-"), true, false);
    std::printf("  %-44s %12.1f ms  (max %.1f ms)\n", "  the same from GUI-thread CPU time, p99", loadCpuP99, loadCpuMax);
    std::printf("  %-44s %12.1f s   (%.1f us a topic)\n", "  GUI-thread CPU time until all in the tree", loadCpuMs / 1000.0,
                loadCpuMs * 1000.0 / double(topics));
    const auto keystroke = [&](const char *what, const Keystroke &figures) {
        std::printf("  %s\n", what);
        row("    keystroke -> first rows shown", figures.first, "ms", QStringLiteral("< 500 ms"), figures.first < 500);
        row("    keystroke -> walk done, all shown", figures.done, "ms", QStringLiteral("< 500 ms"), figures.done < 500);
        row("    longest GUI-thread stall meanwhile", figures.stall, "ms", QStringLiteral("< 500 ms"), figures.stall < 500);
        std::printf("  %-44s %12.1f ms  (the GUI thread's CPU time in that stall: %.1f ms)\n",
                    "    GUI-thread CPU time until done", figures.cpu, figures.cpuStall);
    };
    if (!skipFilter) {
        keystroke("filter \"\" -> \"dev\" (all match)", dev);
        keystroke("filter \"dev\" -> \"dev4\" (narrowing)", dev4);
        keystroke("filter \"dev4\" -> \"dev\" (widening)", widen);
        keystroke("filter cleared", clear);
    }
    std::printf("  %-44s %12d rows\n", "widest node (site/b0/f0)", wideChildren);
    row("expand it", expandMs, "ms", QStringLiteral("<= 200 ms"), expandMs <= 200, wideChildren >= 100000);
    std::printf("  %-44s %12.1f ms\n", "  worst GUI stall meanwhile (incl. scroll)", monitor.max());
    if (expandAll) {
        row("expand all ('*' on the endpoint)", expandAllMs, "ms", QStringLiteral("-"), true, false);
        row("  RSS added by it", expandAllRss, "MB", QStringLiteral("-"), true, false);
    }
    printHeap(rssMb());
    std::printf("  (targets from issue 12; PASS / FAIL only where the issue sets one for this N)\n");
    std::fflush(stdout);

    window.workspace()->shutDownCleanly();
    if (failures > 0) {
        std::printf("%d correctness check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
