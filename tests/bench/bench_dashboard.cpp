// Dashboards under load.
// 1. One line chart of 10 series x 100,000 points, drawn offscreen (refresh + render): median
//    frame time with min/max decimation, and without it (every point handed to the chart) as
//    the baseline, in the same run.
// 2. A 20-tile dashboard shown on the loaded simulated site (--devices 50 --rate 20): GUI stall
//    (the lateness of a 10 ms timer, bench_gui_stall's method) idle, loaded without the
//    dashboard, and loaded with it.
// Prints figures and ratios; asserts nothing about time. THINGSCAPE_BENCH_QUICK=1 makes it small.
#include "benchwindow.h"
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/dashboard/dashboardsdock.h"
#include "ui/dashboard/dashboardview.h"
#include "ui/dashboard/linecharttile.h"
#include "ui/mainwindow.h"
#include "ui/streamdock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace thingscape;
using bench::Stalls;

namespace {

// Series held in memory, as a recording would give them.
class VectorSource : public SeriesSource
{
public:
    std::map<QString, std::vector<SeriesPoint>> series;

    std::vector<SeriesPoint> points(const ResourceId &id, const QString &, qint64 fromMs, qint64 toMs) const override
    {
        const auto it = series.find(id.toString());
        if (it == series.end())
            return {};
        const auto &all = it->second;
        const auto first = std::lower_bound(all.begin(), all.end(), fromMs,
                                            [](const SeriesPoint &p, qint64 t) { return p.timeMs < t; });
        const auto last = std::upper_bound(all.begin(), all.end(), toMs,
                                           [](qint64 t, const SeriesPoint &p) { return t < p.timeMs; });
        return std::vector<SeriesPoint>(first, last);
    }
    QList<Value> values(const ResourceId &, qint64, qint64, qsizetype) const override { return {}; }
    quint64 revision(const ResourceId &) const override { return 1; }
};

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

} // namespace

class BenchDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chartFrameTime();
    void dashboardStallUnderLoad();
};

