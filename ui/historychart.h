#pragma once

#include <QStringList>
#include <QWidget>

class QCategoryAxis;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace thingscape {

class Resource;

// The history of one resource as a chart. Points are replaced on a frame tick (never appended
// per message) and decimated to about two points per pixel. Measurements are drawn as lines;
// states, switches, choices and setpoints (values that hold until the next one) as steps, text
// states on a category axis. Axes tick on nice numbers and the value axis names the unit.
class HistoryChart : public QWidget
{
    Q_OBJECT

public:
    // An axis scale whose ticks land on 1, 2 or 5 × 10^n.
    struct Scale
    {
        double min = 0;
        double max = 1;
        double step = 1;
        int decimals = 0; // enough to tell the ticks apart
        int ticks = 0;    // how many ticks from min to max
    };
    // A scale covering [lo, hi] with at most maxTicks ticks; an empty range (one sample, or
    // a constant) is widened so that no two ticks carry the same label.
    static Scale niceScale(double lo, double hi, int maxTicks = 6);
    // The nice number (1, 2 or 5 × 10^n) at or above rough.
    static double niceStep(double rough);
    // Time axis: [first, last] ms widened to whole seconds, minutes or hours at most
    // maxTicks ticks; step in ms, *format how to label them.
    static Scale niceTimeScale(qint64 firstMs, qint64 lastMs, int maxTicks, QString *format);

    explicit HistoryChart(QWidget *parent = nullptr);

    // Marks the chart for a redraw from the resource's history on the next frame tick.
    void setResource(const Resource *resource);
    void invalidate();
    // Draws now instead of on the next tick (tests, screenshots).
    void redrawNow();

    bool isStepped() const { return m_stepped; }
    bool isCategorical() const { return m_categorical; }
    QStringList categories() const { return m_categories; }
    QLineSeries *series() const { return m_series; }
    QValueAxis *valueAxis() const { return m_valueAxis; }
    QCategoryAxis *stateAxis() const { return m_stateAxis; }
    QDateTimeAxis *timeAxis() const { return m_timeAxis; }

private:
    void redraw();
    void useStateAxis(bool categorical);

    const Resource *m_resource = nullptr; // Not owned; reset by the owner before it dies.
    QChartView *m_view;
    QLineSeries *m_series;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    QCategoryAxis *m_stateAxis;
    QLabel *m_empty;
    QTimer *m_frameTimer;
    QStringList m_categories;
    bool m_dirty = false;
    bool m_stepped = false;
    bool m_categorical = false;
};

} // namespace thingscape
