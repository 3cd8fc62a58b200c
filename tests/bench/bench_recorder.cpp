// Recorder benchmark, three parts, each against a baseline measured in the same run:
//  1. the bench_mqtt_ingest flood (~100-byte JSON on 10,000 topics, queued for a persistent
//     session, drained by MqttConnector + ResourceStore) with recording off and on, alternating,
//     medians of the ingest rates and their ratio (target >= 0.8); recorded rows must equal
//     delivered messages; bytes per recorded message (target <= 150 B);
//  2. a recording of THINGSCAPE_BENCH_ROWS rows (default 10 million: 100 resources over 10 days,
//     100-byte payloads with a number), written directly, not over MQTT, kept in
//     THINGSCAPE_BENCH_DB when set (reused by the next run): the last hour of one resource
//     (target < 100 ms) and 24 h of 10 resources decimated to 1000 buckets (target < 300 ms),
//     medians of 7, against a full count of the table;
//  3. bytes per row of that recording;
//  4. bytes per recorded ~100-byte message with many messages per resource (1,000 resources x
//     200 rounds through a store and the recorder, no broker), so the interned URIs are
//     amortised as in a recording that runs for a while (target <= 150 B).
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): small counts; checks only that every delivered
// message was recorded and that the queries return what was written; no timing.
// For a profile (callgrind: instructions per message, recording on minus off):
// THINGSCAPE_BENCH_TOPICS / _ROUNDS / _PAIRS set the flood, THINGSCAPE_BENCH_FLOOD=off|on runs
// only that side, THINGSCAPE_BENCH_INGEST_ONLY=1 skips parts 2-4.

#include "benchingest.h"
#include "benchstats.h"
#include "testsupport.h"

#include "model/recording/recordingconfig.h"
#include "model/recording/recordingdatabase.h"
#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "protocols/engine/recorder.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace thingscape;
using Clock = std::chrono::steady_clock;

namespace {

using benchingest::Params;
using bench::median;

constexpr const char *kSessionId = "bench-recorder-session";

struct Run
{
    double rate = 0;      // messages per second into the store
    bool complete = false;
    qint64 recorded = -1; // rows in the recording after the run (recording on)
    double bytesPerRow = 0;
};

void waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs) {
        QEventLoop loop;
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
}

// The headless connector feeding a store, recording into database when it is not empty.
Run runConnector(quint16 port, const Params &params, const QString &database)
{
    const int expected = params.topics * params.rounds;
    if (!benchingest::queueMessages(port, kSessionId, params.topics, params.rounds))
        return {};
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), port, {});
    config.clientId = QString::fromLatin1(kSessionId);
    config.cleanSession = false;
    MqttConnector connector(config);
    connector.setSubscribeQos(1);
    ResourceStore store;
    std::unique_ptr<Recorder> recorder;
    if (!database.isEmpty()) {
        QFile::remove(database);
        QFile::remove(database + QStringLiteral("-wal"));
        recorder = std::make_unique<Recorder>(&store);
        RecordingConfig recording;
        recording.enabled = true;
        recorder->start(recording, database);
        waitUntil([&] { return recorder->state() != Recorder::State::Opening; }, 30000);
        if (recorder->state() != Recorder::State::Recording) {
            std::fprintf(stderr, "recorder: %s\n", qPrintable(recorder->error()));
            return {};
        }
    }
    QEventLoop loop;
    Clock::time_point last;
    QObject::connect(&connector, &Connector::updatesReady, &store, [&](const UpdateBatch &batch) {
        store.ingest(batch);
        if (store.messagesIn() >= quint64(expected) && loop.isRunning()) {
            last = Clock::now();
            loop.quit();
        }
    });
    const Clock::time_point start = Clock::now();
    if (!QCoro::waitFor(connector.connectToEndpoint()).ok()) {
        std::fprintf(stderr, "connector: cannot connect\n");
        return {};
    }
    if (!QCoro::waitFor(connector.observe(ResourceId::fromTopic(config.url, QStringLiteral("bench/#")))).ok()) {
        std::fprintf(stderr, "connector: cannot subscribe\n");
        return {};
    }
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);
    if (store.messagesIn() < quint64(expected))
        loop.exec();
    else
        last = Clock::now();
    connector.flush();
    Run run;
    run.complete = store.messagesIn() == quint64(expected);
    const double seconds = std::chrono::duration<double>((run.complete ? last : Clock::now()) - start).count();
    run.rate = double(store.messagesIn()) / seconds;
    if (!run.complete)
        std::fprintf(stderr, "connector: %llu of %d messages\n", static_cast<unsigned long long>(store.messagesIn()), expected);
    connector.disconnectFromEndpoint();
    if (recorder) {
        recorder->flush();
        if (recorder->stats().dropped > 0)
            std::fprintf(stderr, "recorder: %llu events dropped\n", static_cast<unsigned long long>(recorder->stats().dropped));
        recorder->stop();
        RecordingDatabase db;
        QString error;
        if (!db.open(database, {}, false, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return {};
        }
        run.recorded = db.rowCount();
        // Checkpointed, so the file holds every row and the WAL is empty.
        db.close();
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("checkpoint"));
            raw.setDatabaseName(database);
            raw.open();
            QSqlQuery(raw).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("checkpoint"));
        run.bytesPerRow = double(QFileInfo(database).size() + QFileInfo(database + QStringLiteral("-wal")).size())
            / double(std::max<qint64>(1, run.recorded));
        if (run.recorded != expected) {
            std::fprintf(stderr, "recorder: %lld rows for %d delivered messages\n", static_cast<long long>(run.recorded), expected);
            run.complete = false;
        }
    }
    return run;
}

