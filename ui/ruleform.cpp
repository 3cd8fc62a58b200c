#include "ruleform.h"

#include "actioneditor.h"
#include "expressionedit.h"
#include "resourceuriedit.h"
#include "triggereditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace thingscape {

namespace {

void setIf(QLineEdit *edit, const QString &text)
{
    if (edit->text() != text)
        edit->setText(text);
}

} // namespace

RuleForm::RuleForm(RuleEngine *rules, QAbstractItemModel *knownUris, QWidget *parent)
    : QWidget(parent)
    , m_rules(rules)
    , m_knownUris(knownUris)
    , m_layout(new QVBoxLayout(this))
{
    setObjectName(QStringLiteral("ruleForm"));
    m_layout->setContentsMargins(0, 0, 0, 0);
}

bool RuleForm::isBridge() const
{
    return m_json.contains(QLatin1String("bridge"));
}

QString RuleForm::firstTrigger() const
{
    if (isBridge())
        return m_from ? m_from->text().trimmed() : QString();
    for (const TriggerEditor *trigger : m_triggers) {
        if (!trigger->resource().isEmpty())
            return trigger->resource();
    }
    return {};
}

void RuleForm::setRule(const QJsonObject &json, const QStringList &ruleNames)
{
    const bool sameShape = m_body && json.contains(QLatin1String("bridge")) == isBridge()
        && json.value(QLatin1String("triggers")).toArray().size() == m_triggers.size()
        && json.value(QLatin1String("actions")).toArray().size() == m_actions.size();
    m_json = json;
    m_ruleNames = ruleNames;
    if (sameShape)
        fill();
    else
        rebuild();
}

