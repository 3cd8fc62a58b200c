// Rules and bridges with real peers: a private mosquitto (and libcoap's coap-server) started
// here. Writes are checked where they land (mosquitto_sub, a CoAP GET); hold times, delays and
// modes run on the rule engine's manual clock, so nothing waits for time to pass.
#include "mqtttesthelpers.h"
#include "testsupport.h"
#include "tst_coap_server.h"

#include "model/resourcestore.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace thingscape;

namespace {

constexpr qint64 kT0 = 1700000000000; // the manual clock's start

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

} // namespace

class TestRuleEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mqttRuleWriteSeenByMosquittoSub();
    void coapToMqttAndMqttToCoap();
    void mqttToHttpWriteAndInvoke();
    void schedulesStalenessAndDisable();
    void bridgeBothWaysWithoutLoop();
    void thresholdWithHysteresisAndHoldTime();
    void modes_data();
    void modes();
    void infiniteLoopScriptIsInterrupted();
    void pingPongRulesAreStopped();
    void runawayRuleIsSuspended();
    void dryRunTracesWithoutWriting();
    void evaluateNowAgainstCurrentValues();
    void editedAndRemovedRulesForgetTheirCompiledExpressions();
    void tracesAreHandedOverInBatchesInOrder();

private:
    // An engine on the test broker (and extra endpoints), with the rules, connected, its MQTT
    // subscription live. Manual clock unless realClock.
    std::unique_ptr<Engine> makeEngine(const QString &rulesJson, const QJsonArray &extraEndpoints = {},
                                       bool realClock = false);
    QString topic(const QString &path) const { return m_prefix + QLatin1Char('/') + path; }
    QString uri(const QString &path) const { return m_base + QLatin1Char('/') + topic(path); }
    void publish(const QString &path, const QByteArray &payload);
    // Publishes and waits until the store (and so the rule engine's queue) has it.
    void publishSeen(Engine &engine, const QString &path, const QByteArray &payload);

    testsupport::Mosquitto m_broker;
    QString m_base;
    QString m_prefix;
};

void TestRuleEngine::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(pub, "mosquitto_pub", "mosquitto-clients")
    QVERIFY(m_broker.start());
    m_base = QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port());
}

std::unique_ptr<Engine> TestRuleEngine::makeEngine(const QString &rulesJson, const QJsonArray &extraEndpoints, bool realClock)
{
    m_prefix = mqtttest::uniquePrefix(QStringLiteral("rules"));
    QString rules = rulesJson;
    rules.replace(QStringLiteral("%B"), m_base + QLatin1Char('/') + m_prefix);
    QJsonArray endpoints = {QJsonObject{{QStringLiteral("id"), QStringLiteral("broker")},
                                        {QStringLiteral("url"), m_base},
                                        {QStringLiteral("filters"), QJsonArray{m_prefix + QStringLiteral("/#")}}}};
    for (const QJsonValue &endpoint : extraEndpoints)
        endpoints.append(endpoint);
    QJsonParseError parseError;
    const QJsonArray ruleArray = QJsonDocument::fromJson(rules.toUtf8(), &parseError).array();
    if (parseError.error != QJsonParseError::NoError)
        qWarning() << "rules JSON:" << parseError.errorString();
    QString error;
    const auto workspace = Workspace::fromJson(
        QJsonObject{{QStringLiteral("thingscape"), 1}, {QStringLiteral("endpoints"), endpoints}, {QStringLiteral("rules"), ruleArray}},
        &error);
    if (!workspace) {
        qWarning() << error;
        return {};
    }
    auto engine = std::make_unique<Engine>();
    engine->setRulesAutoStart(false);
    if (!realClock)
        engine->rules()->useManualClock(kT0);
    // Retained before we connect: once it is in the store, the subscription is live.
    mqtttest::publish(m_broker.port(), {QStringLiteral("-r"), QStringLiteral("-t"), topic(QStringLiteral("probe")),
                                        QStringLiteral("-m"), QStringLiteral("up")});
    engine->apply(*workspace);
    if (!engine->rulesProblem().isEmpty()) {
        qWarning() << engine->rulesProblem();
        return {};
    }
    engine->rules()->start();
    const ResourceId probe = rid(uri(QStringLiteral("probe")));
    QDeadlineTimer deadline(20000);
    while (!engine->store()->find(probe) && !deadline.hasExpired())
        QTest::qWait(20);
    if (!engine->store()->find(probe))
        return {};
    return engine;
}

void TestRuleEngine::publish(const QString &path, const QByteArray &payload)
{
    QCOMPARE(mqtttest::publish(m_broker.port(), {QStringLiteral("-t"), topic(path), QStringLiteral("-m"), QString::fromUtf8(payload)}), 0);
}

