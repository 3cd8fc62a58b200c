// Integration tests of the CoAP connector against libcoap's own servers (coap-server,
// coap-rd), an in-test libcoap server (RFC 9176 lookup) and a raw UDP peer (Observe
// sequence numbers), all on loopback ports chosen at run time.
#include "protocols/coap/coapconnector.h"
#include "protocols/connectorfactory.h"
#include "testsupport.h"
#include "tst_coap_server.h"

#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QNetworkInterface>
#include <QProcess>
#include <QTest>
#include <QTemporaryDir>
#include <QThread>
#include <QUdpSocket>

using namespace thingscape;
using namespace std::chrono_literals;

namespace {

// Records every update a connector hands out.
struct UpdateLog
{
    QList<Update> updates;

    void attach(Connector *connector)
    {
        QObject::connect(connector, &Connector::updatesReady, connector,
                         [this](const UpdateBatch &batch) { updates.append(batch); });
    }
    QList<Update> valuesFor(const QString &uri) const
    {
        QList<Update> found;
        for (const Update &update : updates) {
            if (update.id.toString() == uri && update.value && update.direction == Direction::In)
                found.append(update);
        }
        return found;
    }
    std::optional<Update> metadataFor(const QString &uri) const
    {
        for (const Update &update : updates) {
            if (update.id.toString() == uri && !update.metadata.isEmpty())
                return update;
        }
        return std::nullopt;
    }
};

std::unique_ptr<CoapConnector> makeConnector(const QString &url, int requestTimeoutMs = 5000)
{
    EndpointConfig config;
    config.url = *ResourceId::parse(url);
    config.requestTimeoutMs = requestTimeoutMs;
    config.pollIntervalMs = 500;
    return std::make_unique<CoapConnector>(config);
}

QString serverProgram()
{
    return testsupport::findProgram(QStringLiteral("coap-server-openssl"));
}

// Builds a CoAP message by hand, for the raw peer.
QByteArray coapMessage(int type, int code, quint16 mid, const QByteArray &token, std::optional<quint32> observe,
                       std::optional<quint32> maxAge, const QByteArray &payload)
{
    QByteArray pdu;
    pdu.append(char(0x40 | (type << 4) | token.size()));
    pdu.append(char(code));
    pdu.append(char(mid >> 8));
    pdu.append(char(mid & 0xff));
    pdu.append(token);
    int last = 0;
    auto option = [&](int number, quint32 value) {
        QByteArray bytes;
        while (value) {
            bytes.prepend(char(value & 0xff));
            value >>= 8;
        }
        pdu.append(char(((number - last) << 4) | bytes.size()));
        pdu.append(bytes);
        last = number;
    };
    if (observe)
        option(6, *observe);
    option(12, 0);
    if (maxAge)
        option(14, *maxAge);
    if (!payload.isEmpty()) {
        pdu.append(char(0xff));
        pdu.append(payload);
    }
    return pdu;
}

} // namespace

class TestCoapConnector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void factoryCreatesCoapConnector();
    void discoverWellKnown();
    void discoverWithQueryFilter();
    void putThenGet();
    void blockwiseRoundTrip();
    void notFoundIsClear();
    void observeTime();
    void notObservablePolls();
    void staleNotificationsDropped();
    void reregistersWhenServerForgets();
    void unreachablePort();
    void silentPeerTimesOut();
    void dtlsPsk();
    void dtlsWrongKeyRejected();
    void dtlsCertificates();
    void dtlsCertificateMustNameTheHost();
    void resourceDirectoryDraft();
    void resourceDirectoryLookup();
    void observeSurvivesServerRestart();
    void worksOnAnotherThread();
    void multicastDiscovery_data();
    void multicastDiscovery();
    void discoveryKeepsLinksWithBadAttributes();
    void endlessBlockwiseIsStopped_data();
    void endlessBlockwiseIsStopped();
    void slowBlockwiseTimeoutSaysHowFar();
    void slowBlockwiseIsNotCutShort();
    void encodedSlashStaysInItsSegment();

private:
    bool startServer(testsupport::CoapServerProcess *server, const QStringList &extra = {});
};

void TestCoapConnector::initTestCase()
{
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin")
}

bool TestCoapConnector::startServer(testsupport::CoapServerProcess *server, const QStringList &extra)
{
    const quint16 port = testsupport::freeUdpPort();
    return server->start(serverProgram(), QStringList{QStringLiteral("-A"), QStringLiteral("127.0.0.1"),
                                                      QStringLiteral("-p"), QStringLiteral("%PORT%")}
                                              + extra,
                         port);
}

void TestCoapConnector::factoryCreatesCoapConnector()
{
    EndpointConfig config;
    config.url = *ResourceId::parse(QStringLiteral("coaps://example.org"));
    QString error;
    auto connector = createConnector(config, &error);
    QVERIFY2(connector, qPrintable(error));
    QVERIFY(qobject_cast<CoapConnector *>(connector.get()));
}

