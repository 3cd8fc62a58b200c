// The rule model (parsing with positioned errors, bridges, warnings, what may be shared) and
// the script sandbox (scope, no file / network / process access, the watchdog).
#include "model/rule.h"
#include "model/ruletrace.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/rulescript.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace thingscape;

namespace {

QJsonArray rulesFrom(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).array();
}

ResourceId rid(const char *uri)
{
    return *ResourceId::parse(QString::fromUtf8(uri));
}

} // namespace

class TestRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTheIssueExample();
    void parsesEveryTriggerAndAction();
    void bridgeShortForm();
    void errorsNameTheirPosition_data();
    void errorsNameTheirPosition();
    void keepsUnknownKeys();
    void wildcardMatching();
    void bridgeKeepsTheRelativePath();
    void warnsAboutRulesWritingEachOthersTriggers();
    void statefulRulesCannotBeShared();
    void scriptSeesItsScope();
    void scriptHasNoFileNetworkOrProcessAccess();
    void compiledExpressionsAreBounded();
    void infiniteLoopIsInterrupted();
    void payloadOfResults();
    void traceJsonHasTheKeys();
};

void TestRules::parsesTheIssueExample()
{
    RuleProblem problem;
    const auto rules = RuleEngine::parse(rulesFrom(R"J([
 {"name": "fan on when hot", "enabled": true, "mode": "single",
  "triggers": [{"resource": "coap://127.0.0.1:5683/sensors/temp", "above": 25, "for": 10}],
  "condition": "resource('mqtt://127.0.0.1:1883/home/mode') !== 'away'",
  "actions": [{"write": "mqtt://127.0.0.1:1883/home/fan/set", "value": "'on'"},
              {"delay": 2},
              {"write": "http://127.0.0.1:8080/things/thermostat/properties/eco", "value": "true"}]}])J"),
                                         &problem);
    QVERIFY2(rules, qPrintable(problem.pointer() + QLatin1Char(' ') + problem.message));
    QCOMPARE(rules->size(), 1);
    const Rule &rule = rules->first();
    QCOMPARE(rule.id, QStringLiteral("fan on when hot"));
    QCOMPARE(rule.mode, Rule::Mode::Single);
    QCOMPARE(rule.triggers.size(), 1);
    QCOMPARE(rule.triggers.first().kind, RuleTrigger::Kind::Threshold);
    QCOMPARE(*rule.triggers.first().above, 25.0);
    QCOMPARE(rule.triggers.first().holdSeconds, 10.0);
    QCOMPARE(rule.actions.size(), 3);
    QCOMPARE(rule.actions.at(0).kind, RuleAction::Kind::Write);
    QCOMPARE(rule.actions.at(0).expression, QStringLiteral("'on'"));
    QCOMPARE(rule.actions.at(1).kind, RuleAction::Kind::Delay);
    QCOMPARE(rule.actions.at(1).delaySeconds, 2.0);
    QCOMPARE(rule.actions.at(2).target, rid("http://127.0.0.1:8080/things/thermostat/properties/eco"));
    QVERIFY(RuleSet::warnings(*rules).isEmpty());
}

void TestRules::parsesEveryTriggerAndAction()
{
    RuleProblem problem;
    const auto rules = RuleEngine::parse(rulesFrom(R"J([
 {"name": "all", "mode": "queued", "max": 3,
  "triggers": [{"resource": "mqtt://h:1883/a/+/t"}, {"resource": "mqtt://h:1883/j", "field": "/x/0"},
               {"resource": "coap://h:5683/s", "below": 5, "hysteresis": 1},
               {"resource": "coap://h:5683/s", "stale": 30}, {"resource": "coap://h:5683/s", "offline": true},
               {"endpoint": "broker", "state": "error"}, {"every": 5}, {"at": "07:30"}, {"start": true}],
  "actions": [{"invoke": "http://h:80/things/lamp/actions/toggle", "input": "({on: true})"},
              {"log": "'hello ' + value"}, {"notify": "'hot'", "title": "Heat"},
              {"disable": "all"}, {"enable": "all"},
              {"write": "mqtt://h:1883/out", "value": 42, "qos": 1, "retain": true}]}])J"),
                                         &problem);
    QVERIFY2(rules, qPrintable(problem.pointer() + QLatin1Char(' ') + problem.message));
    const Rule &rule = rules->first();
    QCOMPARE(rule.mode, Rule::Mode::Queued);
    QCOMPARE(rule.maxRuns, 3);
    const QList<RuleTrigger::Kind> kinds = {RuleTrigger::Kind::Update, RuleTrigger::Kind::Update, RuleTrigger::Kind::Threshold,
                                            RuleTrigger::Kind::Stale,  RuleTrigger::Kind::Offline, RuleTrigger::Kind::Endpoint,
                                            RuleTrigger::Kind::Every,  RuleTrigger::Kind::At,      RuleTrigger::Kind::Start};
    QCOMPARE(rule.triggers.size(), kinds.size());
    for (int i = 0; i < kinds.size(); ++i)
        QCOMPARE(rule.triggers.at(i).kind, kinds.at(i));
    QVERIFY(rule.triggers.at(0).isWildcard());
    QCOMPARE(rule.triggers.at(1).field, QStringLiteral("/x/0"));
    QCOMPARE(*rule.triggers.at(2).below, 5.0);
    QCOMPARE(rule.triggers.at(7).atMinutes, 7 * 60 + 30);
    QCOMPARE(rule.actions.at(0).kind, RuleAction::Kind::Invoke);
    QCOMPARE(rule.actions.at(3).kind, RuleAction::Kind::Disable);
    QCOMPARE(rule.actions.at(5).expression, QStringLiteral("42"));
    QCOMPARE(rule.actions.at(5).qos, 1);
    QVERIFY(rule.actions.at(5).retain);
}

