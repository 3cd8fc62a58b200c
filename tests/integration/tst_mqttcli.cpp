#include "mqtttesthelpers.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QString binary()
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape");
}

Run run(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 30000)
{
    QProcess process;
    QProcessEnvironment environment = env;
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    process.setProcessEnvironment(environment);
    process.start(binary(), args);
    Run result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("timed out");
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

QList<QJsonObject> jsonLines(const QString &text)
{
    QList<QJsonObject> objects;
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &error);
        if (!doc.isObject())
            qWarning("not a JSON object line: %s", qPrintable(line));
        objects.append(doc.object());
    }
    return objects;
}

} // namespace

class TestMqttCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void helpAndVersionWithoutDisplay();
    void discoverJson();
    void discoverNothingIsExitOne();
    void discoverEndsWhenTheBrokerHasSentAll();
    void discoverListsTopicsInUriOrder();
    void getJsonAndText();
    void getTimeoutIsExitOne();
    void putThenGet();
    void putJsonFormat();
    void watchCountsUpdates();
    void usageErrors_data();
    void usageErrors();
    void refusedConnectionIsExitThree();
    void unknownHostIsExitThree();
    void passwordFromFileAndEnvironment();
    void tlsFlags();
    void putFromFileAndStandardInput();
    void textModeEscapesTerminalControls();
    void timeoutCoversConnecting_data();
    void timeoutCoversConnecting();
    void watchQos1SessionSurvivesBrokerKill();
    void watchPrintsWhatTheSessionQueued();
    void watchPrintsEveryMessageOfAFlood();
    void watchResumedTwicePrintsNoMessageTwice();
    void watchCountLosesNothingOfAResumedSession();
    void watchSummaryHasEnglishPlurals();

private:
    void queueNumbers(const testsupport::Mosquitto &broker, const QString &prefix, const QString &session, int count);
    // A broker of its own (no cap on the offline queue) with count numbered messages queued
    // for a persistent session: what the resumed-session tests start from.
    struct QueuedSession
    {
        std::unique_ptr<testsupport::Mosquitto> broker = std::make_unique<testsupport::Mosquitto>();
        QString target; // the watch URL: mqtt://127.0.0.1:port/prefix/#
        QString session;
    };
    QueuedSession queueForSession(const QString &name, int count);
    QString url(const QString &topic) const { return QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(topic); }
    testsupport::Mosquitto m_broker;
};

void TestMqttCli::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    QVERIFY2(QFile::exists(binary()), qPrintable(binary()));
    QVERIFY(m_broker.start());
}