void TestRuleEngine::publishSeen(Engine &engine, const QString &path, const QByteArray &payload)
{
    const ResourceId id = rid(uri(path));
    const quint64 before = engine.store()->find(id) ? engine.store()->find(id)->updateCount() : 0;
    publish(path, payload);
    QTRY_VERIFY_WITH_TIMEOUT(engine.store()->find(id) && engine.store()->find(id)->updateCount() > before, 20000);
    // The worker takes what is queued before the clock moves (advanceClock(0) does just that).
    engine.rules()->advanceClock(0);
}

void TestRuleEngine::mqttRuleWriteSeenByMosquittoSub()
{
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "double", "mode": "queued",
        "triggers": [{"resource": "%B/in/+"}],
        "condition": "value > 0",
        "actions": [{"write": "%B/out", "value": "({from: trigger.split('/').pop(), v: value * 2})"}]}])J"));
    QVERIFY(engine);
    QProcess subscriber;
    testsupport::dieWithParent(&subscriber);
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(), {QStringLiteral("-t"), topic(QStringLiteral("out")), QStringLiteral("-C"), QStringLiteral("1")}));
    QSignalSpy traced(engine->rules(), &RuleEngine::traced);
    publish(QStringLiteral("in/kitchen"), "-1"); // condition false: traced, not written
    publish(QStringLiteral("in/hall"), "21");
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.state(), QProcess::NotRunning, 20000);
    QCOMPARE(testsupport::subscriberPayloads(subscriber.readAllStandardOutput()).trimmed(), QByteArray(R"J({"from":"hall","v":42})J"));
    QTRY_COMPARE_WITH_TIMEOUT(traced.count(), 2, 20000);
    const RuleTrace first = traced.at(0).first().value<RuleTrace>();
    QCOMPARE(first.trigger, uri(QStringLiteral("in/kitchen")));
    QCOMPARE(first.condition, QJsonValue(false));
    QVERIFY(first.actions.isEmpty());
    const RuleTrace second = traced.at(1).first().value<RuleTrace>();
    QCOMPARE(second.value, QJsonValue(21));
    QCOMPARE(second.condition, QJsonValue(true));
    QCOMPARE(second.actions.size(), 1);
    QVERIFY2(second.actions.first().ok, qPrintable(second.actions.first().error));
    QCOMPARE(second.actions.first().target, uri(QStringLiteral("out")));
    QCOMPARE(engine->rules()->traces(QStringLiteral("double")).size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("double")).firings, quint64(2), 20000);
    QVERIFY(engine->rules()->status(QStringLiteral("double")).lastError.isEmpty());
}

void TestRuleEngine::coapToMqttAndMqttToCoap()
{
    REQUIRE_BINARY(coapServerProgram, "coap-server-openssl", "libcoap3-bin")
    testsupport::CoapServerProcess coap;
    QVERIFY(coap.start(coapServerProgram, {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QStringLiteral("%PORT%")},
                       testsupport::freeUdpPort()));
    const QString coapBase = QStringLiteral("coap://127.0.0.1:%1").arg(coap.port());
    // CoAP -> MQTT: the server's observable /time mirrored to a topic. MQTT -> CoAP: a number
    // published on a topic PUT to /example_data, read back with a GET.
    auto engine = makeEngine(QStringLiteral(R"J([
        {"bridge": "%C/time", "to": "%B/site/time", "transform": "'time ' + value"},
        {"name": "setpoint to coap", "triggers": [{"resource": "%B/setpoint"}],
         "actions": [{"write": "%C/example_data", "value": "String(value + 0.5)"}]}])J")
                                 .replace(QStringLiteral("%C"), coapBase),
                             QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("coap")}, {QStringLiteral("url"), coapBase}}});
    QVERIFY(engine);
    QProcess subscriber;
    testsupport::dieWithParent(&subscriber);
    QVERIFY(testsupport::startSubscriber(&subscriber, m_broker.port(), {QStringLiteral("-t"), topic(QStringLiteral("site/time")), QStringLiteral("-C"), QStringLiteral("2")}));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.state(), QProcess::NotRunning, 30000);
    const QList<QByteArray> lines = testsupport::subscriberPayloads(subscriber.readAllStandardOutput()).trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines)
        QVERIFY2(line.startsWith("time ") && line.size() > 5, line.constData());

    QSignalSpy traced(engine->rules(), &RuleEngine::traced);
    publish(QStringLiteral("setpoint"), "21");
    QTRY_VERIFY_WITH_TIMEOUT(!engine->rules()->traces(QStringLiteral("setpoint to coap")).isEmpty(), 20000);
    const RuleTrace trace = engine->rules()->traces(QStringLiteral("setpoint to coap")).first();
    QCOMPARE(trace.actions.size(), 1);
    QVERIFY2(trace.actions.first().ok, qPrintable(trace.actions.first().error));
    std::optional<ReadResult> read;
    engine->endpoints()->read(rid(coapBase + QStringLiteral("/example_data")), [&read](const ReadResult &r) { read = r; });
    QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 20000);
    QVERIFY2(read->result.ok(), qPrintable(read->result.error));
    QCOMPARE(read->value.raw, QByteArray("21.5"));
}