void TestCoapConnector::discoverWellKnown()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString base = QStringLiteral("coap://127.0.0.1:%1").arg(server.port());
    auto connector = makeConnector(base);
    UpdateLog log;
    log.attach(connector.get());
    const Result connected = QCoro::waitFor(connector->connectToEndpoint());
    QVERIFY2(connected.ok(), qPrintable(connected.error));
    QCOMPARE(connector->state(), ConnectorState::Connected);

    const Result result = QCoro::waitFor(connector->discover(connector->config().url, 3s));
    QVERIFY2(result.ok(), qPrintable(result.error));
    connector->flush();
    const auto time = log.metadataFor(base + QStringLiteral("/time"));
    QVERIFY(time);
    QCOMPARE(time->metadata->resourceTypes.valueOr({}), QStringList{QStringLiteral("ticks")});
    QCOMPARE(time->metadata->interfaces.valueOr({}), QStringList{QStringLiteral("clock")});
    QCOMPARE(time->metadata->title.valueOr({}), QStringLiteral("Internal Clock"));
    QCOMPARE(time->metadata->contentFormat.valueOr(-1), 0);
    QCOMPARE(time->metadata->observable.valueOr(false), true);
    QCOMPARE(time->metadata->observable.source, MetaSource::LinkFormat);
    QVERIFY(log.metadataFor(base + QStringLiteral("/example_data")));
    QVERIFY(log.metadataFor(base + QStringLiteral("/async")));
}

void TestCoapConnector::discoverWithQueryFilter()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString base = QStringLiteral("coap://127.0.0.1:%1").arg(server.port());
    auto connector = makeConnector(base);
    UpdateLog log;
    log.attach(connector.get());
    const Result result = QCoro::waitFor(connector->discover(*ResourceId::parse(base + QStringLiteral("?rt=ticks")), 3s));
    QVERIFY2(result.ok(), qPrintable(result.error));
    connector->flush();
    QVERIFY(log.metadataFor(base + QStringLiteral("/time")));
    QVERIFY(!log.metadataFor(base + QStringLiteral("/example_data")));
}

void TestCoapConnector::putThenGet()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/example_data").arg(server.port());
    auto connector = makeConnector(uri);
    UpdateLog log;
    log.attach(connector.get());
    WriteOptions options;
    options.contentFormat = ContentFormat::Text;
    const Result written = QCoro::waitFor(connector->write(*ResourceId::parse(uri), "21.5", options));
    QVERIFY2(written.ok(), qPrintable(written.error));
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 5s));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("21.5"));
    QCOMPARE(read.value.toDouble(), 21.5);
    connector->flush();
    // The PUT is in the message stream as an outgoing message.
    const bool sawOut = std::any_of(log.updates.cbegin(), log.updates.cend(), [](const Update &u) {
        return u.direction == Direction::Out && u.info == QLatin1String("PUT") && u.value && u.value->raw == "21.5";
    });
    QVERIFY(sawOut);
    QCOMPARE(log.valuesFor(uri).size(), 1);
}

void TestCoapConnector::blockwiseRoundTrip()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/example_data").arg(server.port());
    auto connector = makeConnector(uri);
    QByteArray body;
    for (int i = 0; body.size() < 5000; ++i)
        body += QByteArray::number(i) + ' ';
    body.truncate(5000);
    WriteOptions options;
    options.contentFormat = ContentFormat::Text;
    const Result written = QCoro::waitFor(connector->write(*ResourceId::parse(uri), body, options));
    QVERIFY2(written.ok(), qPrintable(written.error));
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 10s));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw.size(), body.size());
    QCOMPARE(read.value.raw, body);
}

void TestCoapConnector::notFoundIsClear()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/nope").arg(server.port());
    auto connector = makeConnector(uri);
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 5s));
    QCOMPARE(read.result.kind, ErrorKind::NotFound);
    QCOMPARE(read.result.error, uri + QStringLiteral(": 4.04 Not Found"));
}

void TestCoapConnector::observeTime()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(server.port());
    auto connector = makeConnector(uri);
    UpdateLog log;
    log.attach(connector.get());
    const Result observed = QCoro::waitFor(connector->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QVERIFY(observed.notice.isEmpty());
    QVERIFY(connector->isObserving(*ResourceId::parse(uri)));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 4, 8000);
    const QList<Update> values = log.valuesFor(uri);
    QVERIFY(values.last().value->raw != values.first().value->raw); // the clock moved
    QCOMPARE(connector->staleNotificationsDropped(), 0);

    connector->unobserve(*ResourceId::parse(uri));
    QVERIFY(!connector->isObserving(*ResourceId::parse(uri)));
    // Showing that no more notifications come needs the server's clock to tick; instead of
    // sleeping, a second client observes the same clock and counts its ticks. After its first
    // tick anything that was in flight to the first client has arrived; during its next two
    // ticks the server notified every observer it still had.
    auto marker = makeConnector(uri);
    UpdateLog markerLog;
    markerLog.attach(marker.get());
    QVERIFY(QCoro::waitFor(marker->observe(*ResourceId::parse(uri))).ok());
    QTRY_VERIFY_WITH_TIMEOUT(markerLog.valuesFor(uri).size() >= 2, 10000);
    const qsizetype after = log.valuesFor(uri).size();
    QTRY_VERIFY_WITH_TIMEOUT(markerLog.valuesFor(uri).size() >= 4, 10000);
    QCOMPARE(log.valuesFor(uri).size(), after);
    marker->unobserve(*ResourceId::parse(uri));
}