void BenchDashboard::chartFrameTime()
{
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int seriesCount = 10;
    const int pointsPerSeries = quick ? 10000 : 100000;
    const int frames = quick ? 3 : 15;
    VectorSource source;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = 86400000; // the 24 h window
    Tile tile;
    tile.id = QStringLiteral("big");
    tile.kind = TileKind::LineChart;
    tile.columnSpan = 2;
    tile.options.insert(QStringLiteral("window"), 86400);
    QRandomGenerator random(7);
    for (int s = 0; s < seriesCount; ++s) {
        const QString uri = QStringLiteral("mqtt://127.0.0.1:1/series/%1").arg(s);
        TileSource ts;
        ts.resource = *ResourceId::parse(uri);
        tile.sources.append(ts);
        std::vector<SeriesPoint> &points = source.series[uri];
        points.reserve(size_t(pointsPerSeries));
        double v = s * 10;
        for (int i = 0; i < pointsPerSeries; ++i) {
            v += random.generateDouble() - 0.5;
            points.push_back({now - span + qint64(i) * span / pointsPerSeries, v});
        }
    }
    TileContext context;
    context.source = &source;
    LineChartTile chart(tile, context);
    chart.resize(1200, 500);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    // Median ms of a whole frame, and of its two halves: data (read, decimate, hand to the
    // chart) and render.
    struct Frame
    {
        double total = 0;
        double data = 0;
        double render = 0;
    };
    auto frameTimes = [&](bool decimate, size_t *drawnPoints) {
        chart.setDecimation(decimate);
        QList<double> totals;
        QList<double> datas;
        QList<double> renders;
        for (int f = 0; f < frames + 1; ++f) {
            QElapsedTimer timer;
            timer.start();
            chart.refresh(now, true);
            const qint64 dataNs = timer.nsecsElapsed();
            const QPixmap frame = chart.surface()->grab(); // renders every series
            const qint64 totalNs = timer.nsecsElapsed();
            if (f > 0) { // the first frame builds the series objects
                totals.append(double(totalNs) / 1e6);
                datas.append(double(dataNs) / 1e6);
                renders.append(double(totalNs - dataNs) / 1e6);
            }
            Q_UNUSED(frame);
        }
        *drawnPoints = 0;
        for (const ChartSeriesData &data : chart.drawn())
            *drawnPoints += data.points.size();
        return Frame{median(totals), median(datas), median(renders)};
    };
    size_t decimatedPoints = 0;
    size_t fullPoints = 0;
    const Frame withFrame = frameTimes(true, &decimatedPoints);
    // THINGSCAPE_BENCH_NO_BASELINE=1 (for a profile of the decimated path alone) skips the baseline.
    const bool baseline = !qEnvironmentVariableIsSet("THINGSCAPE_BENCH_NO_BASELINE");
    const Frame withoutFrame = baseline ? frameTimes(false, &fullPoints) : Frame{};
    if (!baseline)
        fullPoints = size_t(seriesCount) * size_t(pointsPerSeries);
    const double with = withFrame.total;
    const double without = withoutFrame.total;
    std::printf("Line chart, %d series x %d points, %d px plot, offscreen (refresh + render), median of %d frames\n",
                seriesCount, pointsPerSeries, chart.surface()->plotColumns(), frames);
    std::printf("  with min/max decimation : %8.2f ms/frame  (data %.2f + render %.2f; %zu points drawn)\n", with,
                withFrame.data, withFrame.render, decimatedPoints);
    std::printf("  without (baseline)      : %8.2f ms/frame  (data %.2f + render %.2f; %zu points drawn)\n", without,
                withoutFrame.data, withoutFrame.render, fullPoints);
    std::printf("  ratio without/with      : %8.1fx   target with < 16 ms: %s\n", with > 0 ? without / with : 0.0,
                with < 16 ? "met" : "NOT met");
    std::fflush(stdout);
    // Sanity, not timing: decimation kept at most ~2 points per column per series, the baseline all.
    QCOMPARE(fullPoints, size_t(seriesCount) * size_t(pointsPerSeries));
    QVERIFY(decimatedPoints <= size_t(seriesCount) * size_t(2 * chart.surface()->plotColumns() + 2));
    QVERIFY(decimatedPoints > 0);
}

