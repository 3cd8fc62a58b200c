#pragma once

#include "tilecontext.h"

#include "tilewidget.h"

#include "model/dashboard/dashboard.h"

#include <QScrollArea>

class QGridLayout;
class QLabel;
class QRubberBand;

namespace thingscape {

// One dashboard's grid of tiles. Resources dropped on it (from the tree) come out as
// resourcesDropped; the tiles' own requests (edit, move...) are passed on with the tile's id.
class DashboardView : public QScrollArea
{
    Q_OBJECT

public:
    static constexpr int kRowHeight = 230;

    DashboardView(const Dashboard &dashboard, const TileContext &context, QWidget *parent = nullptr);

    const Dashboard &dashboard() const { return m_dashboard; }
    QList<TileWidget *> tiles() const { return m_tiles; }
    TileWidget *tile(const QString &id) const;
    void refresh(qint64 nowMs, bool force = false);
    bool followsClock() const;
    // The grid cell (column, row) under a point of the canvas (rows go on below the last one).
    QPoint cellAt(const QPoint &canvasPos) const;
    // The canvas rectangle of a tile's cells.
    QRect cellsRect(int column, int row, int columnSpan, int rowSpan) const;

Q_SIGNALS:
    void resourcesDropped(const QList<thingscape::ResourceId> &ids);
    // Fields dragged from the details view's value tree (sources with a JSON pointer).
    void sourcesDropped(const QList<thingscape::TileSource> &sources);
    void editRequested(const QString &tileId);
    void duplicateRequested(const QString &tileId);
    void removeRequested(const QString &tileId);
    void moveRequested(const QString &tileId, int dx, int dy);
    void resizeRequested(const QString &tileId, int dw, int dh);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onHandleDragged(const QString &tileId, TileWidget::Handle handle, TileWidget::DragPhase phase,
                         const QPoint &globalPos);
    // Where a drag of the tile would put it: column, row, spans.
    QRect dragTarget(const Tile &tile, TileWidget::Handle handle, const QPoint &globalPos) const;

    Dashboard m_dashboard;
    QWidget *m_canvas;
    QGridLayout *m_grid;
    QRubberBand *m_preview;
    QPoint m_dragStartCell;
    int m_rows = 0; // rows the tiles reach
    QList<TileWidget *> m_tiles;
    QLabel *m_empty = nullptr;
};

} // namespace thingscape