void TestCoapConnector::notObservablePolls()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/").arg(server.port());
    auto connector = makeConnector(uri);
    connector->setObserveCheckIntervalMs(100);
    UpdateLog log;
    log.attach(connector.get());
    const Result observed = QCoro::waitFor(connector->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QVERIFY2(observed.notice.contains(QStringLiteral("is not observable: polling every 0.5 s")),
             qPrintable(observed.notice));
    QVERIFY(connector->isPolling(*ResourceId::parse(uri)));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 3, 5000);
}

void TestCoapConnector::staleNotificationsDropped()
{
    // A raw peer that numbers its notifications out of order (RFC 7641 section 3.4).
    QUdpSocket peer;
    QVERIFY(peer.bind(QHostAddress::LocalHost, 0));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/seq").arg(peer.localPort());
    auto connector = makeConnector(uri);
    UpdateLog log;
    log.attach(connector.get());
    QHostAddress client;
    quint16 clientPort = 0;
    QByteArray token;
    QObject::connect(&peer, &QUdpSocket::readyRead, &peer, [&] {
        while (peer.hasPendingDatagrams()) {
            QByteArray datagram(int(peer.pendingDatagramSize()), 0);
            peer.readDatagram(datagram.data(), datagram.size(), &client, &clientPort);
            if (datagram.size() < 4 || token.size() > 0)
                continue; // only the registration matters; ACKs and RSTs are ignored
            const int tkl = datagram[0] & 0x0f;
            token = datagram.mid(4, tkl);
            const quint16 mid = quint16((quint8(datagram[2]) << 8) | quint8(datagram[3]));
            peer.writeDatagram(coapMessage(2, 0x45, mid, token, 5, 60, "a"), client, clientPort);
        }
    });
    auto observed = connector->observe(*ResourceId::parse(uri));
    QTRY_VERIFY_WITH_TIMEOUT(observed.isReady(), 5000);
    QVERIFY(QCoro::waitFor(observed).ok());
    peer.writeDatagram(coapMessage(1, 0x45, 100, token, 7, 60, "b"), client, clientPort);
    QTRY_COMPARE_WITH_TIMEOUT(log.valuesFor(uri).size(), 2, 5000);
    // Loopback UDP between two sockets keeps the order: "c" arriving proves "stale" was seen first.
    peer.writeDatagram(coapMessage(1, 0x45, 101, token, 6, 60, "stale"), client, clientPort);
    peer.writeDatagram(coapMessage(1, 0x45, 102, token, 8, 60, "c"), client, clientPort);
    QTRY_COMPARE_WITH_TIMEOUT(log.valuesFor(uri).size(), 3, 3000);
    const QList<Update> values = log.valuesFor(uri);
    QCOMPARE(values.at(0).value->raw, QByteArray("a"));
    QCOMPARE(values.at(1).value->raw, QByteArray("b"));
    QCOMPARE(values.at(2).value->raw, QByteArray("c"));
    QCOMPARE(connector->staleNotificationsDropped(), 1);
}

void TestCoapConnector::reregistersWhenServerForgets()
{
    // Max-Age 1 and then silence: the client must register again (RFC 7641 section 3.3.1).
    QUdpSocket peer;
    QVERIFY(peer.bind(QHostAddress::LocalHost, 0));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/quiet").arg(peer.localPort());
    auto connector = makeConnector(uri);
    connector->setObserveCheckIntervalMs(100);
    connector->setReregisterMarginMs(500);
    int registrations = 0;
    QList<QByteArray> tokens;
    QList<int> types;
    QObject::connect(&peer, &QUdpSocket::readyRead, &peer, [&] {
        while (peer.hasPendingDatagrams()) {
            QHostAddress client;
            quint16 clientPort = 0;
            QByteArray datagram(int(peer.pendingDatagramSize()), 0);
            peer.readDatagram(datagram.data(), datagram.size(), &client, &clientPort);
            if (datagram.size() < 4 || (datagram[1] != 0x01))
                continue; // not a GET
            ++registrations;
            const QByteArray token = datagram.mid(4, datagram[0] & 0x0f);
            tokens.append(token);
            types.append((quint8(datagram[0]) >> 4) & 0x03);
            const quint16 mid = quint16((quint8(datagram[2]) << 8) | quint8(datagram[3]));
            peer.writeDatagram(coapMessage(2, 0x45, mid, token, quint32(registrations), 1, "x"), client, clientPort);
        }
    });
    const Result observed = QCoro::waitFor(connector->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QCOMPARE(registrations, 1);
    QTRY_VERIFY_WITH_TIMEOUT(registrations >= 2, 5000);
    QVERIFY(connector->reregistrations() >= 1);
    // Under the same token (nothing left behind per re-registration) and non-confirmable (a
    // thousand registrations do not queue behind each other: NSTART is for confirmable ones)
    QVERIFY(!tokens.first().isEmpty());
    QCOMPARE(tokens.at(1), tokens.first());
    QCOMPARE(types.first(), 1);
    QCOMPARE(types.at(1), 1);
}

void TestCoapConnector::unreachablePort()
{
    const quint16 port = testsupport::freeUdpPort();
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/x").arg(port);
    auto connector = makeConnector(uri, 20000);
    QElapsedTimer timer;
    timer.start();
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 20s));
    QCOMPARE(read.result.kind, ErrorKind::Connection);
    QVERIFY2(read.result.error.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(QStringLiteral("unreachable")), qPrintable(read.result.error));
    QVERIFY(timer.elapsed() < 10000);
    QCOMPARE(connector->state(), ConnectorState::Error);
    QCOMPARE(connector->lastError(), read.result.error);

    // Reachability comes back once something answers there.
    testsupport::CoapServerProcess server;
    QVERIFY(server.start(serverProgram(), {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                           QStringLiteral("%PORT%")},
                         port));
    const ReadResult again = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 5s));
    QCOMPARE(again.result.kind, ErrorKind::NotFound);
    QCOMPARE(connector->state(), ConnectorState::Connected);
}

