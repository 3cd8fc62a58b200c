#include "lastseentile.h"

#include "model/resourcestore.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace thingscape {

LastSeenTile::LastSeenTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_table(new QTableWidget(this))
{
    m_table->setColumnCount(3);
    m_table->setHorizontalHeaderLabels({tr("Resource"), tr("Value"), tr("Age")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    body()->addWidget(m_table, 1);
}

void LastSeenTile::draw(qint64 nowMs)
{
    const Tile &t = tile();
    const double amber = t.options.value(QStringLiteral("amber")).toDouble(60);
    const double red = t.options.value(QStringLiteral("red")).toDouble(300);
    m_table->setRowCount(int(t.sources.size()));
    for (int row = 0; row < t.sources.size(); ++row) {
        const TileSource &s = t.sources.at(row);
        const Resource *resource = context().store ? context().store->find(s.seriesId()) : nullptr;
        QString value = tr("never seen");
        QString age;
        QColor color;
        if (resource && resource->lastUpdateMs() > 0) {
            value = resource->hasValue() ? resource->value().shortText(30) : QString();
            const double seconds = double(nowMs - resource->lastUpdateMs()) / 1000.0;
            age = seconds < 60 ? tr("%1 s").arg(qint64(std::max(0.0, seconds)))
                  : seconds < 3600 ? tr("%1 min").arg(qint64(seconds / 60))
                                   : tr("%1 h").arg(qint64(seconds / 3600));
            if (seconds >= red)
                color = QColor(0xd62728);
            else if (seconds >= amber)
                color = QColor(0xe0a000);
        } else {
            color = QColor(0xd62728);
        }
        const QString texts[3] = {sourceTitle(s), value, age};
        for (int column = 0; column < 3; ++column) {
            QTableWidgetItem *item = m_table->item(row, column);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(row, column, item);
            }
            item->setText(texts[column]);
            item->setToolTip(column == 0 ? s.seriesId().toString() : texts[column]);
            item->setBackground(column == 2 && color.isValid() ? QBrush(color) : QBrush());
            item->setForeground(column == 2 && color.isValid() ? QBrush(Qt::white) : QBrush());
        }
    }
}

} // namespace thingscape
