// `thingscape serve` end to end: the binary serving a workspace fed by a private mosquitto;
// its ready line, a value read and a write through it, its usage errors (exit 2), and a
// bearer token generated, printed once and kept when bound beyond loopback; `run --http` serving the same.
#include "mqtttesthelpers.h"
#include "testsupport.h"
#include "verbtesthelpers.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using verbtest::thingscape;

class TestServeVerb : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void usageErrorsExit2_data();
    void usageErrorsExit2();
    void servesReadsAndWrites();
    void tokenGeneratedBeyondLoopback();
    void runServesWithHttp();

private:
    // Starts serve and returns the URL from its ready line (empty on failure).
    QString startServe(QProcess *process, const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    // The same for another verb that prints the ready line (run --http).
    QString startVerb(QProcess *process, const QString &verb, const QStringList &args,
                      const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    // The first resource under the test's prefix, as GET /resources lists it (waits for it).
    QJsonObject firstItem(const QString &url);
    QNetworkReply *request(const QByteArray &verb, const QUrl &url, const QByteArray &body = {}, const QByteArray &token = {});

    verbtest::Peers m_peers;
    testsupport::Mosquitto &m_broker = m_peers.broker;
    QString m_prefix;
    QString m_workspace;
    QNetworkAccessManager m_network;
};

void TestServeVerb::initTestCase()
{
    REQUIRE_BINARY(pub, "mosquitto_pub", "mosquitto-clients")
    if (!m_peers.start())
        return;
    m_prefix = mqtttest::uniquePrefix(QStringLiteral("serve"));
    m_workspace = m_peers.writeWorkspace(QStringLiteral("serve.thingscape"), m_prefix);
    QVERIFY(!m_workspace.isEmpty());
    QCOMPARE(mqtttest::publish(m_broker.port(), {QStringLiteral("-r"), QStringLiteral("-t"), m_prefix + QStringLiteral("/boiler/temp"),
                                                 QStringLiteral("-m"), QStringLiteral("64")}),
             0);
}

QString TestServeVerb::startServe(QProcess *process, const QStringList &args, const QProcessEnvironment &env)
{
    return startVerb(process, QStringLiteral("serve"), args, env);
}

QString TestServeVerb::startVerb(QProcess *process, const QString &verb, const QStringList &args, const QProcessEnvironment &env)
{
    testsupport::dieWithParent(process);
    process->setProcessEnvironment(env);
    process->start(thingscape(), QStringList{verb} + args);
    if (!process->waitForStarted())
        return {};
    QByteArray out;
    QDeadlineTimer deadline(30000);
    while (!out.contains('\n') && !deadline.hasExpired() && process->state() == QProcess::Running) {
        process->waitForReadyRead(200);
        out += process->readAllStandardOutput();
    }
    return QJsonDocument::fromJson(out.left(out.indexOf('\n'))).object().value(QLatin1String("http")).toString();
}

QNetworkReply *TestServeVerb::request(const QByteArray &verb, const QUrl &url, const QByteArray &body, const QByteArray &token)
{
    QNetworkRequest req(url);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain"));
    QNetworkReply *reply = m_network.sendCustomRequest(req, verb, body);
    reply->setParent(this);
    return reply;
}

void TestServeVerb::usageErrorsExit2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no --http") << QStringList{QStringLiteral("W")} << QStringLiteral("needs --http");
    QTest::newRow("bad address") << QStringList{QStringLiteral("W"), QStringLiteral("--http"), QStringLiteral("here:80")}
                                 << QStringLiteral("not an IP address");
    QTest::newRow("bad port") << QStringList{QStringLiteral("W"), QStringLiteral("--http"), QStringLiteral("127.0.0.1:99999")}
                              << QStringLiteral("not a port number");
    QTest::newRow("no workspace") << QStringList{QStringLiteral("--http"), QStringLiteral("127.0.0.1:0")} << QStringLiteral("needs a workspace");
    QTest::newRow("missing token file") << QStringList{QStringLiteral("W"), QStringLiteral("--http"), QStringLiteral("127.0.0.1:0"),
                                                       QStringLiteral("--token-file"), QStringLiteral("/nonexistent/token")}
                                        << QStringLiteral("cannot read the token file");
    QTest::newRow("run: gateway option without --http")
        << QStringList{QStringLiteral("run"), QStringLiteral("W"), QStringLiteral("--coap"), QStringLiteral("127.0.0.1:0")}
        << QStringLiteral("need --http");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("W"), QStringLiteral("--http"), QStringLiteral("127.0.0.1:0"),
                                                   QStringLiteral("--bogus")}
                                    << QStringLiteral("unknown option --bogus");
}

void TestServeVerb::usageErrorsExit2()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    args.replaceInStrings(QRegularExpression(QStringLiteral("^W$")), m_workspace);
    // Rows for another verb name it first.
    const QString verb = args.value(0) == QLatin1String("run") ? args.takeFirst() : QStringLiteral("serve");
    QProcess serve;
    testsupport::dieWithParent(&serve);
    serve.start(thingscape(), QStringList{verb} + args);
    QVERIFY(serve.waitForFinished(20000));
    QCOMPARE(serve.exitCode(), 2);
    const QString err = QString::fromLocal8Bit(serve.readAllStandardError());
    QVERIFY2(err.contains(message), qPrintable(err));
}

