#include "historychart.h"

#include "writespec.h"

#include "model/resource.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLineSeries>
#include <QStackedLayout>
#include <QTimer>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace thingscape {

namespace {

// More distinct text states than this are not a state any more: not charted.
constexpr int kMaxCategories = 12;
constexpr int kMaxValueTicks = 6;
constexpr int kMaxTimeTicks = 6;

} // namespace

double HistoryChart::niceStep(double rough)
{
    if (!(rough > 0) || !std::isfinite(rough))
        return 1;
    const double base = std::pow(10.0, std::floor(std::log10(rough)));
    const double fraction = rough / base;
    // A little slack so that 2.0000000001 is still 2.
    const double nice = fraction <= 1.000001 ? 1 : fraction <= 2.000001 ? 2 : fraction <= 5.000001 ? 5 : 10;
    return nice * base;
}

HistoryChart::Scale HistoryChart::niceScale(double lo, double hi, int maxTicks)
{
    if (lo > hi)
        std::swap(lo, hi);
    maxTicks = std::max(maxTicks, 3);
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < std::max(std::abs(hi), std::abs(lo)) * 1e-9 || hi - lo < 1e-12) {
        // One value (or a constant): a range around it, so the ticks differ.
        const double pad = niceStep(std::max(std::abs(lo) * 0.02, 0.5));
        lo -= pad;
        hi += pad;
    } else {
        // Some room above and below, so that a line is not drawn on the frame.
        const double room = (hi - lo) * 0.05;
        lo -= room;
        hi += room;
    }
    Scale scale;
    scale.step = niceStep((hi - lo) / double(maxTicks - 1));
    scale.min = std::floor(lo / scale.step) * scale.step;
    scale.max = std::ceil(hi / scale.step) * scale.step;
    // Rounding can leave one tick too many; a larger step then.
    while ((scale.max - scale.min) / scale.step > maxTicks - 1 + 1e-9) {
        scale.step = niceStep(scale.step * 1.5);
        scale.min = std::floor(lo / scale.step) * scale.step;
        scale.max = std::ceil(hi / scale.step) * scale.step;
    }
    scale.decimals = std::max(0, int(std::ceil(-std::log10(scale.step) - 1e-9)));
    scale.ticks = int(std::llround((scale.max - scale.min) / scale.step)) + 1;
    return scale;
}

HistoryChart::Scale HistoryChart::niceTimeScale(qint64 firstMs, qint64 lastMs, int maxTicks, QString *format)
{
    constexpr qint64 second = 1000;
    constexpr qint64 minute = 60 * second;
    constexpr qint64 hour = 60 * minute;
    constexpr qint64 day = 24 * hour;
    static constexpr qint64 steps[] = {second,     2 * second,  5 * second,  10 * second, 15 * second, 30 * second,
                                       minute,     2 * minute,  5 * minute,  10 * minute, 15 * minute, 30 * minute,
                                       hour,       2 * hour,    3 * hour,    6 * hour,    12 * hour,   day,
                                       2 * day,    7 * day,     14 * day,    30 * day};
    if (lastMs < firstMs)
        std::swap(firstMs, lastMs);
    // One sample, or a burst within a moment: a minute around it, so labels differ.
    if (lastMs - firstMs < 10 * second) {
        const qint64 middle = firstMs + (lastMs - firstMs) / 2;
        firstMs = middle - 30 * second;
        lastMs = middle + 30 * second;
    }
    maxTicks = std::max(maxTicks, 3);
    // Ticks on whole local minutes and hours, not on UTC ones.
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(firstMs).offsetFromUtc()) * second;
    qint64 step = steps[std::size(steps) - 1];
    for (const qint64 candidate : steps) {
        const qint64 from = qint64(std::floor(double(firstMs + offset) / double(candidate))) * candidate;
        const qint64 to = qint64(std::ceil(double(lastMs + offset) / double(candidate))) * candidate;
        if ((to - from) / candidate <= maxTicks - 1) {
            step = candidate;
            break;
        }
    }
    Scale scale;
    scale.step = double(step);
    scale.min = double(qint64(std::floor(double(firstMs + offset) / double(step))) * step - offset);
    scale.max = double(qint64(std::ceil(double(lastMs + offset) / double(step))) * step - offset);
    scale.ticks = int(std::llround((scale.max - scale.min) / scale.step)) + 1;
    if (format) {
        if (step >= day)
            *format = QStringLiteral("yyyy-MM-dd");
        else if (scale.max - scale.min > double(day))
            *format = QStringLiteral("MM-dd HH:mm");
        else if (step >= minute)
            *format = QStringLiteral("HH:mm");
        else
            *format = QStringLiteral("HH:mm:ss");
    }
    return scale;
}

