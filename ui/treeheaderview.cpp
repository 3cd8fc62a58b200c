#include "treeheaderview.h"

#include <QStyle>
#include <QStyleOptionHeader>

namespace thingscape {

TreeHeaderView::TreeHeaderView(QWidget *parent)
    : QHeaderView(Qt::Horizontal, parent)
{
    // As QTreeView sets up its own header.
    setSectionsMovable(true);
    setStretchLastSection(true);
    setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

QSize TreeHeaderView::sectionSizeFromContents(int logicalIndex) const
{
    QSize size = QHeaderView::sectionSizeFromContents(logicalIndex);
    if (!isSortIndicatorShown() || logicalIndex == sortIndicatorSection() || !model())
        return size;
    // Less what the style adds for an arrow this section does not draw.
    QStyleOptionHeader option;
    initStyleOption(&option);
    option.section = logicalIndex;
    option.text = model()->headerData(logicalIndex, orientation()).toString();
    option.sortIndicator = QStyleOptionHeader::SortDown;
    const int with = style()->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), this).width();
    option.sortIndicator = QStyleOptionHeader::None;
    const int without = style()->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), this).width();
    if (with > without)
        size.rwidth() -= with - without;
    else // the header added it by itself (its height and a margin)
        size.rwidth() -= size.height() + style()->pixelMetric(QStyle::PM_HeaderMargin, &option, this);
    return size;
}

} // namespace thingscape
