#pragma once

#include "tilewidget.h"

class QTableWidget;

namespace thingscape {

// The sources as a table with their last value and age; the age turns amber after "amber"
// seconds (default 60) and red after "red" seconds (default 300).
class LastSeenTile : public TileWidget
{
    Q_OBJECT

public:
    LastSeenTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    bool followsClock() const override { return true; }
    QTableWidget *table() const { return m_table; }

protected:
    void draw(qint64 nowMs) override;

private:
    QTableWidget *m_table;
};

} // namespace thingscape
