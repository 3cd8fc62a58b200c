// Issue 12, steady load: a connector handing over in bites to a consumer that falls further and
// further behind must keep merging what waits (the latest value per resource), so its backlog
// stays bounded by the resources, not by the messages. A real mosquitto; the consumer (this
// thread) takes one bite per so many messages published, which is what a busy window does,
// counted instead of timed.

#include "testsupport.h"

#include "model/update.h"
#include "protocols/mqtt/mosquittoclient.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QCoro/QCoroTask>
#include <QHash>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace thingscape;

class TestCoalesceBites : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void aBacklogGrowingBetweenBitesIsStillMerged();

private:
    testsupport::Mosquitto m_broker;
};

void TestCoalesceBites::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    QVERIFY(m_broker.start());
}

void TestCoalesceBites::aBacklogGrowingBetweenBitesIsStillMerged()
{
    // Given an MQTT connector on its own thread that hands over at most 10 updates a bite and
    // merges past 100 waiting (the window's 1,000 and 10,000, scaled down), observing 400 topics
    constexpr int kTopics = 400;
    constexpr int kRounds = 25;
    constexpr qsizetype kHandOver = 10;
    constexpr qsizetype kPendingLimit = 100;
    constexpr int kPublishedPerBite = 20; // the consumer takes half of what comes, counted
    const QString prefix = QStringLiteral("bites%1").arg(QCoreApplication::applicationPid());
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), m_broker.port(), {});
    const QString base = config.url.toString() + QLatin1Char('/');
    QThread io;
    io.start();
    auto connector = std::make_unique<MqttConnector>(config);
    connector->setAcknowledgedHandOver(true);
    connector->setHandOverLimit(kHandOver);
    connector->setPendingLimit(kPendingLimit);
    connector->moveToThread(&io);
    MqttConnector *raw = connector.get();
    const auto stop = qScopeGuard([&] {
        QMetaObject::invokeMethod(raw, [&connector] {
            connector->disconnectFromEndpoint();
            connector.reset(); // on its own thread
        }, Qt::BlockingQueuedConnection);
        io.quit();
        io.wait();
    });
    QHash<QString, QByteArray> last; // by topic URI: the last value handed over
    quint64 values = 0;
    int received = 0; // hand-overs
    connect(raw, &Connector::updatesReady, this, [&](const UpdateBatch &batch) { // queued: this thread
        ++received;
        for (const Update &update : batch) {
            if (update.value && !update.remove) {
                last.insert(update.id.toString(), update.value->raw);
                ++values;
            }
        }
    });
    std::atomic<int> observing{0}; // 1: observing, -1: failed
    const ResourceId filter = *ResourceId::parse(base + prefix + QStringLiteral("/#"));
    QMetaObject::invokeMethod(raw, [raw, filter, &observing] {
        [](MqttConnector *c, ResourceId f, std::atomic<int> *done) -> QCoro::Task<> {
            const Result connected = co_await c->connectToEndpoint();
            const Result observed = connected.ok() ? co_await c->observe(f) : connected;
            *done = observed.ok() ? 1 : -1;
        }(raw, filter, &observing);
    });
    int acknowledged = 0;
    const auto takeOne = [&] {
        if (received > acknowledged) {
            ++acknowledged;
            raw->acknowledgeHandOver(); // thread-safe
        }
    };
    QTRY_VERIFY_WITH_TIMEOUT(observing != 0, 30000);
    QCOMPARE(observing.load(), 1);

    MosquittoClient publisher;
    QString error;
    QVERIFY2(publisher.configure(config, prefix + QStringLiteral("-pub"), &error), qPrintable(error));
    QSignalSpy connack(&publisher, &MosquittoClient::connectAcknowledged);
    int errorCode = 0;
    QVERIFY(publisher.connectAsync(QStringLiteral("127.0.0.1"), m_broker.port(), 60, &errorCode));
    QVERIFY(connack.wait(30000));
    QCOMPARE(connack.first().first().toInt(), 0);

    // When 25 rounds over the 400 topics are published while the consumer takes one bite of 10
    // per 20 messages published (so the backlog grows for as long as they come, counted, not timed)
    int published = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (int t = 0; t < kTopics; ++t) {
            QVERIFY(publisher.publish(prefix + QStringLiteral("/t%1").arg(t), QByteArray::number(round), 0, false, QString(), {},
                                      &errorCode)
                    > 0);
            if (++published % kPublishedPerBite == 0) {
                // one bite taken (waiting for it, as the window does) per 20 messages sent
                QTRY_VERIFY_WITH_TIMEOUT(received > acknowledged, 30000);
                takeOne();
            }
        }
    }
    // Then, once it takes everything, every topic ends at its last round
    QMetaObject::invokeMethod(raw, [raw] { raw->setAcknowledgedHandOver(false); });
    for (int t = 0; t < kTopics; ++t) {
        const QString topic = base + prefix + QStringLiteral("/t%1").arg(t);
        QTRY_COMPARE_WITH_TIMEOUT(last.value(topic), QByteArray::number(kRounds - 1), 60000);
    }
    // and the backlog never held more than about two updates per topic: merging went on
    // between the bites (without it, it grows by every message the consumer does not take)
    const Connector::HandOverStats stats = raw->handOverStats();
    qInfo("%d hand-overs, %llu values, %llu merged, peak pending %lld", received, qulonglong(values),
          qulonglong(stats.coalesced), qlonglong(stats.peakPending));
    QVERIFY2(stats.peakPending <= 2 * kTopics + kPendingLimit + kHandOver,
             qPrintable(QStringLiteral("the backlog reached %1 updates for %2 topics").arg(stats.peakPending).arg(kTopics)));
    QVERIFY2(stats.coalesced > 0, "nothing was merged");
    QCOMPARE(values + stats.coalesced, quint64(kTopics) * kRounds);
    publisher.disconnect();
}

QTEST_GUILESS_MAIN(TestCoalesceBites)
#include "tst_coalescebites.moc"
