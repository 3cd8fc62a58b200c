#include "model/codecs/codecs.h"
#include "model/dashboard/dashboard.h"
#include "model/dashboard/decimation.h"
#include "model/dashboard/frameclock.h"
#include "model/dashboard/historyseriessource.h"
#include "model/dashboard/recordingseriessource.h"
#include "model/recording/recordingdatabase.h"
#include "model/resourcestore.h"
#include "model/workspace.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Update jsonUpdate(const QString &uri, const QByteArray &json, qint64 timeMs)
{
    Update u;
    u.id = rid(uri);
    Value value = codecs::decode(json, ContentFormat::Json);
    value.timeMs = timeMs;
    u.value = value;
    return u;
}

QJsonArray parseArray(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).array();
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripKeepsUnknownKeys();
    void shortSourceFormAndMissingIds();
    void problemsNameTheirPlace_data();
    void problemsNameTheirPlace();
    void placeFreeAvoidsOverlap();
    void fieldAtFollowsJsonPointers();
    void cborIntegerKeysAreFollowed();
    void historySourceSortsOutOfOrderTimes();
    void historySourceFollowsAField();
    void historySourceForgetsRemovedResources();
    void recordingFillsWhatHistoryLacks();
    void decimationKeepsEveryColumnsMinAndMax();
    void decimationKeepsNeighboursOutsideTheRange();
    void frameClockCoalescesAndIdles();
};

void TestDashboard::roundTripKeepsUnknownKeys()
{
    // Given a dashboards list with keys this version does not know, at every level
    const QJsonArray json = parseArray(R"([
        {"name": "Home", "columns": 6, "theme": "dark",
         "tiles": [{"id": "a", "kind": "chart", "title": "Temps", "column": 1, "row": 2, "columnSpan": 3, "rowSpan": 2,
                    "sources": [{"resource": "mqtt://127.0.0.1:1883/home/temp", "pointer": "/t", "color": "#ff0000",
                                 "smoothing": 3},
                                {"resource": "coap://127.0.0.1:5683/meter", "record": "voltage", "label": "V"}],
                    "options": {"window": 600, "future": true}, "pinned": true}]},
        {"name": "Empty"}])");
    // When it is parsed and written back
    DashboardProblem problem;
    const auto dashboards = Dashboard::parseList(json, &problem);
    QVERIFY2(dashboards, qPrintable(problem.message));
    QCOMPARE(dashboards->size(), 2);
    const Tile &tile = dashboards->at(0).tiles.at(0);
    QCOMPARE(tile.kind, TileKind::LineChart);
    QCOMPARE(tile.column, 1);
    QCOMPARE(tile.rowSpan, 2);
    QCOMPARE(tile.sources.size(), 2);
    QCOMPARE(tile.sources.at(0).pointer, QStringLiteral("/t"));
    QCOMPARE(tile.sources.at(1).seriesId(), rid("coap://127.0.0.1:5683/meter/voltage"));
    QCOMPARE(dashboards->at(1).columns, Dashboard::kDefaultColumns);
    const QJsonArray saved = Dashboard::listToJson(*dashboards);
    // Then the unknown keys survive, and parsing the saved form gives the same dashboards
    QCOMPARE(saved.at(0).toObject().value(QStringLiteral("theme")).toString(), QStringLiteral("dark"));
    const QJsonObject savedTile = saved.at(0).toObject().value(QStringLiteral("tiles")).toArray().at(0).toObject();
    QCOMPARE(savedTile.value(QStringLiteral("pinned")).toBool(), true);
    QCOMPARE(savedTile.value(QStringLiteral("options")).toObject().value(QStringLiteral("future")).toBool(), true);
    QCOMPARE(savedTile.value(QStringLiteral("sources")).toArray().at(0).toObject().value(QStringLiteral("smoothing")).toInt(),
             3);
    const auto again = Dashboard::parseList(saved, &problem);
    QVERIFY(again);
    QCOMPARE(*again, *dashboards);

    // And through a workspace file on disk
    Workspace workspace;
    workspace.setDashboards(saved);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("w.json"));
    QVERIFY(workspace.save(path));
    const auto loaded = Workspace::load(path);
    QVERIFY(loaded);
    const auto fromFile = Dashboard::parseList(loaded->dashboards(), &problem);
    QVERIFY(fromFile);
    QCOMPARE(*fromFile, *dashboards);
}