void TestServeVerb::servesReadsAndWrites()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    QProcess serve;
    const QString url = startServe(&serve, {m_workspace, QStringLiteral("--http"), QStringLiteral("127.0.0.1:0")});
    QVERIFY2(url.startsWith(QLatin1String("http://127.0.0.1:")), qPrintable(QString::fromLocal8Bit(serve.readAllStandardError())));
    const QJsonObject item = firstItem(url);
    QCOMPARE(item.value(QLatin1String("value")).toDouble(), 64.0);
    QProcess subscriber;
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(), {QStringLiteral("-t"), m_prefix + QStringLiteral("/boiler/temp"), QStringLiteral("-R")}));
    QNetworkReply *put = request("PUT", QUrl(url + item.value(QLatin1String("href")).toString()), "70");
    QTRY_VERIFY_WITH_TIMEOUT(put->isFinished(), 20000);
    QCOMPARE(put->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 204);
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT(testsupport::subscriberPayloads(output += subscriber.readAllStandardOutput()).split('\n').contains("70"), 20000);
    subscriber.kill();
    subscriber.waitForFinished();
    serve.terminate();
    QVERIFY(serve.waitForFinished(20000));
    QCOMPARE(serve.exitCode(), 0);
}

QJsonObject TestServeVerb::firstItem(const QString &url)
{
    const QString prefix = QString::fromLatin1(QUrl::toPercentEncoding(QStringLiteral("mqtt://127.0.0.1:%1/%2/").arg(m_broker.port()).arg(m_prefix)));
    QJsonObject item;
    QDeadlineTimer deadline(30000);
    while (item.isEmpty() && !deadline.hasExpired()) {
        QNetworkReply *reply = request("GET", QUrl(url + QStringLiteral("/resources?prefix=") + prefix));
        QDeadlineTimer answer(20000);
        while (!reply->isFinished() && !answer.hasExpired())
            QTest::qWait(10);
        item = QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("items")).toArray().at(0).toObject();
        if (item.isEmpty())
            QTest::qWait(50);
    }
    return item;
}

void TestServeVerb::tokenGeneratedBeyondLoopback()
{
    QTemporaryDir config;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
    env.remove(QStringLiteral("THINGSCAPE_SECRET_GATEWAY_BEARERTOKEN"));
    QProcess serve;
    const QString url = startServe(&serve, {m_workspace, QStringLiteral("--http"), QStringLiteral("0.0.0.0:0")}, env);
    QVERIFY(!url.isEmpty());
    QString err;
    QRegularExpressionMatch match;
    const QRegularExpression tokenLine(QStringLiteral("bearer token .*: ([A-Za-z0-9_-]{40,})"));
    QTRY_VERIFY_WITH_TIMEOUT((match = tokenLine.match(err += QString::fromLocal8Bit(serve.readAllStandardError()))).hasMatch(), 20000);
    const QByteArray token = match.captured(1).toLatin1();
    QNetworkReply *without = request("GET", QUrl(url + QStringLiteral("/resources")));
    QTRY_VERIFY_WITH_TIMEOUT(without->isFinished(), 20000);
    QCOMPARE(without->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    QNetworkReply *with = request("GET", QUrl(url + QStringLiteral("/resources")), {}, token);
    QTRY_VERIFY_WITH_TIMEOUT(with->isFinished(), 20000);
    QCOMPARE(with->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    serve.terminate();
    QVERIFY(serve.waitForFinished(20000));
    // Kept for the owner only, in the secrets' line format.
    QFile kept(config.path() + QStringLiteral("/Thingscape/thingscape/gateway-secrets"));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll().trimmed(), "gateway/bearerToken=" + token);
    QCOMPARE(kept.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
             QFileDevice::Permissions());

    // Printed once: the next run takes the kept token and does not print it again.
    QProcess again;
    const QString url2 = startServe(&again, {m_workspace, QStringLiteral("--http"), QStringLiteral("0.0.0.0:0")}, env);
    QVERIFY(!url2.isEmpty());
    QVERIFY(!QString::fromLocal8Bit(again.readAllStandardError()).contains(QString::fromLatin1(token)));
    QNetworkReply *keptReply = request("GET", QUrl(url2 + QStringLiteral("/resources")), {}, token);
    QTRY_VERIFY_WITH_TIMEOUT(keptReply->isFinished(), 20000);
    QCOMPARE(keptReply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    again.terminate();
    QVERIFY(again.waitForFinished(20000));
}

void TestServeVerb::runServesWithHttp()
{
    // `run --http`: the rules' headless runner serves the same gateway beside them.
    QProcess run;
    const QString url = startVerb(&run, QStringLiteral("run"), {m_workspace, QStringLiteral("--http"), QStringLiteral("127.0.0.1:0")});
    QVERIFY2(url.startsWith(QLatin1String("http://127.0.0.1:")), qPrintable(QString::fromLocal8Bit(run.readAllStandardError())));
    QCOMPARE(firstItem(url).value(QLatin1String("value")).toDouble(), 64.0);
    run.terminate();
    QVERIFY(run.waitForFinished(20000));
    QCOMPARE(run.exitCode(), 0);
}

QTEST_MAIN(TestServeVerb)
#include "tst_serveverb.moc"
