#pragma once

#include <QTreeWidget>

namespace thingscape {

class RuleEngine;
struct RuleTrace;

// The traces of one rule, newest first, live: each run's time, trigger, value, condition and
// outcome, with its actions (target, what was written or logged, outcome) below it.
class RuleTraceView : public QTreeWidget
{
    Q_OBJECT

public:
    explicit RuleTraceView(RuleEngine *rules, QWidget *parent = nullptr);

    QString rule() const { return m_rule; }
    void setRule(const QString &ruleId);

private:
    void addTrace(const RuleTrace &trace, bool atTop);

    RuleEngine *m_rules; // Not owned.
    QString m_rule;
};

} // namespace thingscape
