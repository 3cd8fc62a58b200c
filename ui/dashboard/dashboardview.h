#pragma once

#include "tilecontext.h"

#include "model/dashboard/dashboard.h"

#include <QScrollArea>

class QGridLayout;
class QLabel;

namespace thingscape {

class TileWidget;

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

Q_SIGNALS:
    void resourcesDropped(const QList<thingscape::ResourceId> &ids);
    void editRequested(const QString &tileId);
    void duplicateRequested(const QString &tileId);
    void removeRequested(const QString &tileId);
    void moveRequested(const QString &tileId, int dx, int dy);
    void resizeRequested(const QString &tileId, int dw, int dh);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    Dashboard m_dashboard;
    QList<TileWidget *> m_tiles;
    QLabel *m_empty = nullptr;
};

} // namespace thingscape