HistoryChart::HistoryChart(QWidget *parent)
    : QWidget(parent)
    , m_view(new QChartView(this))
    , m_series(new QLineSeries)
    , m_timeAxis(new QDateTimeAxis)
    , m_valueAxis(new QValueAxis)
    , m_stateAxis(new QCategoryAxis)
    , m_empty(new QLabel(tr("No numeric history yet"), this))
    , m_frameTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("historyChart"));
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->addSeries(m_series);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(5);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_valueAxis, Qt::AlignLeft);
    // Only the axis in use is in the chart; the other would take room and draw a grid.
    m_stateAxis->setParent(this);
    m_stateAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
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

void HistoryChart::redrawNow()
{
    redraw();
}

void HistoryChart::useStateAxis(bool categorical)
{
    if (categorical == m_categorical)
        return;
    m_categorical = categorical;
    QAbstractAxis *from = categorical ? static_cast<QAbstractAxis *>(m_valueAxis) : m_stateAxis;
    QAbstractAxis *to = categorical ? static_cast<QAbstractAxis *>(m_stateAxis) : m_valueAxis;
    QChart *chart = m_view->chart();
    m_series->detachAxis(from);
    chart->removeAxis(from);
    from->setParent(this); // removeAxis() hands ownership back
    chart->addAxis(to, Qt::AlignLeft);
    m_series->attachAxis(to);
}