// Checkpointed first, so the file holds every row and the WAL is empty.
qint64 checkpointedSize(const QString &database)
{
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("checkpoint-size"));
        raw.setDatabaseName(database);
        raw.open();
        QSqlQuery(raw).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("checkpoint-size"));
    return QFileInfo(database).size() + QFileInfo(database + QStringLiteral("-wal")).size();
}

// Part 4: resources x rounds ~100-byte JSON messages through a store into the recorder (as the
// flood's, one round after another), then the file's bytes per row; -1 on a failure.
double bytesPerMessage(const QString &database, int resources, int rounds)
{
    QFile::remove(database);
    QFile::remove(database + QStringLiteral("-wal"));
    ResourceStore store;
    Recorder recorder(&store);
    RecordingConfig recording;
    recording.enabled = true;
    recorder.start(recording, database);
    waitUntil([&] { return recorder.state() != Recorder::State::Opening; }, 30000);
    if (recorder.state() != Recorder::State::Recording) {
        std::fprintf(stderr, "recorder: %s\n", qPrintable(recorder.error()));
        return -1;
    }
    const ResourceId endpoint = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), 1883, {});
    QList<ResourceId> ids;
    for (int topic = 0; topic < resources; ++topic)
        ids.append(ResourceId::fromTopic(endpoint, QStringLiteral("site/dev%1/sensor%2").arg(topic / 10).arg(topic % 10)));
    qint64 timeMs = QDateTime::currentMSecsSinceEpoch();
    for (int round = 0; round < rounds; ++round) {
        UpdateBatch batch;
        batch.reserve(resources);
        for (int topic = 0; topic < resources; ++topic) {
            Update update;
            update.id = ids.at(topic);
            update.value = codecs::decode(benchingest::payloadFor(topic, round), -1, {}, timeMs++);
            batch.append(std::move(update));
        }
        store.ingestFrom(Cause::endpoint(QStringLiteral("broker")), batch);
        recorder.flush();
    }
    recorder.stop();
    RecordingDatabase db;
    QString error;
    if (!db.open(database, {}, false, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return -1;
    }
    const qint64 written = db.rowCount();
    db.close();
    if (written != qint64(resources) * rounds) {
        std::fprintf(stderr, "recorder: %lld rows for %d messages\n", static_cast<long long>(written), resources * rounds);
        return -1;
    }
    return double(checkpointedSize(database)) / double(written);
}

QString resourceUri(int i)
{
    return QStringLiteral("mqtt://127.0.0.1:1883/site/room%1/temperature").arg(i);
}

constexpr int kResources = 100;
constexpr qint64 kSpanMs = 10LL * 86400000LL;

