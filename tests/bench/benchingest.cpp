#include "benchingest.h"

#include "testsupport.h"

#include <QString>

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

namespace benchingest {

namespace {

using Clock = std::chrono::steady_clock;

// Publishes every topic once per round at QoS 1, as fast as the socket takes it, and waits
// until the broker acknowledged every message.
bool publishAll(quint16 port, int topics, int rounds)
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
    messages.reserve(size_t(topics) * size_t(rounds));
    for (int round = 0; round < rounds; ++round) {
        for (int topic = 0; topic < topics; ++topic)
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

} // namespace

Params Params::forMode(bool quick)
{
    return quick ? Params{1000, 2, 1, true} : Params{};
}

bool startBroker(testsupport::Mosquitto &broker)
{
    mosquitto_lib_init();
    if (!broker.start(QStringLiteral("max_queued_messages 0\nmax_inflight_messages 100\n"))) {
        std::fprintf(stderr, "cannot start mosquitto\n");
        return false;
    }
    return true;
}

QByteArray payloadFor(int topic, int round)
{
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

bool queueMessages(quint16 port, const char *sessionId, int topics, int rounds)
{
    bool subscribed = false;
    struct mosquitto *mosq = mosquitto_new(sessionId, false, &subscribed);
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
    return publishAll(port, topics, rounds);
}

} // namespace benchingest