void HistoryChart::redraw()
{
    m_dirty = false;
    auto *stack = static_cast<QStackedLayout *>(layout());
    QList<QPointF> points;
    QStringList categories;
    bool categorical = false;
    bool stepped = false;
    QString unit;
    if (m_resource) {
        const History &history = m_resource->history();
        const WriteSpec spec = WriteSpec::forResource(*m_resource);
        stepped = spec.stepped;
        unit = m_resource->metadata().unit.valueOr(QString());
        // Text states (on / off, a choice) are charted as categories.
        const bool numeric = m_resource->hasValue() && m_resource->value().kind() == ValueKind::Number;
        if (!numeric && (spec.editor == WriteSpec::Editor::Switch || spec.editor == WriteSpec::Editor::Choice
                         || (m_resource->hasValue() && m_resource->value().kind() == ValueKind::Bool))) {
            categorical = true;
            if (spec.editor == WriteSpec::Editor::Choice)
                categories = spec.choices;
            else if (spec.editor == WriteSpec::Editor::Switch)
                categories = {spec.offState, spec.onState};
            else
                categories = {QStringLiteral("false"), QStringLiteral("true")};
        } else if (m_resource->hasValue() && m_resource->value().kind() == ValueKind::String) {
            categorical = true;
            for (qsizetype i = 0; i < history.size() && categories.size() <= kMaxCategories; ++i) {
                const QString text = WriteSpec::stateText(history.at(i));
                if (!text.isEmpty() && !categories.contains(text))
                    categories.append(text);
            }
            if (categories.size() > kMaxCategories)
                categories.clear();
            categories.sort(Qt::CaseInsensitive);
        }
        auto valueAt = [&](qsizetype i, bool *ok) -> double {
            const Value &value = history.at(i);
            if (!categorical)
                return value.toDouble(ok);
            qsizetype index = -1;
            if (spec.editor == WriteSpec::Editor::Switch) {
                bool known = false;
                const bool on = spec.isOn(value, &known);
                index = known ? (on ? 1 : 0) : -1;
            } else {
                const QString text = WriteSpec::stateText(value);
                index = categories.indexOf(text);
                if (index < 0) // a choice reported in another case
                    index = categories.indexOf(text.toLower());
            }
            *ok = index >= 0;
            return double(index);
        };

        const qsizetype n = categorical && categories.isEmpty() ? 0 : history.size();
        // Two points per pixel: keep the min and max of each bucket, so spikes survive.
        const qsizetype buckets = std::max<qsizetype>(1, m_view->width());
        const qsizetype perBucket = std::max<qsizetype>(1, n / buckets);
        points.reserve(std::min(n, buckets * 2) * (stepped ? 2 : 1) + 1);
        for (qsizetype start = 0; start < n; start += perBucket) {
            const qsizetype end = std::min(n, start + perBucket);
            double lo = std::numeric_limits<double>::max();
            double hi = std::numeric_limits<double>::lowest();
            qint64 loT = 0;
            qint64 hiT = 0;
            bool any = false;
            for (qsizetype i = start; i < end; ++i) {
                bool ok = false;
                const double v = valueAt(i, &ok);
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
            auto add = [&points, stepped](qint64 t, double v) {
                // A step: the previous value holds until the moment the next one arrives.
                if (stepped && !points.isEmpty() && points.last().y() != v)
                    points.append(QPointF(double(t), points.last().y()));
                points.append(QPointF(double(t), v));
            };
            if (perBucket == 1 || loT == hiT) {
                add(loT, lo);
            } else if (loT < hiT) {
                add(loT, lo);
                add(hiT, hi);
            } else {
                add(hiT, hi);
                add(loT, lo);
            }
        }
        // A state holds until now.
        if (stepped && !points.isEmpty()) {
            const double now = double(QDateTime::currentMSecsSinceEpoch());
            if (now > points.last().x())
                points.append(QPointF(now, points.last().y()));
        }
    }
    m_stepped = stepped;
    m_categories = categories;
    if (points.isEmpty()) {
        stack->setCurrentWidget(m_empty);
        m_series->clear();
        return;
    }
    stack->setCurrentWidget(m_view);
    useStateAxis(categorical);
    if (categorical) {
        for (const QString &label : m_stateAxis->categoriesLabels())
            m_stateAxis->remove(label);
        m_stateAxis->setStartValue(-0.5);
        for (qsizetype i = 0; i < categories.size(); ++i)
            m_stateAxis->append(categories.at(i), double(i));
        m_stateAxis->setRange(-0.5, double(categories.size()) - 0.5);
        m_stateAxis->setTitleText(QString());
    } else {
        double lo = points.first().y();
        double hi = lo;
        for (const QPointF &p : std::as_const(points)) {
            lo = std::min(lo, p.y());
            hi = std::max(hi, p.y());
        }
        const Scale scale = niceScale(lo, hi, kMaxValueTicks);
        // min and max are whole multiples of the step: evenly spaced ticks land on nice values.
        m_valueAxis->setRange(scale.min, scale.max);
        m_valueAxis->setTickCount(scale.ticks);
        m_valueAxis->setLabelFormat(QStringLiteral("%.%1f").arg(scale.decimals));
        m_valueAxis->setTitleText(unit);
    }
    QString format;
    const Scale timeScale = niceTimeScale(qint64(points.first().x()), qint64(points.last().x()), kMaxTimeTicks, &format);
    m_timeAxis->setFormat(format);
    m_timeAxis->setTickCount(timeScale.ticks);
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(qint64(timeScale.min)),
                         QDateTime::fromMSecsSinceEpoch(qint64(timeScale.max)));
    // A lone sample is a dot, not an invisible line.
    m_series->setPointsVisible(points.size() < 3);
    m_series->replace(points);
}

} // namespace thingscape
