#pragma once

#include <QJsonObject>
#include <QList>
#include <QWidget>

class QAbstractItemModel;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QVBoxLayout;

namespace thingscape {

class ActionEditor;
class ExpressionEdit;
class ResourceUriEdit;
class RuleEngine;
class TriggerEditor;

// The form of one rule of the rules list: name, enabled, mode; its triggers with each kind's
// fields; the condition; the actions. A bridge gets its own short form (from, to, transform,
// both ways, transform back). rule() is the rule as the workspace keeps it (unknown keys kept).
// Every change by the user comes out as edited(key); the key names the field, so that a run of
// keystrokes in one field can merge into one undo step.
class RuleForm : public QWidget
{
    Q_OBJECT

public:
    RuleForm(RuleEngine *rules, QAbstractItemModel *knownUris, QWidget *parent = nullptr);

    // Shows json without edited(). Fields keep their cursor when only their values change.
    void setRule(const QJsonObject &json, const QStringList &ruleNames);
    QJsonObject rule() const;
    bool isBridge() const;

    QList<TriggerEditor *> triggers() const { return m_triggers; }
    QList<ActionEditor *> actions() const { return m_actions; }
    ExpressionEdit *condition() const { return m_condition; }

Q_SIGNALS:
    void edited(const QString &key);

private:
    void rebuild();
    void fill();
    void structural(const QString &key, const QJsonObject &json);
    QString firstTrigger() const;

    RuleEngine *m_rules;                 // Not owned.
    QAbstractItemModel *m_knownUris;     // Not owned.
    QJsonObject m_json;
    QStringList m_ruleNames;
    bool m_updating = false;
    QVBoxLayout *m_layout;
    QWidget *m_body = nullptr;
    QLineEdit *m_name = nullptr;
    QCheckBox *m_enabled = nullptr;
    QComboBox *m_mode = nullptr;
    QSpinBox *m_max = nullptr;
    ExpressionEdit *m_condition = nullptr;
    QList<TriggerEditor *> m_triggers;
    QList<ActionEditor *> m_actions;
    // Bridge
    ResourceUriEdit *m_from = nullptr;
    ResourceUriEdit *m_to = nullptr;
    ExpressionEdit *m_transform = nullptr;
    QCheckBox *m_bothWays = nullptr;
    ExpressionEdit *m_transformBack = nullptr;
};

} // namespace thingscape
