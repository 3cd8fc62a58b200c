// MQTT ingest benchmark: ~100-byte JSON payloads on 10,000 topics (several rounds), queued by
// a loopback mosquitto for a persistent session (QoS 1, max_queued_messages 0) before the
// subscriber connects, so that each subscriber drains the same queue at its own speed (a live
// publisher would bound both rates by its own). Each run has a session of its own, so nothing
// one subscriber left unacknowledged reaches the next. Measured side by side, alternating
// order: MqttConnector feeding a ResourceStore on this thread (--io-thread: the connector on a
// thread of its own with one batch in flight, as the endpoint manager runs it), and a bare
// libmosquitto subscriber that only counts, on a thread of its own. Prints both
// rates, their medians and the ratio (target >= 0.9). The connector's messages are counted by
// their (topic, round): a message missing or twice fails the run.
//
// Usage: bench_mqtt_ingest [--topics N] [--rounds R] [--pairs P] [--io-thread] [--connector-only]
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): small counts, checks only that every message
// arrived on both paths; no timing.

#include "benchingest.h"
#include "benchstats.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <thread>
#include <vector>

using namespace thingscape;
using Clock = std::chrono::steady_clock;

namespace {

using benchingest::Params;
using bench::median;

QByteArray nextSessionId()
{
    static int serial = 0;
    return QByteArrayLiteral("bench-ingest-session-") + QByteArray::number(++serial);
}

struct Run
{
    double rate = 0; // messages per second
    bool complete = false;
};

// A subscriber that does nothing but count, on its own thread: resumes the session and drains
// its queue.
Run runBare(quint16 port, const Params &params)
{
    const int expected = params.topics * params.rounds;
    const QByteArray session = nextSessionId();
    if (!benchingest::queueMessages(port, session.constData(), params.topics, params.rounds))
        return {};
    struct State
    {
        std::atomic<int> count{0};
        int expected = 0;
        Clock::time_point last;
    } state;
    state.expected = expected;
    struct mosquitto *mosq = mosquitto_new(session.constData(), false, &state);
    mosquitto_message_callback_set(mosq, [](struct mosquitto *m, void *obj, const struct mosquitto_message *) {
        auto *s = static_cast<State *>(obj);
        if (++s->count == s->expected) {
            s->last = Clock::now();
            mosquitto_disconnect(m);
        }
    });
    const Clock::time_point start = Clock::now();
    mosquitto_connect(mosq, "127.0.0.1", port, 60);
    std::thread loop([mosq] { mosquitto_loop_forever(mosq, 100, 1); });
    // Give up after a generous while if messages went missing.
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(120);
    while (state.count < expected && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Run run;
    run.complete = state.count == expected;
    if (!run.complete)
        mosquitto_disconnect(mosq);
    loop.join();
    mosquitto_destroy(mosq);
    const double seconds = std::chrono::duration<double>((run.complete ? state.last : Clock::now()) - start).count();
    run.rate = state.count / seconds;
    if (!run.complete)
        std::fprintf(stderr, "bare subscriber: %d of %d messages\n", state.count.load(), expected);
    return run;
}

// Each (topic, round) once: the payload names both ({"id":T,"round":R,...}).
struct Tally
{
    std::vector<quint8> seen;
    int distinct = 0;
    int twice = 0;
    int foreign = 0;

    // The digits after key, without allocating (this runs on the measured path); -1 if none.
    static int numberAfter(const QByteArray &raw, const char *key, qsizetype keyLength)
    {
        const qsizetype at = raw.indexOf(key);
        if (at < 0)
            return -1;
        int n = 0;
        qsizetype i = at + keyLength;
        if (i >= raw.size() || raw[i] < '0' || raw[i] > '9')
            return -1;
        for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9' && n < 100000000; ++i)
            n = n * 10 + (raw[i] - '0');
        return n;
    }

    void count(const QByteArray &raw, const Params &params)
    {
        const int id = numberAfter(raw, "\"id\":", 5);
        const int round = numberAfter(raw, "\"round\":", 8);
        if (id < 0 || id >= params.topics || round < 0 || round >= params.rounds) {
            ++foreign;
            return;
        }
        quint8 &slot = seen[size_t(round) * size_t(params.topics) + size_t(id)];
        if (slot++ == 0)
            ++distinct;
        else
            ++twice;
    }
};

// The connector feeding a store: resumes the session and drains its queue.
Run runConnector(quint16 port, const Params &params)
{
    const int expected = params.topics * params.rounds;
    const QByteArray session = nextSessionId();
    if (!benchingest::queueMessages(port, session.constData(), params.topics, params.rounds))
        return {};
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), port, {});
    config.clientId = QString::fromLatin1(session);
    config.cleanSession = false;
    const ResourceId filter = ResourceId::fromTopic(config.url, QStringLiteral("bench/#"));
    QThread ioThread;
    auto connector = std::make_unique<MqttConnector>(config);
    MqttConnector *raw = connector.get();
    raw->setSubscribeQos(1);
    // Nothing merged: every message counts. On one thread too: with the machine idle the socket
    // can deliver more than the default 10,000 waiting updates before the batch timer runs, and
    // merging them (as the window would under a backlog) made whole runs "incomplete".
    raw->setPendingLimit(std::numeric_limits<qsizetype>::max());
    if (!params.oneThread) {
        // As the endpoint manager does it: one batch in flight.
        raw->setAcknowledgedHandOver(true);
        ioThread.start();
        raw->moveToThread(&ioThread);
    }
    ResourceStore store;
    Tally tally;
    tally.seen.assign(size_t(expected), 0);
    QEventLoop loop;
    Clock::time_point last;
    QObject::connect(raw, &Connector::updatesReady, &store, [&](const UpdateBatch &batch) {
        for (const Update &update : batch) {
            if (update.value && update.direction == Direction::In)
                tally.count(update.value->raw, params);
        }
        store.ingest(batch);
        if (!params.oneThread)
            raw->acknowledgeHandOver();
        if (tally.distinct >= expected && loop.isRunning()) {
            last = Clock::now();
            loop.quit();
        }
    });
    std::atomic<int> failed{0};
    const Clock::time_point start = Clock::now();
    // Connects, then observes (the session's subscription is there already; observing keeps
    // it across reconnects), on the connector's thread.
    QMetaObject::invokeMethod(raw, [raw, filter, &failed] {
        [](MqttConnector *c, ResourceId what, std::atomic<int> *failed) -> QCoro::Task<> {
            const Result connected = co_await c->connectToEndpoint();
            if (!connected.ok()) {
                *failed = 1;
                co_return;
            }
            const Result observed = co_await c->observe(what);
            if (!observed.ok())
                *failed = 2;
        }(raw, filter, &failed);
    });
    QTimer watchdog;
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        if (failed.load() != 0)
            loop.quit();
    });
    watchdog.start(100);
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);
    if (tally.distinct < expected)
        loop.exec();
    else
        last = Clock::now();
    Run run;
    run.complete = tally.distinct == expected && tally.twice == 0 && tally.foreign == 0;
    const double seconds = std::chrono::duration<double>((run.complete ? last : Clock::now()) - start).count();
    run.rate = double(tally.distinct) / seconds;
    if (failed.load() != 0)
        std::fprintf(stderr, "connector: cannot %s\n", failed.load() == 1 ? "connect" : "subscribe");
    if (!run.complete) {
        // Merged: waiting updates folded into a later value of their topic (none, with the limit off).
        std::fprintf(stderr, "connector: %d of %d messages (%d twice, %d foreign; store: %llu in; merged: %llu)\n",
                     tally.distinct, expected, tally.twice, tally.foreign,
                     static_cast<unsigned long long>(store.messagesIn()),
                     static_cast<unsigned long long>(raw->handOverStats().coalesced));
        int shown = 0;
        for (size_t i = 0; i < tally.seen.size() && shown < 10; ++i) {
            if (tally.seen[i] != 1) {
                std::fprintf(stderr, "  topic %d round %d: %d times\n", int(i % size_t(params.topics)),
                             int(i / size_t(params.topics)), tally.seen[i]);
                ++shown;
            }
        }
    }
    if (store.size() != params.topics && run.complete)
        std::fprintf(stderr, "connector: %lld resources, expected %d\n", static_cast<long long>(store.size()), params.topics);
    // Disconnected and destroyed on its own thread.
    auto finish = [&connector] {
        connector->disconnectFromEndpoint();
        connector.reset();
    };
    if (params.oneThread) {
        finish();
    } else {
        QMetaObject::invokeMethod(raw, finish, Qt::BlockingQueuedConnection);
        ioThread.quit();
        ioThread.wait();
    }
    return run;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") == 1;
    Params params = Params::forMode(quick);
    // --connector-only: no bare runs (for profiling).
    bool connectorOnly = false;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &arg = args[i];
        const bool hasValue = i + 1 < args.size();
        if (arg == QLatin1String("--topics") && hasValue) {
            params.topics = args[++i].toInt();
        } else if (arg == QLatin1String("--rounds") && hasValue) {
            params.rounds = args[++i].toInt();
        } else if (arg == QLatin1String("--pairs") && hasValue) {
            params.pairs = args[++i].toInt();
        } else if (arg == QLatin1String("--io-thread")) {
            params.oneThread = false;
        } else if (arg == QLatin1String("--connector-only")) {
            connectorOnly = true;
        } else {
            std::fprintf(stderr, "usage: bench_mqtt_ingest [--topics N] [--rounds R] [--pairs P] [--io-thread] "
                                 "[--connector-only]\n");
            return 2;
        }
    }
    if (params.topics < 1 || params.rounds < 1 || params.pairs < 1 || params.rounds > 250) {
        std::fprintf(stderr, "--topics and --pairs must be at least 1, --rounds 1 to 250\n");
        return 2;
    }
    testsupport::Mosquitto broker;
    if (!benchingest::startBroker(broker))
        return 2;
    std::printf("MQTT ingest: %d topics x %d rounds = %d messages of ~100 bytes, queued (QoS 1) for a persistent "
                "session, %d alternating pairs, connector %s%s\n",
                params.topics, params.rounds, params.topics * params.rounds, params.pairs,
                params.oneThread ? "and store on one thread" : "on an I/O thread, store on the main thread",
                quick ? " (quick: every message must arrive, no timing)" : "");
    std::vector<double> bare;
    std::vector<double> connector;
    bool complete = true;
    for (int pair = 0; pair < params.pairs; ++pair) {
        Run a;
        Run b;
        if (connectorOnly) {
            a.rate = 1;
            a.complete = true;
            b = runConnector(broker.port(), params);
        } else if (pair % 2 == 0) {
            a = runBare(broker.port(), params);
            b = runConnector(broker.port(), params);
        } else {
            b = runConnector(broker.port(), params);
            a = runBare(broker.port(), params);
        }
        complete = complete && a.complete && b.complete;
        bare.push_back(a.rate);
        connector.push_back(b.rate);
        std::printf("run %d: bare %.0f msgs/s, connector+store %.0f msgs/s, ratio %.2f\n", pair + 1, a.rate, b.rate,
                    b.rate / a.rate);
        std::fflush(stdout);
    }
    const double bareMedian = median(bare);
    const double connectorMedian = median(connector);
    const double ratio = connectorMedian / bareMedian;
    std::printf("median: bare %.0f msgs/s, connector+store %.0f msgs/s, ratio %.2f (target >= 0.9) %s\n", bareMedian,
                connectorMedian, ratio, quick ? "(quick)" : complete && ratio >= 0.9 ? "PASS" : "FAIL");
    mosquitto_lib_cleanup();
    if (!complete) {
        std::fprintf(stderr, "FAIL: messages went missing\n");
        return 1;
    }
    return 0;
}
