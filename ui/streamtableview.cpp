#include "streamtableview.h"

#include <QHeaderView>
#include <QStyledItemDelegate>
#include <QTimer>

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
    , m_pendingLayout(new QTimer(this))
{
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    setWordWrap(false);
    setItemDelegate(new CappedTextDelegate(this));
    m_pendingLayout->setSingleShot(true);
    connect(m_pendingLayout, &QTimer::timeout, this, &StreamTableView::doItemsLayout);
}

void StreamTableView::setMinLayoutInterval(int ms)
{
    m_minIntervalMs = ms;
    if (m_pendingLayout->isActive())
        m_pendingLayout->start(int(std::max<qint64>(0, ms - m_sinceLayout.elapsed())));
}

void StreamTableView::doItemsLayout()
{
    // Rows inserted or removed ask for a layout per batch: one per interval is enough for the eye.
    if (m_sinceLayout.isValid() && m_sinceLayout.elapsed() < m_minIntervalMs) {
        if (!m_pendingLayout->isActive()) {
            ++m_deferred;
            m_pendingLayout->start(int(std::max<qint64>(0, m_minIntervalMs - m_sinceLayout.elapsed())));
        }
        return;
    }
    m_pendingLayout->stop();
    m_sinceLayout.start();
    ++m_layouts;
    QTableView::doItemsLayout();
}

} // namespace thingscape
