// Quitting with a backlog on the I/O thread: a real mosquitto floods the endpoint while
// thousands of writes wait behind the flood; the manager's destructor drops what has not
// started, says so in the log, and returns.

#include "mqtttesthelpers.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

// What the code under test logs, kept for the test to read.
QStringList g_messages;

void keepMessage(QtMsgType, const QMessageLogContext &, const QString &message)
{
    g_messages.append(message);
}

} // namespace

class TestEndpointShutdown : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void quittingDropsTheQueuedBacklog();

private:
    testsupport::Mosquitto m_broker;
};

void TestEndpointShutdown::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(publisher, "mosquitto_pub", "mosquitto-clients")
    QVERIFY(m_broker.start());
}

void TestEndpointShutdown::quittingDropsTheQueuedBacklog()
{
    // Given an endpoint connected to a mosquitto that floods it
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("shutdown"));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/").arg(m_broker.port());
    ResourceStore store;
    auto manager = std::make_unique<EndpointManager>(&store);
    EndpointConfig config;
    config.url = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("127.0.0.1"), m_broker.port(), {});
    config.filters = {prefix + QStringLiteral("/flood")};
    const QString id = manager->add(config);
    manager->connectEndpoint(id);
    QTRY_VERIFY_WITH_TIMEOUT(manager->status(id).state == ConnectorState::Connected, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(!manager->status(id).discovering, 30000);

    constexpr int kFlood = 500000;
    QTemporaryDir dir;
    QFile lines(dir.filePath(QStringLiteral("lines")));
    QVERIFY(lines.open(QIODevice::WriteOnly));
    for (int i = 0; i < kFlood; ++i)
        lines.write(QByteArray::number(i) + '\n');
    lines.close();
    QProcess flood;
    testsupport::dieWithParent(&flood);
    flood.setStandardInputFile(lines.fileName());
    flood.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    flood.setStandardOutputFile(QProcess::nullDevice());
    flood.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                {"-h", "127.0.0.1", "-p", QString::number(m_broker.port()), "-t", prefix + QStringLiteral("/flood"), "-l"});
    const ResourceId flooded = rid(base + prefix + QStringLiteral("/flood"));
    QTRY_VERIFY_WITH_TIMEOUT(store.find(flooded) != nullptr, 60000);

    // And 200,000 writes queued for the I/O thread behind it, numbered, retained on one topic
    // (the I/O thread takes about as long over one as the queueing does: about half are left)
    constexpr int kWrites = 200000;
    const ResourceId out = rid(base + prefix + QStringLiteral("/out"));
    WriteOptions options;
    options.retain = true;
    int answered = 0;
    for (int i = 0; i < kWrites; ++i)
        manager->write(out, QByteArray::number(i), options, [&answered](const Result &) { ++answered; });

    // When the manager goes (as the application quits) while they wait
    g_messages.clear();
    const QtMessageHandler previous = qInstallMessageHandler(keepMessage);
    QElapsedTimer quitting;
    quitting.start();
    manager.reset();
    const qint64 quitMs = quitting.elapsed();
    qInstallMessageHandler(previous);
    flood.kill();
    flood.waitForFinished();

    // Then it returned, and said that it dropped writes that had not started: some, never
    // more than were queued
    const QRegularExpression said(QStringLiteral("^Closing the endpoints: dropped (\\d+) queued operation"));
    qint64 dropped = -1;
    for (const QString &message : std::as_const(g_messages)) {
        if (const QRegularExpressionMatch match = said.match(message); match.hasMatch())
            dropped = match.captured(1).toLongLong();
    }
    // (A machine whose I/O thread took every write before the quit leaves nothing to drop: a
    // race the test does not win by waiting, so it says so instead of failing.)
    if (dropped < 0 && answered == 0 && !g_messages.join(QLatin1Char('\n')).contains(QLatin1String("dropped")))
        QSKIP("the I/O thread had taken every queued write before the quit: nothing was left to drop");
    QVERIFY2(dropped > 0, qPrintable(g_messages.join(QLatin1Char('\n'))));
    QVERIFY2(dropped <= kWrites, qPrintable(QString::number(dropped)));
    // And nobody was answered while the GUI thread was busy quitting
    QCOMPARE(answered, 0);

    // And the dropped writes never reached the broker: the retained value is at most the last
    // write that started (writes go out in order)
    const QString retained = mqtttest::subscribeOnce(m_broker.port(), {"--retained-only", "-t", prefix + "/out"}, 1, 2).trimmed();
    const int last = retained.isEmpty() ? -1 : retained.toInt();
    qInfo("quitting took %lld ms (not asserted); %lld of %d writes dropped, the last to arrive: %d", quitMs, dropped,
          kWrites, last);
    QVERIFY2(last < kWrites - dropped, qPrintable(QStringLiteral("retained %1 with %2 dropped").arg(retained).arg(dropped)));
}

QTEST_MAIN(TestEndpointShutdown)
#include "tst_endpointshutdown.moc"