void TestRuleEngine::mqttToHttpWriteAndInvoke()
{
    // A Web of Things device's property and action, served here.
    QHttpServer http;
    QList<QPair<QByteArray, QByteArray>> received; // method path, body
    http.route(QStringLiteral("/"), [] { return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("{}")); });
    http.route(QStringLiteral("/things/lamp/properties/on"), [&received](const QHttpServerRequest &request) {
        if (request.method() == QHttpServerRequest::Method::Put) {
            received.append({"PUT " + request.url().path().toUtf8() + " " + request.value("Content-Type"), request.body()});
            return QHttpServerResponse(QHttpServerResponse::StatusCode::NoContent);
        }
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("false"));
    });
    http.route(QStringLiteral("/things/lamp/actions/blink"), [&received](const QHttpServerRequest &request) {
        received.append({(request.method() == QHttpServerRequest::Method::Post ? "POST " : "OTHER ") + request.url().path().toUtf8(),
                         request.body()});
        return QHttpServerResponse(QHttpServerResponse::StatusCode::NoContent);
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port != 0);
    const QString httpBase = QStringLiteral("http://127.0.0.1:%1").arg(port);
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "lamp follows switch", "triggers": [{"resource": "%B/switch"}],
        "actions": [{"write": "%H/things/lamp/properties/on", "value": "value === 'on'"},
                    {"invoke": "%H/things/lamp/actions/blink", "input": "({times: 2})"}]}])J")
                                 .replace(QStringLiteral("%H"), httpBase),
                             QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("lamp")}, {QStringLiteral("url"), httpBase}}});
    QVERIFY(engine);
    QTRY_COMPARE_WITH_TIMEOUT(engine->endpoints()->connectedCount(), 2, 20000);
    publish(QStringLiteral("switch"), "on");
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, 20000);
    QVERIFY2(received.at(0).first.startsWith("PUT /things/lamp/properties/on application/json"), received.at(0).first.constData());
    QCOMPARE(received.at(0).second, QByteArray("true"));
    QCOMPARE(received.at(1).first, QByteArray("POST /things/lamp/actions/blink"));
    QCOMPARE(QJsonDocument::fromJson(received.at(1).second).object().value(QStringLiteral("times")).toInt(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->traces(QStringLiteral("lamp follows switch")).size(), 1, 20000);
    const RuleTrace trace = engine->rules()->traces(QStringLiteral("lamp follows switch")).first();
    QCOMPARE(trace.actions.size(), 2);
    QVERIFY2(trace.actions.at(0).ok && trace.actions.at(1).ok, qPrintable(trace.actions.at(0).error + trace.actions.at(1).error));
}

void TestRuleEngine::schedulesStalenessAndDisable()
{
    auto engine = makeEngine(QStringLiteral(R"J([
        {"name": "tick", "triggers": [{"every": 60}], "actions": [{"write": "%B/tick", "value": "String(now)"}]},
        {"name": "quiet", "triggers": [{"resource": "%B/heartbeat", "stale": 30}], "actions": [{"log": "trigger + ' went quiet'"}]},
        {"name": "stop ticking", "triggers": [{"resource": "%B/off"}], "actions": [{"disable": "tick"}]}])J"));
    QVERIFY(engine);
    RuleEngine *rules = engine->rules();
    QSignalSpy logged(rules, &RuleEngine::logged);
    publishSeen(*engine, QStringLiteral("heartbeat"), "1"); // staleness counts from here
    rules->advanceClock(29999);
    QCOMPARE(rules->status(QStringLiteral("quiet")).firings, quint64(0));
    rules->advanceClock(1);
    QTRY_COMPARE_WITH_TIMEOUT(logged.count(), 1, 20000);
    QCOMPARE(logged.first().at(1).toString(), uri(QStringLiteral("heartbeat")) + QStringLiteral(" went quiet"));
    rules->advanceClock(30000); // 60 s since the start
    QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("tick")).firings, quint64(1), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(rid(uri(QStringLiteral("tick")))), 20000);
    QCOMPARE(engine->store()->find(rid(uri(QStringLiteral("tick"))))->value().raw, QByteArray::number(kT0 + 60000));
    QCOMPARE(rules->status(QStringLiteral("quiet")).firings, quint64(1)); // once per silence
    publishSeen(*engine, QStringLiteral("off"), "1");
    QTRY_VERIFY_WITH_TIMEOUT(!rules->status(QStringLiteral("tick")).enabled, 20000);
    rules->advanceClock(600000);
    QCOMPARE(rules->status(QStringLiteral("tick")).firings, quint64(1));
}

