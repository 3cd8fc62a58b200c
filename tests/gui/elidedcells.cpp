#include "elidedcells.h"

#include "ui/treecelldelegate.h"

#include <QAbstractItemView>
#include <QHeaderView>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTreeView>

namespace testsupport {

namespace {

// initStyleOption fills in text, icon and features as the delegate paints them.
class Probe : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::initStyleOption;
};

} // namespace

QStringList elidedCells(const QAbstractItemView *view)
{
    QStringList problems;
    const QAbstractItemModel *model = view->model();
    const QStyle *style = view->style();
    const int textMargin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1;
    const int iconExtent = view->iconSize().isValid() ? view->iconSize().width()
                                                      : style->pixelMetric(QStyle::PM_SmallIconSize, nullptr, view);
    const QRect viewport = view->viewport()->rect();
    Probe probe;
    // The rows in view, top to bottom.
    const auto *tree = qobject_cast<const QTreeView *>(view);
    QModelIndex row = view->indexAt(QPoint(1, 1)).siblingAtColumn(0);
    for (; row.isValid(); row = tree ? tree->indexBelow(row) : row.sibling(row.row() + 1, 0)) {
        const QRect rowRect = view->visualRect(row);
        if (rowRect.top() > viewport.bottom())
            break;
        for (int column = 0; column < model->columnCount(row.parent()); ++column) {
            const QModelIndex index = row.siblingAtColumn(column);
            QStyleOptionViewItem option;
            option.initFrom(view);
            option.font = view->font();
            option.fontMetrics = QFontMetrics(view->font());
            option.decorationSize = QSize(iconExtent, iconExtent);
            option.rect = view->visualRect(index);
            option.widget = view;
            probe.initStyleOption(&option, index);
            // The resource tree's delegate shows some cells shorter than their data.
            const auto *cells = qobject_cast<const thingscape::TreeCellDelegate *>(view->itemDelegateForIndex(index));
            if (cells)
                cells->initStyleOption(&option, index);
            if (option.text.isEmpty() || option.rect.width() <= 0)
                continue;
            const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &option, view);
            const int has = textRect.width() - 2 * textMargin;
            const int needs = option.fontMetrics.horizontalAdvance(option.text);
            if (needs > has && cells && cells->valueToolTip(index).contains(option.text.toHtmlEscaped()))
                continue; // a long value, whole in the cell's tooltip
            if (needs > has) {
                problems << QStringLiteral("%1/%2: %3 (needs %4 px, has %5 px)")
                                .arg(row.data().toString())
                                .arg(column)
                                .arg(option.text)
                                .arg(needs)
                                .arg(has);
            }
        }
    }
    return problems;
}

} // namespace testsupport