void TestDashboard::shortSourceFormAndMissingIds()
{
    // A source may be a bare URI; tiles without an id get one no other tile has.
    const QJsonArray json = parseArray(R"([{"name": "D", "tiles": [
        {"kind": "value", "sources": ["http://127.0.0.1:8080/things/lamp/properties/on"]},
        {"id": "t1", "kind": "gauge", "column": 1}]}])");
    DashboardProblem problem;
    const auto dashboards = Dashboard::parseList(json, &problem);
    QVERIFY2(dashboards, qPrintable(problem.message));
    const Dashboard &d = dashboards->first();
    QCOMPARE(d.tiles.at(0).sources.at(0).resource, rid("http://127.0.0.1:8080/things/lamp/properties/on"));
    QVERIFY(!d.tiles.at(0).id.isEmpty());
    QVERIFY(d.tiles.at(0).id != QStringLiteral("t1"));
    QCOMPARE(d.tiles.at(1).id, QStringLiteral("t1"));
}

void TestDashboard::problemsNameTheirPlace_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("words");
    QTest::newRow("not an object") << QByteArray(R"([3])") << "/dashboards/0" << "must be an object";
    QTest::newRow("no name") << QByteArray(R"([{"tiles": []}])") << "/dashboards/0" << "\"name\" must be a non-empty string";
    QTest::newRow("tiles not array") << QByteArray(R"([{"name": "a", "tiles": {}}])") << "/dashboards/0/tiles"
                                     << "must be an array";
    QTest::newRow("unknown kind") << QByteArray(R"([{"name": "a"}, {"name": "b", "tiles": [{"kind": "pie"}]}])")
                                  << "/dashboards/1/tiles/0/kind" << "unknown tile kind 'pie'";
    QTest::newRow("column outside") << QByteArray(R"([{"name": "a", "columns": 4, "tiles": [{"kind": "log", "column": 4}]}])")
                                    << "/dashboards/0/tiles/0/column" << "from 0 to 3";
    QTest::newRow("span too wide") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "log", "column": 2, "columnSpan": 3}]}])")
                                   << "/dashboards/0/tiles/0/columnSpan" << "from 1 to 2";
    QTest::newRow("fraction") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "log", "row": 1.5}]}])")
                              << "/dashboards/0/tiles/0/row" << "whole number";
    QTest::newRow("bad uri") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "log", "sources": [{"resource": "gopher://x/y"}]}]}])")
                             << "/dashboards/0/tiles/0/sources/0/resource" << "resource";
    QTest::newRow("bad pointer") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "chart", "sources": [{"resource": "mqtt://h/t", "pointer": "t"}]}]}])")
                                 << "/dashboards/0/tiles/0/sources/0/pointer" << "JSON pointer";
    QTest::newRow("source type") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "chart", "sources": [7]}]}])")
                                 << "/dashboards/0/tiles/0/sources/0" << "a URI or an object";
    QTest::newRow("duplicate id") << QByteArray(R"([{"name": "a", "tiles": [{"id": "x", "kind": "log"}, {"id": "x", "kind": "log", "row": 1}]}])")
                                  << "/dashboards/0/tiles/1/id" << "used twice";
    QTest::newRow("options") << QByteArray(R"([{"name": "a", "tiles": [{"kind": "gauge", "options": []}]}])")
                             << "/dashboards/0/tiles/0/options" << "must be an object";
}

void TestDashboard::problemsNameTheirPlace()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, pointer);
    QFETCH(QString, words);
    DashboardProblem problem;
    const auto dashboards = Dashboard::parseList(QJsonDocument::fromJson(json).array(), &problem);
    QVERIFY(!dashboards);
    QCOMPARE(problem.pointer(), pointer);
    QVERIFY2(problem.message.contains(words), qPrintable(problem.message));
    // The place can be shown as a line and column of the file
    const QByteArray file = "{\"dashboards\": " + json + "}";
    QVERIFY(Workspace::locateIn(file, problem.where).contains(QStringLiteral("line 1")));
}

