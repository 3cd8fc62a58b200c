#pragma once

#include <QDockWidget>
#include <QJsonArray>
#include <QJsonObject>

class QCheckBox;
class QLabel;
class QTableView;
class QTreeWidget;
class QUndoStack;

namespace thingscape {

class ElidedLabel;
class Engine;
class ResourceId;
class RuleListModel;
class RulesEditor;
class RuleTraceView;
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
    // The window's undo stack: the editor's Apply is a step on it.
    void setUndoStack(QUndoStack *stack) { m_undoStack = stack; }
    void selectRule(const QString &ruleId);
    // Opens the rules editor (it deletes itself on close); with a rule given, the text holds
    // the rules list with that rule appended, for the user to edit and apply.
    RulesEditor *openEditor(const QJsonObject &appended = {});
    // A disabled rule logging every update of id, named after title (made unique among
    // existing), for the user to edit before applying.
    static QJsonObject ruleTriggeredBy(const ResourceId &id, const QString &title, const QJsonArray &existing);
    // The last `notify` of any rule, as the dock shows it ("" before the first).
    QString lastNotice() const;

private:
    void reload();
    void showTraces();
    void updateNotice();

    Engine *m_engine; // Not owned.
    RuleListModel *m_model;
    QTableView *m_table;
    RuleTraceView *m_traces;
    QCheckBox *m_dryRun;
    QLabel *m_notice;
    ElidedLabel *m_lastNotice;
    QUndoStack *m_undoStack = nullptr; // Not owned.
};

} // namespace thingscape
