#pragma once

#include <QTreeView>

namespace thingscape {

class BoundedRate;

// A tree view for rows whose values change thousands of times a second. A changed row is not
// repainted on its own: QTreeView finds a row's rectangle by a linear search over its unfolded
// rows (QTreeViewPrivate::viewIndex, the GUI thread's top function with the demo site
// unfolded), once per changed row. The visible part is repainted instead, at most once per
// kRepaintIntervalMs however many rows change (the eye sees no more).
class LiveTreeView : public QTreeView
{
    Q_OBJECT

public:
    static constexpr int kRepaintIntervalMs = 50;

    explicit LiveTreeView(QWidget *parent = nullptr);

    // kRepaintIntervalMs unless set (tests set it long, to see the deferral without timing).
    void setRepaintInterval(int ms);
    // Repaints that changed data asked for, and repaints put off (however many changes joined).
    quint64 repaintCount() const;
    quint64 deferredCount() const;

    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;

private:
    void repaintChanged();

    BoundedRate *m_repaintRate;
};

} // namespace thingscape
