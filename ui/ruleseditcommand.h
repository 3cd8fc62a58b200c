#pragma once

#include <QJsonArray>
#include <QPointer>
#include <QUndoCommand>

namespace thingscape {

class RulesEditor;

// One edit of the rules list in the rules editor (a field of the form, a rule added or
// removed, the JSON text): the list before and after, and the rule shown. Successive edits
// with the same key (keystrokes in one field) merge into one step.
class RulesEditCommand : public QUndoCommand
{
public:
    RulesEditCommand(RulesEditor *editor, const QJsonArray &before, const QJsonArray &after, int row,
                     const QString &text, const QString &mergeKey = {});

    void undo() override;
    void redo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand *other) override;

private:
    QPointer<RulesEditor> m_editor;
    QJsonArray m_before;
    QJsonArray m_after;
    int m_row;
    QString m_mergeKey;
};

} // namespace thingscape
