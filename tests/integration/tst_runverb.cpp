// `thingscape run` end to end: the binary against a private mosquitto, its JSON lines, its
// exit codes (2 broken workspace, 3 nothing reachable, 0 on --for or SIGTERM), and two
// instances splitting one topic's messages with --share: each acted on exactly once.
#include "mqtttesthelpers.h"
#include "testsupport.h"
#include "verbtesthelpers.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using verbtest::thingscape;

class TestRunVerb : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void brokenWorkspaceExits2WithPosition();
    void unknownOptionExits2();
    void unreachableEndpointsExit3();
    void runsRulesAndPrintsJsonLines();
    void shareRefusesStatefulRules();
    void shareSplitsMessagesExactlyOnce();

private:
    QString writeWorkspace(const QString &name, const QString &rules, const QString &endpointUrl = {});
    // Waits until this many clients subscribed (as the broker logs it) to a filter containing needle.
    bool waitForSubscriptions(const QString &needle, int count);
    void startRun(QProcess *process, const QStringList &args);

    verbtest::Peers m_peers;
    testsupport::Mosquitto &m_broker = m_peers.broker;
    QString m_prefix;
    QString m_brokerLog;
};

void TestRunVerb::initTestCase()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients")
    if (!m_peers.start(QStringLiteral("log_type subscribe\n")))
        return;
}

QString TestRunVerb::writeWorkspace(const QString &name, const QString &rules, const QString &endpointUrl)
{
    m_prefix = mqtttest::uniquePrefix(QStringLiteral("run"));
    return m_peers.writeWorkspace(name, m_prefix, rules, endpointUrl);
}

bool TestRunVerb::waitForSubscriptions(const QString &needle, int count)
{
    QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        m_brokerLog += m_broker.log();
        QSet<QString> clients;
        for (const QString &line : m_brokerLog.split(QLatin1Char('\n'))) {
            // "1700000000: client-id 0 filter"
            const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
            if (words.size() == 4 && words.at(3).contains(needle))
                clients.insert(words.at(1));
        }
        if (clients.size() >= count)
            return true;
        QTest::qWait(20);
    }
    qWarning() << m_brokerLog;
    return false;
}

void TestRunVerb::startRun(QProcess *process, const QStringList &args)
{
    testsupport::dieWithParent(process);
    process->start(thingscape(), QStringList{QStringLiteral("run")} + args);
    QVERIFY(process->waitForStarted());
}

void TestRunVerb::brokenWorkspaceExits2WithPosition()
{
    const QString path = writeWorkspace(QStringLiteral("broken.thingscape"), QStringLiteral(R"J([
    {"name": "ok", "triggers": [{"every": 5}]},
    {"name": "bad", "triggers": [{"resource": "%B/t", "above": "hot"}]}])J"));
    QProcess run;
    startRun(&run, {path});
    QVERIFY(run.waitForFinished(20000));
    QCOMPARE(run.exitCode(), 2);
    const QString err = QString::fromLocal8Bit(run.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("line 6, column")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("/rules/1/triggers/0/above")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("must be a number")), qPrintable(err));
    QVERIFY(run.readAllStandardOutput().isEmpty());

    QProcess missing;
    startRun(&missing, {m_peers.dir.filePath(QStringLiteral("nope.thingscape"))});
    QVERIFY(missing.waitForFinished(20000));
    QCOMPARE(missing.exitCode(), 2);
}

void TestRunVerb::unknownOptionExits2()
{
    QProcess run;
    startRun(&run, {QStringLiteral("--forever")});
    QVERIFY(run.waitForFinished(20000));
    QCOMPARE(run.exitCode(), 2);
    QVERIFY(run.readAllStandardError().contains("--forever"));
}

void TestRunVerb::unreachableEndpointsExit3()
{
    // A port nothing listens on.
    const quint16 closed = testsupport::freeTcpPort();
    const QString path = writeWorkspace(QStringLiteral("unreachable.thingscape"),
                                        QStringLiteral(R"J([{"name": "r", "triggers": [{"resource": "mqtt://127.0.0.1:%1/x"}]}])J").arg(closed),
                                        QStringLiteral("mqtt://127.0.0.1:%1").arg(closed));
    QProcess run;
    startRun(&run, {path, QStringLiteral("--for"), QStringLiteral("60")});
    QVERIFY(run.waitForFinished(60000));
    QCOMPARE(run.exitCode(), 3);
    const QString err = QString::fromLocal8Bit(run.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("no endpoint could be reached")) && err.contains(QStringLiteral("broker")), qPrintable(err));
}

