#include "mqtttesthelpers.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

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

private:
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
    const QString passwords = dir.filePath("passwords");
    QProcess passwd;
    passwd.start(testsupport::findProgram("mosquitto_passwd"), {"-b", "-c", passwords, "bob", "hunter2"});
    QVERIFY(passwd.waitForFinished(10000));
    QFile::setPermissions(passwords, QFile::ReadOwner | QFile::WriteOwner);
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    QVERIFY(broker.start(QStringLiteral("user root\nlistener %1 127.0.0.1\nallow_anonymous false\npassword_file %2\n").arg(port).arg(passwords),
                         false));
    QVERIFY(testsupport::waitForTcpPort(port));
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

QTEST_GUILESS_MAIN(TestMqttCli)
#include "tst_mqttcli.moc"
