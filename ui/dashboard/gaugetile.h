#pragma once

#include "tilewidget.h"

#include <optional>

namespace thingscape {

// One number on a dial between min and max, with coloured threshold bands. min / max come
// from the tile's options, else the resource's metadata (HA min/max, TD minimum/maximum),
// else 0..100. Options: "min", "max", "thresholds": [{"value": 30, "color": "#e0a000"}].
class GaugeTile : public TileWidget
{
    Q_OBJECT

public:
    struct Band
    {
        double from = 0;
        QColor color;
    };

    GaugeTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    std::optional<double> value() const { return m_value; }
    double minimum() const { return m_min; }
    double maximum() const { return m_max; }
    QString unit() const { return m_unit; }
    const QList<Band> &bands() const { return m_bands; }

protected:
    void draw(qint64 nowMs) override;

private:
    QWidget *m_dial;
    std::optional<double> m_value;
    double m_min = 0;
    double m_max = 100;
    QString m_unit;
    QList<Band> m_bands;
};

} // namespace thingscape