// Writes rows rows over the last 10 days, round-robin over the resources, in 50,000-row batches.
bool generate(const QString &database, qint64 rows, qint64 endMs)
{
    RecordingDatabase db;
    QString error;
    if (!db.open(database, {}, true, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return false;
    }
    const qint64 stepMs = std::max<qint64>(1, kSpanMs / rows);
    const qint64 startMs = endMs - rows * stepMs;
    QList<RecordedMessage> batch;
    const Cause cause = Cause::endpoint(QStringLiteral("broker"));
    QElapsedTimer clock;
    clock.start();
    for (qint64 i = 0; i < rows; ++i) {
        RecordedMessage m;
        m.timeMs = startMs + i * stepMs;
        m.uri = resourceUri(int(i % kResources));
        m.cause = cause;
        m.contentFormat = 50;
        const double value = 20.0 + double(i % 1000) / 100.0;
        m.number = value;
        QByteArray payload = QByteArrayLiteral("{\"temperature\":") + QByteArray::number(value, 'f', 2) + QByteArrayLiteral(",\"seq\":")
            + QByteArray::number(i) + QByteArrayLiteral(",\"note\":\"");
        payload += QByteArray(std::max<qsizetype>(0, 98 - payload.size()), 'x') + "\"}";
        m.raw = payload;
        batch.append(std::move(m));
        if (batch.size() == 50000 || i + 1 == rows) {
            if (!db.write(batch, &error)) {
                std::fprintf(stderr, "%s\n", qPrintable(error));
                return false;
            }
            batch.clear();
            if ((i + 1) % 1000000 == 0) {
                std::printf("  generated %lld rows (%.0f rows/s)\n", static_cast<long long>(i + 1), double(i + 1) * 1000.0 / double(clock.elapsed()));
                std::fflush(stdout);
            }
        }
    }
    return true;
}

double msSince(const QElapsedTimer &clock)
{
    return double(clock.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") == 1;
    Params params = Params::forMode(quick);
    if (qEnvironmentVariableIsSet("THINGSCAPE_BENCH_TOPICS"))
        params.topics = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_TOPICS");
    if (qEnvironmentVariableIsSet("THINGSCAPE_BENCH_ROUNDS"))
        params.rounds = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_ROUNDS");
    if (qEnvironmentVariableIsSet("THINGSCAPE_BENCH_PAIRS"))
        params.pairs = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_PAIRS");
    const QString floodSide = qEnvironmentVariable("THINGSCAPE_BENCH_FLOOD");
    QTemporaryDir dir;
    bool ok = true;

    // 1. Ingest with recording off and on.
    testsupport::Mosquitto broker;
    if (!benchingest::startBroker(broker))
        return 2;
    std::printf("Recording while ingesting: %d topics x %d rounds = %d messages of ~100 bytes, %d alternating pairs%s\n",
                params.topics, params.rounds, params.topics * params.rounds, params.pairs,
                quick ? " (quick: every message must be recorded, no timing)" : "");
    std::vector<double> off;
    std::vector<double> on;
    std::vector<double> bytes;
    const QString flood = dir.filePath(QStringLiteral("flood.sqlite"));
    for (int pair = 0; pair < params.pairs; ++pair) {
        Run a;
        Run b;
        if (floodSide == QLatin1String("off") || floodSide == QLatin1String("on")) {
            Run &only = floodSide == QLatin1String("off") ? a : b;
            only = runConnector(broker.port(), params, floodSide == QLatin1String("on") ? flood : QString());
            std::printf("run %d: recording %s %.0f msgs/s%s\n", pair + 1, qPrintable(floodSide), only.rate,
                        only.complete ? "" : " (incomplete)");
            ok = ok && only.complete;
            continue;
        }
        if (pair % 2 == 0) {
            a = runConnector(broker.port(), params, {});
            b = runConnector(broker.port(), params, flood);
        } else {
            b = runConnector(broker.port(), params, flood);
            a = runConnector(broker.port(), params, {});
        }
        ok = ok && a.complete && b.complete;
        off.push_back(a.rate);
        on.push_back(b.rate);
        bytes.push_back(b.bytesPerRow);
        std::printf("run %d: recording off %.0f msgs/s, on %.0f msgs/s, ratio %.2f; %lld rows recorded, %.1f bytes per row\n",
                    pair + 1, a.rate, b.rate, b.rate / a.rate, static_cast<long long>(b.recorded), b.bytesPerRow);
        std::fflush(stdout);
    }
    if (!floodSide.isEmpty()) {
        // One side only (for a profile): nothing to compare.
        mosquitto_lib_cleanup();
        return ok ? 0 : 1;
    }
    const double ratio = median(on) / median(off);
    std::printf("median: off %.0f msgs/s, on %.0f msgs/s, ratio %.2f (target >= 0.8) %s; %.1f bytes per recorded ~100-byte message "
                "(target <= 150) %s\n",
                median(off), median(on), ratio, quick ? "(quick)" : ratio >= 0.8 ? "PASS" : "FAIL", median(bytes),
                quick ? "(quick)" : median(bytes) <= 150 ? "PASS" : "FAIL");
    std::fflush(stdout);
    mosquitto_lib_cleanup();
    if (qEnvironmentVariableIntValue("THINGSCAPE_BENCH_INGEST_ONLY") == 1)
        return ok ? 0 : 1;

    // 2. Queries on a large recording.
    const qint64 rows = quick ? 20000 : qEnvironmentVariableIsSet("THINGSCAPE_BENCH_ROWS")
        ? qEnvironmentVariable("THINGSCAPE_BENCH_ROWS").toLongLong()
        : 10000000;
    QString big = qEnvironmentVariable("THINGSCAPE_BENCH_DB");
    if (quick || big.isEmpty())
        big = dir.filePath(QStringLiteral("big.sqlite"));
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    RecordingDatabase db;
    QString error;
    qint64 endMs = nowMs;
    if (QFile::exists(big) && db.open(big, {}, false, &error) && db.rowCount() == rows) {
        // Reused: its own last time is "now".
        const auto last = db.messages(resourceUri(0), 0, std::numeric_limits<qint64>::max(), -1, &error);
        endMs = last && !last->isEmpty() ? last->last().timeMs : nowMs;
        std::printf("Queries on %s: %lld rows (reused)\n", qPrintable(big), static_cast<long long>(rows));
    } else {
        db.close();
        QFile::remove(big);
        QFile::remove(big + QStringLiteral("-wal"));
        std::printf("Queries: generating %lld rows (%d resources over 10 days, ~100-byte payloads) in %s\n", static_cast<long long>(rows),
                    kResources, qPrintable(big));
        std::fflush(stdout);
        QElapsedTimer clock;
        clock.start();
        if (!generate(big, rows, nowMs))
            return 1;
        std::printf("  generated in %.1f s\n", double(clock.elapsed()) / 1000.0);
        if (!db.open(big, {}, false, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
    }
    std::vector<double> lastHour;
    std::vector<double> decimated;
    std::vector<double> fullCount;
    const int repeats = quick ? 1 : 7;
    qint64 hourRows = 0;
    qint64 points = 0;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer clock;
        clock.start();
        const auto hour = db.messages(resourceUri(r * 7 % kResources), endMs - 3600000, endMs, -1, &error);
        lastHour.push_back(msSince(clock));
        if (!hour) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        hourRows = hour->size();
        QStringList ten;
        for (int i = 0; i < 10; ++i)
            ten.append(resourceUri((r * 13 + i * 9) % kResources));
        clock.restart();
        const auto series = db.decimated(ten, endMs - 86400000, endMs, 1000, &error);
        decimated.push_back(msSince(clock));
        if (!series) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        points = 0;
        for (const auto &list : *series)
            points += list.size();
        clock.restart();
        const auto all = db.count({}, 0, std::numeric_limits<qint64>::max(), &error);
        fullCount.push_back(msSince(clock));
        if (!all || *all != rows) {
            std::fprintf(stderr, "count: %lld, expected %lld\n", static_cast<long long>(all.value_or(-1)), static_cast<long long>(rows));
            ok = false;
        }
    }
    // Expected: rows spread evenly, one resource gets rows / 100 over 10 days.
    const qint64 stepMs = std::max<qint64>(1, kSpanMs / rows);
    const qint64 expectedHour = 3600000 / (stepMs * kResources);
    if (std::abs(hourRows - expectedHour) > 1 + expectedHour / 50) {
        std::fprintf(stderr, "last hour: %lld rows, expected about %lld\n", static_cast<long long>(hourRows), static_cast<long long>(expectedHour));
        ok = false;
    }
    if (points == 0) {
        std::fprintf(stderr, "decimated: no points\n");
        ok = false;
    }
    std::printf("last hour of one resource: %lld rows in %.1f ms median (target < 100) %s\n", static_cast<long long>(hourRows),
                median(lastHour), quick ? "(quick)" : median(lastHour) < 100 ? "PASS" : "FAIL");
    std::printf("24 h of 10 resources decimated to 1000 buckets: %lld points in %.1f ms median (target < 300) %s\n",
                static_cast<long long>(points), median(decimated), quick ? "(quick)" : median(decimated) < 300 ? "PASS" : "FAIL");
    std::printf("baseline, count(*) of all %lld rows: %.1f ms median; ratios %.3f and %.3f\n", static_cast<long long>(rows),
                median(fullCount), median(lastHour) / median(fullCount), median(decimated) / median(fullCount));
    std::printf("size: %.1f bytes per row (~100-byte payload and a number)\n", double(db.sizeBytes()) / double(rows));
    db.close();

    // 4. Bytes per message when each resource has many messages.
    const int sizeResources = quick ? 100 : 1000;
    const int sizeRounds = quick ? 5 : 200;
    const double perMessage = bytesPerMessage(dir.filePath(QStringLiteral("size.sqlite")), sizeResources, sizeRounds);
    if (perMessage < 0)
        ok = false;
    std::printf("bytes per recorded ~100-byte message, %d resources x %d rounds: %.1f (target <= 150) %s\n", sizeResources,
                sizeRounds, perMessage, quick ? "(quick)" : perMessage >= 0 && perMessage <= 150 ? "PASS" : "FAIL");
    if (!ok) {
        std::fprintf(stderr, "FAIL: see above\n");
        return 1;
    }
    return 0;
}
