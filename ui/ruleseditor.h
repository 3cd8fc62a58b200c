#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;

namespace thingscape {

class Engine;

// Edits the workspace's rules list as JSON (the form of the workspace file), checked as it is
// typed: a mistake is named with its line, column and JSON pointer and cannot be applied.
// Undo / redo are the text editor's. Apply replaces the running rules.
class RulesEditor : public QDialog
{
    Q_OBJECT

public:
    explicit RulesEditor(Engine *engine, QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    // Empty when the text is a valid rules list.
    QString problem() const { return m_problem; }
    bool apply();

private:
    void check();

    Engine *m_engine; // Not owned.
    QPlainTextEdit *m_edit;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QString m_problem;
};

} // namespace thingscape
