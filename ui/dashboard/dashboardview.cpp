#include "dashboardview.h"

#include "tilefactory.h"
#include "tilewidget.h"

#include "ui/treedecorationproxy.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMimeData>

namespace thingscape {

DashboardView::DashboardView(const Dashboard &dashboard, const TileContext &context, QWidget *parent)
    : QScrollArea(parent)
    , m_dashboard(dashboard)
{
    setObjectName(QStringLiteral("dashboardView"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    auto *canvas = new QWidget;
    auto *grid = new QGridLayout(canvas);
    grid->setSpacing(6);
    grid->setContentsMargins(6, 6, 6, 6);
    int rows = 0;
    for (const Tile &tile : dashboard.tiles) {
        TileWidget *widget = TileFactory::create(tile, context, canvas);
        grid->addWidget(widget, tile.row, tile.column, tile.rowSpan, tile.columnSpan);
        m_tiles.append(widget);
        rows = std::max(rows, tile.row + tile.rowSpan);
        connect(widget, &TileWidget::editRequested, this, &DashboardView::editRequested);
        connect(widget, &TileWidget::duplicateRequested, this, &DashboardView::duplicateRequested);
        connect(widget, &TileWidget::removeRequested, this, &DashboardView::removeRequested);
        connect(widget, &TileWidget::moveRequested, this, &DashboardView::moveRequested);
        connect(widget, &TileWidget::resizeRequested, this, &DashboardView::resizeRequested);
    }
    for (int c = 0; c < dashboard.columns; ++c) {
        grid->setColumnStretch(c, 1);
        grid->setColumnMinimumWidth(c, 150);
    }
    for (int r = 0; r < rows; ++r)
        grid->setRowMinimumHeight(r, kRowHeight);
    if (dashboard.tiles.isEmpty()) {
        m_empty = new QLabel(tr("Drag resources here from the tree, or use Add tile."), canvas);
        m_empty->setAlignment(Qt::AlignCenter);
        grid->addWidget(m_empty, 0, 0, 1, dashboard.columns);
    }
    grid->setRowStretch(rows + 1, 1);
    setWidget(canvas);
    setAcceptDrops(true);
    viewport()->setAcceptDrops(true);
    viewport()->installEventFilter(this);
}

TileWidget *DashboardView::tile(const QString &id) const
{
    for (TileWidget *widget : m_tiles) {
        if (widget->tile().id == id)
            return widget;
    }
    return nullptr;
}

void DashboardView::refresh(qint64 nowMs, bool force)
{
    for (TileWidget *widget : std::as_const(m_tiles))
        widget->refresh(nowMs, force);
}

bool DashboardView::followsClock() const
{
    return std::any_of(m_tiles.cbegin(), m_tiles.cend(), [](const TileWidget *w) { return w->followsClock(); });
}

bool DashboardView::eventFilter(QObject *watched, QEvent *event)
{
    const QString mime = QString::fromLatin1(TreeDecorationProxy::kMimeType);
    if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
        auto *drag = static_cast<QDropEvent *>(event);
        if (drag->mimeData()->hasFormat(mime)) {
            drag->acceptProposedAction();
            return true;
        }
    } else if (event->type() == QEvent::Drop) {
        auto *drop = static_cast<QDropEvent *>(event);
        if (!drop->mimeData()->hasFormat(mime))
            return false;
        QList<ResourceId> ids;
        for (const QString &uri : QString::fromUtf8(drop->mimeData()->data(mime)).split(QLatin1Char('\n'))) {
            if (const auto id = ResourceId::parse(uri); id && !id->isEndpoint())
                ids.append(*id);
        }
        drop->acceptProposedAction();
        if (!ids.isEmpty())
            Q_EMIT resourcesDropped(ids);
        return true;
    }
    return QScrollArea::eventFilter(watched, event);
}

} // namespace thingscape
