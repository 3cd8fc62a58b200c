#include "ruleseditor.h"

#include "ruleform.h"
#include "ruleseditcommand.h"
#include "applyrulescommand.h"
#include "ruletraceview.h"

#include "model/resourcestore.h"
#include "model/rule.h"
#include "model/workspace.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/rulescript.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QStringListModel>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

namespace thingscape {

namespace {

// Every known URI for the completers, capped so that a million resources do not stall the editor.
constexpr qsizetype kMaxCompletions = 100000;

std::pair<int, int> lineAndColumn(const QByteArray &data, int offset)
{
    const QByteArray before = data.left(offset);
    const int line = int(before.count('\n')) + 1;
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    return {line, int(QString::fromUtf8(before.mid(lineStart)).size()) + 1};
}

QString uniqueName(const QJsonArray &rules, const QString &base)
{
    QSet<QString> taken;
    for (const QJsonValue &rule : rules)
        taken.insert(rule.toObject().value(QLatin1String("name")).toString());
    QString name = base;
    for (int n = 2; taken.contains(name); ++n)
        name = QStringLiteral("%1 %2").arg(base).arg(n);
    return name;
}

} // namespace

RulesEditor::RulesEditor(Engine *engine, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_checker(std::make_unique<RuleScript>(RuleScript::Lookup{}))
    , m_stack(new QUndoStack(this))
    , m_rules(engine->rulesJson())
    , m_uris(new QStringListModel(this))
    , m_list(new QListWidget(this))
    , m_tabs(new QTabWidget(this))
    , m_form(new RuleForm(engine->rules(), m_uris, this))
    , m_edit(new QPlainTextEdit(this))
    , m_textTimer(new QTimer(this))
    , m_traces(new RuleTraceView(engine->rules(), this))
    , m_dryRun(new QCheckBox(tr("&Dry run (evaluate and trace, don't act)"), this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("rulesEditor"));
    setWindowTitle(tr("Edit rules"));
    QStringList uris;
    for (const Resource *resource : engine->store()->resources()) {
        if (uris.size() >= kMaxCompletions)
            break;
        uris.append(resource->id().toString());
    }
    uris.sort();
    m_uris->setStringList(uris);

    m_list->setObjectName(QStringLiteral("rulesList"));
    m_list->setTextElideMode(Qt::ElideMiddle);
    // Long names (a bridge's URIs) elide to the list's width; whole in their tooltip.
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setUniformItemSizes(true);
    auto *addRule = new QPushButton(tr("Add rule"), this);
    addRule->setObjectName(QStringLiteral("addRule"));
    auto *addBridge = new QPushButton(tr("Add bridge"), this);
    addBridge->setObjectName(QStringLiteral("addBridge"));
    auto *remove = new QPushButton(tr("Remove"), this);
    remove->setObjectName(QStringLiteral("removeRule"));
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_list, 1);
    auto *leftButtons = new QHBoxLayout;
    leftButtons->addWidget(addRule);
    leftButtons->addWidget(addBridge);
    leftButtons->addWidget(remove);
    leftLayout->addLayout(leftButtons);

    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("ruleFormScroll"));
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_form);
    m_edit->setObjectName(QStringLiteral("rulesText"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_edit->setTabChangesFocus(false);
    // Its edits are steps on this editor's stack, not the text edit's own.
    m_edit->setUndoRedoEnabled(false);
    auto *advanced = new QWidget(this);
    auto *advancedLayout = new QVBoxLayout(advanced);
    advancedLayout->addWidget(new QLabel(tr("The workspace's \"rules\" list: rules and bridges as JSON (see the README)."), advanced));
    advancedLayout->addWidget(m_edit, 1);
    m_tabs->setObjectName(QStringLiteral("rulesTabs"));
    m_tabs->addTab(scroll, tr("&Form"));
    m_tabs->addTab(advanced, tr("&Advanced (JSON)"));

    auto *sides = new QSplitter(Qt::Horizontal, this);
    sides->addWidget(left);
    sides->addWidget(m_tabs);
    sides->setStretchFactor(0, 1);
    sides->setStretchFactor(1, 4);
    auto *tracesBox = new QWidget(this);
    auto *tracesLayout = new QVBoxLayout(tracesBox);
    tracesLayout->setContentsMargins(0, 0, 0, 0);
    tracesLayout->addWidget(new QLabel(tr("Runs of the selected rule (applied rules only):"), tracesBox));
    tracesLayout->addWidget(m_traces, 1);
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(sides);
    vertical->addWidget(tracesBox);
    vertical->setStretchFactor(0, 4);
    vertical->setStretchFactor(1, 1);

    m_undo = m_stack->createUndoAction(this, tr("&Undo"));
    m_undo->setObjectName(QStringLiteral("rulesUndo"));
    m_undo->setShortcut(QKeySequence::Undo);
    m_undo->setShortcutContext(Qt::WindowShortcut);
    m_redo = m_stack->createRedoAction(this, tr("&Redo"));
    m_redo->setObjectName(QStringLiteral("rulesRedo"));
    m_redo->setShortcuts({QKeySequence::Redo, QKeySequence(QStringLiteral("Ctrl+Shift+Z"))});
    m_redo->setShortcutContext(Qt::WindowShortcut);
    addAction(m_undo);
    addAction(m_redo);
    auto *undoButton = new QToolButton(this);
    undoButton->setDefaultAction(m_undo);
    undoButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *redoButton = new QToolButton(this);
    redoButton->setDefaultAction(m_redo);
    redoButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_dryRun->setObjectName(QStringLiteral("editorDryRun"));
    m_dryRun->setChecked(engine->rules()->isDryRun());
    auto *top = new QHBoxLayout;
    top->addWidget(undoButton);
    top->addWidget(redoButton);
    top->addSpacing(12);
    top->addWidget(m_dryRun);
    top->addStretch(1);

    m_status->setObjectName(QStringLiteral("rulesStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(vertical, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(1100, 700);

    // The JSON is checked a moment after the last key; once it parses, it is an edit.
    m_textTimer->setSingleShot(true);
    m_textTimer->setInterval(250);
    connect(m_textTimer, &QTimer::timeout, this, &RulesEditor::textEdited);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_showing)
            m_textTimer->start();
    });
    connect(m_form, &RuleForm::edited, this, &RulesEditor::formEdited);
    connect(m_list, &QListWidget::currentRowChanged, this, [this] {
        if (!m_showing)
            showSelected();
    });
    connect(addRule, &QPushButton::clicked, this, [this] {
        QJsonArray after = m_rules;
        after.append(QJsonObject{{QStringLiteral("name"), uniqueName(m_rules, tr("new rule"))},
                                 {QStringLiteral("enabled"), false},
                                 {QStringLiteral("triggers"), QJsonArray{QJsonObject{{QStringLiteral("resource"), QString()}}}},
                                 {QStringLiteral("actions"), QJsonArray{QJsonObject{{QStringLiteral("log"), QStringLiteral("value")}}}}});
        edit(after, int(after.size()) - 1, tr("Add rule"));
    });
    connect(addBridge, &QPushButton::clicked, this, [this] {
        QJsonArray after = m_rules;
        after.append(QJsonObject{{QStringLiteral("name"), uniqueName(m_rules, tr("new bridge"))},
                                 {QStringLiteral("enabled"), false},
                                 {QStringLiteral("bridge"), QString()},
                                 {QStringLiteral("to"), QString()}});
        edit(after, int(after.size()) - 1, tr("Add bridge"));
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = currentRule();
        if (row < 0)
            return;
        QJsonArray after = m_rules;
        after.removeAt(row);
        edit(after, std::min(row, int(after.size()) - 1), tr("Remove %1").arg(ruleLabel(m_rules.at(row).toObject())));
    });
    RuleEngine *rules = engine->rules();
    connect(m_dryRun, &QCheckBox::toggled, rules, &RuleEngine::setDryRun);
    connect(rules, &RuleEngine::dryRunChanged, m_dryRun, [this](bool on) {
        const QSignalBlocker blocker(m_dryRun);
        m_dryRun->setChecked(on);
    });
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &RulesEditor::apply);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // Ctrl+Z in a text field is this editor's undo, not the field's own (see eventFilter).
    qApp->installEventFilter(this);

    showRules(m_rules, m_rules.isEmpty() ? -1 : 0);
}

