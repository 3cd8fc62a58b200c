#pragma once

#include "chartsurface.h"

class QChart;
class QChartView;
class QDateTimeAxis;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QValueAxis;

namespace thingscape {

class PolylinePlot;

// ChartSurface drawn with Qt Charts: the one file to change for Qt Graphs.
class QtChartSurface : public ChartSurface
{
    Q_OBJECT

public:
    explicit QtChartSurface(QWidget *parent = nullptr);

    void setData(const QList<ChartSeriesData> &series, qint64 fromMs, qint64 toMs) override;
    int plotColumns() const override;
    void setCrosshair(qint64 timeMs) override;
    QString crosshairText() const override;
    qint64 timeAt(int x) const override;
    QStringList axisTitles() const override;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QChartView *m_view;
    QChart *m_chart;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_axes[2];
    QList<QLineSeries *> m_series;
    QList<ChartSeriesData> m_data;
    PolylinePlot *m_plot; // Owned by m_chart.
    QGraphicsLineItem *m_crossLine;
    QGraphicsSimpleTextItem *m_crossLabel;
    QString m_crossText;
    qint64 m_crossMs = -1;
    int m_dragX = -1;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
};

} // namespace thingscape