void TestMqttCli::helpAndVersionWithoutDisplay()
{
    Run r = run({"--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("discover URL"));
    r = run({"--version"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.startsWith("thingscape "));
}

void TestMqttCli::discoverJson()
{
    const QString prefix = mqtttest::uniquePrefix("clidisc");
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/n", "-m", "21.5"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/s", "-m", "hello"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/j", "-m", R"({"a":[1,2]})"}), 0);
    QTemporaryDir dir;
    QFile binaryPayload(dir.filePath("payload"));
    QVERIFY(binaryPayload.open(QIODevice::WriteOnly));
    binaryPayload.write(QByteArray::fromHex("0102ff"));
    binaryPayload.close();
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/b", "-f", binaryPayload.fileName()}), 0);

    const Run r = run({"discover", url(prefix + "/#"), "--timeout", "1", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QList<QJsonObject> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 4);
    QHash<QString, QJsonObject> byUri;
    for (const QJsonObject &line : lines) {
        QCOMPARE(line.value("protocol").toString(), QStringLiteral("mqtt"));
        for (const QString &key : line.keys()) {
            static const QStringList allowed = {"uri", "protocol", "title", "rt", "if", "ct", "unit", "observable",
                                                "writable", "value"};
            QVERIFY2(allowed.contains(key), qPrintable(key));
        }
        byUri.insert(line.value("uri").toString(), line);
    }
    QCOMPARE(byUri.value(url(prefix + "/n")).value("value").toDouble(), 21.5);
    QVERIFY(byUri.value(url(prefix + "/n")).value("value").isDouble());
    QCOMPARE(byUri.value(url(prefix + "/s")).value("value").toString(), QStringLiteral("hello"));
    QCOMPARE(byUri.value(url(prefix + "/j")).value("value").toObject().value("a").toArray().size(), 2);
    QCOMPARE(byUri.value(url(prefix + "/b")).value("value").toString(), QStringLiteral("0102ff"));

    const Run text = run({"discover", url(prefix + "/#"), "--timeout", "1"});
    QCOMPARE(text.exitCode, 0);
    QCOMPARE(text.out.count(QLatin1Char('\n')), 4);
    QVERIFY(text.out.contains(url(prefix + "/s")));
}

void TestMqttCli::discoverNothingIsExitOne()
{
    const Run r = run({"discover", url(mqtttest::uniquePrefix("clinone") + "/#"), "--timeout", "0.5", "--json"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QVERIFY(r.err.contains("nothing found"));
}

void TestMqttCli::discoverEndsWhenTheBrokerHasSentAll()
{
    // Given retained topics, and a filter a subscription of the verb's own covers twice over
    const QString prefix = mqtttest::uniquePrefix("cliend");
    for (int i = 0; i < 5; ++i)
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + QStringLiteral("/t%1").arg(i), "-m", "1"}), 0);
    // When discovery is given far more time than it needs
    const Run r = run({"discover", url(prefix + "/#"), "--timeout", "600"}, QProcessEnvironment::systemEnvironment(),
                      120000);
    // Then it ends once the broker has sent everything (long before the timeout), each topic
    // once, and neither its end marker nor the broker's counters show up as topics
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    for (int i = 0; i < 5; ++i)
        QVERIFY2(lines.at(i).startsWith(url(prefix + QStringLiteral("/t%1").arg(i)) + QLatin1Char(' ')), qPrintable(lines.at(i)));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));

    // And without a timeout at all, the same
    const Run plain = run({"discover", url(prefix + "/#"), "--json"}, QProcessEnvironment::systemEnvironment(), 120000);
    QVERIFY2(plain.exitCode == 0, qPrintable(plain.err));
    QCOMPARE(jsonLines(plain.out).size(), 5);
}

void TestMqttCli::discoverListsTopicsInUriOrder()
{
    // Given retained topics published out of order, differing before, at and after an
    // 8-byte boundary of their URIs, one a prefix of another, upper and lower case
    const QString prefix = mqtttest::uniquePrefix("cliorder");
    const QStringList levels{"dev10", "dev2", "dev1", "Dev3", "dev1/a", "dev", "de", "long-name-past-eight/b",
                             "long-name-past-eight/B", "long-name-past-eight", "~", "_x", "dev10/z9", "dev10/z10"};
    QStringList expected;
    for (const QString &level : levels) {
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + QLatin1Char('/') + level, "-m", "1"}), 0);
        expected.append(url(prefix + QLatin1Char('/') + level));
    }
    std::sort(expected.begin(), expected.end());
    // When they are discovered
    const Run r = run({"discover", url(prefix + "/#")}, QProcessEnvironment::systemEnvironment(), 120000);
    // Then each is listed once, in the URIs' own (QString) order
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), expected.size());
    for (qsizetype i = 0; i < lines.size(); ++i)
        QVERIFY2(lines.at(i).startsWith(expected.at(i) + QLatin1Char(' ')), qPrintable(lines.at(i) + " / " + expected.at(i)));
}