void TestCoapConnector::silentPeerTimesOut()
{
    // Bound but never answering: only the RFC 7252 retransmissions can tell.
    QUdpSocket silent;
    QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/x").arg(silent.localPort());
    auto connector = makeConnector(uri, 3000);
    QElapsedTimer timer;
    timer.start();
    const Result connected = QCoro::waitFor(connector->connectToEndpoint());
    QCOMPARE(connected.kind, ErrorKind::Timeout);
    QVERIFY2(connected.error.contains(QStringLiteral("127.0.0.1:%1").arg(silent.localPort())),
             qPrintable(connected.error));
    QVERIFY(timer.elapsed() < 6000);
    QCOMPARE(connector->state(), ConnectorState::Error);
}

void TestCoapConnector::dtlsPsk()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server, {QStringLiteral("-k"), QStringLiteral("sesame-key"), QStringLiteral("-h"),
                                  QStringLiteral("thingscape-hint")}));
    const QString uri = QStringLiteral("coaps://127.0.0.1:%1/time").arg(server.port() + 1);
    EndpointConfig config;
    config.url = *ResourceId::parse(uri);
    config.pskIdentity = QStringLiteral("thingscape");
    config.pskKey = "sesame-key";
    config.requestTimeoutMs = 5000;
    CoapConnector connector(config);
    const Result connected = QCoro::waitFor(connector.connectToEndpoint());
    QVERIFY2(connected.ok(), qPrintable(connected.error));
    const ReadResult read = QCoro::waitFor(connector.read(config.url, 5s));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QVERIFY(!read.value.raw.isEmpty());
    UpdateLog log;
    log.attach(&connector);
    const Result observed = QCoro::waitFor(connector.observe(config.url));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 2, 5000);
}

void TestCoapConnector::dtlsWrongKeyRejected()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server, {QStringLiteral("-k"), QStringLiteral("sesame-key")}));
    const QString uri = QStringLiteral("coaps://127.0.0.1:%1/time").arg(server.port() + 1);
    EndpointConfig config;
    config.url = *ResourceId::parse(uri);
    config.pskIdentity = QStringLiteral("thingscape");
    config.pskKey = "wrong-key";
    config.requestTimeoutMs = 5000;
    CoapConnector connector(config);
    const ReadResult read = QCoro::waitFor(connector.read(config.url, 8s));
    QCOMPARE(read.result.kind, ErrorKind::Tls);
    QVERIFY2(read.result.error.contains(QStringLiteral("DTLS")), qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(QStringLiteral("127.0.0.1:%1").arg(server.port() + 1)),
             qPrintable(read.result.error));
    QCOMPARE(connector.state(), ConnectorState::Error);
}

void TestCoapConnector::dtlsCertificates()
{
    REQUIRE_BINARY(openssl, "openssl", "openssl")
    QTemporaryDir dir;
    auto run = [&](const QStringList &args) {
        QProcess process;
        process.setWorkingDirectory(dir.path());
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(openssl, args);
        return process.waitForFinished(20000) && process.exitCode() == 0;
    };
    const QStringList ec = {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                            QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
    QVERIFY(run(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec
                + QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                              QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
                              QStringLiteral("-subj"), QStringLiteral("/CN=Thingscape Test CA")}));
    QVERIFY(run(QStringList{QStringLiteral("req")} + ec
                + QStringList{QStringLiteral("-keyout"), QStringLiteral("server.key"), QStringLiteral("-out"),
                              QStringLiteral("server.csr"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")}));
    QVERIFY(run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), QStringLiteral("server.csr"),
                 QStringLiteral("-CA"), QStringLiteral("ca.pem"), QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                 QStringLiteral("-CAcreateserial"), QStringLiteral("-out"), QStringLiteral("server.pem"),
                 QStringLiteral("-days"), QStringLiteral("2")}));
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server, {QStringLiteral("-c"), dir.filePath(QStringLiteral("server.pem")), QStringLiteral("-j"),
                                  dir.filePath(QStringLiteral("server.key")), QStringLiteral("-C"),
                                  dir.filePath(QStringLiteral("ca.pem")), QStringLiteral("-n")}));
    const QString uri = QStringLiteral("coaps://127.0.0.1:%1/time").arg(server.port() + 1);
    EndpointConfig config;
    config.url = *ResourceId::parse(uri);
    config.requestTimeoutMs = 4000;

    // Verified against the right CA.
    config.caFile = dir.filePath(QStringLiteral("ca.pem"));
    {
        CoapConnector connector(config);
        const ReadResult read = QCoro::waitFor(connector.read(config.url, 5s));
        QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    }
    // The system CAs do not know this server: rejected.
    config.caFile.clear();
    {
        CoapConnector connector(config);
        const ReadResult read = QCoro::waitFor(connector.read(config.url, 5s));
        QCOMPARE(read.result.kind, ErrorKind::Tls);
        QVERIFY2(read.result.error.contains(QStringLiteral("DTLS handshake with 127.0.0.1:%1 failed: unable to get "
                                                           "local issuer certificate")
                                                .arg(server.port() + 1)),
                 qPrintable(read.result.error));
    }
    // Unless the user explicitly opts out of verification.
    config.insecure = true;
    {
        CoapConnector connector(config);
        const ReadResult read = QCoro::waitFor(connector.read(config.url, 5s));
        QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    }
}

