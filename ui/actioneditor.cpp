#include "actioneditor.h"

#include "expressionedit.h"
#include "resourceuriedit.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>

namespace thingscape {

namespace {

// The keys naming an action's kind, in the combo's order; and the keys kinds own.
const char *const kKinds[] = {"write", "invoke", "delay", "log", "notify", "enable", "disable"};
const char *const kKindKeys[] = {"write", "invoke", "delay", "log", "notify", "enable", "disable",
                                 "value", "input", "title", "qos", "retain"};

} // namespace

ActionEditor::ActionEditor(RuleEngine *rules, QAbstractItemModel *knownUris, std::function<QString()> trigger,
                           QWidget *parent)
    : RulePartFrame(QStringLiteral("actionEditor"), tr("Remove this action"), parent)
    , m_target(new ResourceUriEdit(knownUris, this))
    , m_expression(new ExpressionEdit(rules, std::move(trigger), this))
    , m_title(new QLineEdit(this))
    , m_delay(new QDoubleSpinBox(this))
    , m_rule(new QComboBox(this))
    , m_qos(new QSpinBox(this))
    , m_retain(new QCheckBox(tr("Retain"), this))
    , m_up(new QToolButton(this))
{
    m_kind->setObjectName(QStringLiteral("actionKind"));
    m_kind->addItem(tr("Write a value"), QStringLiteral("write"));
    m_kind->addItem(tr("Invoke a WoT action"), QStringLiteral("invoke"));
    m_kind->addItem(tr("Wait"), QStringLiteral("delay"));
    m_kind->addItem(tr("Log"), QStringLiteral("log"));
    m_kind->addItem(tr("Notify"), QStringLiteral("notify"));
    m_kind->addItem(tr("Enable a rule"), QStringLiteral("enable"));
    m_kind->addItem(tr("Disable a rule"), QStringLiteral("disable"));
    m_target->setObjectName(QStringLiteral("actionTarget"));
    m_expression->setObjectName(QStringLiteral("actionExpression"));
    m_title->setObjectName(QStringLiteral("actionTitle"));
    m_title->setPlaceholderText(tr("optional; the rule's name when empty"));
    m_delay->setObjectName(QStringLiteral("actionDelay"));
    m_delay->setRange(0, 86400);
    m_delay->setDecimals(3);
    m_delay->setSuffix(QStringLiteral(" s"));
    m_rule->setObjectName(QStringLiteral("actionRule"));
    m_rule->setEditable(true);
    m_qos->setObjectName(QStringLiteral("actionQos"));
    m_qos->setRange(0, 2);
    m_qos->setToolTip(tr("MQTT quality of service"));
    m_retain->setObjectName(QStringLiteral("actionRetain"));
    m_up->setObjectName(QStringLiteral("moveActionUp"));
    m_up->setText(tr("Up"));
    m_up->setToolTip(tr("Run this action before the one above it"));
    m_remove->setObjectName(QStringLiteral("removeAction"));

    auto *mqttRow = new QWidget(this);
    auto *mqttLayout = new QHBoxLayout(mqttRow);
    mqttLayout->setContentsMargins(0, 0, 0, 0);
    mqttLayout->addWidget(m_qos);
    mqttLayout->addWidget(m_retain);
    mqttLayout->addStretch(1);

    addKindRow(tr("Do:"), {m_up});
    m_form->addRow(tr("Resource:"), m_target);
    m_form->addRow(tr("Value:"), m_expression);
    m_form->addRow(tr("Title:"), m_title);
    m_form->addRow(tr("Seconds:"), m_delay);
    m_form->addRow(tr("Rule:"), m_rule);
    m_form->addRow(tr("MQTT QoS:"), mqttRow);

    reportAs(m_target, &ResourceUriEdit::edited, QStringLiteral("target"));
    reportAs(m_expression, &ExpressionEdit::edited, QStringLiteral("expression"));
    reportAs(m_title, &QLineEdit::textEdited, QStringLiteral("title"));
    reportAs(m_delay, &QDoubleSpinBox::valueChanged, QStringLiteral("delay"));
    reportAs(m_rule, &QComboBox::currentTextChanged, QStringLiteral("rule"));
    reportAs(m_qos, &QSpinBox::valueChanged, QStringLiteral("qos"));
    reportAs(m_retain, &QCheckBox::toggled, QStringLiteral("retain"));
    connect(m_up, &QToolButton::clicked, this, &ActionEditor::moveUpRequested);
    showKind();
}

void ActionEditor::setMoveUpEnabled(bool on)
{
    m_up->setEnabled(on);
}

void ActionEditor::setRuleNames(const QStringList &names)
{
    m_updating = true;
    const QString current = m_rule->currentText();
    m_rule->clear();
    m_rule->addItems(names);
    m_rule->setCurrentText(current);
    m_updating = false;
}

void ActionEditor::showKind()
{
    const QString kind = kindKey();
    const bool write = kind == QLatin1String("write");
    const bool invoke = kind == QLatin1String("invoke");
    const bool text = kind == QLatin1String("log") || kind == QLatin1String("notify");
    m_form->setRowVisible(m_target, write || invoke);
    m_form->setRowVisible(m_expression, write || invoke || text);
    m_form->setRowVisible(m_title, kind == QLatin1String("notify"));
    m_form->setRowVisible(m_delay, kind == QLatin1String("delay"));
    m_form->setRowVisible(m_rule, kind == QLatin1String("enable") || kind == QLatin1String("disable"));
    m_form->setRowVisible(m_qos->parentWidget(), write);
    if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(m_expression)))
        label->setText(invoke ? tr("Input:") : text ? tr("Text:") : tr("Value:"));
    m_expression->setPlaceholderText(write ? tr("JavaScript, e.g. value * 1.8 + 32; empty: the trigger's value as it came")
                                     : invoke ? tr("JavaScript: the action's input (optional)")
                                              : tr("JavaScript, e.g. 'door ' + value"));
}

