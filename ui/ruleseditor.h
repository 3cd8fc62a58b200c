#pragma once

#include <QDialog>
#include <QJsonArray>

#include <memory>

class QAction;
class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QStringListModel;
class QTabWidget;
class QTimer;
class QUndoStack;

namespace thingscape {

class Engine;
class RuleForm;
class RuleScript;
class RuleTraceView;

// Edits the workspace's rules list: a form per rule (triggers with their kind's fields,
// resources completed over the known URIs or dragged from the tree, expressions checked as
// typed and evaluated against the current values, actions), and the same list as JSON (the
// form of the workspace file) in an "Advanced" tab, checked as it is typed: a mistake is named
// with its line, column and JSON pointer and cannot be applied. Every edit, in either tab, is a
// step on the editor's undo stack (Ctrl+Z / Ctrl+Shift+Z). Apply replaces the running rules;
// with a window's undo stack given, Apply is a step there too. The selected rule's traces
// and the dry-run switch sit below.
class RulesEditor : public QDialog
{
    Q_OBJECT

public:
    explicit RulesEditor(Engine *engine, QWidget *parent = nullptr);
    ~RulesEditor() override;

    // The JSON text (the Advanced tab).
    QString text() const;
    // Replaces the list with text (an undoable edit when it parses).
    void setText(const QString &text);
    // The list being edited (the last state that parsed as a JSON array).
    const QJsonArray &rules() const { return m_rules; }
    // Empty when the list is a valid rules list.
    QString problem() const { return m_problem; }
    bool apply();

    void setWindowUndoStack(QUndoStack *stack);
    QUndoStack *undoStack() const { return m_stack; }
    RuleForm *form() const { return m_form; }
    int currentRule() const;
    void selectRule(int row);

    // For the undo commands: shows list with rule row selected. Not itself an edit.
    void showRules(const QJsonArray &list, int row);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void edit(const QJsonArray &after, int row, const QString &text, const QString &mergeKey = {});
    void formEdited(const QString &key);
    void textEdited();
    void refreshList();
    void showSelected();
    void check();
    static QString ruleId(const QJsonObject &rule);
    static QString ruleLabel(const QJsonObject &rule);

    Engine *m_engine; // Not owned.
    // Checks the scripts of the list as it is edited: one sandbox for the editor's life, not
    // one per keystroke.
    std::unique_ptr<RuleScript> m_checker;
    QUndoStack *m_stack;
    QUndoStack *m_windowStack = nullptr; // Not owned.
    QJsonArray m_rules;
    bool m_showing = false;
    QStringListModel *m_uris;
    QListWidget *m_list;
    QTabWidget *m_tabs;
    RuleForm *m_form;
    QPlainTextEdit *m_edit;
    QTimer *m_textTimer;
    RuleTraceView *m_traces;
    QCheckBox *m_dryRun;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QAction *m_undo;
    QAction *m_redo;
    QString m_problem;
};

} // namespace thingscape
