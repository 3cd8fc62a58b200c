#include "valuetile.h"

#include "model/dashboard/decimation.h"
#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

namespace {

class Sparkline : public QWidget
{
public:
    Sparkline(const std::vector<SeriesPoint> *points, QWidget *parent)
        : QWidget(parent)
        , m_points(points)
    {
        setMinimumHeight(24);
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        if (m_points->size() < 2)
            return;
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        double lo = INFINITY;
        double hi = -INFINITY;
        for (const SeriesPoint &p : *m_points) {
            lo = std::min(lo, p.value);
            hi = std::max(hi, p.value);
        }
        const double range = hi > lo ? hi - lo : 1.0;
        const double t0 = double(m_points->front().timeMs);
        const double t1 = std::max(t0 + 1, double(m_points->back().timeMs));
        QPolygonF line;
        for (const SeriesPoint &p : *m_points)
            line.append(QPointF(2 + (width() - 4) * (double(p.timeMs) - t0) / (t1 - t0),
                                height() - 2 - (height() - 4) * (p.value - lo) / range));
        painter.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
        painter.drawPolyline(line);
    }

private:
    const std::vector<SeriesPoint> *m_points;
};

} // namespace

ValueTile::ValueTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_value(new QLabel(this))
    , m_trend(new QLabel(this))
    , m_sparkline(new Sparkline(&m_spark, this))
{
    QFont big = m_value->font();
    big.setPointSizeF(big.pointSizeF() * 2.4);
    big.setBold(true);
    m_value->setFont(big);
    m_value->setTextFormat(Qt::PlainText);
    m_value->setAlignment(Qt::AlignCenter);
    QFont arrow = m_trend->font();
    arrow.setPointSizeF(arrow.pointSizeF() * 1.8);
    m_trend->setFont(arrow);
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(m_value);
    row->addWidget(m_trend);
    row->addStretch(1);
    body()->addStretch(1);
    body()->addLayout(row);
    body()->addWidget(m_sparkline);
    body()->addStretch(1);
    m_value->setText(QStringLiteral("–"));
}

QString ValueTile::valueText() const
{
    return m_value->text();
}

QString ValueTile::trendText() const
{
    return m_trend->text();
}

void ValueTile::draw(qint64 nowMs)
{
    const Tile &t = tile();
    if (t.sources.isEmpty() || !context().source)
        return;
    const TileSource &s = t.sources.first();
    const auto all = context().source->points(s.seriesId(), s.pointer, std::numeric_limits<qint64>::min(),
                                              std::numeric_limits<qint64>::max());
    const QString unit = sourceUnit(s);
    if (all.empty()) {
        // Not a number: the value as text (a state, a string).
        const QList<Value> last = context().source->values(s.seriesId(), std::numeric_limits<qint64>::min(),
                                                           std::numeric_limits<qint64>::max(), 1);
        m_value->setText(last.isEmpty() ? QStringLiteral("–") : last.first().shortText(24));
        m_trend->clear();
        m_spark.clear();
        m_sparkline->update();
        return;
    }
    const double value = all.back().value;
    m_value->setText(QStringLiteral("%1 %2").arg(QString::number(value, 'g', 6), unit).trimmed());
    if (all.size() >= 2) {
        const double previous = all[all.size() - 2].value;
        m_trend->setText(value > previous ? QStringLiteral("▲") : value < previous ? QStringLiteral("▼") : QStringLiteral("▶"));
        m_trend->setToolTip(tr("Previous: %1").arg(previous));
    }
    const qint64 window = t.options.value(QStringLiteral("window")).toInteger(600) * 1000;
    const qint64 to = std::max(nowMs, all.back().timeMs);
    m_spark = decimateMinMax(all, to - window, to, std::max(20, m_sparkline->width()));
    m_sparkline->update();
}

} // namespace thingscape