void TestMqttCli::getJsonAndText()
{
    const QString topic = mqtttest::uniquePrefix("cliget") + "/v";
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", topic, "-m", R"({"t":20.5})"}), 0);
    Run r = run({"get", url(topic), "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QList<QJsonObject> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 1);
    const QJsonObject line = lines.first();
    QCOMPARE(line.value("uri").toString(), url(topic));
    QCOMPARE(line.value("value").toObject().value("t").toDouble(), 20.5);
    QCOMPARE(line.value("ct").toInt(), 50);
    static const QRegularExpression iso(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"));
    QVERIFY2(iso.match(line.value("time").toString()).hasMatch(), qPrintable(line.value("time").toString()));
    for (const QString &key : line.keys())
        QVERIFY2(QStringList({"uri", "value", "ct", "time"}).contains(key), qPrintable(key));

    r = run({"get", url(topic)});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral(R"({"t":20.5})"));
}

void TestMqttCli::getTimeoutIsExitOne()
{
    const QString topic = mqtttest::uniquePrefix("cliempty") + "/nothing";
    const Run r = run({"get", url(topic), "--timeout", "0.5"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(topic), qPrintable(r.err));
}

void TestMqttCli::putThenGet()
{
    const QString topic = mqtttest::uniquePrefix("cliput") + "/v";
    Run r = run({"put", url(topic), "on", "--qos", "1", "--retain"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral("on"));
    r = run({"get", url(topic)});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("on"));
    // QoS 0 and 2 too.
    QCOMPARE(run({"put", url(topic), "zero", "--retain"}).exitCode, 0);
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral("zero"));
    QCOMPARE(run({"put", url(topic), "two", "--qos", "2", "--retain"}).exitCode, 0);
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral("two"));
    // And over MQTT 5, with a client id of the user's choosing.
    r = run({"put", url(topic), "five", "--qos", "1", "--retain", "--mqtt-version", "5", "--client-id", "cli-v5"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic, "-V", "5"}).trimmed(), QStringLiteral("five"));
    r = run({"get", url(topic), "--mqtt-version", "5"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("five"));
    // A negative number is a value, not an option.
    r = run({"put", url(topic), "-5.5", "--retain", "--qos", "1"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral("-5.5"));
}

void TestMqttCli::putJsonFormat()
{
    const QString topic = mqtttest::uniquePrefix("clijson") + "/v";
    Run r = run({"put", url(topic), R"({ "a" : 1 })", "--format", "json", "--retain"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral(R"({"a":1})"));
    r = run({"put", url(topic), "{not json", "--format", "json"});
    QCOMPARE(r.exitCode, 2);
    r = run({"put", url(topic), R"({"a":1})", "--format", "cbor", "--retain"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic, "-F", "%x"}).trimmed(), QStringLiteral("a1616101"));
}

void TestMqttCli::watchCountsUpdates()
{
    const QString prefix = mqtttest::uniquePrefix("cliwatch");
    QProcess watch;
    watch.start(binary(), {"watch", url(prefix + "/#"), "--count", "3", "--timeout", "20", "--json"});
    QVERIFY(watch.waitForStarted());
    // Keep publishing until the watcher has subscribed and seen enough.
    for (int i = 0; i < 40 && watch.state() == QProcess::Running; ++i) {
        mqtttest::publish(m_broker.port(), {"-t", prefix + "/x", "-m", QString::number(i)});
        watch.waitForFinished(250);
    }
    QVERIFY(watch.state() == QProcess::NotRunning || watch.waitForFinished(10000));
    QCOMPARE(watch.exitCode(), 0);
    const QList<QJsonObject> lines = jsonLines(QString::fromUtf8(watch.readAllStandardOutput()));
    QCOMPARE(lines.size(), 3);
    for (const QJsonObject &line : lines) {
        QCOMPARE(line.value("uri").toString(), url(prefix + "/x"));
        QVERIFY(line.value("value").isDouble());
        QVERIFY(line.contains("time"));
        for (const QString &key : line.keys())
            QVERIFY2(QStringList({"uri", "value", "ct", "time"}).contains(key), qPrintable(key));
    }

    const Run quiet = run({"watch", url(prefix + "/silent"), "--timeout", "0.5"});
    QCOMPARE(quiet.exitCode, 1);
}

void TestMqttCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no url") << QStringList{"get"};
    QTest::newRow("no scheme") << QStringList{"get", "localhost/x"};
    QTest::newRow("bad scheme") << QStringList{"get", "ftp://host/x"};
    QTest::newRow("bad port") << QStringList{"get", "mqtt://host:99999/x"};
    QTest::newRow("unknown flag") << QStringList{"get", "mqtt://127.0.0.1/x", "--frobnicate"};
    QTest::newRow("flag of another verb") << QStringList{"get", "mqtt://127.0.0.1/x", "--count", "2"};
    QTest::newRow("password on command line") << QStringList{"get", "mqtt://127.0.0.1/x", "--password", "p"};
    QTest::newRow("bad qos") << QStringList{"put", "mqtt://127.0.0.1/x", "v", "--qos", "3"};
    QTest::newRow("bad format") << QStringList{"put", "mqtt://127.0.0.1/x", "v", "--format", "xml"};
    QTest::newRow("put without value") << QStringList{"put", "mqtt://127.0.0.1/x"};
    QTest::newRow("bad timeout") << QStringList{"get", "mqtt://127.0.0.1/x", "--timeout", "soon"};
    QTest::newRow("bad mqtt version") << QStringList{"get", "mqtt://127.0.0.1/x", "--mqtt-version", "4.2"};
    QTest::newRow("missing password file") << QStringList{"get", "mqtt://127.0.0.1/x", "--password-file", "/nonexistent/pw"};
    QTest::newRow("value and --file") << QStringList{"put", "mqtt://127.0.0.1/x", "v", "--file", "/etc/hostname"};
    QTest::newRow("missing --file") << QStringList{"put", "mqtt://127.0.0.1/x", "--file", "/nonexistent/value"};
    QTest::newRow("--file on get") << QStringList{"get", "mqtt://127.0.0.1/x", "--file", "/etc/hostname"};
    QTest::newRow("--session on get") << QStringList{"get", "mqtt://127.0.0.1/x", "--session", "s"};
    QTest::newRow("--session on CoAP") << QStringList{"watch", "coap://127.0.0.1/x", "--session", "s"};
    QTest::newRow("bad watch qos") << QStringList{"watch", "mqtt://127.0.0.1/x", "--qos", "7"};
    QTest::newRow("session and another client id")
        << QStringList{"watch", "mqtt://127.0.0.1/x", "--session", "a", "--client-id", "b"};
}

void TestMqttCli::usageErrors()
{
    QFETCH(QStringList, args);
    const Run r = run(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(!r.err.isEmpty());
    QVERIFY(r.out.isEmpty());
}

void TestMqttCli::refusedConnectionIsExitThree()
{
    const quint16 port = testsupport::freeTcpPort();
    for (const char *verb : {"get", "discover", "watch"}) {
        const Run r = run({QString::fromLatin1(verb), QStringLiteral("mqtt://127.0.0.1:%1/x").arg(port), "--timeout", "1"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(r.err));
        QVERIFY2(r.err.contains("refused"), qPrintable(r.err));
    }
    const Run put = run({"put", QStringLiteral("mqtt://127.0.0.1:%1/x").arg(port), "v"});
    QCOMPARE(put.exitCode, 3);
}

void TestMqttCli::unknownHostIsExitThree()
{
    const Run r = run({"get", "mqtt://no-such-host.invalid/x", "--timeout", "1"});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("no-such-host.invalid"), qPrintable(r.err));
    QVERIFY2(r.err.contains("unknown host"), qPrintable(r.err));
}

void TestMqttCli::passwordFromFileAndEnvironment()
{
    QTemporaryDir dir;
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    QVERIFY(broker.startWithPassword(port, QStringLiteral("bob"), QStringLiteral("hunter2")));
    const QString target = QStringLiteral("mqtt://127.0.0.1:%1/auth/x").arg(port);

    QFile file(dir.filePath("pw"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("hunter2\n");
    file.close();
    Run r = run({"put", target, "1", "--user", "bob", "--password-file", file.fileName()});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("THINGSCAPE_PASSWORD", "hunter2");
    r = run({"put", target, "2", "--user", "bob"}, env);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));

    env.insert("THINGSCAPE_PASSWORD", "wrong");
    r = run({"put", target, "3", "--user", "bob"}, env);
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(r.err));
    QVERIFY2(r.err.contains("authori"), qPrintable(r.err));
}

void TestMqttCli::tlsFlags()
{
    QTemporaryDir dir;
    const mqtttest::TlsFiles files = mqtttest::makeTlsFiles(dir.path());
    QVERIFY2(files.ok(), qPrintable(files.error));
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    QVERIFY(broker.start(QStringLiteral("user root\nlistener %1 127.0.0.1\ncafile %2\ncertfile %3\nkeyfile %4\n"
                                        "require_certificate true\nallow_anonymous true\n")
                             .arg(port)
                             .arg(files.caCert, files.serverCert, files.serverKey),
                         false));
    QVERIFY(testsupport::waitForTcpPort(port));
    const QString target = QStringLiteral("mqtts://127.0.0.1:%1/tls/x").arg(port);
    Run r = run({"put", target, "sealed", "--retain", "--ca", files.caCert, "--cert", files.clientCert, "--key",
                 files.clientKey});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = run({"get", target, "--ca", files.caCert, "--cert", files.clientCert, "--key", files.clientKey});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("sealed"));

    r = run({"get", target, "--ca", files.otherCaCert, "--cert", files.clientCert, "--key", files.clientKey});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("TLS"), qPrintable(r.err));

    r = run({"get", target, "--insecure", "--ca", files.otherCaCert, "--cert", files.clientCert, "--key", files.clientKey});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("warning"), qPrintable(r.err));
}

