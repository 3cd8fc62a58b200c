// The Rules dock and its model: rules with their state, ticking to enable, the selected
// rule's traces with each action's outcome, the dry-run switch, a rejected rules list said in
// plain text. Rules fire on start here: no peer needed for what is shown (a write to a
// resource no endpoint carries fails, and that failure is what the dock must show).
#include "model/rulelistmodel.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h"
#include "ui/rulesdock.h"
#include "ui/ruleseditor.h"
#include "model/workspace.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QDialogButtonBox>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

using namespace thingscape;

class TestRulesDock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modelFollowsStatuses();
    void dockShowsRulesStateAndTraces();
    void rejectedRulesAreSaid();
    void editorChecksAndApplies();
    void pingPongRulesAreSuspendedInTheDock();
};

void TestRulesDock::modelFollowsStatuses()
{
    RuleListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RuleStatus a;
    a.id = QStringLiteral("a");
    a.name = QStringLiteral("Alpha");
    RuleStatus b;
    b.id = QStringLiteral("b");
    b.name = QStringLiteral("Beta");
    b.enabled = false;
    model.setStatuses({a, b});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, RuleListModel::StateColumn).data().toString(), QStringLiteral("enabled"));
    QCOMPARE(model.index(1, RuleListModel::StateColumn).data().toString(), QStringLiteral("disabled"));
    QCOMPARE(model.index(1, RuleListModel::NameColumn).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    a.suspended = true;
    a.firings = 101;
    a.lastError = QStringLiteral("suspended: fired more than 100 times in 10 s");
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.updateStatus(a);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(0, RuleListModel::StateColumn).data().toString(), QStringLiteral("suspended"));
    QCOMPARE(model.index(0, RuleListModel::FiringsColumn).data().toString(), QStringLiteral("101"));
    QCOMPARE(model.index(0, RuleListModel::LastErrorColumn).data().toString(), a.lastError);
    QSignalSpy requested(&model, &RuleListModel::enableRequested);
    QVERIFY(model.setData(model.index(1, RuleListModel::NameColumn), Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().at(0).toString(), QStringLiteral("b"));
    QCOMPARE(requested.first().at(1).toBool(), true);
    RuleStatus unknown;
    unknown.id = QStringLiteral("unknown");
    model.updateStatus(unknown); // ignored
    model.setStatuses({});
    QCOMPARE(model.rowCount(), 0);
}

void TestRulesDock::dockShowsRulesStateAndTraces()
{
    Engine engine;
    RulesDock dock(&engine);
    dock.resize(1100, 300);
    dock.show();
    QAbstractItemModelTester tester(dock.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QString error;
    const QByteArray rules = R"J([
        {"name": "Greet on start", "triggers": [{"start": true}], "actions": [{"log": "'hello'"}]},
        {"name": "Write nowhere", "triggers": [{"start": true}],
         "actions": [{"write": "mqtt://127.0.0.1:1/nobody/listens", "value": "'x'"}]}])J";
    const bool applied = engine.setRules(QJsonDocument::fromJson(rules).array(), &error);
    QVERIFY2(applied, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(dock.model()->rowCount(), 2, 10000);
    auto *table = dock.findChild<QTableView *>(QStringLiteral("rulesTable"));
    auto *traces = dock.findChild<QTreeWidget *>(QStringLiteral("ruleTraces"));
    QVERIFY(table && traces);
    QTRY_COMPARE_WITH_TIMEOUT(dock.model()->index(0, RuleListModel::FiringsColumn).data().toString(), QStringLiteral("1"), 10000);
    // The failed write shows as the rule's last error, naming the resource and why.
    QTRY_VERIFY_WITH_TIMEOUT(dock.model()->index(1, RuleListModel::LastErrorColumn).data().toString().contains(
                                 QStringLiteral("no endpoint in this workspace carries it")),
                             10000);
    // The selected rule's traces, newest first, with the action's outcome.
    dock.selectRule(QStringLiteral("Write nowhere"));
    QTRY_COMPARE_WITH_TIMEOUT(traces->topLevelItemCount(), 1, 10000);
    QTreeWidgetItem *trace = traces->topLevelItem(0);
    QCOMPARE(trace->text(1), QStringLiteral("start"));
    QCOMPARE(trace->text(4), QStringLiteral("an action failed"));
    QCOMPARE(trace->childCount(), 1);
    QVERIFY(trace->child(0)->text(4).startsWith(QStringLiteral("failed: ")));
    QCOMPARE(trace->child(0)->text(1), QStringLiteral("mqtt://127.0.0.1:1/nobody/listens"));

    // Unticking disables it through the engine.
    QVERIFY(dock.model()->setData(dock.model()->index(0, RuleListModel::NameColumn), Qt::Unchecked, Qt::CheckStateRole));
    QTRY_COMPARE_WITH_TIMEOUT(dock.model()->index(0, RuleListModel::StateColumn).data().toString(), QStringLiteral("disabled"), 10000);
    QVERIFY(!engine.rules()->status(QStringLiteral("Greet on start")).enabled);
    // ... and the workspace keeps it.
    QCOMPARE(engine.snapshot().rules().at(0).toObject().value(QStringLiteral("enabled")).toBool(true), false);

    // The dry-run switch is the engine's.
    auto *dryRun = dock.findChild<QCheckBox *>();
    QVERIFY(dryRun);
    dryRun->setChecked(true);
    QVERIFY(engine.rules()->isDryRun());

    const QString shot = qEnvironmentVariable("THINGSCAPE_RULES_SCREENSHOT");
    if (!shot.isEmpty())
        dock.grab().save(shot);
}

