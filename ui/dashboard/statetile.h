#pragma once

#include "tilewidget.h"

class QLabel;

namespace thingscape {

// A bool or enum value as a coloured label, with how long it has been so ("since 12:03, 5 min").
// Options: "colors": {"on": "#2ca02c", "alarm": "#d62728"} (by the value's text).
class StateTile : public TileWidget
{
    Q_OBJECT

public:
    StateTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    bool followsClock() const override { return true; }
    QString stateText() const;
    QString sinceText() const;
    QColor stateColor() const { return m_color; }
    qint64 sinceMs() const { return m_sinceMs; }

protected:
    void draw(qint64 nowMs) override;

private:
    QLabel *m_state;
    QLabel *m_since;
    QColor m_color;
    qint64 m_sinceMs = 0;
};

} // namespace thingscape
