#include "applyrulescommand.h"

#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one

namespace thingscape {

ApplyRulesCommand::ApplyRulesCommand(Engine *engine, const QJsonArray &before, const QJsonArray &after, const QString &text)
    : QUndoCommand(text)
    , m_engine(engine)
    , m_before(before)
    , m_after(after)
{
}

void ApplyRulesCommand::undo()
{
    if (m_engine)
        m_engine->editRules(m_before);
    m_applied = false;
}

void ApplyRulesCommand::redo()
{
    if (m_applied)
        return;
    if (m_engine)
        m_engine->editRules(m_after);
    m_applied = true;
}

} // namespace thingscape