void TestDashboard::placeFreeAvoidsOverlap()
{
    Dashboard d;
    d.columns = 3;
    Tile big;
    big.id = QStringLiteral("a");
    big.columnSpan = 2;
    big.rowSpan = 2;
    d.tiles.append(big);
    Tile next;
    next.id = QStringLiteral("b");
    QVERIFY(d.overlaps(next));
    d.placeFree(&next);
    QCOMPARE(next.column, 2);
    QCOMPARE(next.row, 0);
    QVERIFY(!d.overlaps(next));
    d.tiles.append(next);
    Tile wide;
    wide.id = QStringLiteral("c");
    wide.columnSpan = 2;
    d.placeFree(&wide);
    QCOMPARE(wide.row, 2);
    QCOMPARE(wide.column, 0);
}

void TestDashboard::fieldAtFollowsJsonPointers()
{
    const Value value = codecs::decode(R"({"sensors": [{"temp": 21.5}, {"temp": "22"}], "a/b": 1, "m~n": true})",
                                       ContentFormat::Json);
    QCOMPARE(SeriesSource::numberAt(value, QStringLiteral("/sensors/0/temp")), std::optional<double>(21.5));
    QCOMPARE(SeriesSource::numberAt(value, QStringLiteral("/sensors/1/temp")), std::optional<double>(22));
    QCOMPARE(SeriesSource::numberAt(value, QStringLiteral("/a~1b")), std::optional<double>(1));
    QCOMPARE(SeriesSource::numberAt(value, QStringLiteral("/m~0n")), std::optional<double>(1));
    QVERIFY(!SeriesSource::numberAt(value, QStringLiteral("/sensors/2/temp")));
    QVERIFY(!SeriesSource::numberAt(value, QStringLiteral("/sensors/01/temp")));
    QVERIFY(!SeriesSource::numberAt(value, QStringLiteral("/sensors")));
    QVERIFY(!SeriesSource::numberAt(value, QString()));
    QVERIFY(SeriesSource::fieldAt(value.decoded.get(), QStringLiteral("/sensors")).isArray());
}

void TestDashboard::cborIntegerKeysAreFollowed()
{
    // Given CBOR values with integer map keys (compact encodings, SenML labels), arriving in a store
    auto cborUpdate = [](const QString &uri, const QCborMap &map, qint64 timeMs) {
        Update u;
        u.id = rid(uri);
        Value value = codecs::decode(map.toCborValue().toCbor(), ContentFormat::Cbor);
        value.timeMs = timeMs;
        u.value = value;
        return u;
    };
    auto reading = [](double temp, double humidity) {
        QCborMap inner;
        inner.insert(2, temp);
        inner.insert(-3, humidity);
        QCborMap outer;
        outer.insert(1, inner);
        outer.insert(QStringLiteral("4"), 40);             // a text key that looks like a number
        outer.insert(4, 99);                               // and the integer key 4 beside it
        outer.insert(5, QCborArray{QCborMap{{0, temp * 2}}}); // integer keys under an array index
        return outer;
    };
    ResourceStore store;
    HistorySeriesSource source(&store);
    const QString uri = QStringLiteral("coap://127.0.0.1:5683/compact");
    store.ingest({cborUpdate(uri, reading(20.5, 40), 1000), cborUpdate(uri, reading(21, 41), 2000)});
    // When series follow pointers whose tokens are integers
    // Then the integer keys are found, negative ones too, and through arrays
    const std::vector<SeriesPoint> temps = {{1000, 20.5}, {2000, 21}};
    QCOMPARE(source.points(rid(uri), QStringLiteral("/1/2"), 0, 5000), temps);
    const std::vector<SeriesPoint> humidities = {{1000, 40}, {2000, 41}};
    QCOMPARE(source.points(rid(uri), QStringLiteral("/1/-3"), 0, 5000), humidities);
    const std::vector<SeriesPoint> doubled = {{1000, 41}, {2000, 42}};
    QCOMPARE(source.points(rid(uri), QStringLiteral("/5/0/0"), 0, 5000), doubled);
    // And a text key wins over the integer key with the same digits (JSON pointers name text)
    const std::vector<SeriesPoint> textKey = {{1000, 40}, {2000, 40}};
    QCOMPARE(source.points(rid(uri), QStringLiteral("/4"), 0, 5000), textKey);
    // And a key that is not there, or not an integer, gives no points rather than a wrong one
    QVERIFY(source.points(rid(uri), QStringLiteral("/1/3"), 0, 5000).empty());
    QVERIFY(source.points(rid(uri), QStringLiteral("/1/2.0"), 0, 5000).empty());
    // And only an integer's own spelling names an integer key ("01" or "+1" is not 1)
    QVERIFY(source.points(rid(uri), QStringLiteral("/01/2"), 0, 5000).empty());
    QVERIFY(source.points(rid(uri), QStringLiteral("/+1/2"), 0, 5000).empty());
}

