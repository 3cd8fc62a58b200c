#include "gaugetile.h"

#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"
#include "ui/writespec.h"

#include <QJsonArray>
#include <QPainter>
#include <QPainterPath>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

namespace {

// The dial: a 240° arc with bands, the value's arc over it and the number in the middle.
class Dial : public QWidget
{
public:
    explicit Dial(GaugeTile *tile)
        : QWidget(tile)
        , m_tile(tile)
    {
        setMinimumSize(120, 90);
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        // The 240° arc uses the top three quarters of its circle.
        const double side = std::max(40.0, std::min(double(width()), (height() - 8) / 0.75) - 24);
        const QRectF box((width() - side) / 2.0, 14, side, side);
        const double span = m_tile->maximum() - m_tile->minimum();
        auto angleOf = [&](double v) {
            const double f = span > 0 ? std::clamp((v - m_tile->minimum()) / span, 0.0, 1.0) : 0.0;
            return 210.0 - 240.0 * f; // Qt angles: counter-clockwise from 3 o'clock
        };
        const double thickness = std::max(6.0, side / 14.0);
        QPen pen(palette().color(QPalette::Mid), thickness, Qt::SolidLine, Qt::FlatCap);
        painter.setPen(pen);
        painter.drawArc(box, int(-30 * 16), int(240 * 16));
        const auto &bands = m_tile->bands();
        for (qsizetype i = 0; i < bands.size(); ++i) {
            const double from = bands.at(i).from;
            const double to = i + 1 < bands.size() ? bands.at(i + 1).from : m_tile->maximum();
            pen.setColor(bands.at(i).color);
            pen.setWidthF(thickness / 3);
            painter.setPen(pen);
            const QRectF outer = box.adjusted(-thickness * 0.7, -thickness * 0.7, thickness * 0.7, thickness * 0.7);
            painter.drawArc(outer, int(angleOf(to) * 16), int((angleOf(from) - angleOf(to)) * 16));
        }
        const auto value = m_tile->value();
        QColor valueColor = palette().color(QPalette::Highlight);
        if (value) {
            for (const auto &band : bands) {
                if (*value >= band.from)
                    valueColor = band.color;
            }
            pen.setColor(valueColor);
            pen.setWidthF(thickness);
            painter.setPen(pen);
            painter.drawArc(box, int(angleOf(*value) * 16), int((210.0 - angleOf(*value)) * 16));
        }
        QFont big = font();
        big.setPointSizeF(std::max(10.0, side / 9.0));
        big.setBold(true);
        painter.setFont(big);
        painter.setPen(palette().color(QPalette::Text));
        const QString text = value ? QString::number(*value, 'g', 5) : QStringLiteral("–");
        painter.drawText(box, Qt::AlignCenter, text);
        QFont small = font();
        painter.setFont(small);
        const QRectF below(box.left(), box.center().y() + side / 10.0, box.width(), side / 6.0);
        painter.drawText(below, Qt::AlignHCenter | Qt::AlignTop, m_tile->unit());
        const double r = side / 2.0;
        const QRectF scale(box.left() - 10, box.center().y() + r * 0.5, box.width() + 20, 16);
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(scale, Qt::AlignLeft | Qt::AlignVCenter, QString::number(m_tile->minimum(), 'g', 5));
        painter.drawText(scale, Qt::AlignRight | Qt::AlignVCenter, QString::number(m_tile->maximum(), 'g', 5));
    }

private:
    GaugeTile *m_tile;
};

} // namespace

GaugeTile::GaugeTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_dial(new Dial(this))
{
    body()->addWidget(m_dial, 1);
}

void GaugeTile::draw(qint64)
{
    const Tile &t = tile();
    m_value.reset();
    if (t.sources.isEmpty() || !context().source)
        return;
    const TileSource &s = t.sources.first();
    const auto points = context().source->points(s.seriesId(), s.pointer, std::numeric_limits<qint64>::min(),
                                                 std::numeric_limits<qint64>::max());
    if (!points.empty())
        m_value = points.back().value;
    m_unit = sourceUnit(s);
    // Metadata first, then the tile's own options.
    m_min = 0;
    m_max = 100;
    if (context().store) {
        if (const Resource *resource = context().store->find(s.seriesId()); resource && s.pointer.isEmpty()) {
            const WriteSpec spec = WriteSpec::forResource(*resource);
            if (spec.minimum > -1e12 && spec.maximum < 1e12 && spec.maximum > spec.minimum) {
                m_min = spec.minimum;
                m_max = spec.maximum;
            }
        }
    }
    m_min = t.options.value(QStringLiteral("min")).toDouble(m_min);
    m_max = t.options.value(QStringLiteral("max")).toDouble(m_max);
    if (m_max <= m_min)
        m_max = m_min + 1;
    m_bands.clear();
    const QJsonArray thresholds = t.options.value(QStringLiteral("thresholds")).toArray();
    for (const QJsonValue &threshold : thresholds) {
        const QJsonObject object = threshold.toObject();
        const QColor color(object.value(QStringLiteral("color")).toString());
        if (object.value(QStringLiteral("value")).isDouble() && color.isValid())
            m_bands.append({object.value(QStringLiteral("value")).toDouble(), color});
    }
    std::sort(m_bands.begin(), m_bands.end(), [](const Band &a, const Band &b) { return a.from < b.from; });
    m_dial->update();
}

} // namespace thingscape
