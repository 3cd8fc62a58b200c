#include "ruleseditcommand.h"

#include "ruleseditor.h"

namespace thingscape {

RulesEditCommand::RulesEditCommand(RulesEditor *editor, const QJsonArray &before, const QJsonArray &after, int row,
                                   const QString &text, const QString &mergeKey)
    : QUndoCommand(text)
    , m_editor(editor)
    , m_before(before)
    , m_after(after)
    , m_row(row)
    , m_mergeKey(mergeKey)
{
}

void RulesEditCommand::undo()
{
    if (m_editor)
        m_editor->showRules(m_before, m_row);
}

void RulesEditCommand::redo()
{
    if (m_editor)
        m_editor->showRules(m_after, m_row);
}

int RulesEditCommand::id() const
{
    return m_mergeKey.isEmpty() ? -1 : 1;
}

bool RulesEditCommand::mergeWith(const QUndoCommand *other)
{
    const auto *edit = static_cast<const RulesEditCommand *>(other);
    if (edit->m_mergeKey != m_mergeKey || edit->m_row != m_row || edit->m_editor != m_editor)
        return false;
    m_after = edit->m_after;
    setObsolete(m_after == m_before);
    return true;
}

} // namespace thingscape