RulesEditor::~RulesEditor()
{
    qApp->removeEventFilter(this);
}

QString RulesEditor::ruleId(const QJsonObject &rule)
{
    if (const QString id = rule.value(QLatin1String("id")).toString(); !id.isEmpty())
        return id;
    if (const QString name = rule.value(QLatin1String("name")).toString(); !name.isEmpty())
        return name;
    if (rule.contains(QLatin1String("bridge")))
        return QStringLiteral("%1 → %2").arg(rule.value(QLatin1String("bridge")).toString(), rule.value(QLatin1String("to")).toString());
    return {};
}

QString RulesEditor::ruleLabel(const QJsonObject &rule)
{
    const QString id = ruleId(rule);
    return id.isEmpty() ? tr("(unnamed)") : id;
}

QString RulesEditor::text() const
{
    return m_edit->toPlainText();
}

void RulesEditor::setText(const QString &text)
{
    m_textTimer->stop();
    {
        const QScopedValueRollback<bool> showing(m_showing, true);
        m_edit->setPlainText(text);
    }
    textEdited();
}

void RulesEditor::setWindowUndoStack(QUndoStack *stack)
{
    m_windowStack = stack;
}

int RulesEditor::currentRule() const
{
    return m_list->currentRow();
}

void RulesEditor::selectRule(int row)
{
    m_list->setCurrentRow(row);
}

