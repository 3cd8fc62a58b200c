#pragma once

#include <QJsonArray>
#include <QPointer>
#include <QUndoCommand>

namespace thingscape {

class Engine;

// The rules editor's Apply, on the window's undo stack: undo puts back the rules list that
// ran before (and the running rules with it). Pushed once applied: the first redo does nothing.
class ApplyRulesCommand : public QUndoCommand
{
public:
    ApplyRulesCommand(Engine *engine, const QJsonArray &before, const QJsonArray &after, const QString &text);

    void undo() override;
    void redo() override;

private:
    QPointer<Engine> m_engine;
    QJsonArray m_before;
    QJsonArray m_after;
    bool m_applied = true;
};

} // namespace thingscape
