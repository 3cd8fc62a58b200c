#pragma once

#include "rulepartframe.h"

#include <functional>

class QAbstractItemModel;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace thingscape {

class ExpressionEdit;
class ResourceUriEdit;
class RuleEngine;

// One action of a rule in the form: write, invoke, delay, log, notify, enable, disable, with
// the fields each has. json() is the action as the workspace keeps it, unknown keys kept.
class ActionEditor : public RulePartFrame
{
    Q_OBJECT

public:
    // trigger: the rule's first trigger resource, for "Evaluate now".
    ActionEditor(RuleEngine *rules, QAbstractItemModel *knownUris, std::function<QString()> trigger,
                 QWidget *parent = nullptr);

    QJsonObject json() const;
    void setJson(const QJsonObject &json);
    // Names offered for enable / disable.
    void setRuleNames(const QStringList &names);
    // The first action has nothing above it.
    void setMoveUpEnabled(bool on);

    ResourceUriEdit *targetEdit() const { return m_target; }
    ExpressionEdit *expressionEdit() const { return m_expression; }

Q_SIGNALS:
    void moveUpRequested();

private:
    void showKind() override;

    ResourceUriEdit *m_target;
    ExpressionEdit *m_expression;
    QLineEdit *m_title;
    QDoubleSpinBox *m_delay;
    QComboBox *m_rule;
    QSpinBox *m_qos;
    QCheckBox *m_retain;
    QToolButton *m_up;
};

} // namespace thingscape
