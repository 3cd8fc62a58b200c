// The rules editor's form, with a real mosquitto: a resource dragged in from the tree, fields
// edited, every edit undone and redone (Ctrl+Z / Ctrl+Shift+Z in the fields themselves), the
// same rule in the JSON tab, "Evaluate now" against the store's current values, Apply as one
// step on the window's undo stack, and the dry-run switch tracing without writing (what the
// broker carries is the proof).
#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/ruletrace.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h"
#include "ui/actioneditor.h"
#include "ui/expressionedit.h"
#include "ui/resourceuriedit.h"
#include "ui/ruleform.h"
#include "ui/ruleseditor.h"
#include "ui/ruletraceview.h"
#include "ui/treedecorationproxy.h"
#include "ui/triggereditor.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTest>
#include <QToolButton>
#include <QUndoStack>

using namespace thingscape;

class TestRuleForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void formEditsUndoRedoAndEvaluate();
    void dryRunTracesWithoutWriting();
    void screenshot();

private:
    std::unique_ptr<Engine> makeEngine(const QByteArray &rulesJson);
    QString topic(const QString &path) const { return m_prefix + QLatin1Char('/') + path; }
    QString uri(const QString &path) const
    {
        return QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(topic(path));
    }
    void publish(const QString &path, const QString &payload, bool retain = false);
    // Waits until the store has path with payload as its current value.
    bool seen(Engine &engine, const QString &path, const QByteArray &payload);

    testsupport::Mosquitto m_broker;
    QString m_prefix;
    int m_round = 0;
};

void TestRuleForm::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(pub, "mosquitto_pub", "mosquitto-clients")
    QVERIFY(m_broker.start());
}

void TestRuleForm::publish(const QString &path, const QString &payload, bool retain)
{
    QStringList args = {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_broker.port()),
                        QStringLiteral("-t"), topic(path), QStringLiteral("-m"), payload, QStringLiteral("-q"), QStringLiteral("1")};
    if (retain)
        args.append(QStringLiteral("-r"));
    QCOMPARE(QProcess::execute(testsupport::findProgram(QStringLiteral("mosquitto_pub")), args), 0);
}

bool TestRuleForm::seen(Engine &engine, const QString &path, const QByteArray &payload)
{
    const ResourceId id = *ResourceId::parse(uri(path));
    QDeadlineTimer deadline(20000);
    auto has = [&] {
        const Resource *resource = engine.store()->find(id);
        return resource && resource->hasValue() && resource->value().raw == payload;
    };
    while (!has() && !deadline.hasExpired())
        QTest::qWait(20);
    return has();
}

std::unique_ptr<Engine> TestRuleForm::makeEngine(const QByteArray &rulesJson)
{
    m_prefix = QStringLiteral("ruleform/%1/%2").arg(QCoreApplication::applicationPid()).arg(++m_round);
    // Retained before we connect: once in the store, the subscription is live.
    publish(QStringLiteral("temp"), QStringLiteral("21.5"), true);
    publish(QStringLiteral("hum"), QStringLiteral("40"), true);
    QByteArray rules = rulesJson;
    rules.replace("%B", QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(m_prefix).toUtf8());
    const QJsonObject json{
        {QStringLiteral("thingscape"), 1},
        {QStringLiteral("endpoints"), QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("broker")},
                                                             {QStringLiteral("url"), QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port())},
                                                             {QStringLiteral("filters"), QJsonArray{m_prefix + QStringLiteral("/#")}}}}},
        {QStringLiteral("rules"), QJsonDocument::fromJson(rules).array()}};
    QString error;
    const auto workspace = Workspace::fromJson(json, &error);
    if (!workspace) {
        qWarning() << error;
        return {};
    }
    auto engine = std::make_unique<Engine>();
    engine->apply(*workspace);
    if (!engine->rulesProblem().isEmpty()) {
        qWarning() << engine->rulesProblem();
        return {};
    }
    if (!seen(*engine, QStringLiteral("temp"), "21.5") || !seen(*engine, QStringLiteral("hum"), "40"))
        return {};
    return engine;
}