void RulesEditor::edit(const QJsonArray &after, int row, const QString &text, const QString &mergeKey)
{
    if (after == m_rules && row == currentRule())
        return;
    m_stack->push(new RulesEditCommand(this, m_rules, after, row, text, mergeKey));
}

void RulesEditor::formEdited(const QString &key)
{
    const int row = currentRule();
    if (m_showing || row < 0 || row >= m_rules.size())
        return;
    QJsonArray after = m_rules;
    after.replace(row, m_form->rule());
    if (after == m_rules)
        return;
    // Structural edits (a trigger added) are steps of their own; keystrokes in one field merge.
    const bool structural = key.contains(QLatin1Char(' '));
    edit(after, row, tr("Edit %1: %2").arg(ruleLabel(after.at(row).toObject()), key),
         structural ? QString() : QStringLiteral("%1/%2").arg(row).arg(key));
}

void RulesEditor::textEdited()
{
    m_textTimer->stop();
    const QJsonDocument document = QJsonDocument::fromJson(m_edit->toPlainText().toUtf8());
    if (document.isArray() && document.array() != m_rules) {
        const QJsonArray after = document.array();
        edit(after, std::min(std::max(currentRule(), after.isEmpty() ? -1 : 0), int(after.size()) - 1), tr("Edit the JSON"),
             QStringLiteral("json"));
    }
    check();
}

void RulesEditor::showRules(const QJsonArray &list, int row)
{
    const QScopedValueRollback<bool> showing(m_showing, true);
    m_rules = list;
    refreshList();
    m_list->setCurrentRow(std::min(row, int(m_list->count()) - 1));
    // The JSON text is rewritten only when it says something else (never under the typing).
    const QJsonDocument shown = QJsonDocument::fromJson(m_edit->toPlainText().toUtf8());
    if (!shown.isArray() || shown.array() != m_rules)
        m_edit->setPlainText(QString::fromUtf8(QJsonDocument(m_rules).toJson(QJsonDocument::Indented)));
    showSelected();
    check();
}

