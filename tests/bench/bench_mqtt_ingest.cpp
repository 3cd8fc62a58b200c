// MQTT ingest benchmark: ~100-byte JSON payloads on 10,000 topics (several rounds), queued by
// a loopback mosquitto for a persistent session (QoS 1, max_queued_messages 0) before the
// subscriber connects, so that each subscriber drains the same queue at its own speed (a live
// publisher would bound both rates by its own). Measured side by side, alternating order: the
// headless MqttConnector feeding a ResourceStore, and a bare libmosquitto subscriber that only
// counts. Prints both rates, their medians and the ratio (target >= 0.9).
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): small counts, checks only that every message
// arrived on both paths; no timing.

#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QEventLoop>
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

struct Params
{
    int topics = 10000;
    int rounds = 5;
    int pairs = 5;
};

constexpr const char *kSessionId = "bench-ingest-session";

QByteArray payloadFor(int topic, int round)
{
    // About 100 bytes of JSON, as a typical sensor reading.
    QByteArray json = QStringLiteral(R"({"id":%1,"round":%2,"temperature":%3,"humidity":%4,"status":"ok","battery":97,"ts":%5})")
                          .arg(topic)
                          .arg(round)
                          .arg(18.0 + (topic % 100) * 0.07, 0, 'f', 2)
                          .arg(40.0 + (topic % 37) * 0.5, 0, 'f', 1)
                          .arg(1700000000000LL + topic)
                          .toUtf8();
    if (json.size() < 100) {
        json.chop(1);
        json += QByteArrayLiteral(",\"note\":\"") + QByteArray(std::max<qsizetype>(0, 100 - json.size() - 11), 'x')
            + QByteArrayLiteral("\"}");
    }
    return json;
}

// Publishes every topic once per round at QoS 1, as fast as the socket takes it, and waits
// until the broker acknowledged every message (queued for the session by then).
bool publishAll(quint16 port, const Params &params)
{
    std::atomic<int> acked{0};
    struct mosquitto *mosq = mosquitto_new(nullptr, true, &acked);
    mosquitto_publish_callback_set(mosq, [](struct mosquitto *, void *obj, int) { ++*static_cast<std::atomic<int> *>(obj); });
    if (mosquitto_connect(mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
        std::fprintf(stderr, "publisher: cannot connect\n");
        mosquitto_destroy(mosq);
        return false;
    }
    mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, 65535);
    std::vector<std::pair<QByteArray, QByteArray>> messages;
    messages.reserve(size_t(params.topics) * size_t(params.rounds));
    for (int round = 0; round < params.rounds; ++round) {
        for (int topic = 0; topic < params.topics; ++topic)
            messages.emplace_back(QByteArrayLiteral("bench/dev") + QByteArray::number(topic / 10) + "/sensor"
                                      + QByteArray::number(topic % 10),
                                  payloadFor(topic, round));
    }
    int sent = 0;
    for (const auto &[topic, payload] : messages) {
        mosquitto_publish(mosq, nullptr, topic.constData(), int(payload.size()), payload.constData(), 1, false);
        if (++sent % 64 == 0)
            mosquitto_loop(mosq, 0, 64);
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(120);
    while ((mosquitto_want_write(mosq) || acked < sent) && Clock::now() < deadline)
        mosquitto_loop(mosq, 10, 64);
    const bool all = acked >= sent;
    mosquitto_disconnect(mosq);
    mosquitto_loop(mosq, 10, 1);
    mosquitto_destroy(mosq);
    if (!all)
        std::fprintf(stderr, "publisher: %d of %d acknowledged\n", acked.load(), sent);
    return all;
}

// Makes the persistent session (subscribed to bench/# at QoS 1) and leaves it offline, then
// fills its queue.
bool queueMessages(quint16 port, const Params &params)
{
    bool subscribed = false;
    struct mosquitto *mosq = mosquitto_new(kSessionId, false, &subscribed);
    mosquitto_subscribe_callback_set(mosq, [](struct mosquitto *, void *obj, int, int, const int *) {
        *static_cast<bool *>(obj) = true;
    });
    bool ok = mosquitto_connect(mosq, "127.0.0.1", port, 60) == MOSQ_ERR_SUCCESS;
    if (ok)
        ok = mosquitto_subscribe(mosq, nullptr, "bench/#", 1) == MOSQ_ERR_SUCCESS;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(30);
    while (ok && !subscribed && Clock::now() < deadline)
        ok = mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS;
    ok = ok && subscribed;
    mosquitto_disconnect(mosq);
    mosquitto_loop(mosq, 10, 1);
    mosquitto_destroy(mosq);
    if (!ok) {
        std::fprintf(stderr, "cannot make the persistent session\n");
        return false;
    }
    return publishAll(port, params);
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
    if (!queueMessages(port, params))
        return {};
    struct State
    {
        std::atomic<int> count{0};
        int expected = 0;
        Clock::time_point last;
    } state;
    state.expected = expected;
    struct mosquitto *mosq = mosquitto_new(kSessionId, false, &state);
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

// The headless connector feeding a store, on this (the Qt) thread: resumes the session and
// drains its queue.
Run runConnector(quint16 port, const Params &params)
{
    const int expected = params.topics * params.rounds;
    if (!queueMessages(port, params))
        return {};
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), port, {});
    config.clientId = QString::fromLatin1(kSessionId);
    config.cleanSession = false;
    MqttConnector connector(config);
    connector.setSubscribeQos(1);
    ResourceStore store;
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
    // The session's subscription is there already; observing keeps it across reconnects.
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
    if (store.size() != params.topics && run.complete)
        std::fprintf(stderr, "connector: %lld resources, expected %d\n", static_cast<long long>(store.size()), params.topics);
    connector.disconnectFromEndpoint();
    return run;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") == 1;
    Params params;
    if (quick)
        params = Params{1000, 2, 1};
    mosquitto_lib_init();
    testsupport::Mosquitto broker;
    // No cap on the session's queue: every message waits for its subscriber.
    if (!broker.start(QStringLiteral("max_queued_messages 0\nmax_inflight_messages 100\n"))) {
        std::fprintf(stderr, "cannot start mosquitto\n");
        return 2;
    }
    std::printf("MQTT ingest: %d topics x %d rounds = %d messages of ~100 bytes, queued (QoS 1) for a persistent "
                "session, %d alternating pairs%s\n",
                params.topics, params.rounds, params.topics * params.rounds, params.pairs,
                quick ? " (quick: every message must arrive, no timing)" : "");
    std::vector<double> bare;
    std::vector<double> connector;
    bool complete = true;
    for (int pair = 0; pair < params.pairs; ++pair) {
        Run a;
        Run b;
        if (pair % 2 == 0) {
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
                connectorMedian, ratio, quick ? "(quick)" : ratio >= 0.9 ? "PASS" : "FAIL");
    mosquitto_lib_cleanup();
    if (!complete) {
        std::fprintf(stderr, "FAIL: messages went missing\n");
        return 1;
    }
    return 0;
}
