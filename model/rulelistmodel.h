#pragma once

#include "ruletrace.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace thingscape {

// The workspace's rules with their state, one row each, for the Rules dock: name (checkable:
// enabled), state (enabled, disabled, running, queued, suspended), firings, dropped, last
// fired, last error. Fed by whoever runs the rules (setStatuses when the list changes,
// updateStatus per change); ticking a rule asks for it with enableRequested().
class RuleListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, StateColumn, FiringsColumn, DroppedColumn, LastFiredColumn, LastErrorColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1 };

    explicit RuleListModel(QObject *parent = nullptr);

    void setStatuses(const QList<RuleStatus> &statuses);
    void updateStatus(const RuleStatus &status);
    RuleStatus status(int row) const;
    int rowOf(const QString &ruleId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "suspended", "running", "disabled"...: plain text for a status.
    static QString stateText(const RuleStatus &status);

Q_SIGNALS:
    void enableRequested(const QString &ruleId, bool enabled);

private:
    QList<RuleStatus> m_rows;
    QHash<QString, int> m_rowOf;
};

} // namespace thingscape