void TestDashboard::historySourceSortsOutOfOrderTimes()
{
    // Given SenML records stamped by the device, arriving out of time order
    ResourceStore store;
    HistorySeriesSource source(&store);
    const QString uri = QStringLiteral("coap://127.0.0.1:5683/meter/voltage");
    store.ingest({jsonUpdate(uri, "230", 3000), jsonUpdate(uri, "228", 1000), jsonUpdate(uri, "231", 4000),
                  jsonUpdate(uri, "229", 2000)});
    // When the series is read
    const auto points = source.points(rid(uri), {}, 0, 10000);
    // Then it is sorted by time
    const std::vector<SeriesPoint> expected = {{1000, 228}, {2000, 229}, {3000, 230}, {4000, 231}};
    QCOMPARE(points, expected);
    // And time ranges cut it, ends included
    const std::vector<SeriesPoint> middle = {{2000, 229}, {3000, 230}};
    QCOMPARE(source.points(rid(uri), {}, 2000, 3000), middle);
    QVERIFY(source.points(rid(uri), {}, 5000, 6000).empty());
    // And the last N values come in time order too
    const QList<Value> last = source.values(rid(uri), 0, 10000, 2);
    QCOMPARE(last.size(), 2);
    QCOMPARE(last.at(0).timeMs, 3000);
    QCOMPARE(last.at(1).timeMs, 4000);
    QCOMPARE(source.revision(rid(uri)), quint64(4));
    QCOMPARE(source.revision(rid(QStringLiteral("coap://127.0.0.1:5683/none"))), quint64(0));
}

void TestDashboard::historySourceFollowsAField()
{
    ResourceStore store;
    HistorySeriesSource source(&store);
    const QString uri = QStringLiteral("mqtt://127.0.0.1:1883/house/climate");
    store.ingest({jsonUpdate(uri, R"({"sensors": [{"temp": 20}], "note": "x"})", 1000),
                  jsonUpdate(uri, R"({"sensors": []})", 2000), // nothing there: skipped
                  jsonUpdate(uri, R"({"sensors": [{"temp": 21.5}]})", 3000)});
    const std::vector<SeriesPoint> expected = {{1000, 20}, {3000, 21.5}};
    QCOMPARE(source.points(rid(uri), QStringLiteral("/sensors/0/temp"), 0, 5000), expected);
    QVERIFY(source.points(rid(uri), {}, 0, 5000).empty()); // the whole value is no number
}

void TestDashboard::historySourceForgetsRemovedResources()
{
    ResourceStore store;
    HistorySeriesSource source(&store);
    const QString uri = QStringLiteral("http://127.0.0.1:8080/t");
    store.ingest({jsonUpdate(uri, "1", 1000), jsonUpdate(uri, "2", 2000)});
    QCOMPARE(source.points(rid(uri), {}, 0, 5000).size(), size_t(2));
    store.remove({rid(uri)});
    QVERIFY(source.points(rid(uri), {}, 0, 5000).empty());
    QVERIFY(source.values(rid(uri), 0, 5000, 10).isEmpty());
}