void TestRuleEngine::bridgeBothWaysWithoutLoop()
{
    auto engine = makeEngine(QStringLiteral(R"J([{"id": "mirror", "bridge": "%B/a/#", "to": "%B/b/#", "both_ways": true}])J"));
    QVERIFY(engine);
    const ResourceStore *store = engine->store();
    publish(QStringLiteral("a/x"), "1");
    QTRY_VERIFY_WITH_TIMEOUT(store->find(rid(uri(QStringLiteral("b/x")))), 20000);
    QCOMPARE(store->find(rid(uri(QStringLiteral("b/x"))))->value().raw, QByteArray("1"));
    // The way back, on another topic; the marker comes after any echo of the first.
    publish(QStringLiteral("b/y/z"), "2");
    QTRY_VERIFY_WITH_TIMEOUT(store->find(rid(uri(QStringLiteral("a/y/z")))), 20000);
    QCOMPARE(store->find(rid(uri(QStringLiteral("a/y/z"))))->value().raw, QByteArray("2"));
    publish(QStringLiteral("a/marker"), "3");
    QTRY_VERIFY_WITH_TIMEOUT(store->find(rid(uri(QStringLiteral("b/marker")))), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("mirror")).firings, quint64(3), 20000);
    // Each value crossed once: nothing bounced back and forth.
    QCOMPARE(store->find(rid(uri(QStringLiteral("a/x"))))->updateCount(), quint64(1));
    QCOMPARE(store->find(rid(uri(QStringLiteral("b/x"))))->updateCount(), quint64(1));
    QCOMPARE(store->find(rid(uri(QStringLiteral("b/y/z"))))->updateCount(), quint64(1));
    QCOMPARE(store->find(rid(uri(QStringLiteral("a/y/z"))))->updateCount(), quint64(1));
    QCOMPARE(engine->rules()->status(QStringLiteral("mirror")).firings, quint64(3));
}

void TestRuleEngine::thresholdWithHysteresisAndHoldTime()
{
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "hot", "mode": "queued",
        "triggers": [{"resource": "%B/temp", "field": "/t", "above": 25, "hysteresis": 2, "for": 10}],
        "actions": [{"write": "%B/fan", "value": "'on ' + value"}]}])J"));
    QVERIFY(engine);
    RuleEngine *rules = engine->rules();
    auto firings = [rules] { return rules->status(QStringLiteral("hot")).firings; };
    auto t = [](double v) { return QJsonDocument(QJsonObject{{QStringLiteral("t"), v}}).toJson(QJsonDocument::Compact); };

    publishSeen(*engine, QStringLiteral("temp"), t(20)); // the first value sets the state
    publishSeen(*engine, QStringLiteral("temp"), t(26)); // crossed: held for 10 s
    rules->advanceClock(5000);
    publishSeen(*engine, QStringLiteral("temp"), t(24)); // back under before 10 s: no firing
    rules->advanceClock(20000);
    QCOMPARE(firings(), quint64(0));
    publishSeen(*engine, QStringLiteral("temp"), t(26));
    rules->advanceClock(9999);
    QCOMPARE(firings(), quint64(0));
    rules->advanceClock(1);
    QTRY_COMPARE_WITH_TIMEOUT(firings(), quint64(1), 20000);
    publishSeen(*engine, QStringLiteral("temp"), t(24)); // within the hysteresis: not re-armed
    publishSeen(*engine, QStringLiteral("temp"), t(27));
    rules->advanceClock(30000);
    QCOMPARE(firings(), quint64(1));
    publishSeen(*engine, QStringLiteral("temp"), t(22.5)); // past the hysteresis: re-armed
    publishSeen(*engine, QStringLiteral("temp"), t(28));
    rules->advanceClock(10000);
    QTRY_COMPARE_WITH_TIMEOUT(firings(), quint64(2), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(rules->traces(QStringLiteral("hot")).size(), 2, 20000);
    QCOMPARE(rules->traces(QStringLiteral("hot")).last().value, QJsonValue(28));
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(rid(uri(QStringLiteral("fan"))))
                                 && engine->store()->find(rid(uri(QStringLiteral("fan"))))->value().raw == "on 28",
                             20000);
}

void TestRuleEngine::modes_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("firingsWhileBusy");
    QTest::addColumn<int>("droppedWhileBusy");
    QTest::addColumn<int>("finalWrites");
    // Four triggers while the first run waits 10 s.
    QTest::newRow("single") << "single" << 1 << 3 << 1;
    QTest::newRow("restart") << "restart" << 4 << 0 << 1;
    QTest::newRow("queued") << "queued" << 1 << 0 << 4;
    QTest::newRow("parallel") << "parallel" << 4 << 0 << 4;
}

