#include "qtchartsurface.h"

#include "polylineplot.h"

#include "ui/historychart.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace thingscape {

ChartSurface *ChartSurface::create(QWidget *parent)
{
    return new QtChartSurface(parent);
}

QtChartSurface::QtChartSurface(QWidget *parent)
    : ChartSurface(parent)
    , m_view(new QChartView(this))
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis)
    , m_axes{new QValueAxis, new QValueAxis}
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_axes[0], Qt::AlignLeft);
    m_chart->addAxis(m_axes[1], Qt::AlignRight);
    m_axes[1]->hide();
    m_timeAxis->setTickCount(4);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_timeAxis->setLabelsFont(small);
    m_axes[0]->setLabelsFont(small);
    m_axes[1]->setLabelsFont(small);
    m_axes[0]->setTitleFont(small);
    m_axes[1]->setTitleFont(small);
    m_chart->legend()->setFont(small);
    m_view->setChart(m_chart);
    m_view->setRenderHint(QPainter::Antialiasing, false);
    m_view->setMouseTracking(true);
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);
    m_view->setFocusPolicy(Qt::StrongFocus);
    m_view->installEventFilter(this);
    m_crossLine = new QGraphicsLineItem(m_chart);
    m_crossLine->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
    m_crossLine->setZValue(100);
    m_crossLine->hide();
    m_crossLabel = new QGraphicsSimpleTextItem(m_chart);
    m_crossLabel->setZValue(101);
    m_crossLabel->setBrush(palette().color(QPalette::Text));
    m_crossLabel->hide();
    // The lines are ours (PolylinePlot); the series stay empty and only feed the legend.
    m_plot = new PolylinePlot(m_chart);
    m_plot->setZValue(50);
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &area) { m_plot->setPlotArea(area); });
}

void QtChartSurface::setData(const QList<ChartSeriesData> &series, qint64 fromMs, qint64 toMs)
{
    m_data = series;
    m_fromMs = fromMs;
    m_toMs = std::max(toMs, fromMs + 1);
    while (m_series.size() > series.size()) {
        QLineSeries *gone = m_series.takeLast();
        m_chart->removeSeries(gone);
        delete gone;
    }
    while (m_series.size() < series.size()) {
        auto *line = new QLineSeries;
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        m_series.append(line);
    }
    double lo[2] = {INFINITY, INFINITY};
    double hi[2] = {-INFINITY, -INFINITY};
    QString units[2];
    for (qsizetype i = 0; i < series.size(); ++i) {
        const ChartSeriesData &data = series.at(i);
        const int axis = std::clamp(data.axis, 0, 1);
        // The window's points are contiguous in the sorted series.
        const auto first = std::lower_bound(data.points.begin(), data.points.end(), fromMs,
                                            [](const SeriesPoint &p, qint64 t) { return p.timeMs < t; });
        for (auto p = first; p != data.points.end() && p->timeMs <= toMs; ++p) {
            lo[axis] = std::min(lo[axis], p->value);
            hi[axis] = std::max(hi[axis], p->value);
        }
        if (units[axis].isEmpty())
            units[axis] = data.unit;
        QLineSeries *line = m_series.at(i);
        if (!line->attachedAxes().contains(m_axes[axis])) {
            if (line->attachedAxes().contains(m_axes[1 - axis]))
                line->detachAxis(m_axes[1 - axis]);
            line->attachAxis(m_axes[axis]);
        }
        if (line->name() != data.name)
            line->setName(data.name);
        QPen pen(data.color);
        pen.setWidth(1);
        if (line->pen() != pen)
            line->setPen(pen);
    }
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(fromMs);
    const QDateTime to = QDateTime::fromMSecsSinceEpoch(m_toMs);
    if (m_timeAxis->min() != from || m_timeAxis->max() != to)
        m_timeAxis->setRange(from, to);
    const int timeTicks = std::clamp(int(m_chart->plotArea().width() / 90), 2, 8);
    if (m_timeAxis->tickCount() != timeTicks)
        m_timeAxis->setTickCount(timeTicks);
    const qint64 span = m_toMs - fromMs;
    const QString format = span > 2 * 86400000LL ? QStringLiteral("dd.MM hh:mm")
                           : span > 300000       ? QStringLiteral("hh:mm")
                                                 : QStringLiteral("hh:mm:ss");
    if (m_timeAxis->format() != format)
        m_timeAxis->setFormat(format);
    for (int a = 0; a < 2; ++a) {
        const bool used = std::isfinite(lo[a]);
        if (a == 1 && m_axes[1]->isVisible() != used)
            m_axes[1]->setVisible(used);
        // Few ticks on a small tile: labels that fit rather than elided ones.
        const int maxTicks = std::clamp(int(m_chart->plotArea().height() / 28), 2, 6);
        const HistoryChart::Scale scale = used ? HistoryChart::niceScale(lo[a], hi[a], maxTicks)
                                               : HistoryChart::niceScale(0, 1, maxTicks);
        if (m_axes[a]->min() != scale.min || m_axes[a]->max() != scale.max)
            m_axes[a]->setRange(scale.min, scale.max);
        if (m_axes[a]->tickCount() != scale.ticks)
            m_axes[a]->setTickCount(scale.ticks);
        const QString labelFormat = QStringLiteral("%.%1f").arg(scale.decimals);
        if (m_axes[a]->labelFormat() != labelFormat)
            m_axes[a]->setLabelFormat(labelFormat);
        if (m_axes[a]->titleText() != units[a])
            m_axes[a]->setTitleText(units[a]);
    }
    m_plot->setPlotArea(m_chart->plotArea());
    m_plot->setSeries(series, fromMs, m_toMs, {m_axes[0]->min(), m_axes[0]->max()}, {m_axes[1]->min(), m_axes[1]->max()});
    if (m_crossMs >= 0)
        setCrosshair(m_crossMs);
}