QJsonObject ActionEditor::json() const
{
    QJsonObject out = m_json;
    for (const char *key : kKindKeys)
        out.remove(QLatin1String(key));
    const QString kind = kindKey();
    const QString expression = m_expression->text();
    if (kind == QLatin1String("write")) {
        out.insert(QStringLiteral("write"), m_target->text().trimmed());
        if (!expression.trimmed().isEmpty())
            out.insert(QStringLiteral("value"), expression);
        if (m_qos->value() > 0)
            out.insert(QStringLiteral("qos"), m_qos->value());
        if (m_retain->isChecked())
            out.insert(QStringLiteral("retain"), true);
    } else if (kind == QLatin1String("invoke")) {
        out.insert(QStringLiteral("invoke"), m_target->text().trimmed());
        if (!expression.trimmed().isEmpty())
            out.insert(QStringLiteral("input"), expression);
    } else if (kind == QLatin1String("delay")) {
        out.insert(QStringLiteral("delay"), m_delay->value());
    } else if (kind == QLatin1String("log") || kind == QLatin1String("notify")) {
        out.insert(kind, expression);
        if (kind == QLatin1String("notify") && !m_title->text().trimmed().isEmpty())
            out.insert(QStringLiteral("title"), m_title->text().trimmed());
    } else {
        out.insert(kind, m_rule->currentText().trimmed());
    }
    return out;
}

void ActionEditor::setJson(const QJsonObject &json)
{
    m_updating = true;
    m_json = json;
    QString kind = QStringLiteral("write");
    for (const char *key : kKinds) {
        if (json.contains(QLatin1String(key))) {
            kind = QLatin1String(key);
            break;
        }
    }
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
    const QString target = json.value(kind == QLatin1String("invoke") ? QLatin1String("invoke") : QLatin1String("write")).toString();
    if (m_target->text() != target)
        m_target->setText(target);
    const QString expression = kind == QLatin1String("invoke")                                   ? json.value(QLatin1String("input")).toString()
                             : kind == QLatin1String("log") || kind == QLatin1String("notify") ? json.value(kind).toString()
                                                                                                 : json.value(QLatin1String("value")).toString();
    m_expression->setText(expression);
    if (m_title->text() != json.value(QLatin1String("title")).toString())
        m_title->setText(json.value(QLatin1String("title")).toString());
    m_delay->setValue(json.value(QLatin1String("delay")).toDouble());
    const QString rule = json.value(kind == QLatin1String("disable") ? QLatin1String("disable") : QLatin1String("enable")).toString();
    if (m_rule->currentText() != rule)
        m_rule->setCurrentText(rule);
    m_qos->setValue(json.value(QLatin1String("qos")).toInt());
    m_retain->setChecked(json.value(QLatin1String("retain")).toBool());
    showKind();
    m_updating = false;
}

} // namespace thingscape
