#include "dashboardview.h"

#include "tilefactory.h"
#include "tilewidget.h"

#include "ui/treedecorationproxy.h"
#include "ui/valuefieldtree.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMimeData>
#include <QRubberBand>

namespace thingscape {

DashboardView::DashboardView(const Dashboard &dashboard, const TileContext &context, QWidget *parent)
    : QScrollArea(parent)
    , m_dashboard(dashboard)
    , m_canvas(new QWidget)
    , m_grid(new QGridLayout(m_canvas))
    , m_preview(new QRubberBand(QRubberBand::Rectangle, m_canvas))
{
    setObjectName(QStringLiteral("dashboardView"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    QWidget *canvas = m_canvas;
    QGridLayout *grid = m_grid;
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
        connect(widget, &TileWidget::handleDragged, this, &DashboardView::onHandleDragged);
    }
    for (int c = 0; c < dashboard.columns; ++c) {
        grid->setColumnStretch(c, 1);
        grid->setColumnMinimumWidth(c, 150);
    }
    for (int r = 0; r < rows; ++r)
        grid->setRowMinimumHeight(r, kRowHeight);
    m_rows = rows;
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

QRect DashboardView::cellsRect(int column, int row, int columnSpan, int rowSpan) const
{
    // Rows no tile reaches yet continue below the last one at the row height.
    const auto rowRect = [this](int r) {
        const int spacing = m_grid->verticalSpacing();
        if (r < m_rows)
            return m_grid->cellRect(r, 0);
        const QRect last = m_rows > 0 ? m_grid->cellRect(m_rows - 1, 0)
                                      : QRect(m_grid->contentsMargins().left(), m_grid->contentsMargins().top() - spacing, 1, 0);
        return QRect(last.left(), last.bottom() + 1 + spacing + (r - m_rows) * (kRowHeight + spacing), last.width(),
                     kRowHeight);
    };
    const QRect first = m_grid->cellRect(0, std::clamp(column, 0, m_dashboard.columns - 1));
    const QRect last = m_grid->cellRect(0, std::clamp(column + columnSpan - 1, 0, m_dashboard.columns - 1));
    const QRect top = rowRect(row);
    const QRect bottom = rowRect(row + rowSpan - 1);
    return QRect(QPoint(first.left(), top.top()), QPoint(last.right(), bottom.bottom()));
}

QPoint DashboardView::cellAt(const QPoint &canvasPos) const
{
    int column = m_dashboard.columns - 1;
    for (int c = 0; c < m_dashboard.columns; ++c) {
        if (canvasPos.x() <= m_grid->cellRect(0, c).right()) {
            column = c;
            break;
        }
    }
    int row = 0;
    while (row < Dashboard::kMaxGrid - 1 && canvasPos.y() > cellsRect(0, row, 1, 1).bottom())
        ++row;
    return QPoint(column, row);
}

QRect DashboardView::dragTarget(const Tile &tile, TileWidget::Handle handle, const QPoint &globalPos) const
{
    const QPoint cell = cellAt(m_canvas->mapFromGlobal(globalPos));
    if (handle == TileWidget::Handle::Title) {
        // The cell grabbed keeps its place under the pointer.
        const int column = std::clamp(tile.column + cell.x() - m_dragStartCell.x(), 0,
                                      std::max(0, m_dashboard.columns - tile.columnSpan));
        const int row = std::clamp(tile.row + cell.y() - m_dragStartCell.y(), 0, Dashboard::kMaxGrid - tile.rowSpan);
        return QRect(column, row, tile.columnSpan, tile.rowSpan);
    }
    const int columnSpan = std::clamp(cell.x() - tile.column + 1, 1, m_dashboard.columns - tile.column);
    const int rowSpan = std::clamp(cell.y() - tile.row + 1, 1, Dashboard::kMaxGrid - tile.row);
    return QRect(tile.column, tile.row, columnSpan, rowSpan);
}

void DashboardView::onHandleDragged(const QString &tileId, TileWidget::Handle handle, TileWidget::DragPhase phase,
                                    const QPoint &globalPos)
{
    const qsizetype at = m_dashboard.indexOf(tileId);
    if (at < 0)
        return;
    const Tile tile = m_dashboard.tiles.at(at);
    switch (phase) {
    case TileWidget::DragPhase::Start:
        m_dragStartCell = cellAt(m_canvas->mapFromGlobal(globalPos));
        m_preview->setGeometry(cellsRect(tile.column, tile.row, tile.columnSpan, tile.rowSpan));
        m_preview->show();
        m_preview->raise();
        break;
    case TileWidget::DragPhase::Move: {
        const QRect target = dragTarget(tile, handle, globalPos);
        m_preview->setGeometry(cellsRect(target.x(), target.y(), target.width(), target.height()));
        ensureVisible(m_canvas->mapFromGlobal(globalPos).x(), m_canvas->mapFromGlobal(globalPos).y(), 20, 20);
        break;
    }
    case TileWidget::DragPhase::Cancel:
        m_preview->hide();
        break;
    case TileWidget::DragPhase::Finish: {
        m_preview->hide();
        const QRect target = dragTarget(tile, handle, globalPos);
        // One request, one undo step. The dock rebuilds this view on it, deleting the tile whose
        // mouse event this is: the request goes once that event is done.
        if (handle == TileWidget::Handle::Title && target.topLeft() != QPoint(tile.column, tile.row)) {
            const QPoint by = target.topLeft() - QPoint(tile.column, tile.row);
            QMetaObject::invokeMethod(this, [this, tileId, by] { Q_EMIT moveRequested(tileId, by.x(), by.y()); },
                                      Qt::QueuedConnection);
        } else if (handle == TileWidget::Handle::Grip && target.size() != QSize(tile.columnSpan, tile.rowSpan)) {
            const QSize by = target.size() - QSize(tile.columnSpan, tile.rowSpan);
            QMetaObject::invokeMethod(this, [this, tileId, by] { Q_EMIT resizeRequested(tileId, by.width(), by.height()); },
                                      Qt::QueuedConnection);
        }
        break;
    }
    }
}

bool DashboardView::eventFilter(QObject *watched, QEvent *event)
{
    const QString mime = QString::fromLatin1(TreeDecorationProxy::kMimeType);
    const QString fieldMime = QString::fromLatin1(ValueFieldTree::kMimeType);
    if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
        auto *drag = static_cast<QDropEvent *>(event);
        if (drag->mimeData()->hasFormat(mime) || drag->mimeData()->hasFormat(fieldMime)) {
            drag->acceptProposedAction();
            return true;
        }
    } else if (event->type() == QEvent::Drop) {
        auto *drop = static_cast<QDropEvent *>(event);
        if (drop->mimeData()->hasFormat(fieldMime)) {
            // Fields of a value, dragged from the details view: sources with a JSON pointer.
            QList<TileSource> sources;
            for (const auto &[id, pointer] : ValueFieldTree::fieldsOf(drop->mimeData())) {
                TileSource source;
                source.resource = id;
                source.pointer = pointer;
                sources.append(source);
            }
            drop->acceptProposedAction();
            // Queued: the dock rebuilds this view on it, inside this event otherwise.
            if (!sources.isEmpty())
                QMetaObject::invokeMethod(this, [this, sources] { Q_EMIT sourcesDropped(sources); }, Qt::QueuedConnection);
            return true;
        }
        if (!drop->mimeData()->hasFormat(mime))
            return false;
        QList<ResourceId> ids;
        for (const QString &uri : QString::fromUtf8(drop->mimeData()->data(mime)).split(QLatin1Char('\n'))) {
            if (const auto id = ResourceId::parse(uri); id && !id->isEndpoint())
                ids.append(*id);
        }
        drop->acceptProposedAction();
        if (!ids.isEmpty())
            QMetaObject::invokeMethod(this, [this, ids] { Q_EMIT resourcesDropped(ids); }, Qt::QueuedConnection);
        return true;
    }
    return QScrollArea::eventFilter(watched, event);
}

} // namespace thingscape