void TestRuleEngine::modes()
{
    QFETCH(QString, mode);
    QFETCH(int, firingsWhileBusy);
    QFETCH(int, droppedWhileBusy);
    QFETCH(int, finalWrites);
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "slow", "mode": "%M",
        "triggers": [{"resource": "%B/go"}],
        "actions": [{"delay": 10}, {"write": "%B/done", "value": "value"}]}])J")
                                 .replace(QStringLiteral("%M"), mode));
    QVERIFY(engine);
    RuleEngine *rules = engine->rules();
    for (int i = 1; i <= 4; ++i)
        publishSeen(*engine, QStringLiteral("go"), QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).firings, quint64(firingsWhileBusy), 20000);
    // Statuses come over from the rule engine's thread as they change: wait for each figure.
    QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).dropped, quint64(droppedWhileBusy), 20000);
    if (mode == QLatin1String("queued"))
        QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).queued, 3, 20000);
    if (mode == QLatin1String("parallel"))
        QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).running, 4, 20000);
    // Time passes: every run still going writes.
    for (int i = 0; i < 4; ++i) {
        rules->advanceClock(10000);
        // Each write's outcome comes back before the next queued run starts its delay.
        QTRY_VERIFY_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).running == 0
                                     || rules->status(QStringLiteral("slow")).firings > quint64(i + 1)
                                     || mode != QLatin1String("queued"),
                                 20000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(rules->status(QStringLiteral("slow")).running, 0, 20000);
    int writes = 0;
    int restarted = 0;
    for (const RuleTrace &trace : rules->traces(QStringLiteral("slow"))) {
        if (trace.actions.size() == 2 && trace.actions.at(1).ok)
            ++writes;
        if (trace.error.contains(QStringLiteral("restarted")))
            ++restarted;
    }
    QCOMPARE(writes, finalWrites);
    QCOMPARE(restarted, mode == QLatin1String("restart") ? 3 : 0);
    const ResourceId done = rid(uri(QStringLiteral("done")));
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(done), 20000);
    if (mode == QLatin1String("single"))
        QCOMPARE(engine->store()->find(done)->value().raw, QByteArray("1"));
    if (mode == QLatin1String("restart"))
        QCOMPARE(engine->store()->find(done)->value().raw, QByteArray("4"));
}

void TestRuleEngine::infiniteLoopScriptIsInterrupted()
{
    auto engine = makeEngine(QStringLiteral(R"J([
        {"name": "stuck", "triggers": [{"resource": "%B/x"}], "condition": "(function () { while (true) {} })()"},
        {"name": "fine", "triggers": [{"resource": "%B/x"}], "actions": [{"log": "'saw ' + value"}]}])J"),
                             {}, true);
    QVERIFY(engine);
    // The window's thread keeps turning meanwhile.
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
    ticker.start(10);
    QSignalSpy logged(engine->rules(), &RuleEngine::logged);
    publish(QStringLiteral("x"), "1");
    QTRY_VERIFY_WITH_TIMEOUT(!engine->rules()->traces(QStringLiteral("stuck")).isEmpty(), 20000);
    const RuleTrace trace = engine->rules()->traces(QStringLiteral("stuck")).first();
    QVERIFY2(trace.error.contains(QStringLiteral("interrupted")), qPrintable(trace.error));
    // The status follows the trace (handed over with it or after it).
    QTRY_VERIFY_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("stuck")).lastError.contains(QStringLiteral("interrupted")), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(logged.count(), 1, 20000);
    QCOMPARE(logged.first().at(1).toString(), QStringLiteral("saw 1"));
    QVERIFY(ticks > 0);
}

