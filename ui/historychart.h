#pragma once

#include <QWidget>

class QChartView;
class QLineSeries;
class QDateTimeAxis;
class QValueAxis;
class QTimer;
class QLabel;

namespace thingscape {

class Resource;

// The numeric history of one resource as a line chart. Points are replaced on a frame tick
// (never appended per message) and decimated to about two points per pixel.
class HistoryChart : public QWidget
{
    Q_OBJECT

public:
    explicit HistoryChart(QWidget *parent = nullptr);

    // Marks the chart for a redraw from the resource's history on the next frame tick.
    void setResource(const Resource *resource);
    void invalidate();

private:
    void redraw();

    const Resource *m_resource = nullptr; // Not owned; reset by the owner before it dies.
    QChartView *m_view;
    QLineSeries *m_series;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    QLabel *m_empty;
    QTimer *m_frameTimer;
    bool m_dirty = false;
};

} // namespace thingscape
