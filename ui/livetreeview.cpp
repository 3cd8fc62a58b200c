#include "livetreeview.h"

#include "boundedrate.h"

namespace thingscape {

LiveTreeView::LiveTreeView(QWidget *parent)
    : QTreeView(parent)
    , m_repaintRate(new BoundedRate(kRepaintIntervalMs, [this] { repaintChanged(); }, this))
{
}

void LiveTreeView::setRepaintInterval(int ms)
{
    m_repaintRate->setInterval(ms);
}

quint64 LiveTreeView::repaintCount() const
{
    return m_repaintRate->runs();
}

quint64 LiveTreeView::deferredCount() const
{
    return m_repaintRate->deferred();
}

void LiveTreeView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    // An open editor follows its row's data at once (and nothing changes while hidden but the
    // editors QTreeView updates as well).
    if (state() == EditingState || !isVisible()) {
        QTreeView::dataChanged(topLeft, bottomRight, roles);
        return;
    }
    repaintChanged();
}

void LiveTreeView::repaintChanged()
{
    if (m_repaintRate->allowNow())
        viewport()->update();
}

} // namespace thingscape