void TestCoapConnector::dtlsCertificateMustNameTheHost()
{
    const QString openssl = testsupport::findProgram(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        QSKIP("openssl not found: it makes the test certificates");
    QTemporaryDir dir;
    auto run = [&](const QStringList &args) {
        QProcess process;
        process.setWorkingDirectory(dir.path());
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(openssl, args);
        return process.waitForFinished(20000) && process.exitCode() == 0;
    };
    const QStringList ec = {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                            QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
    QVERIFY(run(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec
                + QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                              QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
                              QStringLiteral("-subj"), QStringLiteral("/CN=Thingscape Test CA")}));
    // A certificate from the trusted CA, named by its subject and subjectAltName.
    auto issue = [&](const QString &name, const QString &subject, const QByteArray &altNames) {
        QFile ext(dir.filePath(name + QStringLiteral(".ext")));
        if (!ext.open(QIODevice::WriteOnly) || ext.write("subjectAltName=" + altNames + '\n') < 0)
            return false;
        ext.close();
        return run(QStringList{QStringLiteral("req")} + ec
                   + QStringList{QStringLiteral("-keyout"), name + QStringLiteral(".key"), QStringLiteral("-out"),
                                 name + QStringLiteral(".csr"), QStringLiteral("-subj"), subject})
            && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), name + QStringLiteral(".csr"),
                    QStringLiteral("-CA"), QStringLiteral("ca.pem"), QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                    QStringLiteral("-CAcreateserial"), QStringLiteral("-out"), name + QStringLiteral(".pem"),
                    QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-extfile"),
                    name + QStringLiteral(".ext")});
    };
    QVERIFY(issue(QStringLiteral("other"), QStringLiteral("/CN=other.example"), "DNS:other.example"));
    QVERIFY(issue(QStringLiteral("local"), QStringLiteral("/CN=lab device"), "DNS:localhost,IP:127.0.0.1"));
    auto serve = [&](testsupport::CoapServerProcess *server, const QString &name) {
        return startServer(server, {QStringLiteral("-c"), dir.filePath(name + QStringLiteral(".pem")),
                                    QStringLiteral("-j"), dir.filePath(name + QStringLiteral(".key")),
                                    QStringLiteral("-C"), dir.filePath(QStringLiteral("ca.pem")), QStringLiteral("-n")});
    };
    auto readVia = [&](const QString &uri) {
        EndpointConfig config;
        config.url = *ResourceId::parse(uri);
        config.requestTimeoutMs = 4000;
        config.caFile = dir.filePath(QStringLiteral("ca.pem"));
        CoapConnector connector(config);
        return QCoro::waitFor(connector.read(config.url, 5s));
    };

    // Given a server whose valid certificate names another host
    testsupport::CoapServerProcess impostor;
    QVERIFY(serve(&impostor, QStringLiteral("other")));
    // When it is reached as 127.0.0.1
    const QString impostorUri = QStringLiteral("coaps://127.0.0.1:%1/time").arg(impostor.port() + 1);
    const ReadResult refused = readVia(impostorUri);
    // Then the handshake fails and says whom the certificate names
    QCOMPARE(refused.result.kind, ErrorKind::Tls);
    QVERIFY2(refused.result.error.contains(QStringLiteral("DTLS handshake with 127.0.0.1:%1 failed: the server's "
                                                          "certificate is for other.example, not 127.0.0.1")
                                               .arg(impostor.port() + 1)),
             qPrintable(refused.result.error));

    // A certificate that names the host by IP address or DNS name passes.
    testsupport::CoapServerProcess device;
    QVERIFY(serve(&device, QStringLiteral("local")));
    for (const QString &host : {QStringLiteral("127.0.0.1"), QStringLiteral("localhost")}) {
        const ReadResult read = readVia(QStringLiteral("coaps://%1:%2/time").arg(host).arg(device.port() + 1));
        QVERIFY2(read.result.ok(), qPrintable(host + QStringLiteral(": ") + read.result.error));
    }
}

