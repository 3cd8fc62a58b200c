#pragma once

#include "model/payloaddiff.h"

#include <QObject>

#include <optional>

class QAction;

namespace thingscape {

class StreamDock;
class StreamModel;

// The stream inspector's per-resource tools, on its rows' context menu: "Show only this
// resource" (and back to all), and "Diff with previous of the same resource", which opens the
// selected message's difference from the one before it on the same resource.
class StreamResourceActions : public QObject
{
    Q_OBJECT

public:
    StreamResourceActions(StreamDock *dock, StreamModel *model);

    QAction *onlyThisAction() const { return m_onlyThis; }
    QAction *diffAction() const { return m_diff; }

    // The row (of the model) of the message before row on the same resource, or -1. Looks back
    // at most maxScan rows.
    static int previousOfSameResource(const StreamModel *model, int row, int maxScan = 100000);
    // The selected message against the previous one of its resource, or nullopt (*error says why).
    std::optional<PayloadDiff::Result> diffSelected(QString *error) const;
    // Opens (non-modal) the diff of the selected message against its previous one.
    void showDiff();
    void toggleOnlyThis();

private:
    int selectedRow() const;
    void updateActions();

    StreamDock *m_dock;   // Not owned (the parent).
    StreamModel *m_model; // Not owned.
    QAction *m_onlyThis;
    QAction *m_diff;
};

} // namespace thingscape