void TestRulesDock::rejectedRulesAreSaid()
{
    Engine engine;
    RulesDock dock(&engine);
    dock.show();
    QString error;
    const QByteArray rules = R"J([{"name": "<b>bold</b>", "triggers": [{"at": "26:00"}]}])J";
    QVERIFY(!engine.setRules(QJsonDocument::fromJson(rules).array(), &error));
    QVERIFY(error.contains(QStringLiteral("/rules/0/triggers/0/at")));
    auto *notice = dock.findChild<QLabel *>(QStringLiteral("rulesNotice"));
    QVERIFY(notice);
    QTRY_VERIFY_WITH_TIMEOUT(notice->isVisible(), 10000);
    QVERIFY(notice->text().contains(QStringLiteral("/rules/0/triggers/0/at")));
    QCOMPARE(notice->textFormat(), Qt::PlainText);
    QCOMPARE(dock.model()->rowCount(), 0);
}

void TestRulesDock::editorChecksAndApplies()
{
    Engine engine;
    QSignalSpy changed(&engine, &Engine::changed);
    RulesEditor editor(&engine);
    editor.show();
    auto *apply = editor.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Apply);
    auto *status = editor.findChild<QLabel *>(QStringLiteral("rulesStatus"));
    QVERIFY(apply && status);
    QVERIFY(editor.problem().isEmpty()); // an empty list is fine
    // A mistake is named with its line, column and pointer, and cannot be applied.
    editor.setText(QStringLiteral("[\n  {\"name\": \"a\",\n   \"triggers\": [{\"every\": -1}]}\n]"));
    QVERIFY(editor.problem().contains(QStringLiteral("line 3, column")));
    QVERIFY(editor.problem().contains(QStringLiteral("/0/triggers/0/every")));
    QVERIFY(!apply->isEnabled());
    QVERIFY(!editor.apply());
    QCOMPARE(changed.count(), 0);
    editor.setText(QStringLiteral("[{\"name\": \"a\", \"triggers\": [{\"every\": 60}]}, {\"bridge\": \"mqtt://h:1883/a\", \"to\": \"coap://h:5683/b\"}]"));
    QVERIFY2(editor.problem().isEmpty(), qPrintable(editor.problem()));
    QVERIFY(apply->isEnabled());
    QVERIFY(status->text().contains(QStringLiteral("2 rule")));
    QVERIFY(editor.apply());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(engine.rules()->rules().size(), 2);
    QCOMPARE(engine.snapshot().rules().size(), 2);
    const QString shot = qEnvironmentVariable("THINGSCAPE_RULES_EDITOR_SCREENSHOT");
    if (!shot.isEmpty()) {
        editor.setText(editor.text() + QStringLiteral(" x"));
        editor.grab().save(shot);
    }
}

