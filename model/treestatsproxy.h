#pragma once

#include "talkerstats.h"

#include <QIdentityProxyModel>
#include <QMap>
#include <QPointer>

#include <vector>

class QTimer;

namespace thingscape {

class ResourceTreeModel;

// Who talks most, as columns: shows a ResourceTreeModel (directly or through identity-like
// proxies) with four more columns after the tree's own: the resources at or below a row, the
// messages received and the rates (messages/s, bytes/s over the last 10 s), all from
// TalkerStats (counted per store batch). The new cells change at most once per kRefreshMs, with
// one dataChanged per parent of the rows that talked, so views redraw and sort proxies re-sort
// per second, never per message. SortKeyRole gives each column's number for sorting; on the
// tree's Last update column it is when a message last came at or below the row, so folders
// sort by their busiest child.
class TreeStatsProxy : public QIdentityProxyModel
{
    Q_OBJECT

public:
    enum Column {
        ResourcesColumn,
        MessagesColumn,
        MessageRateColumn,
        ByteRateColumn,
        ColumnCount,
    };
    Q_ENUM(Column)
    enum Role {
        SortKeyRole = Qt::UserRole + 100, // double or qint64: the column's number (-1: none)
    };
    static constexpr int kRefreshMs = 1000;
    // A refresh resolves rows for about this long, parents first; the rest waits for the next
    // (a flood over 50,000 topics would cost seconds of the GUI thread per refresh).
    static constexpr int kRefreshBudgetMs = 8;
    // For tests and benchmarks: 0 means no budget.
    void setRefreshBudgetMs(int ms) { m_budgetMs = ms; }
    // Nodes that talked lately and wait for a refresh to redraw them.
    qsizetype pendingRows() const { return qsizetype(m_recent.size()); }
    static constexpr TalkerStats::Window kWindow = TalkerStats::Window::TenSeconds;

    // source is the tree or a proxy chain over it (each an identity-like QAbstractProxyModel).
    TreeStatsProxy(QAbstractItemModel *source, ResourceTreeModel *tree, QObject *parent = nullptr);
    void setTalkerStats(TalkerStats *stats);
    // The column of ours in this model (after the tree's own columns).
    int columnOf(Column column) const;
    // Sends the pending dataChanged now (tests; the timer does it otherwise).
    void refresh();
    // Off: no dataChanged per row that talked, only statsRefreshed() once a refresh, for a view
    // that redraws what it shows (a million new rows cost no signal each). A sort proxy that sorts
    // by these columns needs them on (the default).
    void setRowSignals(bool on);
    bool rowSignals() const { return m_rowSignals; }

    int columnCount(const QModelIndex &parent = {}) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    // Once per refresh while nodes talk and for a while after (rates fall with time): what the
    // new columns show may have changed anywhere.
    void statsRefreshed();

private:
    int sourceColumns() const;
    bool isOurs(const QModelIndex &index) const;
    QModelIndex firstColumn(const QModelIndex &index) const;
    QModelIndex fromTree(const QModelIndex &treeIndex) const;
    std::optional<TalkerStats::Stats> statsAt(const QModelIndex &index, qint64 nowMs) const;

    QPointer<ResourceTreeModel> m_tree; // Not owned.
    QPointer<TalkerStats> m_stats;      // Not owned.
    QTimer *m_timer;
    // Nodes that talked lately (their rates still fall), parents first (by their rank in
    // TalkerStats): when they last talked. 16 bytes a node in one array (a million topics make
    // two million nodes talk at once: a map of ids was 96 bytes a node).
    struct Recent
    {
        quint32 rank;
        qint64 lastMs;
    };
    std::vector<Recent> m_recent; // by rank
    quint32 m_resumeRank = 0; // where a refresh that ran out of budget goes on
    bool m_rowSignals = true;
    qint64 m_lastTalkMs = 0;  // without row signals: when nodes last talked
    int m_budgetMs = kRefreshBudgetMs;
};

} // namespace thingscape