void TestRules::bridgeShortForm()
{
    RuleProblem problem;
    const auto rules = RuleEngine::parse(rulesFrom(R"J([
 {"bridge": "coap://h:5683/sensors/temp", "to": "mqtt://h:1883/site/temp_f", "transform": "value * 1.8 + 32"},
 {"bridge": "mqtt://h:1883/a/#", "to": "mqtt://h:1884/b/#", "both_ways": true}])J"),
                                         &problem);
    QVERIFY2(rules, qPrintable(problem.message));
    QCOMPARE(rules->size(), 2);
    const Rule &bridge = rules->first();
    QVERIFY(bridge.isBridge);
    QVERIFY(!bridge.bothWays);
    QCOMPARE(bridge.triggers.size(), 1);
    QCOMPARE(bridge.triggers.first().resource, rid("coap://h:5683/sensors/temp"));
    QCOMPARE(bridge.actions.size(), 1);
    QCOMPARE(bridge.actions.first().target, rid("mqtt://h:1883/site/temp_f"));
    QCOMPARE(bridge.actions.first().expression, QStringLiteral("value * 1.8 + 32"));
    QVERIFY(!bridge.name.isEmpty());
    QVERIFY(rules->at(1).bothWays);
    // A bridge both ways is no loop to warn about: it has its loop filter.
    QVERIFY(RuleSet::warnings(*rules).isEmpty());
}

void TestRules::errorsNameTheirPosition_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("words");
    QTest::newRow("not an object") << R"J([1])J" << "/rules/0" << "must be an object";
    QTest::newRow("no name") << R"J([{"triggers": [{"every": 1}]}])J" << "/rules/0/name" << "needs a \"name\"";
    QTest::newRow("no triggers") << R"J([{"name": "a"}])J" << "/rules/0/triggers" << "non-empty array";
    QTest::newRow("bad above") << R"J([{"name": "a", "triggers": [{"resource": "coap://h/x", "above": "hot"}]}])J"
                               << "/rules/0/triggers/0/above" << "must be a number";
    QTest::newRow("bad uri") << R"J([{"name": "a", "triggers": [{"resource": "ftp://h/x"}]}])J"
                             << "/rules/0/triggers/0/resource" << "not a resource URI";
    QTest::newRow("coap wildcard") << R"J([{"name": "a", "triggers": [{"resource": "coap://h/+/x"}]}])J"
                                   << "/rules/0/triggers/0/resource" << "MQTT topics only";
    QTest::newRow("bad at") << R"J([{"name": "a", "triggers": [{"at": "25:00"}]}])J" << "/rules/0/triggers/0/at" << "HH:MM";
    QTest::newRow("bad mode") << R"J([{"name": "a", "mode": "often", "triggers": [{"every": 1}]}])J" << "/rules/0/mode"
                              << "single, restart, queued or parallel";
    QTest::newRow("syntax error") << R"J([{"name": "a", "triggers": [{"every": 1}], "condition": "value >"}])J"
                                  << "/rules/0/condition" << "script error";
    QTest::newRow("syntax in action") << R"J([{"name": "a", "triggers": [{"every": 1}], "actions": [{"log": "'a' +* 2"}]}])J"
                                      << "/rules/0/actions/0/log" << "script error";
    QTest::newRow("write to wildcard") << R"J([{"name": "a", "triggers": [{"every": 1}], "actions": [{"write": "mqtt://h/a/#"}]}])J"
                                       << "/rules/0/actions/0/write" << "wildcard";
    QTest::newRow("unknown action") << R"J([{"name": "a", "triggers": [{"every": 1}], "actions": [{"explode": 1}]}])J"
                                    << "/rules/0/actions/0" << "needs \"write\"";
    QTest::newRow("enable unknown") << R"J([{"name": "a", "triggers": [{"every": 1}], "actions": [{"enable": "b"}]}])J"
                                    << "/rules/0/actions/0/enable" << "no rule is called";
    QTest::newRow("duplicate") << R"J([{"name": "a", "triggers": [{"every": 1}]}, {"name": "a", "triggers": [{"every": 2}]}])J"
                               << "/rules/1/name" << "two rules";
    QTest::newRow("bridge to itself") << R"J([{"bridge": "mqtt://h/a", "to": "mqtt://h/a"}])J" << "/rules/0/to" << "itself";
    QTest::newRow("both ways mixed") << R"J([{"bridge": "mqtt://h/a/#", "to": "coap://h/b", "both_ways": true}])J"
                                     << "/rules/0/both_ways" << "subtree";
}