void TestRuleEngine::pingPongRulesAreStopped()
{
    auto engine = makeEngine(QStringLiteral(R"J([
        {"name": "ping", "triggers": [{"resource": "%B/ping"}], "actions": [{"write": "%B/pong", "value": "value + 1"}]},
        {"name": "pong", "triggers": [{"resource": "%B/pong"}], "actions": [{"write": "%B/ping", "value": "value + 1"}]}])J"));
    QVERIFY(engine);
    QCOMPARE(engine->rules()->warnings().size(), 1);
    QVERIFY(engine->rules()->warnings().first().contains(QStringLiteral("each other's triggers")));
    publish(QStringLiteral("ping"), "0");
    // Followed through the causes: depth 1 (ping, from the peer) ... 8, then the 9th is stopped.
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("ping")).firings
                                  + engine->rules()->status(QStringLiteral("pong")).firings,
                              quint64(8), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("ping")).stopped
                                  + engine->rules()->status(QStringLiteral("pong")).stopped,
                              quint64(1), 20000);
    const RuleStatus stopped = engine->rules()->status(QStringLiteral("ping")).stopped ? engine->rules()->status(QStringLiteral("ping"))
                                                                                      : engine->rules()->status(QStringLiteral("pong"));
    QVERIFY2(stopped.lastError.contains(QStringLiteral("chain")), qPrintable(stopped.lastError));
    // The last value written is 8 (0 + 8 runs) and nothing runs any more.
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(rid(uri(QStringLiteral("ping"))))
                                 && engine->store()->find(rid(uri(QStringLiteral("ping"))))->value().raw == "8",
                             20000);
    // Once stopped, neither rule is suspended yet: one deep chain may be a one-off.
    QVERIFY(!engine->rules()->status(QStringLiteral("ping")).suspended);
    QVERIFY(!engine->rules()->status(QStringLiteral("pong")).suspended);
    QSignalSpy notified(engine->rules(), &RuleEngine::notified);
    // A fresh message from outside starts a fresh chain; it overflows again, and a loop that
    // comes back suspends both rules of it, with an error and a notice.
    publish(QStringLiteral("pong"), "100");
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("ping")).stopped
                                  + engine->rules()->status(QStringLiteral("pong")).stopped,
                              quint64(2), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("ping")).suspended
                                 && engine->rules()->status(QStringLiteral("pong")).suspended,
                             20000);
    for (const QString &name : {QStringLiteral("ping"), QStringLiteral("pong")}) {
        const QString error = engine->rules()->status(name).lastError;
        QVERIFY2(error.contains(QStringLiteral("\"ping\" and \"pong\"")) || error.contains(QStringLiteral("\"pong\" and \"ping\"")),
                 qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("loop")), qPrintable(error));
    }
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, 20000);
    QCOMPARE(notified.first().at(1).toString(), QStringLiteral("Rules suspended"));
    QVERIFY(notified.first().at(2).toString().contains(QStringLiteral("loop")));
    // Suspended rules ignore their triggers.
    const quint64 firings = engine->rules()->status(QStringLiteral("ping")).firings;
    publishSeen(*engine, QStringLiteral("ping"), "1000");
    // The worker's status flush comes after what it took; a second turn delivers it here.
    engine->rules()->advanceClock(0);
    QCoreApplication::processEvents();
    QCOMPARE(engine->rules()->status(QStringLiteral("ping")).firings, firings);
    // Enabled again, they run (and one chain is stopped again, without suspending them).
    engine->rules()->setEnabled(QStringLiteral("ping"), true);
    engine->rules()->setEnabled(QStringLiteral("pong"), true);
    QTRY_VERIFY_WITH_TIMEOUT(!engine->rules()->status(QStringLiteral("ping")).suspended
                                 && !engine->rules()->status(QStringLiteral("pong")).suspended,
                             20000);
    publish(QStringLiteral("ping"), "0");
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("ping")).stopped
                                  + engine->rules()->status(QStringLiteral("pong")).stopped,
                              quint64(3), 20000);
    QVERIFY(!engine->rules()->status(QStringLiteral("ping")).suspended);
    QVERIFY(!engine->rules()->status(QStringLiteral("pong")).suspended);
}

void TestRuleEngine::runawayRuleIsSuspended()
{
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "busy", "mode": "parallel",
        "triggers": [{"resource": "%B/flood"}], "actions": [{"log": "value"}]}])J"));
    QVERIFY(engine);
    // 150 messages in one manual-clock instant: more than 100 runs in 10 s.
    QProcess pub;
    pub.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
              {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_broker.port()),
               QStringLiteral("-t"), topic(QStringLiteral("flood")), QStringLiteral("-l"), QStringLiteral("-q"), QStringLiteral("1")});
    QVERIFY(pub.waitForStarted());
    for (int i = 0; i < 150; ++i)
        pub.write(QByteArray::number(i) + '\n');
    pub.closeWriteChannel();
    QVERIFY(pub.waitForFinished(20000));
    QTRY_VERIFY_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("busy")).suspended, 20000);
    // Every message of the flood has reached the rules before it is enabled again.
    const ResourceId flood = rid(uri(QStringLiteral("flood")));
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(flood) && engine->store()->find(flood)->value().raw == "149", 20000);
    engine->rules()->advanceClock(0);
    const RuleStatus status = engine->rules()->status(QStringLiteral("busy"));
    QCOMPARE(status.firings, quint64(100));
    QVERIFY2(status.lastError.contains(QStringLiteral("more than 100 times")), qPrintable(status.lastError));
    // Enabling it again resumes it.
    engine->rules()->setEnabled(QStringLiteral("busy"), true);
    QTRY_VERIFY_WITH_TIMEOUT(!engine->rules()->status(QStringLiteral("busy")).suspended, 20000);
    publishSeen(*engine, QStringLiteral("flood"), "again");
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->status(QStringLiteral("busy")).firings, quint64(101), 20000);
}

