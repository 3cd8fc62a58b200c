// `thingscape replay` to CoAP and HTTP targets: a recording of CoAP sensors written back, under a
// prefix, to a real coap-server-openssl (its dynamically created PUT-able resources, read back
// with coap-client and seen in its log) and to a QHttpServer (every PUT with its body).

#include "model/recording/recordingdatabase.h"
#include "testsupport.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QDateTime>
#include <QHttpServerResponse>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace thingscape;

namespace {

using Write = QPair<QString, QByteArray>; // path, payload

QString thingscapeBinary()
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape");
}

} // namespace

class TestReplayTargets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void replayToCoapServer();
    void replayToHttpServer();

private:
    QTemporaryDir m_dir;
    QString m_database;
    QList<Write> m_expected; // what came in, as it should arrive under the prefix "copy"
};

void TestReplayTargets::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A recording of two CoAP sensors: 12 values that came in, and one write we made (not replayed)
    m_database = m_dir.filePath(QStringLiteral("coap.sqlite"));
    RecordingDatabase db;
    QString error;
    QVERIFY2(db.open(m_database, {}, true, &error), qPrintable(error));
    QList<RecordedMessage> messages;
    const qint64 start = QDateTime::currentMSecsSinceEpoch() - 60000;
    for (int i = 0; i < 12; ++i) {
        RecordedMessage message;
        const QString path = i % 2 ? QStringLiteral("sensors/hum") : QStringLiteral("sensors/temp");
        message.uri = QStringLiteral("coap://127.0.0.1:5683/") + path;
        message.timeMs = start + i * 10;
        message.cause = Cause::endpoint(QStringLiteral("site"));
        message.contentFormat = 0;
        message.raw = QByteArray::number(20 + i * 0.5);
        message.number = 20 + i * 0.5;
        messages.append(message);
        m_expected.append({QStringLiteral("/copy/") + path, message.raw});
        if (i == 5) {
            RecordedMessage out = message;
            out.timeMs += 1;
            out.direction = Direction::Out;
            out.raw = "written by us";
            messages.append(out);
        }
    }
    QVERIFY2(db.write(messages, &error), qPrintable(error));
}

void TestReplayTargets::replayToCoapServer()
{
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    REQUIRE_BINARY(client, "coap-client-openssl", "libcoap3-bin");
    // Given a CoAP server that makes a resource on the first PUT to a new path
    const quint16 port = testsupport::freeUdpPort();
    QProcess process;
    testsupport::dieWithParent(&process);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(server, {"-A", "127.0.0.1", "-p", QString::number(port), "-d", "10", "-v", "7"});
    QVERIFY(process.waitForStarted());
    QVERIFY(testsupport::waitForCoapPort(port));
    QByteArray log;
    connect(&process, &QProcess::readyRead, this, [&] { log += process.readAll(); });

    // When the recording is replayed to it under a prefix, as fast as it acknowledges
    QProcess replay;
    replay.start(thingscapeBinary(), {QStringLiteral("replay"), m_database, QStringLiteral("--to"), QStringLiteral("coap://127.0.0.1:%1").arg(port),
                                QStringLiteral("--prefix"), QStringLiteral("copy"), QStringLiteral("--speed"), QStringLiteral("max")});
    QTRY_VERIFY_WITH_TIMEOUT(replay.state() == QProcess::NotRunning, 60000);
    const QByteArray stderrText = replay.readAllStandardError();
    QVERIFY2(replay.exitCode() == 0, stderrText.constData());
    QVERIFY2(stderrText.contains("replayed 13 messages"), stderrText.constData());

    // Then the server's log shows every value that came in as a PUT to its path, in order per path
    const QRegularExpression put(QStringLiteral(R"(c:PUT .*\[ (.*) \] :: '([^']*)')"));
    QHash<QString, QList<QByteArray>> got;
    QTRY_VERIFY_WITH_TIMEOUT(log.count("c:PUT") >= 12, 10000);
    for (const QString &line : QString::fromUtf8(log).split(QLatin1Char('\n'))) {
        const QRegularExpressionMatch match = put.match(line);
        if (!match.hasMatch())
            continue;
        QString path;
        for (const QString &option : match.captured(1).split(QStringLiteral(", "))) {
            if (option.startsWith(QLatin1String("Uri-Path:")))
                path += QLatin1Char('/') + option.mid(9);
        }
        got[path].append(match.captured(2).toUtf8());
    }
    QHash<QString, QList<QByteArray>> expected;
    for (const Write &write : std::as_const(m_expected))
        expected[write.first].append(write.second);
    QCOMPARE(got, expected);

    // And each resource now holds its last recorded value
    for (const QString &path : expected.keys()) {
        QProcess get;
        get.start(client, {QStringLiteral("-m"), QStringLiteral("get"), QStringLiteral("coap://127.0.0.1:%1%2").arg(port).arg(path)});
        QVERIFY(get.waitForFinished(30000));
        QCOMPARE(get.readAllStandardOutput().trimmed(), expected.value(path).last());
    }
    process.kill();
    process.waitForFinished();
}

void TestReplayTargets::replayToHttpServer()
{
    // Given an HTTP server taking PUTs on the sensors' paths
    QHttpServer http;
    QList<Write> got;
    http.route("/copy/sensors/<arg>", [&](const QString &name, const QHttpServerRequest &request) {
        if (request.method() != QHttpServerRequest::Method::Put)
            return QHttpServerResponse(QHttpServerResponse::StatusCode::MethodNotAllowed);
        got.append({QStringLiteral("/copy/sensors/") + name, request.body()});
        return QHttpServerResponse(QHttpServerResponse::StatusCode::NoContent);
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port != 0);

    // When the recording is replayed to it under a prefix at the recorded pace
    QProcess replay;
    replay.start(thingscapeBinary(), {QStringLiteral("replay"), m_database, QStringLiteral("--to"), QStringLiteral("http://127.0.0.1:%1").arg(port),
                                QStringLiteral("--prefix"), QStringLiteral("copy"), QStringLiteral("--speed"), QStringLiteral("1")});
    QTRY_VERIFY_WITH_TIMEOUT(replay.state() == QProcess::NotRunning, 60000);
    const QByteArray stderrText = replay.readAllStandardError();
    QVERIFY2(replay.exitCode() == 0, stderrText.constData());

    // Then the server got every value that came in, PUT to its path, and nothing we wrote
    QList<Write> expected = m_expected;
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    QCOMPARE(got, expected);

    // And a target that refuses the writes fails the replay, naming the resource and the status
    QHttpServer refusing;
    refusing.route("/copy/sensors/<arg>", [](const QString &) { return QHttpServerResponse(QHttpServerResponse::StatusCode::Forbidden); });
    const quint16 refusingPort = refusing.listen(QHostAddress::LocalHost, 0);
    QVERIFY(refusingPort != 0);
    replay.start(thingscapeBinary(), {QStringLiteral("replay"), m_database, QStringLiteral("--to"), QStringLiteral("http://127.0.0.1:%1").arg(refusingPort),
                                QStringLiteral("--prefix"), QStringLiteral("copy"), QStringLiteral("--speed"), QStringLiteral("max")});
    QTRY_VERIFY_WITH_TIMEOUT(replay.state() == QProcess::NotRunning, 60000);
    const QByteArray refused = replay.readAllStandardError();
    QVERIFY2(replay.exitCode() != 0, refused.constData());
    QVERIFY2(refused.contains("/copy/sensors/"), refused.constData());
    QVERIFY2(refused.contains("403"), refused.constData());
}

QTEST_MAIN(TestReplayTargets)
#include "tst_replaytargets.moc"
