#include "streamtableview.h"

#include "boundedrate.h"

#include <QHeaderView>
#include <QStyledItemDelegate>

#include <algorithm>

namespace thingscape {

namespace {

// Elision lays out the whole string: cut it to what a row can show first.
class CappedTextDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (option->text.size() > StreamTableView::kMaxCellChars) {
            option->text.truncate(StreamTableView::kMaxCellChars);
            option->text += QChar(0x2026);
        }
    }
};

} // namespace

StreamTableView::StreamTableView(QWidget *parent)
    : QTableView(parent)
    , m_layoutRate(new BoundedRate(kMinLayoutIntervalMs, [this] { doItemsLayout(); }, this))
{
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    setWordWrap(false);
    setItemDelegate(new CappedTextDelegate(this));
}

void StreamTableView::setMinLayoutInterval(int ms)
{
    m_layoutRate->setInterval(ms);
}

quint64 StreamTableView::layoutCount() const
{
    return m_layoutRate->runs();
}

quint64 StreamTableView::deferredLayoutCount() const
{
    return m_layoutRate->deferred();
}

void StreamTableView::doItemsLayout()
{
    // Rows inserted or removed ask for a layout per batch: one per interval is enough for the eye.
    if (m_layoutRate->allowNow())
        QTableView::doItemsLayout();
}

} // namespace thingscape
