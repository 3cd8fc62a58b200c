#pragma once

#include "model/dashboard/seriessource.h"

#include <QColor>
#include <QList>
#include <QString>
#include <QWidget>

#include <vector>

namespace thingscape {

// One line of a chart as the tiles hand it over: already decimated, sorted by time.
struct ChartSeriesData
{
    QString name;   // the legend text (with the last value)
    QColor color;
    QString unit;
    int axis = 0;   // 0: left value axis, 1: right (a second unit)
    bool stepped = false;
    std::vector<SeriesPoint> points;
};

// The chart drawing behind line-chart tiles, kept behind this interface of our own so that
// only qtchartsurface.cpp knows Qt Charts (deprecated from Qt 6.10; Qt Graphs replaces it).
// Emits what the user does with the mouse and keyboard; the tile decides the time window.
class ChartSurface : public QWidget
{
    Q_OBJECT

public:
    using QWidget::QWidget;

    // The Qt Charts implementation.
    static ChartSurface *create(QWidget *parent = nullptr);

    virtual void setData(const QList<ChartSeriesData> &series, qint64 fromMs, qint64 toMs) = 0;
    // Horizontal pixels of the plot: how many columns decimation keeps.
    virtual int plotColumns() const = 0;
    // The vertical crosshair at a time with the values under it; a negative time hides it.
    virtual void setCrosshair(qint64 timeMs) = 0;
    virtual QString crosshairText() const = 0;
    // The time under an x position of this widget.
    virtual qint64 timeAt(int x) const = 0;
    virtual QStringList axisTitles() const = 0;

Q_SIGNALS:
    // factor < 1 zooms in around centerMs.
    void zoomRequested(qint64 centerMs, double factor);
    // Shift the window by a fraction of its width (negative: back in time).
    void panRequested(double fraction);
    void liveRequested();
};

} // namespace thingscape