void TestDashboard::recordingFillsWhatHistoryLacks()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("site.recording.sqlite"));
    const QString uri = QStringLiteral("mqtt://127.0.0.1:1883/plant/temp");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 twoHours = 2 * 3600 * 1000;
    // Given a real SQLite recording of the last two hours, one message a second, with a spike
    {
        RecordingDatabase db;
        QString error;
        QVERIFY2(db.open(path, {}, true, &error), qPrintable(error));
        QList<RecordedMessage> messages;
        for (int i = 0; i < 7200; ++i) {
            RecordedMessage m;
            m.timeMs = now - twoHours + qint64(i) * 1000;
            m.uri = uri;
            m.number = i == 3000 ? 99.0 : i == 3001 ? -5.0 : 20 + (i % 10) * 0.1;
            m.raw = QByteArray::number(*m.number);
            messages.append(m);
        }
        QVERIFY2(db.write(messages, &error), qPrintable(error));
    }
    // And an in-memory history of only the last minute
    ResourceStore store;
    QList<Update> recent;
    for (int i = 60; i > 0; --i)
        recent.append(jsonUpdate(uri, "21", now - qint64(i) * 1000));
    store.ingest(recent);
    HistorySeriesSource history(&store);
    RecordingSeriesSource source(&history);
    source.setDatabase(path);

    // When a chart asks for the last two hours
    const std::vector<SeriesPoint> first = source.points(rid(uri), {}, now - twoHours, now);
    // Then the live minute comes at once, and the recording is asked off this thread
    QCOMPARE(first, history.points(rid(uri), {}, now - twoHours, now));
    QCOMPARE(first.size(), size_t(60));
    QCOMPARE(source.pendingQueries(), 1);
    const quint64 before = source.revision(rid(uri));
    QSignalSpy filled(&source, &RecordingSeriesSource::filled);
    QVERIFY(filled.wait(30000));
    QCOMPARE(source.pendingQueries(), 0);
    QVERIFY2(source.lastError().isEmpty(), qPrintable(source.lastError()));
    // And once it is back the series changed revision and reaches back two hours, decimated
    QVERIFY(source.revision(rid(uri)) != before);
    const std::vector<SeriesPoint> all = source.points(rid(uri), {}, now - twoHours, now);
    QVERIFY2(all.size() > first.size() + 100, qPrintable(QString::number(all.size())));
    QVERIFY(all.size() <= first.size() + 2 * RecordingSeriesSource::kDefaultBuckets + 4);
    QVERIFY(std::is_sorted(all.begin(), all.end(), [](const SeriesPoint &a, const SeriesPoint &b) { return a.timeMs < b.timeMs; }));
    QVERIFY(all.front().timeMs < now - twoHours + 60000);
    // The spike's highest and lowest survive the buckets
    QVERIFY(std::any_of(all.begin(), all.end(), [](const SeriesPoint &p) { return p.value == 99.0; }));
    QVERIFY(std::any_of(all.begin(), all.end(), [](const SeriesPoint &p) { return p.value == -5.0; }));
    // The recording fills only what comes before the history; the history follows as it was
    QVERIFY(std::equal(first.begin(), first.end(), all.end() - qsizetype(first.size())));
    QVERIFY((all.end() - qsizetype(first.size()) - 1)->timeMs < first.front().timeMs);

    // When the live window slides on a little, no new query is needed
    const std::vector<SeriesPoint> slid = source.points(rid(uri), {}, now - twoHours + 500, now + 500);
    QCOMPARE(source.pendingQueries(), 0);
    QVERIFY(slid.size() >= first.size());
    // A field of the value (a JSON pointer) stays live: the recording has one number a message
    QVERIFY(source.points(rid(uri), QStringLiteral("/x"), now - twoHours, now).empty());
    QCOMPARE(source.pendingQueries(), 0);

    // And a recording that is not there leaves the live part, with the reason, and no freeze
    RecordingSeriesSource missing(&history);
    missing.setDatabase(dir.filePath(QStringLiteral("none.sqlite")));
    QSignalSpy missingFilled(&missing, &RecordingSeriesSource::filled);
    QCOMPARE(missing.points(rid(uri), {}, now - twoHours, now), first);
    QVERIFY(missingFilled.wait(30000));
    QVERIFY(!missing.lastError().isEmpty());
    QCOMPARE(missing.points(rid(uri), {}, now - twoHours, now), first);
    QCOMPARE(missing.pendingQueries(), 0); // not asked again and again
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("none.sqlite"))));
}

