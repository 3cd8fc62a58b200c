#pragma once

#include "chartsurface.h"

#include <QGraphicsItem>
#include <QList>
#include <QPolygonF>

namespace thingscape {

// The lines of a chart drawn by us, over the plot area of a chart library's scene: the library
// keeps axes, grid and legend, and never sees a point. Qt Charts strokes a shape for every
// point it is given (atan2 per segment), which made a 10 x 100,000-point frame cost ~50 ms
// even decimated; a polyline of already decimated points is a plain cosmetic stroke.
// Knows no chart library, so a Qt Graphs surface can use it too.
class PolylinePlot : public QGraphicsItem
{
public:
    struct Range
    {
        double min = 0;
        double max = 1;
    };

    explicit PolylinePlot(QGraphicsItem *parent = nullptr);

    // The series (points sorted by time), the time window and each value axis' range.
    void setSeries(const QList<ChartSeriesData> &series, qint64 fromMs, qint64 toMs, Range left, Range right);
    // Where the plot is, in the parent's coordinates.
    void setPlotArea(const QRectF &area);
    QRectF plotArea() const { return m_area; }
    // Points handed to the painter in the last layout (tests, benchmarks).
    qsizetype vertexCount() const;

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    void layoutLines();

    struct Line
    {
        QColor color;
        QPolygonF points;
    };

    QList<ChartSeriesData> m_series;
    QList<Line> m_lines;
    QRectF m_area;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 1;
    Range m_ranges[2];
};

} // namespace thingscape