void TestRuleEngine::dryRunTracesWithoutWriting()
{
    auto engine = makeEngine(QStringLiteral(R"J([{"name": "dry", "triggers": [{"resource": "%B/in"}],
        "actions": [{"write": "%B/out", "value": "'x'"}, {"notify": "'hi'"}]}, 
        {"name": "witness", "triggers": [{"resource": "%B/in"}], "actions": []}])J"));
    QVERIFY(engine);
    engine->rules()->setDryRun(true);
    QSignalSpy notified(engine->rules(), &RuleEngine::notified);
    publishSeen(*engine, QStringLiteral("in"), "1");
    QTRY_COMPARE_WITH_TIMEOUT(engine->rules()->traces(QStringLiteral("dry")).size(), 1, 20000);
    const RuleTrace trace = engine->rules()->traces(QStringLiteral("dry")).first();
    QVERIFY(trace.dryRun);
    QCOMPARE(trace.actions.size(), 2);
    QVERIFY(trace.actions.first().detail.contains(QStringLiteral("dry run")));
    // Nothing was written: a later message on the same broker arrives, "out" never did.
    publishSeen(*engine, QStringLiteral("in"), "2");
    QVERIFY(!engine->store()->find(rid(uri(QStringLiteral("out")))));
    QCOMPARE(notified.count(), 0);
}

void TestRuleEngine::evaluateNowAgainstCurrentValues()
{
    // Given an engine whose store has values from the broker (no rules needed)
    auto engine = makeEngine(QStringLiteral("[]"));
    QVERIFY(engine);
    publishSeen(*engine, QStringLiteral("temp"), "20");
    publishSeen(*engine, QStringLiteral("temp"), "21.5");
    publishSeen(*engine, QStringLiteral("json"), R"({"a": {"b": [1, 2, 3]}})");
    RuleEngine *rules = engine->rules();
    // value and previous are the trigger's current and previous values
    RuleEngine::Evaluation e = rules->evaluateNow(QStringLiteral("value + 1"), uri(QStringLiteral("temp")));
    QVERIFY2(e.ok, qPrintable(e.error));
    QCOMPARE(e.value.toDouble(), 22.5);
    QCOMPARE(e.text, QStringLiteral("22.5"));
    e = rules->evaluateNow(QStringLiteral("value - previous"), uri(QStringLiteral("temp")));
    QCOMPARE(e.value.toDouble(), 1.5);
    // JSON decoded as objects; resource(uri) reads any current value, null when unknown
    e = rules->evaluateNow(QStringLiteral("value.a.b[2] * resource('%1')").arg(uri(QStringLiteral("temp"))), uri(QStringLiteral("json")));
    QVERIFY2(e.ok, qPrintable(e.error));
    QCOMPARE(e.value.toDouble(), 64.5);
    e = rules->evaluateNow(QStringLiteral("resource('%1') === null && value === null").arg(uri(QStringLiteral("nothing"))));
    QCOMPARE(e.value.toBool(), true);
    // Objects come out as JSON text, as a write would send them
    e = rules->evaluateNow(QStringLiteral("({t: value})"), uri(QStringLiteral("temp")));
    QCOMPARE(e.text, QStringLiteral("{\"t\":21.5}"));
    // Mistakes are said: a syntax error, a throw, the sandbox's missing names, a loop
    e = rules->evaluateNow(QStringLiteral("value +"));
    QVERIFY(!e.ok);
    QVERIFY(!RuleEngine::checkExpression(QStringLiteral("value +")).isEmpty());
    QVERIFY(RuleEngine::checkExpression(QStringLiteral("value + 1")).isEmpty());
    e = rules->evaluateNow(QStringLiteral("(function () { throw new Error('no way'); })()"));
    QVERIFY(!e.ok);
    QVERIFY2(e.error.contains(QStringLiteral("no way")), qPrintable(e.error));
    e = rules->evaluateNow(QStringLiteral("typeof XMLHttpRequest + typeof require + typeof Qt"));
    QCOMPARE(e.text, QStringLiteral("undefinedundefinedundefined"));
    e = rules->evaluateNow(QStringLiteral("(function () { while (true) {} })()"));
    QVERIFY(!e.ok);
    QVERIFY2(e.error.contains(QStringLiteral("interrupted")), qPrintable(e.error));
}


