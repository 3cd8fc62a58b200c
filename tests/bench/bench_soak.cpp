// Soak: the engine (no window) on the simulated site at --devices 50 --rate 20 for minutes,
// printing the messages that arrived per protocol in each 10 s slice and the worst lag of the
// door sensors' telemetry (device stamp to store) in it. Messages must keep
// arriving on every protocol to the end and the process must live: under this load an HTTP
// reply finishing in the same turn as its waiter's timeout used to crash the I/O thread after
// 40-60 s. THINGSCAPE_SOAK_SECONDS sets the length (180); THINGSCAPE_BENCH_QUICK=1 (ctest)
// runs 5 devices at 5 Hz for 6 s and only checks that every protocol delivered something.
#include "simulator.h"
#include "testsupport.h"

#include "app/demolauncher.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <array>
#include <cstdio>

using namespace thingscape;

class BenchSoak : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void messagesKeepArriving();
};

void BenchSoak::messagesKeepArriving()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int devices = quick ? 5 : 50;
    const int rate = quick ? 5 : 20;
    const int seconds = quick ? 6 : qEnvironmentVariableIntValue("THINGSCAPE_SOAK_SECONDS") > 0
            ? qEnvironmentVariableIntValue("THINGSCAPE_SOAK_SECONDS")
            : 180;
    const int sliceMs = quick ? 2000 : 10000;
    QTemporaryDir state;
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);

    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--devices"), QString::number(devices), QStringLiteral("--rate"),
                       QString::number(rate), QStringLiteral("--seed"), QStringLiteral("3")}));

    Engine engine;
    std::array<quint64, 3> counts{}; // by Protocol
    // Lag: how old the door sensors' telemetry is when the store takes it (its "ts" to now),
    // the worst of each slice. A figure to read, not to assert (tst_simsite asserts that every
    // message arrives).
    qint64 worstLagMs = -1;
    connect(engine.store(), &ResourceStore::batchApplied, this, [&counts, &worstLagMs](const StoreBatch &batch) {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const Message &message : batch.messages) {
            if (message.direction == Direction::In)
                ++counts[std::size_t(message.protocol())];
            if (message.protocol() == Protocol::Mqtt && message.id.uri().endsWith(QStringLiteral("/telemetry"))) {
                const QString ts = QJsonDocument::fromJson(message.raw).object().value(QStringLiteral("ts")).toString();
                const QDateTime stamp = QDateTime::fromString(ts, Qt::ISODateWithMs);
                if (stamp.isValid())
                    worstLagMs = std::max(worstLagMs, stamp.msecsTo(now));
            }
        }
    });
    engine.apply(DemoLauncher::demoWorkspace(sim.mqtt, sim.coap, sim.http), QString());
    QTRY_COMPARE_WITH_TIMEOUT(engine.endpoints()->connectedCount(), 3, 20000);

    std::printf("Soak: %d device sets at %d Hz for %d s, messages in per %d s slice\n", devices, rate, seconds,
                sliceMs / 1000);
    std::printf("  %6s %8s %8s %8s %8s\n", "t (s)", "mqtt", "coap", "http", "lag ms");
    std::array<quint64, 3> total{};
    int slicesWithoutHttp = 0;
    int lastSliceHttp = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < qint64(seconds) * 1000) {
        counts = {};
        worstLagMs = -1;
        QTest::qWait(sliceMs);
        for (std::size_t p = 0; p < 3; ++p)
            total[p] += counts[p];
        if (counts[std::size_t(Protocol::Http)] == 0)
            ++slicesWithoutHttp;
        lastSliceHttp = int(counts[std::size_t(Protocol::Http)]);
        std::printf("  %6lld %8llu %8llu %8llu %8lld   (%d/3 connected)\n", clock.elapsed() / 1000,
                    qulonglong(counts[0]), qulonglong(counts[1]), qulonglong(counts[2]), worstLagMs,
                    engine.endpoints()->connectedCount());
        std::fflush(stdout);
    }
    std::printf("  total  %8llu %8llu %8llu, slices without HTTP: %d\n", qulonglong(total[0]), qulonglong(total[1]),
                qulonglong(total[2]), slicesWithoutHttp);
    std::fflush(stdout);
    for (std::size_t p = 0; p < 3; ++p)
        QVERIFY2(total[p] > 0, qPrintable(protocolName(Protocol(p))));
    if (!quick)
        QVERIFY2(lastSliceHttp > 0, "HTTP messages stopped arriving");
}

QTEST_MAIN(BenchSoak)
#include "bench_soak.moc"
