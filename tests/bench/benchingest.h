#pragma once

// Set-up shared by the benchmarks that drain a broker queue (bench_mqtt_ingest,
// bench_recorder): ~100-byte JSON readings on `topics` topics bench/devN/sensorM, `rounds`
// times over, queued by the broker for an offline persistent session (QoS 1) before the
// subscriber connects, so that each subscriber drains the same queue at its own speed.

#include <QByteArray>

namespace testsupport {
class Mosquitto;
}

namespace benchingest {

// The size of a run: topics x rounds messages, measured in alternating pairs.
struct Params
{
    int topics = 10000;
    int rounds = 5;
    int pairs = 5;
    bool oneThread = true; // bench_mqtt_ingest: connector and store on one thread

    // The default size, or ctest's quick one (THINGSCAPE_BENCH_QUICK=1).
    static Params forMode(bool quick);
};

// mosquitto_lib_init(), then a private broker that queues without limit for a subscriber that
// falls behind or is offline, with a roomy in-flight window. False, with a line on stderr, when
// it cannot start.
bool startBroker(testsupport::Mosquitto &broker);

// About 100 bytes of JSON, as a typical sensor reading; carries its topic and round.
QByteArray payloadFor(int topic, int round);
// Makes the persistent session sessionId (subscribed to bench/# at QoS 1), leaves it offline,
// then publishes every topic once per round at QoS 1 and waits until the broker acknowledged
// every message (queued for the session by then). False, with a line on stderr, on failure.
bool queueMessages(quint16 port, const char *sessionId, int topics, int rounds);

} // namespace benchingest
