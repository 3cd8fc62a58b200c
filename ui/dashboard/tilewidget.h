#pragma once

#include "tilecontext.h"

#include "model/dashboard/dashboard.h"

#include <QColor>
#include <QFrame>

class QLabel;
class QMenu;
class QToolButton;
class QVBoxLayout;

namespace thingscape {

// One tile on a dashboard: a title bar with the tile's menu, and a body its kind fills.
// Tiles never redraw per message: the dashboard calls refresh() on the frame clock, and a tile
// whose sources did not change since its last refresh draws nothing.
class TileWidget : public QFrame
{
    Q_OBJECT

public:
    // What the mouse drags: the title moves the tile, the grip in the corner resizes it.
    enum class Handle { Title, Grip };
    enum class DragPhase { Start, Move, Finish, Cancel };

    TileWidget(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    const Tile &tile() const { return m_tile; }
    // Draws from the sources when they changed since the last call (or force); nowMs is the
    // frame's time.
    void refresh(qint64 nowMs, bool force = false);
    // Whether the tile changes with time alone (ages, "since", a live time window).
    virtual bool followsClock() const { return false; }
    // The colour of the n-th series: its own, else the palette's.
    QColor seriesColor(int index) const;
    static QColor paletteColor(int index);
    // The title shown: the tile's own, else its first source's.
    QString displayTitle() const;
    QString sourceTitle(const TileSource &source) const;
    QString sourceUnit(const TileSource &source) const;
    QWidget *titleHandle() const;
    QWidget *resizeGrip() const;

Q_SIGNALS:
    void editRequested(const QString &tileId);
    void duplicateRequested(const QString &tileId);
    void removeRequested(const QString &tileId);
    // dx, dy in grid cells; dw, dh in cells of span.
    void moveRequested(const QString &tileId, int dx, int dy);
    void resizeRequested(const QString &tileId, int dw, int dh);
    // The title or the grip is being dragged (global position): the dashboard shows where the
    // tile would go and asks for one move / resize when it is dropped.
    void handleDragged(const QString &tileId, thingscape::TileWidget::Handle handle,
                       thingscape::TileWidget::DragPhase phase, const QPoint &globalPos);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    // Ctrl+arrows move the tile a cell, Ctrl+Shift+arrows resize it.
    void keyPressEvent(QKeyEvent *event) override;
    virtual void draw(qint64 nowMs) = 0;
    // Kind-specific entries for the tile's menu (exports).
    virtual void addMenuActions(QMenu *menu);
    QVBoxLayout *body() const { return m_body; }
    const TileContext &context() const { return m_context; }

private:
    quint64 sourcesRevision() const;
    void showTitle();

    Tile m_tile;
    TileContext m_context;
    QLabel *m_title;
    QToolButton *m_menuButton;
    QLabel *m_grip;
    int m_dragging = -1; // the Handle being dragged, -1: none
    QVBoxLayout *m_body;
    quint64 m_drawnRevision = ~0ull;
    qint64 m_drawnAtMs = 0;
};

} // namespace thingscape