void RulesEditor::refreshList()
{
    for (int i = 0; i < m_rules.size(); ++i) {
        const QJsonObject rule = m_rules.at(i).toObject();
        const QString label = ruleLabel(rule);
        QListWidgetItem *item = m_list->item(i);
        if (!item)
            item = new QListWidgetItem(m_list);
        if (item->text() != label) {
            item->setText(label);
            item->setToolTip(label);
        }
    }
    while (m_list->count() > m_rules.size())
        delete m_list->takeItem(m_list->count() - 1);
}

void RulesEditor::showSelected()
{
    const int row = currentRule();
    if (row < 0 || row >= m_rules.size()) {
        m_form->setEnabled(false);
        m_traces->setRule({});
        return;
    }
    m_form->setEnabled(true);
    const QJsonObject rule = m_rules.at(row).toObject();
    if (m_form->rule() != rule || m_form->isBridge() != rule.contains(QLatin1String("bridge")) || m_form->triggers().isEmpty()) {
        QStringList names;
        for (const QJsonValue &other : std::as_const(m_rules))
            names.append(ruleId(other.toObject()));
        const QScopedValueRollback<bool> showing(m_showing, true);
        m_form->setRule(rule, names);
    }
    if (m_traces->rule() != ruleId(rule))
        m_traces->setRule(ruleId(rule));
}

bool RulesEditor::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        auto *widget = qobject_cast<QWidget *>(watched);
        auto *key = static_cast<QKeyEvent *>(event);
        // A text field takes Ctrl+Z for its own undo before any shortcut: here it is this
        // editor's (the field's text is part of the rules).
        if (widget && isAncestorOf(widget) && widget->window() == this) {
            if (key->matches(QKeySequence::Undo)) {
                m_stack->undo();
                return true;
            }
            if (key->matches(QKeySequence::Redo) || key->keyCombination() == QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_Z)) {
                m_stack->redo();
                return true;
            }
        }
    }
    return QDialog::eventFilter(watched, event);
}

void RulesEditor::check()
{
    const QByteArray data = m_edit->toPlainText().toUtf8();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    QStringList warnings;
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineAndColumn(data, parseError.offset);
        m_problem = tr("line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString());
    } else if (!document.isArray()) {
        m_problem = tr("the rules are a JSON array: [ {...}, {...} ]");
    } else {
        RuleProblem problem;
        const auto rules = RuleSet::parse(m_rules, &problem, [this](const QString &expression) { return m_checker->check(expression); });
        if (!rules) {
            // The pointer is from the file's top ("/rules/2/..."); this text is the list itself.
            const QStringList where = problem.where.mid(1);
            bool isIndex = false;
            const int row = where.value(0).toInt(&isIndex);
            const QString rule = isIndex && row < m_rules.size() ? tr(" (rule \"%1\")").arg(ruleLabel(m_rules.at(row).toObject())) : QString();
            m_problem = tr("%1%2: %3").arg(Workspace::locateIn(data, where), rule, problem.message);
        } else {
            m_problem.clear();
            warnings = RuleSet::warnings(*rules);
            m_status->setText(warnings.isEmpty() ? tr("%n rule(s), no problems.", nullptr, int(rules->size()))
                                                 : tr("Warning: %1").arg(warnings.join(QStringLiteral("\nWarning: "))));
        }
    }
    if (!m_problem.isEmpty())
        m_status->setText(m_problem);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(m_problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_problem.isEmpty());
}

bool RulesEditor::apply()
{
    if (m_textTimer->isActive())
        textEdited();
    check();
    if (!m_problem.isEmpty())
        return false;
    const QJsonArray before = m_engine->rulesJson();
    QString error;
    if (!m_engine->editRules(m_rules, &error)) {
        m_status->setText(error);
        return false;
    }
    if (m_windowStack && before != m_rules)
        m_windowStack->push(new ApplyRulesCommand(m_engine, before, m_rules, tr("Edit rules")));
    return true;
}

} // namespace thingscape