void BenchDashboard::dashboardStallUnderLoad()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int devices = quick ? 5 : 50;
    const int rate = quick ? 5 : 20;
    const int durationMs = quick ? 3000 : 20000;
    testsupport::Simulator sim;
    QVERIFY(bench::startSimulator(&sim, devices, rate));

    bench::BenchWindow bench;
    WindowModels &session = bench.session;
    MainWindow &window = bench.window;
    QVERIFY(bench.show());
    const Stalls idle = bench::measureStalls(durationMs);

    Workspace workspace = DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http);
    workspace.setDashboards({});
    window.workspace()->apply(workspace, QString());
    QVERIFY(bench::waitForDemoSite(&session, devices));
    QTest::qWait(2000);
    quint64 before = 0;

    // 20 tiles over the first five device sets: a chart of two CoAP sensors, a gauge of an HTTP
    // property, a value of an MQTT JSON field, a state of a CoAP door.
    Dashboard dashboard;
    dashboard.name = QStringLiteral("Load");
    dashboard.columns = 4;
    auto source = [](const QString &uri, const QString &pointer = {}) {
        TileSource s;
        s.resource = *ResourceId::parse(uri);
        s.pointer = pointer;
        return s;
    };
    for (int k = 1; k <= 5; ++k) {
        const QString n = devices > 1 ? QStringLiteral("-%1").arg(k) : QString();
        Tile chart;
        chart.kind = TileKind::LineChart;
        chart.sources = {source(sim.coap + QStringLiteral("/sensors/temperature") + n),
                         source(sim.coap + QStringLiteral("/sensors/humidity") + n)};
        chart.options.insert(QStringLiteral("window"), 60);
        Tile gauge;
        gauge.kind = TileKind::Gauge;
        gauge.sources = {source(sim.http + QStringLiteral("/things/air-quality-monitor") + n + QStringLiteral("/properties/co2"))};
        Tile value;
        value.kind = TileKind::Value;
        value.sources = {source(sim.mqtt + QStringLiteral("/site/door-sensor") + n + QStringLiteral("/telemetry"),
                                QStringLiteral("/temperature"))};
        Tile door;
        door.kind = TileKind::State;
        door.sources = {source(sim.coap + QStringLiteral("/sensors/door") + n)};
        for (Tile tile : {chart, gauge, value, door}) {
            tile.id = dashboard.freeTileId();
            dashboard.placeFree(&tile);
            dashboard.tiles.append(tile);
        }
    }
    QCOMPARE(dashboard.tiles.size(), 20);
    DashboardsDock *dock = window.dashboardsDock();
    dock->applySnapshot({dashboard});
    dock->show();
    dock->raise();
    window.resizeDocks({dock}, {560}, Qt::Vertical);
    QTest::qWait(2000);
    const quint64 framesBefore = dock->frameClock()->frameCount();
    before = session.store()->messagesIn();
    const Stalls withDashboard = bench::measureStalls(durationMs);
    const double rateDash = double(session.store()->messagesIn() - before) * 1000.0 / durationMs;
    const quint64 frames = dock->frameClock()->frameCount() - framesBefore;
    int bound = 0;
    quint64 sourceUpdates = 0;
    for (const Tile &tile : dashboard.tiles) {
        if (const Resource *resource = session.store()->find(tile.sources.first().seriesId())) {
            ++bound;
            sourceUpdates += resource->updateCount();
        }
    }
    std::printf("  %d of 20 tiles bound to a resource; their first sources had %llu updates in all\n", bound,
                static_cast<unsigned long long>(sourceUpdates));
    // The same load with the dashboard out of sight (its tab behind another: nothing drawn).
    window.streamDock()->raise();
    QTest::qWait(1000);
    before = session.store()->messagesIn();
    const Stalls loaded = bench::measureStalls(durationMs);
    const double rateIn = double(session.store()->messagesIn() - before) * 1000.0 / durationMs;

    std::printf("GUI event-loop stall (lateness of a 10 ms timer), %d s each, %d device sets at %d Hz\n",
                durationMs / 1000, devices, rate);
    std::printf("  idle                  : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks)\n", idle.median, idle.p99,
                idle.max, idle.samples);
    std::printf("  loaded, no dashboard  : median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks), %.0f messages/s\n",
                loaded.median, loaded.p99, loaded.max, loaded.samples, rateIn);
    std::printf("  loaded, 20 tiles shown: median %.2f ms  p99 %.2f ms  max %.2f ms  (%d ticks), %.0f messages/s, "
                "%.1f frames/s\n",
                withDashboard.median, withDashboard.p99, withDashboard.max, withDashboard.samples, rateDash,
                double(frames) * 1000.0 / durationMs);
    std::printf("  ratio 20 tiles / no dashboard: p99 %.2f   target p99 < 50 ms: %s\n",
                loaded.p99 > 0 ? withDashboard.p99 / loaded.p99 : 0.0, withDashboard.p99 < 50 ? "met" : "NOT met");
    std::fflush(stdout);
    QVERIFY(withDashboard.samples > 0);
    QVERIFY(rateDash > 0);
    QVERIFY(frames > 0);
    QVERIFY(frames <= quint64(durationMs / FrameClock::kIntervalMs + 2)); // the clock's cap, not a timing
    window.workspace()->shutDownCleanly();
}

QTEST_MAIN(BenchDashboard)
#include "bench_dashboard.moc"