void TestRules::errorsNameTheirPosition()
{
    QFETCH(QString, json);
    QFETCH(QString, pointer);
    QFETCH(QString, words);
    RuleProblem problem;
    QVERIFY(!RuleEngine::parse(QJsonDocument::fromJson(json.toUtf8()).array(), &problem));
    QCOMPARE(problem.pointer(), pointer);
    QVERIFY2(problem.message.contains(words), qPrintable(problem.message));
}

void TestRules::keepsUnknownKeys()
{
    RuleProblem problem;
    const auto rules = RuleSet::parse(rulesFrom(R"J([{"name": "a", "triggers": [{"every": 1}], "color": "red"}])J"), &problem);
    QVERIFY(rules);
    Rule rule = rules->first();
    rule.enabled = false;
    const QJsonObject json = rule.toJson();
    QCOMPARE(json.value(QStringLiteral("color")).toString(), QStringLiteral("red"));
    QCOMPARE(json.value(QStringLiteral("enabled")).toBool(true), false);
    QCOMPARE(json.value(QStringLiteral("triggers")).toArray().size(), 1);
}

void TestRules::wildcardMatching()
{
    RuleTrigger trigger;
    trigger.resource = rid("mqtt://h:1883/home/+/temp");
    QVERIFY(trigger.matches(rid("mqtt://h:1883/home/kitchen/temp")));
    QVERIFY(!trigger.matches(rid("mqtt://h:1883/home/kitchen/hum")));
    QVERIFY(!trigger.matches(rid("mqtt://h:1884/home/kitchen/temp")));
    trigger.resource = rid("mqtt://h:1883/home/#");
    QVERIFY(trigger.matches(rid("mqtt://h:1883/home/a/b/c")));
    QVERIFY(!trigger.matches(rid("mqtt://h:1883/homes/a")));
    trigger.resource = rid("coap://h:5683/a");
    QVERIFY(trigger.matches(rid("coap://h:5683/a")));
    QVERIFY(!trigger.matches(rid("coap://h:5683/a/b")));
}

void TestRules::bridgeKeepsTheRelativePath()
{
    QCOMPARE(Rule::mapBridge(rid("mqtt://h:1883/a/#"), rid("mqtt://k:1883/b/#"), rid("mqtt://h:1883/a/x/y")),
             rid("mqtt://k:1883/b/x/y"));
    QCOMPARE(Rule::mapBridge(rid("mqtt://h:1883/a/#"), rid("coap://k:5683/b"), rid("mqtt://h:1883/a/x/y")),
             rid("coap://k:5683/b/x/y"));
    QCOMPARE(Rule::mapBridge(rid("coap://h:5683/s"), rid("mqtt://k:1883/t"), rid("coap://h:5683/s")), rid("mqtt://k:1883/t"));
    QVERIFY(!Rule::mapBridge(rid("mqtt://h:1883/a/#"), rid("mqtt://k:1883/b/#"), rid("mqtt://h:1883/c")).isValid());
}