void TestMqttCli::putFromFileAndStandardInput()
{
    const QString topic = mqtttest::uniquePrefix("clifile") + "/v";
    // Bytes a shell argument cannot carry: NUL, invalid UTF-8, CR LF, and more than 128 KiB.
    QByteArray bytes = QByteArray::fromHex("00ff1b0d0a");
    bytes += QByteArray(200 * 1024, 'x');
    QTemporaryDir dir;
    QFile file(dir.filePath("value.bin"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
    file.close();
    Run r = run({"put", url(topic), "--file", file.fileName(), "--retain", "--qos", "1"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QString hex = mqtttest::subscribeOnce(m_broker.port(), {"-t", topic, "-F", "%x"}).trimmed();
    QCOMPARE(hex.size(), bytes.size() * 2);
    QCOMPARE(hex.left(10), QStringLiteral("00ff1b0d0a"));

    // '-' reads standard input, binary-safe.
    QProcess put;
    put.start(binary(), {"put", url(topic), "-", "--retain", "--qos", "1"});
    QVERIFY(put.waitForStarted());
    const QByteArray piped = QByteArray::fromHex("01020300fe") + "tail";
    put.write(piped);
    put.closeWriteChannel();
    QVERIFY(put.waitForFinished(30000));
    QVERIFY2(put.exitCode() == 0, put.readAllStandardError().constData());
    hex = mqtttest::subscribeOnce(m_broker.port(), {"-t", topic, "-F", "%x"}).trimmed();
    QCOMPARE(hex, QString::fromLatin1(piped.toHex()));

    // --format json still applies to a value from a file.
    QFile json(dir.filePath("value.json"));
    QVERIFY(json.open(QIODevice::WriteOnly));
    json.write("{ \"a\" : [1, 2] }\n");
    json.close();
    r = run({"put", url(topic), "--file", json.fileName(), "--format", "json", "--retain"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", topic}).trimmed(), QStringLiteral(R"({"a":[1,2]})"));
}

void TestMqttCli::textModeEscapesTerminalControls()
{
    const QString prefix = mqtttest::uniquePrefix("cliesc");
    // A JSON string that decodes to what would retitle the terminal, clear it, and reverse
    // what follows (raw control bytes already print as hex: the decoded text is the way in).
    const QString hostile = QStringLiteral("\x1b]0;pwned\x07\x1b[2Jwarm\u202Edlo\u0085c");
    const QString hostileJson = QStringLiteral(R"("\u001b]0;pwned\u0007\u001b[2Jwarm\u202edlo\u0085c")");
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/state", "-m", hostileJson}), 0);
    // A Home Assistant sensor whose name and unit carry the same.
    const QString node = prefix.section('/', -1);
    const QString config = QStringLiteral(R"({"name":"\u001b]0;evil\u0007Kitchen\u202e","state_topic":"%1/temp",)"
                                          R"("unit_of_measurement":"\u001b[2J\u00b0C","unique_id":"%2"})")
                               .arg(prefix, node);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/temp", "-m", "21"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", "homeassistant/sensor/" + node + "/config", "-m", config}), 0);

    auto clean = [](const QByteArray &out) {
        for (const char c : out) {
            const uchar u = uchar(c);
            if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f)
                return false;
        }
        const QString text = QString::fromUtf8(out);
        for (const QChar ch : text) {
            const ushort u = ch.unicode();
            if ((u >= 0x80 && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
                return false;
        }
        return true;
    };

    QProcess get;
    get.start(binary(), {"get", url(prefix + "/state")});
    QVERIFY(get.waitForFinished(30000));
    QCOMPARE(get.exitCode(), 0);
    const QByteArray out = get.readAllStandardOutput();
    QVERIFY2(clean(out), out.toHex().constData());
    QCOMPARE(QString::fromUtf8(out).trimmed(), QStringLiteral("\\x1b]0;pwned\\x07\\x1b[2Jwarm<U+202E>dlo\\x85c"));

    // --json escapes them its own way and stays valid JSON.
    Run r = run({"get", url(prefix + "/state"), "--json"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(clean(r.out.toUtf8()), qPrintable(r.out));
    QCOMPARE(jsonLines(r.out).value(0).value("value").toString(), hostile);

    // discover prints the device's name and unit: made visible, not obeyed.
    QProcess discover;
    // The whole broker: the Home Assistant config lives outside the prefix.
    discover.start(binary(), {"discover", url("#"), "--timeout", "2"});
    QVERIFY(discover.waitForFinished(30000));
    QCOMPARE(discover.exitCode(), 0);
    const QByteArray listed = discover.readAllStandardOutput();
    QVERIFY2(clean(listed), listed.toHex().constData());
    QVERIFY2(listed.contains("\\x1b]0;evil\\x07Kitchen<U+202E>"), listed.constData());
    QVERIFY2(listed.contains("\\x1b[2J"), listed.constData());

    // watch: one update per line, even when the payload has line breaks.
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + "/lines", "-m", R"("a\nfake line\r\u001b[1A")"}), 0);
    QProcess watch;
    watch.start(binary(), {"watch", url(prefix + "/lines"), "--count", "1", "--timeout", "20"});
    QVERIFY(watch.waitForFinished(30000));
    QCOMPARE(watch.exitCode(), 0);
    const QByteArray watched = watch.readAllStandardOutput();
    QVERIFY2(clean(watched), watched.toHex().constData());
    QCOMPARE(watched.count('\n'), 1);
    QVERIFY2(watched.contains("a\\nfake line\\r\\x1b[1A"), watched.constData());
}

void TestMqttCli::timeoutCoversConnecting_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::newRow("mqtt") << QStringLiteral("mqtt");
    QTest::newRow("http") << QStringLiteral("http");
}

void TestMqttCli::timeoutCoversConnecting()
{
    QFETCH(QString, scheme);
    // A server that accepts (the kernel completes the handshake) and never says a word.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    const QString target = QStringLiteral("%1://127.0.0.1:%2/x").arg(scheme).arg(silent.serverPort());
    for (const char *verb : {"get", "watch"}) {
        const Run r = run({QString::fromLatin1(verb), target, "--timeout", "2"});
        QVERIFY2(r.exitCode == 1, qPrintable(QStringLiteral("%1: exit %2: %3").arg(verb).arg(r.exitCode).arg(r.err)));
        // The deadline that ended it is the user's 2 s while connecting, not a connector's own
        // connect timeout (that one says why the connection failed): told by what it says, not
        // by a clock, which a busy machine stretches.
        const QString userDeadline = QStringLiteral("no answer from 127.0.0.1:%1 within 2 s").arg(silent.serverPort());
        QVERIFY2(r.err.contains(userDeadline), qPrintable(QStringLiteral("%1: %2").arg(verb, r.err)));
    }
}

void TestMqttCli::watchQos1SessionSurvivesBrokerKill()
{
    REQUIRE_BINARY(mosquittoPub, "mosquitto_pub", "mosquitto-clients")
    QTemporaryDir data;
    testsupport::Mosquitto broker;
    // Persistence on and saved after every change; an offline session's queue is unbounded.
    QVERIFY(broker.start(QStringLiteral("user root\npersistence true\npersistence_location %1/\nautosave_on_changes true\n"
                                        "autosave_interval 1\nmax_queued_messages 0\n")
                             .arg(data.path())));
    const QString topic = mqtttest::uniquePrefix("clisession") + "/n";
    const QString target = QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(broker.port()).arg(topic);
    const QString session = QStringLiteral("tst-session-%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));

    QProcess watch;
    QByteArray out;
    QByteArray err;
    connect(&watch, &QProcess::readyReadStandardOutput, this, [&] { out += watch.readAllStandardOutput(); });
    connect(&watch, &QProcess::readyReadStandardError, this, [&] { err += watch.readAllStandardError(); });
    watch.start(binary(), {"watch", target, "--qos", "1", "--session", session, "--timeout", "600"});
    QVERIFY(watch.waitForStarted());
    auto received = [&out] {
        QSet<int> numbers;
        for (const QByteArray &line : out.split('\n')) {
            bool ok = false;
            const int n = line.mid(line.lastIndexOf(' ') + 1).toInt(&ok);
            if (ok)
                numbers.insert(n);
        }
        return numbers;
    };
    auto publishRange = [&](int first, int last) {
        QProcess pub;
        pub.start(mosquittoPub, {"-h", "127.0.0.1", "-p", QString::number(broker.port()), "-q", "1", "-t", topic, "-l"});
        if (!pub.waitForStarted())
            return false;
        QByteArray lines;
        for (int i = first; i <= last; ++i)
            lines += QByteArray::number(i) + '\n';
        pub.write(lines);
        pub.closeWriteChannel();
        return pub.waitForFinished(60000) && pub.exitCode() == 0;
    };
    // Subscribed once a probe comes through.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            mqtttest::publish(broker.port(), {"-q", "1", "-t", topic, "-m", "probe"});
            return out.contains("probe");
        }(),
        30000);

    QVERIFY(publishRange(1, 1000));
    QTRY_COMPARE_WITH_TIMEOUT(received().size(), 1000, 60000);

    // The broker dies without a word, comes back on the same port with its saved sessions.
    broker.kill();
    QTRY_VERIFY_WITH_TIMEOUT(err.contains("lost"), 30000);
    QCOMPARE(watch.state(), QProcess::Running);
    QVERIFY(broker.restart());
    // Published while the watcher may still be away: the broker queues them for the session.
    QVERIFY(publishRange(1001, 2000));
    QTRY_COMPARE_WITH_TIMEOUT(received().size(), 2000, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(err.contains("reconnected"), 30000);
    const QSet<int> numbers = received();
    for (int i = 1; i <= 2000; ++i)
        QVERIFY2(numbers.contains(i), qPrintable(QStringLiteral("message %1 lost").arg(i)));
    watch.terminate();
    QVERIFY(watch.waitForFinished(10000));
}

void TestMqttCli::watchPrintsWhatTheSessionQueued()
{
    // Given a persistent session subscribed to a filter, offline, and messages queued for it
    const QString prefix = mqtttest::uniquePrefix("cliqueued");
    const QString session = QStringLiteral("thingscape-queued-%1").arg(QCoreApplication::applicationPid());
    QProcess subscribe;
    subscribe.start(QStringLiteral("mosquitto_sub"), {"-p", QString::number(m_broker.port()), "-c", "-i", session, "-q", "1",
                                                      "-t", prefix + "/#", "-E"});
    QVERIFY(subscribe.waitForFinished(30000));
    QCOMPARE(subscribe.exitCode(), 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-q", "1", "-t", prefix + "/x", "-m", QString::number(i)}), 0);

    // When watch resumes that session
    const Run r = run({"watch", url(prefix + "/#"), "--qos", "1", "--session", session, "--count", "3", "--timeout", "30"});

    // Then the queued messages (they arrive right after the connection is accepted) are printed, in order
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    for (int i = 0; i < 3; ++i)
        QVERIFY2(lines.at(i).endsWith(url(prefix + "/x") + QStringLiteral(" %1").arg(i)), qPrintable(lines.at(i)));
}

void TestMqttCli::queueNumbers(const testsupport::Mosquitto &broker, const QString &prefix, const QString &session,
                               int count)
{
    // A persistent session subscribed to prefix/#, then offline; count QoS 1 messages
    // ("0", "1", ...) published to prefix/n are queued for it.
    QProcess subscribe;
    subscribe.start(QStringLiteral("mosquitto_sub"), {"-p", QString::number(broker.port()), "-c", "-i", session, "-q", "1",
                                                      "-t", prefix + "/#", "-E"});
    QVERIFY(subscribe.waitForFinished(30000));
    QCOMPARE(subscribe.exitCode(), 0);
    QByteArray lines;
    for (int i = 0; i < count; ++i)
        lines += QByteArray::number(i) + '\n';
    QProcess publish;
    publish.start(QStringLiteral("mosquitto_pub"), {"-p", QString::number(broker.port()), "-q", "1", "-t", prefix + "/n", "-l"});
    QVERIFY(publish.waitForStarted(10000));
    publish.write(lines);
    publish.closeWriteChannel();
    QVERIFY(publish.waitForFinished(120000));
    QCOMPARE(publish.exitCode(), 0);
}

TestMqttCli::QueuedSession TestMqttCli::queueForSession(const QString &name, int count)
{
    QueuedSession queued;
    if (!queued.broker->start(QStringLiteral("max_queued_messages 0\n"))) {
        QTest::qFail("the broker did not start", __FILE__, __LINE__);
        return queued;
    }
    const QString prefix = mqtttest::uniquePrefix(name);
    queued.target = QStringLiteral("mqtt://127.0.0.1:%1/%2/#").arg(queued.broker->port()).arg(prefix);
    queued.session = QStringLiteral("thingscape-%1-%2").arg(name).arg(QCoreApplication::applicationPid());
    queueNumbers(*queued.broker, prefix, queued.session, count);
    return queued;
}

void TestMqttCli::watchPrintsEveryMessageOfAFlood()
{
    // Given 30,000 messages on one topic queued for a persistent session (they arrive far
    // faster than lines are printed: the window would keep only the latest value)
    testsupport::Mosquitto broker; // its own: the default queue for an offline session holds 1,000
    QVERIFY(broker.start(QStringLiteral("max_queued_messages 0\n")));
    const QString prefix = mqtttest::uniquePrefix("cliflood");
    const QString floodUrl = QStringLiteral("mqtt://127.0.0.1:%1/%2/#").arg(broker.port()).arg(prefix);
    const QString session = QStringLiteral("thingscape-flood-%1").arg(QCoreApplication::applicationPid());
    constexpr int kMessages = 30000;
    queueNumbers(broker, prefix, session, kMessages);
    if (QTest::currentTestFailed())
        return;

    // When watch drains the session
    const Run r = run({"watch", floodUrl, "--qos", "1", "--session", session, "--count", QString::number(kMessages),
                       "--timeout", "100"},
                      QProcessEnvironment::systemEnvironment(), 120000);

    // Then every message is printed, once, in order
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList out = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(out.size(), kMessages);
    for (int i = 0; i < kMessages; i += 997)
        QVERIFY2(out.at(i).endsWith(QStringLiteral(" %1").arg(i)), qPrintable(out.at(i)));
    QVERIFY(out.last().endsWith(QStringLiteral(" %1").arg(kMessages - 1)));
}

void TestMqttCli::watchResumedTwicePrintsNoMessageTwice()
{
    // Given 20,000 messages queued for a persistent session (many more than one watch takes)
    constexpr int kMessages = 20000;
    const QueuedSession queued = queueForSession(QStringLiteral("cliresume"), kMessages);
    if (QTest::currentTestFailed())
        return;
    const QString &target = queued.target;
    const QString &session = queued.session;

    // When watch takes a part of the queue and stops, several times over (each stop leaves
    // messages in flight: the ones it acknowledged must not come again)
    QList<int> seen(kMessages, 0);
    int duplicates = 0;
    int passesWithMessages = 0;
    QStringList firstDuplicates;
    for (int pass = 0; pass < 8; ++pass) {
        // Exit 1: fewer than --count arrived before the timeout (the queue ran dry).
        const Run r = run({"watch", target, "--qos", "1", "--session", session, "--count", "2000", "--timeout", "5"},
                          QProcessEnvironment::systemEnvironment(), 120000);
        QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable(QStringLiteral("pass %1: %2").arg(pass).arg(r.err)));
        const QStringList out = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        if (out.isEmpty())
            break;
        ++passesWithMessages;
        for (const QString &line : out) {
            bool ok = false;
            const int n = line.section(QLatin1Char(' '), -1).toInt(&ok);
            QVERIFY2(ok && n >= 0 && n < kMessages, qPrintable(line));
            if (seen[n]++ > 0) {
                ++duplicates;
                if (firstDuplicates.size() < 5)
                    firstDuplicates << QStringLiteral("%1 (pass %2)").arg(n).arg(pass);
            }
        }
    }
    // Often the first watch takes the whole queue: libmosquitto acknowledges what it reads
    // beyond --count, so later passes may find nothing (see tests/bench/README.md).
    QVERIFY(passesWithMessages >= 1);

    // Then no message was printed twice
    QVERIFY2(duplicates == 0, qPrintable(QStringLiteral("%1 messages printed again, first: %2")
                                             .arg(duplicates)
                                             .arg(firstDuplicates.join(QStringLiteral(", ")))));
}

void TestMqttCli::watchCountLosesNothingOfAResumedSession()
{
    // Given 5,000 messages queued for a persistent session
    constexpr int kMessages = 5000;
    constexpr int kCount = 100;
    const QueuedSession queued = queueForSession(QStringLiteral("clicount"), kMessages);
    if (QTest::currentTestFailed())
        return;
    const QString &target = queued.target;
    const QString &session = queued.session;

    // When watch takes 100 of them at a time, again and again (libmosquitto acknowledges every
    // message it reads: one read beyond the count would be gone for the next run)
    QList<int> seen(kMessages, 0);
    int printed = 0;
    for (int pass = 0; pass < kMessages / kCount; ++pass) {
        const Run r = run({"watch", target, "--qos", "1", "--session", session, "--count", QString::number(kCount),
                           "--timeout", "60"},
                          QProcessEnvironment::systemEnvironment(), 120000);
        const QStringList out = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        for (const QString &line : out) {
            bool ok = false;
            const int n = line.section(QLatin1Char(' '), -1).toInt(&ok);
            QVERIFY2(ok && n >= 0 && n < kMessages, qPrintable(line));
            ++seen[n];
        }
        printed += int(out.size());
        // Then each run prints its 100 (one finding fewer waited out its timeout: the queue
        // had run dry early)
        QVERIFY2(r.exitCode == 0 && out.size() == kCount,
                 qPrintable(QStringLiteral("pass %1: exit %2, %3 lines, %4 in all; %5")
                                .arg(pass)
                                .arg(r.exitCode)
                                .arg(out.size())
                                .arg(printed)
                                .arg(r.err)));
    }

    // And over all runs every message was printed exactly once
    QStringList wrong;
    for (int n = 0; n < kMessages && wrong.size() < 5; ++n) {
        if (seen[n] != 1)
            wrong << QStringLiteral("%1 printed %2 times").arg(n).arg(seen[n]);
    }
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(QStringLiteral(", "))));
    // And nothing is left for another run
    const Run last = run({"watch", target, "--qos", "1", "--session", session, "--count", "1", "--timeout", "1"});
    QCOMPARE(last.exitCode, 1);
    QVERIFY2(last.out.isEmpty(), qPrintable(last.out));
}

void TestMqttCli::watchSummaryHasEnglishPlurals()
{
    // Given one retained topic under a prefix and two under another
    const QString one = mqtttest::uniquePrefix("clione");
    const QString two = mqtttest::uniquePrefix("clitwo");
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", one + "/a", "-m", "1"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", two + "/a", "-m", "1"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", two + "/b", "-m", "2"}), 0);

    // When watch waits for more updates than come (its timeout is generous: the retained ones
    // arrive however loaded the machine is; both wait at once), in the C locale and in a language
    // without a catalogue of its own, and in the C locale for a topic nothing is published to
    QProcessEnvironment cLocale = QProcessEnvironment::systemEnvironment();
    cLocale.remove(QStringLiteral("DISPLAY"));
    cLocale.remove(QStringLiteral("WAYLAND_DISPLAY"));
    cLocale.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    QProcessEnvironment german = cLocale;
    german.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
    german.insert(QStringLiteral("LANG"), QStringLiteral("de_DE.UTF-8"));
    QProcess watchOne;
    QProcess watchTwo;
    watchOne.setProcessEnvironment(cLocale);
    watchTwo.setProcessEnvironment(german);
    watchOne.start(binary(), {"watch", url(one + "/#"), "--count", "2", "--timeout", "10"});
    watchTwo.start(binary(), {"watch", url(two + "/#"), "--count", "3", "--timeout", "10"});
    const Run none = run({"watch", url(one + "/silent"), "--timeout", "0.5"}, cLocale);
    QVERIFY(watchOne.waitForFinished(120000));
    QVERIFY(watchTwo.waitForFinished(120000));
    const QString outOne = QString::fromUtf8(watchOne.readAllStandardOutput());
    const QString errOne = QString::fromUtf8(watchOne.readAllStandardError());
    const QString outTwo = QString::fromUtf8(watchTwo.readAllStandardOutput());
    const QString errTwo = QString::fromUtf8(watchTwo.readAllStandardError());

    // Then each printed what came, and its summary line counts it in English: singular for one,
    // plural for two and for none, never "update(s)"
    QCOMPARE(watchOne.exitCode(), 1);
    QCOMPARE(outOne.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 1);
    // (the summary names the URL as typed, its "#" escaped)
    QVERIFY2(errOne.startsWith(QStringLiteral("thingscape: 1 update from ") + url(one + "/%23 within 10 s")),
             qPrintable(errOne));
    QCOMPARE(watchTwo.exitCode(), 1);
    QCOMPARE(outTwo.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 2);
    QVERIFY2(errTwo.startsWith(QStringLiteral("thingscape: 2 updates from ") + url(two + "/%23 within 10 s")),
             qPrintable(errTwo));
    QCOMPARE(none.exitCode, 1);
    QVERIFY2(none.err.startsWith(QStringLiteral("thingscape: 0 updates from ") + url(one + "/silent within 0.5 s")),
             qPrintable(none.err));
    for (const QString &err : {errOne, errTwo, none.err})
        QVERIFY2(!err.contains(QStringLiteral("(s)")), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestMqttCli)
#include "tst_mqttcli.moc"