void TestDashboard::decimationKeepsEveryColumnsMinAndMax()
{
    // Given a noisy series with spikes, far more points than columns
    QRandomGenerator random(42);
    std::vector<SeriesPoint> points;
    qint64 t = 0;
    for (int i = 0; i < 100000; ++i) {
        t += 1 + random.bounded(20);
        double v = random.generateDouble();
        if (random.bounded(1000) == 0)
            v = (random.bounded(2) ? 1 : -1) * 100.0 * random.generateDouble(); // a spike
        points.push_back({t, v});
    }
    for (const int columns : {1, 7, 640, 1366, 200000}) {
        const qint64 from = points.front().timeMs + 1234;
        const qint64 to = points.back().timeMs - 999;
        // When it is decimated for that many pixel columns
        const auto out = decimateMinMax(points, from, to, columns);
        // Then every column's min and max over the input are there, at most two points per column
        const double span = double(to - from) + 1.0;
        auto columnOf = [&](qint64 time) { return std::min(columns - 1, int(double(time - from) * columns / span)); };
        std::map<int, std::pair<double, double>> inMinMax;
        std::map<int, std::pair<double, double>> outMinMax;
        std::map<int, int> outCount;
        for (const SeriesPoint &p : points) {
            if (p.timeMs < from || p.timeMs > to)
                continue;
            auto [it, added] = inMinMax.try_emplace(columnOf(p.timeMs), p.value, p.value);
            it->second.first = std::min(it->second.first, p.value);
            it->second.second = std::max(it->second.second, p.value);
        }
        for (const SeriesPoint &p : out) {
            if (p.timeMs < from || p.timeMs > to)
                continue;
            auto [it, added] = outMinMax.try_emplace(columnOf(p.timeMs), p.value, p.value);
            it->second.first = std::min(it->second.first, p.value);
            it->second.second = std::max(it->second.second, p.value);
            ++outCount[columnOf(p.timeMs)];
        }
        QCOMPARE(outMinMax, inMinMax);
        for (const auto &[column, count] : outCount)
            QVERIFY2(count <= 2, qPrintable(QStringLiteral("column %1 has %2 points").arg(column).arg(count)));
        // And the output is a time-sorted subset of the input
        QVERIFY(std::is_sorted(out.begin(), out.end(),
                               [](const SeriesPoint &a, const SeriesPoint &b) { return a.timeMs < b.timeMs; }));
        for (const SeriesPoint &p : out) {
            const auto found = std::lower_bound(points.begin(), points.end(), p.timeMs,
                                                [](const SeriesPoint &a, qint64 time) { return a.timeMs < time; });
            QVERIFY(found != points.end() && *found == p);
        }
        QVERIFY(out.size() <= size_t(2 * columns + 2));
    }
}

void TestDashboard::decimationKeepsNeighboursOutsideTheRange()
{
    const std::vector<SeriesPoint> points = {{0, 1}, {10, 2}, {20, 3}, {30, 4}, {40, 5}};
    const std::vector<SeriesPoint> expected = {{10, 2}, {20, 3}, {30, 4}, {40, 5}};
    QCOMPARE(decimateMinMax(points, 15, 35, 100), expected);
    QVERIFY(decimateMinMax(points, 15, 35, 0).empty());
    QVERIFY(decimateMinMax({}, 0, 10, 10).empty());
}

void TestDashboard::frameClockCoalescesAndIdles()
{
    // Given a clock nobody asked anything of: nothing is due
    FrameClock clock;
    QSignalSpy frames(&clock, &FrameClock::frame);
    QVERIFY(!clock.isPending());
    // When many changes come at once, they make one frame
    for (int i = 0; i < 1000; ++i)
        clock.requestFrame();
    QVERIFY(frames.wait(10000));
    QCOMPARE(frames.count(), 1);
    // Then with nothing changed since, no frame is due
    QVERIFY(!clock.isPending());
    // And a change right after a frame waits for the interval: never more than 20 frames a second
    QElapsedTimer sinceFrame;
    sinceFrame.start();
    clock.requestFrame();
    QVERIFY(clock.isPending());
    QVERIFY(frames.wait(10000));
    QVERIFY2(sinceFrame.elapsed() >= FrameClock::kIntervalMs - 2, qPrintable(QString::number(sinceFrame.elapsed())));
    QCOMPARE(frames.count(), 2);
    QCOMPARE(clock.frameCount(), quint64(2));
}

QTEST_GUILESS_MAIN(TestDashboard)
#include "tst_dashboard.moc"
