#include "historychart.h"

#include "model/resource.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLineSeries>
#include <QStackedLayout>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

HistoryChart::HistoryChart(QWidget *parent)
    : QWidget(parent)
    , m_view(new QChartView(this))
    , m_series(new QLineSeries)
    , m_timeAxis(new QDateTimeAxis)
    , m_valueAxis(new QValueAxis)
    , m_empty(new QLabel(tr("No numeric history yet"), this))
    , m_frameTimer(new QTimer(this))
{
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->addSeries(m_series);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(5);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_valueAxis, Qt::AlignLeft);
    m_series->attachAxis(m_timeAxis);
    m_series->attachAxis(m_valueAxis);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_view->setChart(chart);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(160);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setTextFormat(Qt::PlainText);

    auto *stack = new QStackedLayout(this);
    stack->addWidget(m_empty);
    stack->addWidget(m_view);

    // About 30 frames a second at most; nothing is drawn while nothing changed.
    m_frameTimer->setInterval(33);
    connect(m_frameTimer, &QTimer::timeout, this, [this] {
        if (m_dirty)
            redraw();
    });
    m_frameTimer->start();
}

void HistoryChart::setResource(const Resource *resource)
{
    m_resource = resource;
    invalidate();
}

void HistoryChart::invalidate()
{
    m_dirty = true;
}

void HistoryChart::redraw()
{
    m_dirty = false;
    auto *stack = static_cast<QStackedLayout *>(layout());
    QList<QPointF> points;
    if (m_resource) {
        const History &history = m_resource->history();
        const qsizetype n = history.size();
        // Two points per pixel: keep the min and max of each bucket, so spikes survive.
        const qsizetype buckets = std::max<qsizetype>(1, m_view->width());
        const qsizetype perBucket = std::max<qsizetype>(1, n / buckets);
        points.reserve(std::min(n, buckets * 2));
        for (qsizetype start = 0; start < n; start += perBucket) {
            const qsizetype end = std::min(n, start + perBucket);
            double lo = std::numeric_limits<double>::max();
            double hi = std::numeric_limits<double>::lowest();
            qint64 loT = 0;
            qint64 hiT = 0;
            bool any = false;
            for (qsizetype i = start; i < end; ++i) {
                bool ok = false;
                const double v = history.at(i).toDouble(&ok);
                if (!ok)
                    continue;
                any = true;
                if (v < lo) {
                    lo = v;
                    loT = history.at(i).timeMs;
                }
                if (v > hi) {
                    hi = v;
                    hiT = history.at(i).timeMs;
                }
            }
            if (!any)
                continue;
            if (perBucket == 1 || loT == hiT) {
                points.append(QPointF(double(loT), lo));
            } else if (loT < hiT) {
                points.append(QPointF(double(loT), lo));
                points.append(QPointF(double(hiT), hi));
            } else {
                points.append(QPointF(double(hiT), hi));
                points.append(QPointF(double(loT), lo));
            }
        }
    }
    if (points.isEmpty()) {
        stack->setCurrentWidget(m_empty);
        m_series->clear();
        return;
    }
    stack->setCurrentWidget(m_view);
    double lo = points.first().y();
    double hi = lo;
    for (const QPointF &p : std::as_const(points)) {
        lo = std::min(lo, p.y());
        hi = std::max(hi, p.y());
    }
    if (hi - lo < 1e-9) {
        lo -= 1;
        hi += 1;
    }
    const double pad = (hi - lo) * 0.05;
    m_valueAxis->setRange(lo - pad, hi + pad);
    qint64 first = qint64(points.first().x());
    qint64 last = qint64(points.last().x());
    if (last <= first)
        last = first + 1000;
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(first), QDateTime::fromMSecsSinceEpoch(last));
    m_series->replace(points);
}

} // namespace thingscape