int QtChartSurface::plotColumns() const
{
    const int width = int(m_chart->plotArea().width());
    return width > 10 ? width : std::max(100, this->width());
}

qint64 QtChartSurface::timeAt(int x) const
{
    const QRectF plot = m_chart->plotArea();
    if (plot.width() <= 0)
        return m_fromMs;
    const QPoint inView = m_view->mapFrom(this, QPoint(x, 0));
    const double scene = m_view->mapToScene(inView).x();
    const double fraction = std::clamp((scene - plot.left()) / plot.width(), 0.0, 1.0);
    return m_fromMs + qint64(fraction * double(m_toMs - m_fromMs));
}

void QtChartSurface::setCrosshair(qint64 timeMs)
{
    m_crossMs = timeMs;
    const QRectF plot = m_chart->plotArea();
    if (timeMs < 0 || plot.width() <= 0 || timeMs < m_fromMs || timeMs > m_toMs) {
        m_crossLine->hide();
        m_crossLabel->hide();
        m_crossText.clear();
        return;
    }
    const double x = plot.left() + plot.width() * double(timeMs - m_fromMs) / double(m_toMs - m_fromMs);
    m_crossLine->setLine(x, plot.top(), x, plot.bottom());
    QStringList lines{QDateTime::fromMSecsSinceEpoch(timeMs).toString(QStringLiteral("hh:mm:ss"))};
    for (const ChartSeriesData &data : std::as_const(m_data)) {
        // The value holding at that time: the last point at or before it.
        const auto after = std::upper_bound(data.points.begin(), data.points.end(), timeMs,
                                            [](qint64 t, const SeriesPoint &p) { return t < p.timeMs; });
        if (after == data.points.begin())
            continue;
        const QString name = data.name.section(QLatin1Char(':'), 0, 0);
        lines.append(QStringLiteral("%1: %2 %3").arg(name, QString::number((after - 1)->value, 'g', 6), data.unit).trimmed());
    }
    m_crossText = lines.join(QLatin1Char('\n'));
    m_crossLabel->setText(m_crossText);
    const QRectF box = m_crossLabel->boundingRect();
    const double labelX = x + 6 + box.width() > plot.right() ? x - 6 - box.width() : x + 6;
    m_crossLabel->setPos(labelX, plot.top() + 4);
    m_crossLine->show();
    m_crossLabel->show();
}

QString QtChartSurface::crosshairText() const
{
    return m_crossText;
}

QStringList QtChartSurface::axisTitles() const
{
    QStringList titles{m_axes[0]->titleText()};
    if (m_axes[1]->isVisible())
        titles.append(m_axes[1]->titleText());
    return titles;
}

bool QtChartSurface::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::MouseMove: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        const int x = m_view->mapTo(this, mouse->position().toPoint()).x();
        if (m_dragX >= 0 && (mouse->buttons() & Qt::LeftButton)) {
            const double width = std::max(1.0, m_chart->plotArea().width());
            Q_EMIT panRequested(-double(x - m_dragX) / width);
            m_dragX = x;
        }
        setCrosshair(timeAt(x));
        return false;
    }
    case QEvent::MouseButtonPress: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton)
            m_dragX = m_view->mapTo(this, mouse->position().toPoint()).x();
        m_view->setFocus();
        return true;
    }
    case QEvent::MouseButtonRelease:
        m_dragX = -1;
        return true;
    case QEvent::MouseButtonDblClick:
        Q_EMIT liveRequested();
        return true;
    case QEvent::Leave:
        setCrosshair(-1);
        return false;
    case QEvent::Wheel: {
        auto *wheel = static_cast<QWheelEvent *>(event);
        const int x = m_view->mapTo(this, wheel->position().toPoint()).x();
        const double steps = wheel->angleDelta().y() / 120.0;
        if (steps != 0)
            Q_EMIT zoomRequested(timeAt(x), std::pow(0.8, steps));
        return true;
    }
    case QEvent::KeyPress: {
        auto *key = static_cast<QKeyEvent *>(event);
        // Ctrl+keys belong to the tile (move, resize): ignored here, they go on to the parents.
        if (key->modifiers() & Qt::ControlModifier) {
            key->ignore();
            return true;
        }
        const qint64 center = m_fromMs + (m_toMs - m_fromMs) / 2;
        switch (key->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            Q_EMIT zoomRequested(center, 0.5);
            return true;
        case Qt::Key_Minus:
            Q_EMIT zoomRequested(center, 2.0);
            return true;
        case Qt::Key_Left:
            Q_EMIT panRequested(-0.25);
            return true;
        case Qt::Key_Right:
            Q_EMIT panRequested(0.25);
            return true;
        case Qt::Key_End:
        case Qt::Key_Escape:
            Q_EMIT liveRequested();
            return true;
        default:
            break;
        }
        break;
    }
    default:
        break;
    }
    return ChartSurface::eventFilter(watched, event);
}

} // namespace thingscape
