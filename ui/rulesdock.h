#pragma once

#include <QDockWidget>

class QCheckBox;
class QLabel;
class QTableView;
class QTreeWidget;

namespace thingscape {

class Engine;
class RuleListModel;
struct RuleTrace;

// The Rules dock: the workspace's rules and bridges with their state (enabled, running,
// suspended, last fired, last error, firings, dropped), ticked to enable; the selected rule's
// traces (trigger, value, condition, each action with its outcome); a dry-run switch; the
// problems and warnings of the rules list. Everything comes from the engine's rule engine.
class RulesDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit RulesDock(Engine *engine, QWidget *parent = nullptr);

    RuleListModel *model() const { return m_model; }
    QString selectedRule() const;
    void selectRule(const QString &ruleId);

private:
    void reload();
    void showTraces();
    void addTrace(const RuleTrace &trace, bool atTop);
    void updateNotice();

    Engine *m_engine; // Not owned.
    RuleListModel *m_model;
    QTableView *m_table;
    QTreeWidget *m_traces;
    QCheckBox *m_dryRun;
    QLabel *m_notice;
};

} // namespace thingscape