void TestCoapConnector::resourceDirectoryDraft()
{
    REQUIRE_BINARY(rdProgram, "coap-rd-openssl", "libcoap3-bin")
    REQUIRE_BINARY(clientProgram, "coap-client-openssl", "libcoap3-bin")
    testsupport::CoapServerProcess rd;
    QVERIFY(rd.start(rdProgram, {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                 QStringLiteral("%PORT%")},
                     testsupport::freeUdpPort()));
    const quint16 nodePort = testsupport::freeUdpPort();
    const QString nodeBase = QStringLiteral("coap://127.0.0.1:%1").arg(nodePort);
    // coap-rd (an older draft) keeps the links but not the base: the node anchors them.
    const QString links = QStringLiteral("</sensors/temp>;rt=\"temperature\";obs;anchor=\"%1\","
                                         "</sensors/light>;if=\"sensor\";anchor=\"%1\"")
                              .arg(nodeBase);
    const int rc = QProcess::execute(clientProgram,
                                     {QStringLiteral("-m"), QStringLiteral("post"), QStringLiteral("-t"),
                                      QStringLiteral("40"), QStringLiteral("-e"), links,
                                      QStringLiteral("coap://127.0.0.1:%1/rd?ep=node1&base=%2").arg(rd.port()).arg(nodeBase)});
    QCOMPARE(rc, 0);

    const QString rdBase = QStringLiteral("coap://127.0.0.1:%1").arg(rd.port());
    auto connector = makeConnector(rdBase);
    UpdateLog log;
    log.attach(connector.get());
    const Result result = QCoro::waitFor(connector->discover(connector->config().url, 3s));
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(result.notice.isEmpty(), qPrintable(result.notice));
    connector->flush();
    const auto temp = log.metadataFor(nodeBase + QStringLiteral("/sensors/temp"));
    QVERIFY(temp);
    QCOMPARE(temp->metadata->resourceTypes.valueOr({}), QStringList{QStringLiteral("temperature")});
    QCOMPARE(temp->metadata->observable.valueOr(false), true);
    QVERIFY(temp->metadata->device.isSet());
    const auto light = log.metadataFor(nodeBase + QStringLiteral("/sensors/light"));
    QVERIFY(light);
    QCOMPARE(light->metadata->interfaces.valueOr({}), QStringList{QStringLiteral("sensor")});
    QVERIFY(log.metadataFor(rdBase + QStringLiteral("/rd")));
}

void TestCoapConnector::resourceDirectoryLookup()
{
    // No packaged RD implements RFC 9176 lookup: serve its answers from an in-test libcoap server.
    const quint16 nodePort = testsupport::freeUdpPort();
    const QString nodeBase = QStringLiteral("coap://127.0.0.1:%1").arg(nodePort);
    testsupport::LibcoapServer rd;
    rd.addResource({"rd", {}, 40, {{"rt", "\"core.rd\""}, {"ct", "40"}}, false});
    rd.addResource({"rd-lookup/res", QStringLiteral("<%1/sensors/temp>;rt=\"temperature\";ct=0;obs;anchor=\"%1\","
                                                    "<%1/actuators/led>;rt=\"light\";if=\"core.a\";anchor=\"%1\"")
                                         .arg(nodeBase)
                                         .toUtf8(),
                    40,
                    {{"rt", "\"core.rd-lookup-res\""}, {"ct", "40"}},
                    false});
    rd.addResource({"rd-lookup/ep",
                    QStringLiteral("</reg/1>;ep=\"kitchen\";base=\"%1\";rt=\"core.rd-ep\"").arg(nodeBase).toUtf8(),
                    40,
                    {{"rt", "\"core.rd-lookup-ep\""}, {"ct", "40"}},
                    false});
    QVERIFY(rd.start(testsupport::freeUdpPort()));
    const QString rdBase = QStringLiteral("coap://127.0.0.1:%1").arg(rd.port());
    auto connector = makeConnector(rdBase);
    UpdateLog log;
    log.attach(connector.get());
    const Result result = QCoro::waitFor(connector->discover(connector->config().url, 3s));
    QVERIFY2(result.ok(), qPrintable(result.error));
    connector->flush();
    const auto temp = log.metadataFor(nodeBase + QStringLiteral("/sensors/temp"));
    QVERIFY(temp);
    QCOMPARE(temp->metadata->device.valueOr({}), QStringLiteral("kitchen"));
    QCOMPARE(temp->metadata->observable.valueOr(false), true);
    const auto led = log.metadataFor(nodeBase + QStringLiteral("/actuators/led"));
    QVERIFY(led);
    QCOMPARE(led->metadata->interfaces.valueOr({}), QStringList{QStringLiteral("core.a")});
    const auto endpoint = log.metadataFor(nodeBase);
    QVERIFY(endpoint);
    QCOMPARE(endpoint->metadata->title.valueOr({}), QStringLiteral("kitchen"));
}

void TestCoapConnector::observeSurvivesServerRestart()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(server.port());
    auto connector = makeConnector(uri, 2000);
    connector->setObserveCheckIntervalMs(200);
    connector->setReregisterMarginMs(1000);
    UpdateLog log;
    log.attach(connector.get());
    const Result observed = QCoro::waitFor(connector->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 2, 5000);

    server.kill();
    // The outage is noticed: Max-Age plus the margin pass without a notification and the
    // connector registers again (no longer observing until the server answers), not a sleep.
    QTRY_VERIFY_WITH_TIMEOUT(!connector->isObserving(*ResourceId::parse(uri)), 15000);
    const qsizetype beforeRestart = log.valuesFor(uri).size();
    QVERIFY(server.restart());
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= beforeRestart + 3, 15000);
    QVERIFY(connector->reregistrations() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(connector->isObserving(*ResourceId::parse(uri)), 3000);
}