void RuleForm::rebuild()
{
    if (m_body) {
        // Later: the button that asked for this may be inside it, in the middle of its signal.
        m_body->hide();
        m_layout->removeWidget(m_body);
        m_body->deleteLater();
    }
    m_triggers.clear();
    m_actions.clear();
    m_name = nullptr;
    m_enabled = nullptr;
    m_mode = nullptr;
    m_max = nullptr;
    m_condition = nullptr;
    m_from = m_to = nullptr;
    m_transform = m_transformBack = nullptr;
    m_bothWays = nullptr;
    m_body = new QWidget(this);
    auto *body = new QVBoxLayout(m_body);
    body->setContentsMargins(0, 0, 0, 0);
    m_layout->addWidget(m_body);
    auto changed = [this](const QString &key) {
        if (!m_updating)
            Q_EMIT edited(key);
    };

    auto *general = new QGroupBox(isBridge() ? tr("Bridge") : tr("Rule"), m_body);
    auto *form = new QFormLayout(general);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_name = new QLineEdit(general);
    m_name->setObjectName(QStringLiteral("ruleName"));
    m_enabled = new QCheckBox(tr("Enabled"), general);
    m_enabled->setObjectName(QStringLiteral("ruleEnabled"));
    m_mode = new QComboBox(general);
    m_mode->setObjectName(QStringLiteral("ruleMode"));
    m_mode->addItem(tr("single: a trigger while running is dropped"), QStringLiteral("single"));
    m_mode->addItem(tr("restart: a trigger while running starts it again"), QStringLiteral("restart"));
    m_mode->addItem(tr("queued: triggers wait their turn"), QStringLiteral("queued"));
    m_mode->addItem(tr("parallel: runs side by side"), QStringLiteral("parallel"));
    m_max = new QSpinBox(general);
    m_max->setObjectName(QStringLiteral("ruleMax"));
    m_max->setRange(1, 100000);
    m_max->setToolTip(tr("queued and parallel: at most this many waiting or running; beyond, dropped"));
    auto *modeRow = new QWidget(general);
    auto *modeLayout = new QHBoxLayout(modeRow);
    modeLayout->setContentsMargins(0, 0, 0, 0);
    modeLayout->addWidget(m_mode, 1);
    modeLayout->addWidget(new QLabel(tr("at most"), modeRow));
    modeLayout->addWidget(m_max);
    form->addRow(tr("Name:"), m_name);
    form->addRow(QString(), m_enabled);
    connect(m_name, &QLineEdit::textEdited, this, [changed] { changed(QStringLiteral("name")); });
    connect(m_enabled, &QCheckBox::toggled, this, [changed] { changed(QStringLiteral("enabled")); });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this, changed] {
        const QString mode = m_mode->currentData().toString();
        m_max->setEnabled(mode == QLatin1String("queued") || mode == QLatin1String("parallel"));
        changed(QStringLiteral("mode"));
    });
    connect(m_max, &QSpinBox::valueChanged, this, [changed] { changed(QStringLiteral("max")); });
    const auto trigger = [this] { return firstTrigger(); };

    if (isBridge()) {
        m_name->setPlaceholderText(tr("optional: \"from → to\" when empty"));
        m_from = new ResourceUriEdit(m_knownUris, general);
        m_from->setObjectName(QStringLiteral("bridgeFrom"));
        m_to = new ResourceUriEdit(m_knownUris, general);
        m_to->setObjectName(QStringLiteral("bridgeTo"));
        m_transform = new ExpressionEdit(m_rules, trigger, general);
        m_transform->setObjectName(QStringLiteral("bridgeTransform"));
        m_transform->setPlaceholderText(tr("JavaScript over value, e.g. value * 1.8 + 32; empty: as it came"));
        m_bothWays = new QCheckBox(tr("Both ways (an update the bridge caused is never carried back)"), general);
        m_bothWays->setObjectName(QStringLiteral("bridgeBothWays"));
        m_transformBack = new ExpressionEdit(m_rules, [this] { return m_to ? m_to->text().trimmed() : QString(); }, general);
        m_transformBack->setObjectName(QStringLiteral("bridgeTransformBack"));
        m_transformBack->setPlaceholderText(tr("JavaScript over value, the way back; empty: as it came"));
        form->addRow(tr("Every update of:"), m_from);
        form->addRow(tr("Is written to:"), m_to);
        form->addRow(tr("Transform:"), m_transform);
        form->addRow(QString(), m_bothWays);
        form->addRow(tr("Transform back:"), m_transformBack);
        form->addRow(tr("Mode:"), modeRow);
        connect(m_from, &ResourceUriEdit::edited, this, [changed] { changed(QStringLiteral("bridge")); });
        connect(m_to, &ResourceUriEdit::edited, this, [changed] { changed(QStringLiteral("to")); });
        connect(m_transform, &ExpressionEdit::edited, this, [changed] { changed(QStringLiteral("transform")); });
        connect(m_bothWays, &QCheckBox::toggled, this, [this, changed] {
            m_transformBack->setEnabled(m_bothWays->isChecked());
            changed(QStringLiteral("both_ways"));
        });
        connect(m_transformBack, &ExpressionEdit::edited, this, [changed] { changed(QStringLiteral("transform_back")); });
        body->addWidget(general);
        body->addStretch(1);
        fill();
        if (isVisible())
            m_body->show();
        return;
    }
    form->addRow(tr("Mode:"), modeRow);
    body->addWidget(general);

    auto *triggers = new QGroupBox(tr("Triggers (any of them starts a run)"), m_body);
    auto *triggerLayout = new QVBoxLayout(triggers);
    const QJsonArray triggerArray = m_json.value(QLatin1String("triggers")).toArray();
    for (int i = 0; i < triggerArray.size(); ++i) {
        auto *editor = new TriggerEditor(m_knownUris, triggers);
        m_triggers.append(editor);
        triggerLayout->addWidget(editor);
        connect(editor, &TriggerEditor::edited, this, [changed, i](const QString &key) {
            changed(QStringLiteral("triggers/%1/%2").arg(i).arg(key));
        });
        connect(editor, &TriggerEditor::removeRequested, this, [this, i] {
            QJsonObject json = rule();
            QJsonArray list = json.value(QLatin1String("triggers")).toArray();
            list.removeAt(i);
            json.insert(QStringLiteral("triggers"), list);
            structural(QStringLiteral("remove trigger"), json);
        });
    }
    auto *addTrigger = new QPushButton(tr("Add trigger"), triggers);
    addTrigger->setObjectName(QStringLiteral("addTrigger"));
    connect(addTrigger, &QPushButton::clicked, this, [this] {
        QJsonObject json = rule();
        QJsonArray list = json.value(QLatin1String("triggers")).toArray();
        list.append(QJsonObject{{QStringLiteral("resource"), QString()}});
        json.insert(QStringLiteral("triggers"), list);
        structural(QStringLiteral("add trigger"), json);
    });
    triggerLayout->addWidget(addTrigger, 0, Qt::AlignLeft);
    body->addWidget(triggers);

    auto *conditionBox = new QGroupBox(tr("Only if (condition, optional)"), m_body);
    auto *conditionLayout = new QVBoxLayout(conditionBox);
    m_condition = new ExpressionEdit(m_rules, trigger, conditionBox);
    m_condition->setObjectName(QStringLiteral("ruleCondition"));
    m_condition->setPlaceholderText(tr("JavaScript, e.g. value > 20 && resource('mqtt://…/mode') !== 'away'"));
    conditionLayout->addWidget(m_condition);
    connect(m_condition, &ExpressionEdit::edited, this, [changed] { changed(QStringLiteral("condition")); });
    body->addWidget(conditionBox);

    auto *actions = new QGroupBox(tr("Actions (in order)"), m_body);
    auto *actionLayout = new QVBoxLayout(actions);
    const QJsonArray actionArray = m_json.value(QLatin1String("actions")).toArray();
    for (int i = 0; i < actionArray.size(); ++i) {
        auto *editor = new ActionEditor(m_rules, m_knownUris, trigger, actions);
        m_actions.append(editor);
        actionLayout->addWidget(editor);
        connect(editor, &ActionEditor::edited, this, [changed, i](const QString &key) {
            changed(QStringLiteral("actions/%1/%2").arg(i).arg(key));
        });
        connect(editor, &ActionEditor::removeRequested, this, [this, i] {
            QJsonObject json = rule();
            QJsonArray list = json.value(QLatin1String("actions")).toArray();
            list.removeAt(i);
            json.insert(QStringLiteral("actions"), list);
            structural(QStringLiteral("remove action"), json);
        });
        editor->setMoveUpEnabled(i > 0);
        connect(editor, &ActionEditor::moveUpRequested, this, [this, i] {
            if (i == 0)
                return;
            QJsonObject json = rule();
            QJsonArray list = json.value(QLatin1String("actions")).toArray();
            const QJsonValue moved = list.takeAt(i);
            list.insert(i - 1, moved);
            json.insert(QStringLiteral("actions"), list);
            structural(QStringLiteral("move action"), json);
        });
    }
    auto *addAction = new QPushButton(tr("Add action"), actions);
    addAction->setObjectName(QStringLiteral("addAction"));
    connect(addAction, &QPushButton::clicked, this, [this] {
        QJsonObject json = rule();
        QJsonArray list = json.value(QLatin1String("actions")).toArray();
        list.append(QJsonObject{{QStringLiteral("log"), QStringLiteral("value")}});
        json.insert(QStringLiteral("actions"), list);
        structural(QStringLiteral("add action"), json);
    });
    actionLayout->addWidget(addAction, 0, Qt::AlignLeft);
    body->addWidget(actions);
    body->addStretch(1);
    fill();
    if (isVisible())
        m_body->show();
}