void TestRules::warnsAboutRulesWritingEachOthersTriggers()
{
    RuleProblem problem;
    const auto rules = RuleSet::parse(rulesFrom(R"J([
 {"name": "ping", "triggers": [{"resource": "mqtt://h:1883/ping"}], "actions": [{"write": "mqtt://h:1883/pong"}]},
 {"name": "pong", "triggers": [{"resource": "mqtt://h:1883/+"}], "actions": [{"write": "mqtt://h:1883/ping/x"}]},
 {"name": "echo", "triggers": [{"resource": "mqtt://h:1883/pong"}], "actions": [{"write": "mqtt://h:1883/ping"}]}])J"),
                                      &problem);
    QVERIFY(rules);
    const QStringList warnings = RuleSet::warnings(*rules);
    // ping <-> echo write each other's triggers; pong writes ping/x, which neither ping nor
    // pong itself listens to ('+' is one level).
    QCOMPARE(warnings.size(), 1);
    QVERIFY(warnings.join(QLatin1Char('\n')).contains(QStringLiteral("\"ping\" and \"echo\"")));
    QVERIFY(warnings.join(QLatin1Char('\n')).contains(QStringLiteral("\"pong\" writes")) == false);
}

void TestRules::statefulRulesCannotBeShared()
{
    RuleProblem problem;
    const auto rules = RuleSet::parse(rulesFrom(R"J([
 {"name": "plain", "mode": "parallel", "triggers": [{"resource": "mqtt://h:1883/in/+"}], "actions": [{"write": "mqtt://h:1883/out", "value": "value * 2"}]},
 {"name": "held", "triggers": [{"resource": "mqtt://h:1883/t", "above": 5, "for": 3}]},
 {"name": "prev", "triggers": [{"resource": "mqtt://h:1883/t"}], "condition": "value > previous"},
 {"name": "timer", "triggers": [{"every": 3}]},
 {"bridge": "mqtt://h:1883/a/#", "to": "mqtt://h:1883/b/#"}])J"),
                                      &problem);
    QVERIFY(rules);
    QString why;
    QVERIFY(!rules->at(0).isStateful(&why));
    QVERIFY(rules->at(1).isStateful(&why));
    QVERIFY(why.contains(QStringLiteral("keeps state")));
    QVERIFY(rules->at(2).isStateful(&why));
    QVERIFY(why.contains(QStringLiteral("previous")));
    QVERIFY(rules->at(3).isStateful(&why));
    QVERIFY(why.contains(QStringLiteral("every instance")));
    QVERIFY(!rules->at(4).isStateful(&why));
}

void TestRules::scriptSeesItsScope()
{
    RuleScript script([](const QString &uri) {
        return uri == QLatin1String("mqtt://h:1883/mode") ? QJsonValue(QStringLiteral("away")) : QJsonValue();
    });
    ScriptScope scope{QJsonObject{{QStringLiteral("temp"), 26.5}}, 24.0, QStringLiteral("coap://h:5683/t"), 1000};
    ScriptResult result = script.evaluate(QStringLiteral("value.temp * 2 + previous"), scope);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.value.toNumber(), 77.0);
    result = script.evaluate(QStringLiteral("resource('mqtt://h:1883/mode') === 'away' && trigger.startsWith('coap') && now === 1000"), scope);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY(result.value.toBool());
    result = script.evaluate(QStringLiteral("resource('mqtt://h:1883/unknown')"), scope);
    QVERIFY(result.value.isNull());
    result = script.evaluate(QStringLiteral("value.nope.deeper"), scope);
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QStringLiteral("TypeError")), qPrintable(result.error));
}

void TestRules::scriptHasNoFileNetworkOrProcessAccess()
{
    RuleScript script({});
    const ScriptScope scope;
    for (const char *name : {"require", "XMLHttpRequest", "Qt", "process", "console", "print", "fetch", "WebSocket",
                             "import", "gc", "quit"}) {
        const ScriptResult result = script.evaluate(QStringLiteral("typeof %1").arg(QLatin1String(name)), scope);
        if (QByteArray(name) == "import") // a keyword: a syntax error, so no way in either
            QVERIFY(!result.ok());
        else
            QCOMPARE(result.value.toString(), QStringLiteral("undefined"));
    }
    const ScriptResult tried = script.evaluate(QStringLiteral("require('fs').readFileSync('/etc/passwd')"), scope);
    QVERIFY(!tried.ok());
    QVERIFY2(tried.error.contains(QStringLiteral("ReferenceError")), qPrintable(tried.error));
    const ScriptResult xhr = script.evaluate(QStringLiteral("new XMLHttpRequest()"), scope);
    QVERIFY(!xhr.ok());
}

