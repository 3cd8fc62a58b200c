#pragma once

#include <QElapsedTimer>
#include <QTreeView>

class QTimer;

namespace thingscape {

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
    // Repaints that changed data asked for, and changes that joined one already waiting.
    quint64 repaintCount() const { return m_repaints; }
    quint64 deferredCount() const { return m_deferred; }

    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;

private:
    void repaintNow();

    QElapsedTimer m_sinceRepaint;
    QTimer *m_pendingRepaint;
    quint64 m_repaints = 0;
    quint64 m_deferred = 0;
    int m_intervalMs = kRepaintIntervalMs;
};

} // namespace thingscape