void RuleForm::structural(const QString &key, const QJsonObject &json)
{
    m_json = json;
    rebuild();
    Q_EMIT edited(key);
}

void RuleForm::fill()
{
    m_updating = true;
    setIf(m_name, m_json.value(QLatin1String("name")).toString());
    m_enabled->setChecked(m_json.value(QLatin1String("enabled")).toBool(true));
    const QString mode = m_json.value(QLatin1String("mode")).toString(isBridge() ? QStringLiteral("queued") : QStringLiteral("single"));
    m_mode->setCurrentIndex(std::max(0, m_mode->findData(mode)));
    m_max->setValue(m_json.value(QLatin1String("max")).toInt(10));
    m_max->setEnabled(mode == QLatin1String("queued") || mode == QLatin1String("parallel"));
    if (isBridge()) {
        setIf(m_from, m_json.value(QLatin1String("bridge")).toString());
        setIf(m_to, m_json.value(QLatin1String("to")).toString());
        m_transform->setText(m_json.value(QLatin1String("transform")).toString());
        m_bothWays->setChecked(m_json.value(QLatin1String("both_ways")).toBool());
        m_transformBack->setText(m_json.value(QLatin1String("transform_back")).toString());
        m_transformBack->setEnabled(m_bothWays->isChecked());
    } else {
        const QJsonArray triggers = m_json.value(QLatin1String("triggers")).toArray();
        for (int i = 0; i < m_triggers.size() && i < triggers.size(); ++i)
            m_triggers.at(i)->setJson(triggers.at(i).toObject());
        m_condition->setText(m_json.value(QLatin1String("condition")).toString());
        QStringList others = m_ruleNames;
        others.removeAll(m_json.value(QLatin1String("name")).toString());
        const QJsonArray actions = m_json.value(QLatin1String("actions")).toArray();
        for (int i = 0; i < m_actions.size() && i < actions.size(); ++i) {
            m_actions.at(i)->setRuleNames(others);
            m_actions.at(i)->setJson(actions.at(i).toObject());
        }
    }
    m_updating = false;
}

