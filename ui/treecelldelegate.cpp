#include "treecelldelegate.h"

#include "model/plaintooltip.h"
#include "model/resourcetreemodel.h"
#include "model/treestatsproxy.h"

#include <QAbstractItemView>
#include <QDateTime>
#include <QHelpEvent>
#include <QLocale>
#include <QToolTip>

#include <cmath>

namespace thingscape {

namespace {

// Three significant digits and a unit ("1.23k", "12.3M", "456 KB"); where rounding reaches the
// next step it reads as that step ("9.996k" is "10.0k", "999.7k" is "1.00M"). With a base of
// 1,024 the step is at 1,000 all the same ("0.98 MB", not "1,003 KB").
QString scaled(double value, double base, const QStringList &units, const QLocale &locale)
{
    const double next = std::min(base, 1000.0);
    qsizetype unit = 0;
    while (unit + 1 < units.size() && value >= next) {
        value /= base;
        ++unit;
    }
    int decimals = unit == 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
    const double step = std::pow(10.0, decimals);
    const double rounded = std::round(value * step) / step;
    if (unit + 1 < units.size() && rounded >= next) {
        value /= base;
        ++unit;
        decimals = 2;
    } else if (unit > 0 && value < 10 && rounded >= 10) {
        decimals = 1;
    } else if (unit > 0 && value < 100 && rounded >= 100) {
        decimals = 0;
    }
    return locale.toString(value, 'f', decimals) + units.at(unit);
}

} // namespace

TreeCellDelegate::TreeCellDelegate(int lastUpdateColumn, int statsFirstColumn, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_lastUpdateColumn(lastUpdateColumn)
    , m_statsFirstColumn(statsFirstColumn)
{
}

QString TreeCellDelegate::compactCount(double value, const QLocale &locale)
{
    if (value < 9999.5)
        return locale.toString(qint64(std::llround(std::max(value, 0.0))));
    static const QStringList units{QString(), QStringLiteral("k"), QStringLiteral("M"), QStringLiteral("G"),
                                   QStringLiteral("T")};
    return scaled(value, 1000, units, locale);
}

QString TreeCellDelegate::compactRate(double value, const QLocale &locale)
{
    if (value < 99.95)
        return locale.toString(std::max(value, 0.0), 'f', 1);
    return compactCount(value, locale);
}

QString TreeCellDelegate::compactBytes(double value, const QLocale &locale)
{
    static const QStringList units{QStringLiteral(" B"), QStringLiteral(" KB"), QStringLiteral(" MB"),
                                   QStringLiteral(" GB"), QStringLiteral(" TB")};
    return scaled(std::max(value, 0.0), 1024, units, locale);
}

QString TreeCellDelegate::compactTime(qint64 ms, const QLocale &locale)
{
    if (ms <= 0)
        return {};
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    const QDate today = QDate::currentDate();
    if (time.date() == today)
        return time.toString(QStringLiteral("HH:mm:ss"));
    if (time.date().year() == today.year())
        return locale.toString(time, QStringLiteral("d MMM HH:mm"));
    return time.toString(QStringLiteral("yyyy-MM-dd"));
}

QString TreeCellDelegate::cellText(const QModelIndex &index, const QString &modelText, const QLocale &locale) const
{
    const int column = index.column();
    if (column == m_lastUpdateColumn)
        return compactTime(index.data(ResourceTreeModel::LastUpdateRole).toLongLong(), locale);
    if (column == ResourceTreeModel::ValueColumn && m_unitInValue) {
        const QString unit = index.siblingAtColumn(ResourceTreeModel::UnitColumn).data().toString();
        if (unit.isEmpty() || modelText.isEmpty())
            return {};
        return modelText + QChar(0x00A0) + unit; // no break between them
    }
    if (column < m_statsFirstColumn || column >= m_statsFirstColumn + TreeStatsProxy::ColumnCount)
        return {};
    // Blank where the model leaves it blank (a leaf's resources, a rate of nothing).
    if (modelText.isEmpty())
        return QStringLiteral("");
    const double value = index.data(TreeStatsProxy::SortKeyRole).toDouble();
    switch (TreeStatsProxy::Column(column - m_statsFirstColumn)) {
    case TreeStatsProxy::ResourcesColumn:
    case TreeStatsProxy::MessagesColumn: return compactCount(value, locale);
    case TreeStatsProxy::MessageRateColumn: return compactRate(value, locale);
    case TreeStatsProxy::ByteRateColumn: return compactBytes(value, locale);
    case TreeStatsProxy::ColumnCount: break;
    }
    return {};
}

void TreeCellDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    // A value cut short keeps its start (a JSON document's first fields), not both ends.
    if (index.column() == ResourceTreeModel::ValueColumn)
        option->textElideMode = Qt::ElideRight;
    const QString text = cellText(index, option->text, option->locale);
    if (!text.isNull())
        option->text = text;
}

QString TreeCellDelegate::valueToolTip(const QModelIndex &index) const
{
    if (index.column() != ResourceTreeModel::ValueColumn)
        return {};
    const QString modelText = index.data(Qt::DisplayRole).toString();
    const QString text = cellText(index, modelText, QLocale());
    const QString value = text.isNull() ? modelText : text;
    return value.isEmpty() ? QString() : plainToolTip(tr("Value: %1").arg(value));
}

QString TreeCellDelegate::exactText(const QModelIndex &index) const
{
    const int column = index.column();
    const QLocale locale;
    if (column == m_lastUpdateColumn) {
        const qint64 ms = index.data(ResourceTreeModel::LastUpdateRole).toLongLong();
        if (ms <= 0)
            return {};
        return tr("Last update: %1")
            .arg(QDateTime::fromMSecsSinceEpoch(ms).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    }
    if (column < m_statsFirstColumn || column >= m_statsFirstColumn + TreeStatsProxy::ColumnCount
        || index.data(Qt::DisplayRole).toString().isEmpty())
        return {};
    const double value = index.data(TreeStatsProxy::SortKeyRole).toDouble();
    QString exact;
    switch (TreeStatsProxy::Column(column - m_statsFirstColumn)) {
    case TreeStatsProxy::ResourcesColumn:
    case TreeStatsProxy::MessagesColumn: exact = locale.toString(qint64(std::llround(value))); break;
    case TreeStatsProxy::MessageRateColumn: exact = tr("%1 messages/s").arg(locale.toString(value, 'f', 2)); break;
    case TreeStatsProxy::ByteRateColumn: exact = tr("%1 bytes/s").arg(locale.toString(qint64(std::llround(value)))); break;
    case TreeStatsProxy::ColumnCount: break;
    }
    // The column's own description says what the figure counts.
    const QString what = index.model()->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString();
    return what.isEmpty() ? exact : tr("%1: %2").arg(what, exact);
}

bool TreeCellDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                                 const QModelIndex &index)
{
    if (event && view && event->type() == QEvent::ToolTip) {
        QString exact = exactText(index);
        if (exact.isEmpty())
            exact = valueToolTip(index);
        if (!exact.isEmpty()) {
            QToolTip::showText(event->globalPos(), exact, view->viewport(), option.rect);
            return true;
        }
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace thingscape
