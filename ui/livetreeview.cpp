#include "livetreeview.h"

#include <QTimer>

#include <algorithm>

namespace thingscape {

LiveTreeView::LiveTreeView(QWidget *parent)
    : QTreeView(parent)
    , m_pendingRepaint(new QTimer(this))
{
    m_pendingRepaint->setSingleShot(true);
    connect(m_pendingRepaint, &QTimer::timeout, this, &LiveTreeView::repaintNow);
}

void LiveTreeView::setRepaintInterval(int ms)
{
    m_intervalMs = std::max(0, ms);
    if (m_pendingRepaint->isActive())
        m_pendingRepaint->start(int(std::max<qint64>(0, m_intervalMs - m_sinceRepaint.elapsed())));
}

void LiveTreeView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    // An open editor follows its row's data at once (and nothing changes while hidden but the
    // editors QTreeView updates as well).
    if (state() == EditingState || !isVisible()) {
        QTreeView::dataChanged(topLeft, bottomRight, roles);
        return;
    }
    if (m_pendingRepaint->isActive()) {
        ++m_deferred;
        return;
    }
    if (m_sinceRepaint.isValid() && m_sinceRepaint.elapsed() < m_intervalMs) {
        ++m_deferred;
        m_pendingRepaint->start(int(m_intervalMs - m_sinceRepaint.elapsed()));
        return;
    }
    repaintNow();
}

void LiveTreeView::repaintNow()
{
    m_sinceRepaint.start();
    ++m_repaints;
    viewport()->update();
}

} // namespace thingscape