QJsonObject RuleForm::rule() const
{
    QJsonObject out = m_json;
    if (!m_body)
        return out;
    auto text = [&out](const char *key, const QString &value) {
        if (value.trimmed().isEmpty())
            out.remove(QLatin1String(key));
        else
            out.insert(QLatin1String(key), value);
    };
    text("name", m_name->text());
    // Enabled is the default: written only when off, or when the file already said it.
    if (!m_enabled->isChecked() || out.contains(QLatin1String("enabled")))
        out.insert(QStringLiteral("enabled"), m_enabled->isChecked());
    const QString mode = m_mode->currentData().toString();
    const QString defaultMode = isBridge() ? QStringLiteral("queued") : QStringLiteral("single");
    if (mode != defaultMode || out.contains(QLatin1String("mode")))
        out.insert(QStringLiteral("mode"), mode);
    if (m_max->isEnabled() && (m_max->value() != 10 || out.contains(QLatin1String("max"))))
        out.insert(QStringLiteral("max"), m_max->value());
    if (isBridge()) {
        out.insert(QStringLiteral("bridge"), m_from->text().trimmed());
        out.insert(QStringLiteral("to"), m_to->text().trimmed());
        text("transform", m_transform->text());
        if (m_bothWays->isChecked() || out.contains(QLatin1String("both_ways")))
            out.insert(QStringLiteral("both_ways"), m_bothWays->isChecked());
        text("transform_back", m_transformBack->text());
        return out;
    }
    QJsonArray triggers;
    for (const TriggerEditor *trigger : m_triggers)
        triggers.append(trigger->json());
    out.insert(QStringLiteral("triggers"), triggers);
    text("condition", m_condition->text());
    QJsonArray actions;
    for (const ActionEditor *action : m_actions)
        actions.append(action->json());
    out.insert(QStringLiteral("actions"), actions);
    return out;
}

} // namespace thingscape