void TestRules::compiledExpressionsAreBounded()
{
    // Given a rule thread's script, with one expression in steady use
    RuleScript script({});
    const ScriptScope scope{QJsonValue(3), QJsonValue(), QString(), 0};
    const QString hot = QStringLiteral("value * 2");
    // When many more distinct expressions than it keeps are evaluated (as rules edited over a
    // long session, or expressions made from values, would be)
    constexpr int kDistinct = int(RuleScript::kMaxCompiled) * 5 / 2;
    for (int i = 0; i < kDistinct; ++i) {
        const ScriptResult result = script.evaluate(QStringLiteral("value + %1").arg(i), scope);
        QVERIFY2(result.ok(), qPrintable(result.error));
        QCOMPARE(result.value.toInt(), 3 + i);
        if (i % 100 == 0)
            QCOMPARE(script.evaluate(hot, scope).value.toInt(), 6);
    }
    // Then no more than the bound stay compiled: the one in use among them, the oldest gone
    QVERIFY2(script.compiledCount() <= RuleScript::kMaxCompiled, qPrintable(QString::number(script.compiledCount())));
    QVERIFY(script.isCompiled(hot));
    QVERIFY(script.isCompiled(QStringLiteral("value + %1").arg(kDistinct - 1)));
    QVERIFY(!script.isCompiled(QStringLiteral("value + 0")));
    // And one evicted still evaluates (compiled again)
    QCOMPARE(script.evaluate(QStringLiteral("value + 0"), scope).value.toInt(), 3);
}

void TestRules::infiniteLoopIsInterrupted()
{
    RuleScript script({});
    const ScriptResult result = script.evaluate(QStringLiteral("(function () { while (true) {} })()"), ScriptScope());
    QVERIFY(result.interrupted);
    QVERIFY2(result.error.contains(QStringLiteral("interrupted")), qPrintable(result.error));
    // The engine is usable again afterwards.
    const ScriptResult next = script.evaluate(QStringLiteral("1 + 1"), ScriptScope());
    QVERIFY2(next.ok(), qPrintable(next.error));
    QCOMPARE(next.value.toInt(), 2);
}

void TestRules::payloadOfResults()
{
    RuleScript script({});
    auto payload = [&](const char *expression, bool *json = nullptr, QString *error = nullptr) {
        bool isJson = false;
        QString why;
        const QByteArray out = RuleScript::payload(script.evaluate(QString::fromUtf8(expression), ScriptScope()).value, &isJson, &why);
        if (json)
            *json = isJson;
        if (error)
            *error = why;
        return out;
    };
    QCOMPARE(payload("'on'"), QByteArray("on"));
    QCOMPARE(payload("21"), QByteArray("21"));
    QCOMPARE(payload("26.5 * 1.8 + 32"), QByteArray("79.7"));
    QCOMPARE(payload("true"), QByteArray("true"));
    bool json = false;
    QCOMPARE(payload("({a: 1, b: [true]})", &json), QByteArray(R"J({"a":1,"b":[true]})J"));
    QVERIFY(json);
    QString error;
    QVERIFY(payload("undefined", nullptr, &error).isEmpty());
    QVERIFY(error.contains(QStringLiteral("undefined")));
}

void TestRules::traceJsonHasTheKeys()
{
    RuleTrace trace;
    trace.rule = QStringLiteral("r");
    trace.timeMs = 1700000000000;
    trace.trigger = QStringLiteral("mqtt://h:1883/t");
    trace.value = 3;
    trace.condition = true;
    trace.actions.append({QStringLiteral("write"), QStringLiteral("mqtt://h:1883/o"), false, QStringLiteral("refused"), {}, 2});
    const QJsonObject json = trace.toJson();
    for (const char *key : {"rule", "time", "trigger", "value", "condition", "actions"})
        QVERIFY2(json.contains(QLatin1String(key)), key);
    const QJsonObject action = json.value(QStringLiteral("actions")).toArray().first().toObject();
    for (const char *key : {"action", "target", "ok", "error"})
        QVERIFY2(action.contains(QLatin1String(key)), key);
    QCOMPARE(action.value(QStringLiteral("ok")).toBool(true), false);
    QCOMPARE(json.value(QStringLiteral("time")).toString(), QStringLiteral("2023-11-14T22:13:20.000Z"));
}

QTEST_GUILESS_MAIN(TestRules)
#include "tst_rules.moc"
