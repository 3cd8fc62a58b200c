#include "polylineplot.h"

#include <QPainter>

#include <algorithm>

namespace thingscape {

PolylinePlot::PolylinePlot(QGraphicsItem *parent)
    : QGraphicsItem(parent)
{
    setFlag(QGraphicsItem::ItemClipsToShape, false);
    setAcceptedMouseButtons(Qt::NoButton);
}

void PolylinePlot::setSeries(const QList<ChartSeriesData> &series, qint64 fromMs, qint64 toMs, Range left, Range right)
{
    m_series = series;
    m_fromMs = fromMs;
    m_toMs = std::max(toMs, fromMs + 1);
    m_ranges[0] = left;
    m_ranges[1] = right;
    layoutLines();
}

void PolylinePlot::setPlotArea(const QRectF &area)
{
    if (area == m_area)
        return;
    prepareGeometryChange();
    m_area = area;
    layoutLines();
}

qsizetype PolylinePlot::vertexCount() const
{
    qsizetype count = 0;
    for (const Line &line : m_lines)
        count += line.points.size();
    return count;
}

void PolylinePlot::layoutLines()
{
    m_lines.clear();
    m_lines.reserve(m_series.size());
    const double xScale = m_area.width() / double(m_toMs - m_fromMs);
    for (const ChartSeriesData &data : std::as_const(m_series)) {
        const Range range = m_ranges[std::clamp(data.axis, 0, 1)];
        const double span = range.max > range.min ? range.max - range.min : 1.0;
        const double yScale = m_area.height() / span;
        Line line;
        line.color = data.color;
        line.points.reserve(qsizetype(data.points.size() * (data.stepped ? 2 : 1)));
        double previousY = 0;
        for (size_t p = 0; p < data.points.size(); ++p) {
            const SeriesPoint &point = data.points[p];
            const double x = m_area.left() + double(point.timeMs - m_fromMs) * xScale;
            const double y = m_area.bottom() - (point.value - range.min) * yScale;
            if (data.stepped && p > 0)
                line.points.append(QPointF(x, previousY));
            line.points.append(QPointF(x, y));
            previousY = y;
        }
        m_lines.append(std::move(line));
    }
    update();
}

QRectF PolylinePlot::boundingRect() const
{
    return m_area;
}

void PolylinePlot::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    painter->save();
    painter->setClipRect(m_area);
    painter->setRenderHint(QPainter::Antialiasing, false);
    for (const Line &line : std::as_const(m_lines)) {
        if (line.points.isEmpty())
            continue;
        QPen pen(line.color);
        pen.setCosmetic(true);
        pen.setWidth(1);
        painter->setPen(pen);
        if (line.points.size() == 1)
            painter->drawPoint(line.points.first());
        else
            painter->drawPolyline(line.points);
    }
    painter->restore();
}

} // namespace thingscape