void TestRulesDock::pingPongRulesAreSuspendedInTheDock()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(pub, "mosquitto_pub", "mosquitto-clients")
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1/pingpong").arg(broker.port());
    QByteArray rules = R"J([
        {"name": "ping", "triggers": [{"resource": "%B/ping"}], "actions": [{"write": "%B/pong", "value": "value + 1"}]},
        {"name": "pong", "triggers": [{"resource": "%B/pong"}], "actions": [{"write": "%B/ping", "value": "value + 1"}]}])J";
    rules.replace("%B", base.toUtf8());
    const QJsonObject json{
        {QStringLiteral("thingscape"), 1},
        {QStringLiteral("endpoints"), QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("broker")},
                                                             {QStringLiteral("url"), QStringLiteral("mqtt://127.0.0.1:%1").arg(broker.port())},
                                                             {QStringLiteral("filters"), QJsonArray{QStringLiteral("pingpong/#")}}}}},
        {QStringLiteral("rules"), QJsonDocument::fromJson(rules).array()}};
    QString error;
    const auto workspace = Workspace::fromJson(json, &error);
    QVERIFY2(workspace, qPrintable(error));
    // Given the ping-pong rules running (on a manual clock: the overflows count within one
    // rate window however slow the machine is) with the dock showing them
    Engine engine;
    engine.rules()->useManualClock(1700000000000);
    RulesDock dock(&engine);
    dock.resize(1100, 300);
    dock.show();
    QAbstractItemModelTester tester(dock.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    engine.apply(*workspace);
    QTRY_COMPARE_WITH_TIMEOUT(engine.endpoints()->connectedCount(), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(dock.model()->rowCount(), 2, 10000);
    // The dock warns about them when loaded
    auto *notice = dock.findChild<QLabel *>(QStringLiteral("rulesNotice"));
    QVERIFY(notice->text().contains(QStringLiteral("each other's triggers")));
    // When they are kicked off from outside, again and again (until the subscription is live
    // and the loop comes back)
    const QString pubProgram = testsupport::findProgram(QStringLiteral("mosquitto_pub"));
    auto suspended = [&dock] {
        return dock.model()->index(0, RuleListModel::StateColumn).data().toString() == QLatin1String("suspended")
            && dock.model()->index(1, RuleListModel::StateColumn).data().toString() == QLatin1String("suspended");
    };
    QDeadlineTimer deadline(30000);
    while (!suspended() && !deadline.hasExpired()) {
        QProcess::execute(pubProgram, {QStringLiteral("-p"), QString::number(broker.port()), QStringLiteral("-t"),
                                       QStringLiteral("pingpong/ping"), QStringLiteral("-m"), QStringLiteral("0")});
        QTest::qWait(100);
    }
    // Then both are suspended, the dock says why, unticked, and the window got a notice
    QVERIFY(suspended());
    for (int row = 0; row < 2; ++row) {
        const QString lastError = dock.model()->index(row, RuleListModel::LastErrorColumn).data().toString();
        QVERIFY2(lastError.contains(QStringLiteral("loop")) && lastError.contains(QStringLiteral("\"ping\"")), qPrintable(lastError));
        QCOMPARE(dock.model()->index(row, RuleListModel::NameColumn).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    }
    QTRY_VERIFY_WITH_TIMEOUT(dock.lastNotice().contains(QStringLiteral("Rules suspended")), 10000);
    // Ticking one enables it again
    QVERIFY(dock.model()->setData(dock.model()->index(0, RuleListModel::NameColumn), Qt::Checked, Qt::CheckStateRole));
    QTRY_COMPARE_WITH_TIMEOUT(dock.model()->index(0, RuleListModel::StateColumn).data().toString(), QStringLiteral("enabled"), 10000);
}

QTEST_MAIN(TestRulesDock)
#include "tst_rulesdock.moc"