void TestRuleForm::formEditsUndoRedoAndEvaluate()
{
    // Given an engine on a real broker with a rule, and the editor open on it
    auto engine = makeEngine(R"J([{"name": "double", "triggers": [{"resource": "%B/temp"}],
                                   "actions": [{"write": "%B/out", "value": "value * 2"}]}])J");
    QVERIFY(engine);
    const QJsonArray original = engine->rulesJson();
    QUndoStack windowStack;
    RulesEditor editor(engine.get());
    editor.setWindowUndoStack(&windowStack);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    RuleForm *form = editor.form();
    QCOMPARE(editor.currentRule(), 0);
    QCOMPARE(form->triggers().size(), 1);
    QCOMPARE(form->actions().size(), 1);
    TriggerEditor *trigger = form->triggers().first();
    QCOMPARE(trigger->resourceEdit()->text(), uri(QStringLiteral("temp")));
    QCOMPARE(form->actions().first()->expressionEdit()->text(), QStringLiteral("value * 2"));
    QCOMPARE(editor.undoStack()->count(), 0);

    // When a resource is dragged from the tree onto the trigger's resource
    auto *mime = new QMimeData;
    mime->setData(QString::fromLatin1(TreeDecorationProxy::kMimeType), uri(QStringLiteral("hum")).toUtf8());
    ResourceUriEdit *target = trigger->resourceEdit();
    const QPoint at = target->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    // Then it is the trigger, in the form and in the list, as one undoable step
    QCOMPARE(target->text(), uri(QStringLiteral("hum")));
    auto firstTrigger = [&editor] {
        return editor.rules().at(0).toObject().value(QStringLiteral("triggers")).toArray().at(0).toObject();
    };
    QCOMPARE(firstTrigger().value(QStringLiteral("resource")).toString(), uri(QStringLiteral("hum")));
    QCOMPARE(editor.undoStack()->count(), 1);
    delete mime;

    // When it becomes a threshold with hysteresis and a hold time
    trigger->findChild<QComboBox *>(QStringLiteral("triggerKind"))->setCurrentIndex(1);
    auto *threshold = trigger->findChild<QDoubleSpinBox *>(QStringLiteral("triggerThreshold"));
    QVERIFY(threshold->isVisibleTo(trigger));
    QVERIFY(!trigger->findChild<QDoubleSpinBox *>(QStringLiteral("triggerEvery"))->isVisibleTo(trigger));
    threshold->setValue(45);
    trigger->findChild<QDoubleSpinBox *>(QStringLiteral("triggerHysteresis"))->setValue(2);
    trigger->findChild<QDoubleSpinBox *>(QStringLiteral("triggerFor"))->setValue(10);
    // Then the trigger says so, and the list is a valid rules list
    QCOMPARE(firstTrigger().value(QStringLiteral("above")).toDouble(), 45.0);
    QCOMPARE(firstTrigger().value(QStringLiteral("hysteresis")).toDouble(), 2.0);
    QCOMPARE(firstTrigger().value(QStringLiteral("for")).toDouble(), 10.0);
    QVERIFY2(editor.problem().isEmpty(), qPrintable(editor.problem()));
    const int afterThreshold = editor.undoStack()->count();
    QCOMPARE(afterThreshold, 5);

    // When the name is typed into: keystrokes in one field are one step
    auto *name = form->findChild<QLineEdit *>(QStringLiteral("ruleName"));
    QVERIFY(name);
    name->setFocus();
    name->end(false);
    QTest::keyClicks(name, QStringLiteral(" it"));
    QCOMPARE(editor.rules().at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("double it"));
    QCOMPARE(editor.undoStack()->count(), afterThreshold + 1);
    // The JSON tab shows the same list
    QCOMPARE(QJsonDocument::fromJson(editor.text().toUtf8()).array(), editor.rules());

    // When Ctrl+Z is pressed in the name field: the editor's undo, not the field's own
    QTest::keyClick(name, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(editor.rules().at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("double"));
    QCOMPARE(name->text(), QStringLiteral("double"));
    // ... and again: the hold time goes
    QTest::keyClick(name, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(!firstTrigger().contains(QStringLiteral("for")));
    QCOMPARE(trigger->findChild<QDoubleSpinBox *>(QStringLiteral("triggerFor"))->value(), 0.0);
    // Ctrl+Shift+Z redoes both
    QTest::keyClick(name, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QTest::keyClick(name, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(firstTrigger().value(QStringLiteral("for")).toDouble(), 10.0);
    QCOMPARE(name->text(), QStringLiteral("double it"));
    // Undo down to the drop: the trigger is the temperature again, in the form too
    while (editor.undoStack()->canUndo())
        editor.undoStack()->undo();
    QCOMPARE(editor.rules(), original);
    QCOMPARE(form->triggers().first()->resourceEdit()->text(), uri(QStringLiteral("temp")));
    QCOMPARE(QJsonDocument::fromJson(editor.text().toUtf8()).array(), original);

    // When the JSON tab is edited: the form follows, and it is a step too
    QJsonArray renamed = original;
    QJsonObject rule = renamed.at(0).toObject();
    rule.insert(QStringLiteral("name"), QStringLiteral("renamed in JSON"));
    renamed.replace(0, rule);
    editor.setText(QString::fromUtf8(QJsonDocument(renamed).toJson()));
    QCOMPARE(name->text(), QStringLiteral("renamed in JSON"));
    QCOMPARE(editor.findChild<QListWidget *>(QStringLiteral("rulesList"))->item(0)->text(), QStringLiteral("renamed in JSON"));
    editor.undoStack()->undo();
    QCOMPARE(name->text(), QStringLiteral("double"));
    // A mistake typed in the JSON is named, and cannot be applied; the form keeps the last good list
    editor.setText(QStringLiteral("[{\"name\": \"x\", \"triggers\": [{\"every\": -1}]}]"));
    QVERIFY(editor.problem().contains(QStringLiteral("/0/triggers/0/every")));
    QVERIFY(!editor.apply());
    editor.undoStack()->undo();
    QVERIFY2(editor.problem().isEmpty(), qPrintable(editor.problem()));

    // "Evaluate now" shows the expression's value against the current values
    ExpressionEdit *condition = form->condition();
    condition->lineEdit()->setFocus();
    QTest::keyClicks(condition->lineEdit(), QStringLiteral("value + 1"));
    QCOMPARE(editor.rules().at(0).toObject().value(QStringLiteral("condition")).toString(), QStringLiteral("value + 1"));
    QTest::mouseClick(condition->evaluateButton(), Qt::LeftButton);
    QVERIFY2(condition->result().startsWith(QStringLiteral("= 22.5")), qPrintable(condition->result()));
    // ... resource(uri) reads any current value
    ExpressionEdit *value = form->actions().first()->expressionEdit();
    value->setText(QStringLiteral("resource('%1') * 2").arg(uri(QStringLiteral("hum"))));
    value->evaluateNow();
    QVERIFY2(value->result().startsWith(QStringLiteral("= 80")), qPrintable(value->result()));
    // ... it follows the store: a new value is seen at once
    publish(QStringLiteral("temp"), QStringLiteral("30"));
    QVERIFY(seen(*engine, QStringLiteral("temp"), "30"));
    condition->evaluateNow();
    QVERIFY2(condition->result().startsWith(QStringLiteral("= 31")), qPrintable(condition->result()));
    // ... and a syntax error is said, not evaluated
    QTest::keyClicks(condition->lineEdit(), QStringLiteral(" +"));
    condition->evaluateNow();
    QVERIFY(!condition->problem().isEmpty());
    QVERIFY2(condition->result().startsWith(QStringLiteral("Syntax error")), qPrintable(condition->result()));
    QVERIFY(!editor.problem().isEmpty()); // the list checks the same way
    QTest::keyClick(condition->lineEdit(), Qt::Key_Backspace);
    QTest::keyClick(condition->lineEdit(), Qt::Key_Backspace);
    QVERIFY2(editor.problem().isEmpty(), qPrintable(editor.problem()));

    // Apply: the engine runs the edited list, and the window can undo it as one step
    const QJsonArray edited = editor.rules();
    QVERIFY(editor.apply());
    QCOMPARE(engine->rulesJson(), edited);
    QCOMPARE(windowStack.count(), 1);
    windowStack.undo();
    QCOMPARE(engine->rulesJson(), original);
    windowStack.redo();
    QCOMPARE(engine->rulesJson(), edited);
}

void TestRuleForm::dryRunTracesWithoutWriting()
{
    // Given a rule writing twice the input, and the editor open on it
    auto engine = makeEngine(R"J([{"name": "double", "mode": "queued",
                                   "triggers": [{"resource": "%B/in"}],
                                   "actions": [{"write": "%B/out", "value": "value * 2", "qos": 1}]}])J");
    QVERIFY(engine);
    RulesEditor editor(engine.get());
    editor.show();
    auto *dryRun = editor.findChild<QCheckBox *>(QStringLiteral("editorDryRun"));
    auto *traces = editor.findChild<RuleTraceView *>();
    QVERIFY(dryRun && traces);
    QCOMPARE(traces->rule(), QStringLiteral("double"));
    // When dry run is on and the trigger fires
    dryRun->setChecked(true);
    QVERIFY(engine->rules()->isDryRun());
    publish(QStringLiteral("in"), QStringLiteral("5"));
    // Then the run is traced in the editor, what it would write included
    QTRY_COMPARE_WITH_TIMEOUT(traces->topLevelItemCount(), 1, 20000);
    QTreeWidgetItem *run = traces->topLevelItem(0);
    QVERIFY2(run->text(4).startsWith(QStringLiteral("dry run")), qPrintable(run->text(4)));
    QCOMPARE(run->childCount(), 1);
    QVERIFY2(run->child(0)->text(2).contains(QStringLiteral("not written: 10")), qPrintable(run->child(0)->text(2)));
    // When dry run is off again and the trigger fires
    dryRun->setChecked(false);
    QVERIFY(!engine->rules()->isDryRun());
    publish(QStringLiteral("in"), QStringLiteral("6"));
    // Then that write reaches the broker; the dry run's never did: the broker delivers one
    // client's messages in order, so a 10 would have come before the 12.
    QVERIFY(seen(*engine, QStringLiteral("out"), "12"));
    const Resource *out = engine->store()->find(*ResourceId::parse(uri(QStringLiteral("out"))));
    QCOMPARE(out->updateCount(), quint64(1));
    QTRY_COMPARE_WITH_TIMEOUT(traces->topLevelItemCount(), 2, 20000);
    QVERIFY(!traces->topLevelItem(0)->text(4).startsWith(QStringLiteral("dry run")));
}

void TestRuleForm::screenshot()
{
    // The editor at a common laptop size, for a person to look at (THINGSCAPE_RULEFORM_SCREENSHOT).
    auto engine = makeEngine(R"J([
        {"name": "fan on when hot", "mode": "single",
         "triggers": [{"resource": "%B/temp", "above": 25, "hysteresis": 1, "for": 10}],
         "condition": "resource('%B/hum') < 80",
         "actions": [{"write": "%B/fan/set", "value": "'on'", "qos": 1}, {"delay": 2},
                     {"notify": "'fan on at ' + value", "title": "Fan"}]},
        {"bridge": "%B/temp", "to": "%B/temp_f", "transform": "value * 1.8 + 32"}])J");
    QVERIFY(engine);
    RulesEditor editor(engine.get());
    editor.resize(1366 - 40, 768 - 60);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    editor.form()->condition()->evaluateNow();
    QVERIFY(editor.form()->condition()->result().startsWith(QStringLiteral("= true")));
    const QString shot = qEnvironmentVariable("THINGSCAPE_RULEFORM_SCREENSHOT");
    if (!shot.isEmpty()) {
        QTest::qWait(50);
        QVERIFY(editor.grab().save(shot));
        // The actions, scrolled to
        auto *scroll = editor.findChild<QScrollArea *>(QStringLiteral("ruleFormScroll"));
        QVERIFY(scroll);
        scroll->ensureWidgetVisible(editor.form()->actions().last());
        QTest::qWait(50);
        QVERIFY(editor.grab().save(QString(shot).replace(QStringLiteral(".png"), QStringLiteral("-actions.png"))));
        editor.selectRule(1);
        QVERIFY(editor.grab().save(QString(shot).replace(QStringLiteral(".png"), QStringLiteral("-bridge.png"))));
    }
}

QTEST_MAIN(TestRuleForm)
#include "tst_ruleform.moc"