void TestRuleEngine::editedAndRemovedRulesForgetTheirCompiledExpressions()
{
    // Given two rules that have run (their expressions compiled on the rule thread)
    auto engine = makeEngine(QStringLiteral(R"J([
        {"name": "a", "triggers": [{"resource": "%B/n"}], "condition": "value > 25", "actions": [{"log": "'a ' + value"}]},
        {"name": "b", "triggers": [{"resource": "%B/n"}], "condition": "value < 0", "actions": [{"log": "'b ' + value"}]}])J"),
                             {}, true);
    QVERIFY(engine);
    RuleEngine *rules = engine->rules();
    QSignalSpy logged(rules, &RuleEngine::logged);
    publish(QStringLiteral("n"), "30");
    QTRY_COMPARE_WITH_TIMEOUT(rules->traces(QStringLiteral("b")).size(), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(rules->traces(QStringLiteral("a")).size(), 1, 20000);
    QCOMPARE(rules->traces(QStringLiteral("a")).first().condition, QJsonValue(true));
    QCOMPARE(rules->traces(QStringLiteral("b")).first().condition, QJsonValue(false));
    for (const char *expression : {"value > 25", "'a ' + value", "value < 0"})
        QVERIFY2(rules->isCompiled(QString::fromLatin1(expression)), expression);

    // When a's condition is edited and b is removed
    QString json = QStringLiteral(R"J([{"name": "a", "triggers": [{"resource": "%B/n"}], "condition": "value > 40",
        "actions": [{"log": "'a ' + value"}]}])J");
    json.replace(QStringLiteral("%B"), m_base + QLatin1Char('/') + m_prefix);
    RuleProblem problem;
    const auto edited = RuleEngine::parse(QJsonDocument::fromJson(json.toUtf8()).array(), &problem);
    QVERIFY(edited);
    rules->setRules(*edited);

    // Then the old condition and b's expressions are gone, a's unchanged action stays
    QVERIFY(!rules->isCompiled(QStringLiteral("value > 25")));
    QVERIFY(!rules->isCompiled(QStringLiteral("value < 0")));
    QVERIFY(!rules->isCompiled(QStringLiteral("'b ' + value")));
    QVERIFY(rules->isCompiled(QStringLiteral("'a ' + value")));
    QVERIFY(rules->traces(QStringLiteral("b")).isEmpty());
    // And the results follow the edited rule: 30 no longer passes, 50 does
    publish(QStringLiteral("n"), "30");
    QTRY_COMPARE_WITH_TIMEOUT(rules->traces(QStringLiteral("a")).size(), 2, 20000);
    QCOMPARE(rules->traces(QStringLiteral("a")).last().condition, QJsonValue(false));
    QVERIFY(rules->isCompiled(QStringLiteral("value > 40")));
    publish(QStringLiteral("n"), "50");
    QTRY_COMPARE_WITH_TIMEOUT(rules->traces(QStringLiteral("a")).size(), 3, 20000);
    QCOMPARE(rules->traces(QStringLiteral("a")).last().condition, QJsonValue(true));
    QTRY_VERIFY_WITH_TIMEOUT(!logged.isEmpty() && logged.last().at(1).toString() == QStringLiteral("a 50"), 20000);
    for (const QList<QVariant> &entry : std::as_const(logged))
        QVERIFY2(!entry.at(1).toString().startsWith(QStringLiteral("b ")), qPrintable(entry.at(1).toString()));
    QVERIFY(rules->traces(QStringLiteral("b")).isEmpty());
}

void TestRuleEngine::tracesAreHandedOverInBatchesInOrder()
{
    // Given a rule run every second, without a rate limit, on the manual clock
    auto engine = makeEngine(QStringLiteral(R"J([
        {"name": "tick", "limit": 0, "triggers": [{"every": 1}], "condition": "now % 2000 == 0"}])J"));
    QVERIFY(engine);
    RuleEngine *rules = engine->rules();
    QSignalSpy traced(rules, &RuleEngine::traced);
    const quint64 handOversBefore = rules->handOvers();
    // When 1,200 runs happen in one turn of the rule thread
    constexpr int kRuns = 1200;
    rules->advanceClock(kRuns * 1000);
    // Then every trace reaches the GUI thread, in order, each as it was: by stop() at the
    // latest (what the rule thread had not handed over yet included)
    rules->stop();
    QCOMPARE(traced.count(), kRuns);
    for (int i = 0; i < kRuns; ++i) {
        const RuleTrace trace = traced.at(i).first().value<RuleTrace>();
        QCOMPARE(trace.timeMs, kT0 + (i + 1) * 1000);
        QCOMPARE(trace.condition, QJsonValue(trace.timeMs % 2000 == 0));
    }
    QCOMPARE(rules->traces(QStringLiteral("tick")).size(), RuleTrace::kMaxTraces);
    QCOMPARE(rules->traces(QStringLiteral("tick")).last().timeMs, kT0 + kRuns * 1000);
    QCOMPARE(rules->status(QStringLiteral("tick")).firings, quint64(kRuns));
    // In a few queued calls (one per RuleWorker::kHandOverTraces, the rest on the next turn),
    // not one per run
    const quint64 handOvers = rules->handOvers() - handOversBefore;
    QVERIFY2(handOvers <= quint64(kRuns / RuleWorker::kHandOverTraces + 3), qPrintable(QString::number(handOvers)));
}

QTEST_GUILESS_MAIN(TestRuleEngine)
#include "tst_ruleengine.moc"
