#pragma once

#include <QWidget>

#include <functional>

class QLabel;
class QLineEdit;
class QTimer;
class QToolButton;

namespace thingscape {

class RuleEngine;

// A JavaScript expression of a rule (a condition, a value to write, a text to log), checked
// as it is typed (syntax only, compiled in the rules' sandbox), with "Evaluate now" showing its
// result against the current values (RuleEngine::evaluateNow, the trigger's current value as
// `value`). edited() on every change by the user.
class ExpressionEdit : public QWidget
{
    Q_OBJECT

public:
    // trigger gives the URI `value` and `trigger` come from when evaluating (may return "").
    ExpressionEdit(RuleEngine *rules, std::function<QString()> trigger, QWidget *parent = nullptr);

    QString text() const;
    // Without edited(); the check runs again.
    void setText(const QString &text);
    void setPlaceholderText(const QString &text);
    // The syntax error shown ("" when it compiles or is empty).
    QString problem() const { return m_problem; }
    // What the last "Evaluate now" showed.
    QString result() const;
    QLineEdit *lineEdit() const { return m_edit; }
    QToolButton *evaluateButton() const { return m_evaluate; }

    void evaluateNow();

Q_SIGNALS:
    void edited(const QString &text);

private:
    void check();

    RuleEngine *m_rules; // Not owned.
    std::function<QString()> m_trigger;
    QLineEdit *m_edit;
    QToolButton *m_evaluate;
    QLabel *m_status;
    QTimer *m_checkTimer;
    QString m_problem;
};

} // namespace thingscape