void TestCoapConnector::worksOnAnotherThread()
{
    testsupport::CoapServerProcess server;
    QVERIFY(startServer(&server));
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/time").arg(server.port());
    QThread thread;
    thread.start();
    auto connector = makeConnector(uri);
    connector->moveToThread(&thread);
    std::atomic<int> batches{0};
    QObject::connect(connector.get(), &Connector::updatesReady, this, [&batches](const UpdateBatch &) { ++batches; });
    std::atomic<bool> ok{false};
    QMetaObject::invokeMethod(connector.get(), [&] {
        connector->observe(*ResourceId::parse(uri)).then([&ok](const Result &result) { ok = result.ok(); });
    });
    QTRY_VERIFY_WITH_TIMEOUT(ok.load(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(batches.load() >= 2, 5000);
    QMetaObject::invokeMethod(connector.get(), [&] { connector->disconnectFromEndpoint(); }, Qt::BlockingQueuedConnection);
    // Destroy it where it lives.
    CoapConnector *raw = connector.release();
    QMetaObject::invokeMethod(raw, [raw] { delete raw; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
}

void TestCoapConnector::multicastDiscovery_data()
{
    QTest::addColumn<QString>("group");
    QTest::addColumn<bool>("ipv6");
    QTest::newRow("all CoAP nodes, IPv4") << QStringLiteral("224.0.1.187") << false;
    QTest::newRow("all CoAP nodes, IPv6 link-local") << QStringLiteral("ff02::fd") << true;
}

void TestCoapConnector::multicastDiscovery()
{
    QFETCH(QString, group);
    QFETCH(bool, ipv6);
    // Needs an interface that can carry multicast (loopback usually cannot).
    QString interfaceName;
    for (const QNetworkInterface &netif : QNetworkInterface::allInterfaces()) {
        const auto flags = netif.flags();
        if (!(flags & QNetworkInterface::IsUp) || !(flags & QNetworkInterface::CanMulticast)
            || (flags & QNetworkInterface::IsLoopBack))
            continue;
        for (const QNetworkAddressEntry &entry : netif.addressEntries()) {
            const bool family = entry.ip().protocol()
                == (ipv6 ? QAbstractSocket::IPv6Protocol : QAbstractSocket::IPv4Protocol);
            if (family) {
                interfaceName = netif.name();
                break;
            }
        }
        if (!interfaceName.isEmpty())
            break;
    }
    if (interfaceName.isEmpty())
        QSKIP("no multicast-capable interface for this address family");
    const quint16 port = testsupport::freeUdpPort();
    QProcess server;
    server.setProcessChannelMode(QProcess::MergedChannels);
    server.start(serverProgram(), {QStringLiteral("-p"), QString::number(port), QStringLiteral("-g"), group,
                                   QStringLiteral("-G"), interfaceName});
    QVERIFY(server.waitForStarted(5000));
    QVERIFY(testsupport::waitForCoapPort(port));
    EndpointConfig config;
    const QString host = ipv6 ? QLatin1Char('[') + group + QLatin1Char(']') : group;
    config.url = *ResourceId::parse(QStringLiteral("coap://%1:%2").arg(host).arg(port));
    config.extra.insert(QStringLiteral("interface"), interfaceName);
    CoapConnector connector(config);
    UpdateLog log;
    log.attach(&connector);
    QVERIFY(QCoro::waitFor(connector.connectToEndpoint()).ok());
    // Servers delay multicast answers by up to DEFAULT_LEISURE (5 s, RFC 7252 section 8.2).
    const Result result = QCoro::waitFor(connector.discover(config.url, 6s));
    server.kill();
    server.waitForFinished(3000);
    if (!result.ok() && result.kind == ErrorKind::NotFound)
        QSKIP(qPrintable(QStringLiteral("multicast did not loop back on %1: %2").arg(interfaceName, result.error)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(result.notice.contains(QStringLiteral("1 node")), qPrintable(result.notice));
    connector.flush();
    // The responder is an endpoint of its own, its resources under its unicast address.
    std::optional<ResourceId> time;
    for (const Update &update : std::as_const(log.updates)) {
        if (update.id.path() == QLatin1String("/time") && update.id.port() == port)
            time = update.id;
    }
    QVERIFY(time);
    QVERIFY(!CoapConnector::isMulticast(*time));
    QCOMPARE(log.metadataFor(time->toString())->metadata->observable.valueOr(false), true);
}

void TestCoapConnector::discoveryKeepsLinksWithBadAttributes()
{
    // Given a server whose /.well-known/core has one link with an absurd sz
    testsupport::LibcoapServer server;
    server.addResource({"big", "x", 0, {{"rt", "\"blob\""}, {"sz", "99999999999999999999999"}}, false});
    server.addResource({"fine", "y", 0, {{"rt", "\"ok\""}, {"sz", "1"}}, false});
    QVERIFY(server.start(testsupport::freeUdpPort()));
    const QString base = QStringLiteral("coap://127.0.0.1:%1").arg(server.port());
    auto connector = makeConnector(base);
    UpdateLog log;
    log.attach(connector.get());
    // When it is discovered
    const Result result = QCoro::waitFor(connector->discover(connector->config().url, 3s));
    // Then discovery succeeds with a notice naming the bad value, and every link is there
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(result.notice.contains(QStringLiteral("</big>: sz ignored: \"99999999999999999999999\"")),
             qPrintable(result.notice));
    connector->flush();
    const auto big = log.metadataFor(base + QStringLiteral("/big"));
    QVERIFY(big);
    QCOMPARE(big->metadata->resourceTypes.valueOr({}), QStringList{QStringLiteral("blob")});
    QVERIFY(!big->metadata->size.isSet());
    const auto fine = log.metadataFor(base + QStringLiteral("/fine"));
    QVERIFY(fine);
    QCOMPARE(fine->metadata->size.valueOr(0), qint64(1));
}

void TestCoapConnector::endlessBlockwiseIsStopped_data()
{
    QTest::addColumn<int>("blockSize");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<int>("maxBlocks");
    QTest::addColumn<QString>("error");
    QTest::newRow("by size") << 1024 << qint64(64 * 1024) << 100000
                             << QStringLiteral("the block-wise response grew past the limit of 65536 bytes after 65 "
                                               "blocks: transfer stopped");
    QTest::newRow("by count") << 16 << qint64(16 * 1024 * 1024) << 200
                              << QStringLiteral("the block-wise response went on past 200 blocks (3216 bytes): "
                                                "transfer stopped");
}

void TestCoapConnector::endlessBlockwiseIsStopped()
{
    QFETCH(int, blockSize);
    QFETCH(qint64, maxBytes);
    QFETCH(int, maxBlocks);
    QFETCH(QString, error);
    // Given a server that always says another block follows (Block2 M=1)
    testsupport::Block2Peer peer(0, blockSize, 0);
    QVERIFY(peer.start());
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/endless").arg(peer.port());
    auto connector = makeConnector(uri);
    connector->setTransferLimits(maxBytes, maxBlocks);
    // When the resource is read
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 60s));
    // Then the read fails at the bound, naming the resource and the limit
    QCOMPARE(read.result.kind, ErrorKind::Protocol);
    QCOMPARE(read.result.error, uri + QStringLiteral(": ") + error);
    // and no more blocks are asked for.
    const int asked = peer.requests();
    QVERIFY2(asked <= maxBlocks + 2 && asked <= maxBytes / blockSize + 3, qPrintable(QString::number(asked)));
    // Absence needs a bounded wait; under load it can only miss a late request, never fail wrongly.
    QTest::qWait(500);
    QCOMPARE(peer.requests(), asked);
    // The connector still works afterwards.
    testsupport::Block2Peer finite(3, 64, 0);
    QVERIFY(finite.start());
    const QString other = QStringLiteral("coap://127.0.0.1:%1/finite").arg(finite.port());
    const ReadResult again = QCoro::waitFor(connector->read(*ResourceId::parse(other), 10s));
    QVERIFY2(again.result.ok(), qPrintable(again.result.error));
    QCOMPARE(again.value.raw.size(), 3 * 64);
}

void TestCoapConnector::slowBlockwiseTimeoutSaysHowFar()
{
    // Given a server that sends 200 blocks, one every 50 ms
    testsupport::Block2Peer peer(200, 64, 50, true);
    QVERIFY(peer.start());
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/slow").arg(peer.port());
    auto connector = makeConnector(uri);
    // When it is read with a deadline it cannot meet
    QElapsedTimer timer;
    timer.start();
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 1500ms));
    // Then it times out at that deadline and says how far it got
    QCOMPARE(read.result.kind, ErrorKind::Timeout);
    QVERIFY2(read.result.error.startsWith(uri + QStringLiteral(": timed out after 1.5 s; ")),
             qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(QStringLiteral(" of 200 blocks received (")), qPrintable(read.result.error));
    QVERIFY2(!read.result.error.startsWith(uri + QStringLiteral(": timed out after 1.5 s; 0 of")),
             qPrintable(read.result.error));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    // and no more blocks are asked for.
    const int asked = peer.requests();
    // Absence needs a bounded wait; under load it can only miss a late request, never fail wrongly.
    QTest::qWait(500);
    QVERIFY(peer.requests() <= asked + 1);
}

void TestCoapConnector::slowBlockwiseIsNotCutShort()
{
    // Given an endpoint with a short request timeout (small CoAP retransmission parameters)
    // and a server that takes ~6 s for 60 blocks
    testsupport::Block2Peer peer(60, 64, 100);
    QVERIFY(peer.start());
    const QString uri = QStringLiteral("coap://127.0.0.1:%1/slow").arg(peer.port());
    auto connector = makeConnector(uri, 1000);
    // When it is read with a deadline long enough
    const ReadResult read = QCoro::waitFor(connector->read(*ResourceId::parse(uri), 60s));
    // Then the whole body arrives: progress is not cut by a fixed internal limit
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray(60 * 64, 'x'));
}

void TestCoapConnector::encodedSlashStaysInItsSegment()
{
    testsupport::Block2Peer peer(1, 16, 0);
    QVERIFY(peer.start());
    // Given a URI whose first segment holds an encoded '/' and whose query holds an encoded '&'
    const QString uri = QStringLiteral("coap://127.0.0.1:") + QString::number(peer.port())
        + QStringLiteral("/a%2Fb/c?x=1%262&y");
    const std::optional<ResourceId> id = ResourceId::parse(uri);
    QVERIFY(id);
    // Then it stays encoded (another resource than /a/b/c)
    QCOMPARE(id->toString(), uri);
    // and a read sends one Uri-Path option per segment, one Uri-Query option per parameter.
    auto connector = makeConnector(uri);
    const ReadResult read = QCoro::waitFor(connector->read(*id, 10s));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(peer.lastUriPath(), (QList<QByteArray>{"a/b", "c"}));
    QCOMPARE(peer.lastUriQuery(), (QList<QByteArray>{"x=1&2", "y"}));
}

QTEST_GUILESS_MAIN(TestCoapConnector)
#include "tst_coapconnector.moc"