void TestRunVerb::runsRulesAndPrintsJsonLines()
{
    const QString path = writeWorkspace(QStringLiteral("rules.thingscape"), QStringLiteral(R"J([
    {"name": "double", "triggers": [{"resource": "%B/in"}], "actions": [{"write": "%B/out", "value": "value * 2"}]}])J"));
    QProcess run;
    startRun(&run, {path, QStringLiteral("--for"), QStringLiteral("120")});
    QVERIFY(waitForSubscriptions(m_prefix + QStringLiteral("/#"), 1));
    QProcess subscriber;
    testsupport::dieWithParent(&subscriber);
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(), {QStringLiteral("-t"), m_prefix + QStringLiteral("/out"), QStringLiteral("-C"), QStringLiteral("1")}));
    QCOMPARE(mqtttest::publish(m_broker.port(), {QStringLiteral("-t"), m_prefix + QStringLiteral("/in"), QStringLiteral("-m"), QStringLiteral("21")}), 0);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.state(), QProcess::NotRunning, 20000);
    QCOMPARE(testsupport::subscriberPayloads(subscriber.readAllStandardOutput()).trimmed(), QByteArray("42"));
    QTRY_VERIFY_WITH_TIMEOUT(run.canReadLine(), 20000);
    const QJsonObject line = QJsonDocument::fromJson(run.readLine()).object();
    QCOMPARE(line.value(QStringLiteral("rule")).toString(), QStringLiteral("double"));
    QVERIFY(line.value(QStringLiteral("trigger")).toString().endsWith(m_prefix + QStringLiteral("/in")));
    QCOMPARE(line.value(QStringLiteral("value")).toInt(), 21);
    QVERIFY(line.contains(QStringLiteral("time")));
    QVERIFY(line.value(QStringLiteral("condition")).isNull());
    const QJsonObject action = line.value(QStringLiteral("actions")).toArray().first().toObject();
    QCOMPARE(action.value(QStringLiteral("action")).toString(), QStringLiteral("write"));
    QVERIFY(action.value(QStringLiteral("target")).toString().endsWith(m_prefix + QStringLiteral("/out")));
    QCOMPARE(action.value(QStringLiteral("ok")).toBool(), true);
    QVERIFY(action.value(QStringLiteral("error")).isNull());
    // SIGTERM ends it cleanly.
    ::kill(pid_t(run.processId()), SIGTERM);
    QVERIFY(run.waitForFinished(20000));
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.exitCode(), 0);
}

void TestRunVerb::shareRefusesStatefulRules()
{
    const QString path = writeWorkspace(QStringLiteral("stateful.thingscape"), QStringLiteral(R"J([
    {"name": "hot", "triggers": [{"resource": "%B/t", "above": 25, "for": 10}], "actions": [{"log": "value"}]}])J"));
    QProcess run;
    startRun(&run, {path, QStringLiteral("--share"), QStringLiteral("g")});
    QVERIFY(run.waitForFinished(20000));
    QCOMPARE(run.exitCode(), 2);
    const QString err = QString::fromLocal8Bit(run.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("\"hot\" cannot share")) && err.contains(QStringLiteral("keeps state")), qPrintable(err));
}

void TestRunVerb::shareSplitsMessagesExactlyOnce()
{
    constexpr int kMessages = 60;
    const QString path = writeWorkspace(QStringLiteral("shared.thingscape"), QStringLiteral(R"J([
    {"name": "ack", "mode": "parallel", "max": 1000, "triggers": [{"resource": "%B/jobs"}],
     "actions": [{"write": "%B/done", "value": "'job ' + value"}]}])J"));
    const QString group = QStringLiteral("grp%1").arg(QCoreApplication::applicationPid());
    QProcess first;
    QProcess second;
    startRun(&first, {path, QStringLiteral("--share"), group, QStringLiteral("--for"), QStringLiteral("120")});
    startRun(&second, {path, QStringLiteral("--share"), group, QStringLiteral("--for"), QStringLiteral("120")});
    QVERIFY(waitForSubscriptions(QStringLiteral("$share/%1/%2/jobs").arg(group, m_prefix), 2));
    QProcess subscriber;
    testsupport::dieWithParent(&subscriber);
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(),
                                         {QStringLiteral("-t"), m_prefix + QStringLiteral("/done"), QStringLiteral("-C"), QString::number(kMessages)}));
    QProcess pub;
    pub.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
              {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_broker.port()),
               QStringLiteral("-t"), m_prefix + QStringLiteral("/jobs"), QStringLiteral("-l"), QStringLiteral("-q"), QStringLiteral("1")});
    QVERIFY(pub.waitForStarted());
    for (int i = 0; i < kMessages; ++i)
        pub.write(QByteArray::number(i) + '\n');
    pub.closeWriteChannel();
    QVERIFY(pub.waitForFinished(20000));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.state(), QProcess::NotRunning, 30000);
    QList<QByteArray> done = testsupport::subscriberPayloads(subscriber.readAllStandardOutput()).trimmed().split('\n');
    QCOMPARE(done.size(), kMessages);
    std::sort(done.begin(), done.end(), [](const QByteArray &a, const QByteArray &b) { return a.mid(4).toInt() < b.mid(4).toInt(); });
    for (int i = 0; i < kMessages; ++i)
        QCOMPARE(done.at(i), QByteArray("job ") + QByteArray::number(i));
    // Both instances took part, and their JSON lines add up to one run per message.
    auto lines = [](QProcess &process, int *count) {
        QDeadlineTimer deadline(20000);
        while (!deadline.hasExpired()) {
            while (process.canReadLine()) {
                if (QJsonDocument::fromJson(process.readLine()).object().value(QStringLiteral("rule")) == QLatin1String("ack"))
                    ++*count;
            }
            return;
        }
    };
    int fromFirst = 0;
    int fromSecond = 0;
    QTRY_VERIFY_WITH_TIMEOUT((lines(first, &fromFirst), lines(second, &fromSecond), fromFirst + fromSecond == kMessages), 20000);
    QVERIFY(fromFirst > 0);
    QVERIFY(fromSecond > 0);
    first.terminate();
    second.terminate();
    QVERIFY(first.waitForFinished(20000));
    QVERIFY(second.waitForFinished(20000));
    QCOMPARE(first.exitCode(), 0);
    QCOMPARE(second.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestRunVerb)
#include "tst_runverb.moc"
