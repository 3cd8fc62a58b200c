#pragma once

#include "tilewidget.h"

#include "model/dashboard/seriessource.h"

#include <optional>

class QLabel;

namespace thingscape {

// A large number with its unit, an arrow for its trend since the previous value, and a
// sparkline of the last 10 minutes (option "window" in seconds).
class ValueTile : public TileWidget
{
    Q_OBJECT

public:
    ValueTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    QString valueText() const;
    QString trendText() const;
    const std::vector<SeriesPoint> &sparkline() const { return m_spark; }

protected:
    void draw(qint64 nowMs) override;

private:
    QLabel *m_value;
    QLabel *m_trend;
    QWidget *m_sparkline;
    std::vector<SeriesPoint> m_spark;
};

} // namespace thingscape
