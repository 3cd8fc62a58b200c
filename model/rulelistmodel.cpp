#include "rulelistmodel.h"

#include <QDateTime>

namespace thingscape {

RuleListModel::RuleListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RuleListModel::setStatuses(const QList<RuleStatus> &statuses)
{
    beginResetModel();
    m_rows = statuses;
    m_rowOf.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_rowOf.insert(m_rows.at(i).id, i);
    endResetModel();
}

void RuleListModel::updateStatus(const RuleStatus &status)
{
    const int row = rowOf(status.id);
    if (row < 0)
        return;
    m_rows[row] = status;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

RuleStatus RuleListModel::status(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : RuleStatus();
}

int RuleListModel::rowOf(const QString &ruleId) const
{
    return m_rowOf.value(ruleId, -1);
}

int RuleListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RuleListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RuleListModel::stateText(const RuleStatus &status)
{
    if (status.suspended)
        return tr("suspended");
    if (!status.enabled)
        return tr("disabled");
    if (status.running > 0)
        return status.queued > 0 ? tr("running, %1 queued").arg(status.queued)
             : status.running > 1 ? tr("running ×%1").arg(status.running)
                                  : tr("running");
    return tr("enabled");
}

QVariant RuleListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RuleStatus &status = m_rows.at(index.row());
    if (role == IdRole)
        return status.id;
    if (role == Qt::CheckStateRole && index.column() == NameColumn)
        return status.enabled && !status.suspended ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case NameColumn:
            return status.name;
        case StateColumn:
            return stateText(status);
        case FiringsColumn:
            return QString::number(status.firings);
        case DroppedColumn:
            return role == Qt::ToolTipRole ? tr("%1 triggers dropped by the mode, %2 chains stopped").arg(status.dropped).arg(status.stopped)
                                           : QString::number(status.dropped + status.stopped);
        case LastFiredColumn:
            return status.lastFiredMs > 0 ? QDateTime::fromMSecsSinceEpoch(status.lastFiredMs).toString(QStringLiteral("HH:mm:ss"))
                                          : QString();
        case LastErrorColumn:
            return status.lastError;
        default:
            break;
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == FiringsColumn || index.column() == DroppedColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

bool RuleListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || role != Qt::CheckStateRole
        || index.column() != NameColumn)
        return false;
    // The engine answers with a status change; the row follows it then.
    Q_EMIT enableRequested(m_rows.at(index.row()).id, value.toInt() == Qt::Checked);
    return true;
}

Qt::ItemFlags RuleListModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    if (index.column() == NameColumn)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant RuleListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Rule");
    case StateColumn:
        return tr("State");
    case FiringsColumn:
        return tr("Firings");
    case DroppedColumn:
        return tr("Dropped");
    case LastFiredColumn:
        return tr("Last fired");
    case LastErrorColumn:
        return tr("Last error");
    default:
        return {};
    }
}

} // namespace thingscape
