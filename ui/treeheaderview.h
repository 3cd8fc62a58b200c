#pragma once

#include <QHeaderView>

namespace thingscape {

// A header whose sections make room for the sort arrow only where it shows: QHeaderView adds
// the arrow's width to every section's size hint, about 25 pixels a column, which alone pushed
// the resource tree's last columns out of a 1,366-pixel window.
class TreeHeaderView : public QHeaderView
{
    Q_OBJECT

public:
    explicit TreeHeaderView(QWidget *parent = nullptr);

protected:
    QSize sectionSizeFromContents(int logicalIndex) const override;
};

} // namespace thingscape
