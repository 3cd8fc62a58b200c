#include "treestatsproxy.h"

#include "proxychain.h"
#include "resourcetreemodel.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QLocale>
#include <QTimer>

#include <algorithm>

namespace thingscape {

namespace {

// Rates over the last 10 s fall to zero within a bucket after the window: rows are redrawn
// that long after they last talked.
constexpr qint64 kRecentMs = 12'000;

} // namespace

TreeStatsProxy::TreeStatsProxy(QAbstractItemModel *source, ResourceTreeModel *tree, QObject *parent)
    : QIdentityProxyModel(parent)
    , m_tree(tree)
    , m_timer(new QTimer(this))
{
    setSourceModel(source);
    m_timer->setSingleShot(true);
    m_timer->setInterval(kRefreshMs);
    connect(m_timer, &QTimer::timeout, this, &TreeStatsProxy::refresh);
}

void TreeStatsProxy::setTalkerStats(TalkerStats *stats)
{
    if (m_stats)
        disconnect(m_stats, nullptr, this, nullptr);
    m_stats = stats;
    m_recent.clear();
    if (m_stats) {
        connect(m_stats, &TalkerStats::updated, this, [this] {
            if (!m_timer->isActive())
                m_timer->start();
        });
    }
    const int rows = rowCount();
    if (rows > 0)
        Q_EMIT dataChanged(index(0, columnOf(ResourcesColumn)), index(rows - 1, columnOf(ByteRateColumn)));
}

int TreeStatsProxy::sourceColumns() const
{
    return sourceModel() ? sourceModel()->columnCount() : 0;
}

int TreeStatsProxy::columnOf(Column column) const
{
    return sourceColumns() + int(column);
}

bool TreeStatsProxy::isOurs(const QModelIndex &index) const
{
    return index.isValid() && index.column() >= sourceColumns();
}

QModelIndex TreeStatsProxy::firstColumn(const QModelIndex &index) const
{
    return createIndex(index.row(), 0, index.internalPointer());
}

int TreeStatsProxy::columnCount(const QModelIndex &parent) const
{
    if (isOurs(parent))
        return 0;
    return sourceModel() ? QIdentityProxyModel::columnCount(parent) + ColumnCount : 0;
}

int TreeStatsProxy::rowCount(const QModelIndex &parent) const
{
    // Like the tree: rows hang below the first column only.
    return isOurs(parent) ? 0 : QIdentityProxyModel::rowCount(parent);
}

bool TreeStatsProxy::hasChildren(const QModelIndex &parent) const
{
    return isOurs(parent) ? false : QIdentityProxyModel::hasChildren(parent);
}

QModelIndex TreeStatsProxy::index(int row, int column, const QModelIndex &parent) const
{
    if (column < sourceColumns())
        return QIdentityProxyModel::index(row, column, parent);
    if (!hasIndex(row, column, parent))
        return {};
    const QModelIndex first = QIdentityProxyModel::index(row, 0, parent);
    return first.isValid() ? createIndex(row, column, first.internalPointer()) : QModelIndex();
}

QModelIndex TreeStatsProxy::parent(const QModelIndex &child) const
{
    return QIdentityProxyModel::parent(isOurs(child) ? firstColumn(child) : child);
}

QModelIndex TreeStatsProxy::sibling(int row, int column, const QModelIndex &idx) const
{
    if (!idx.isValid())
        return {};
    return index(row, column, parent(idx));
}

QModelIndex TreeStatsProxy::mapToSource(const QModelIndex &proxyIndex) const
{
    // Our cells stand for their row: the source's first column (selections, current rows and
    // proxies above that look for the row's tree index all get the row).
    return QIdentityProxyModel::mapToSource(isOurs(proxyIndex) ? firstColumn(proxyIndex) : proxyIndex);
}

Qt::ItemFlags TreeStatsProxy::flags(const QModelIndex &index) const
{
    if (!isOurs(index))
        return QIdentityProxyModel::flags(index);
    return QIdentityProxyModel::flags(firstColumn(index)) & ~Qt::ItemIsEditable;
}

std::optional<TalkerStats::Stats> TreeStatsProxy::statsAt(const QModelIndex &index, qint64 nowMs) const
{
    if (!m_stats)
        return std::nullopt;
    const QString uri = firstColumn(index).data(ResourceTreeModel::ResourceIdRole).toString();
    return uri.isEmpty() ? std::nullopt : m_stats->counts(uri, kWindow, nowMs);
}

QVariant TreeStatsProxy::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const int sourceCount = sourceColumns();
    if (role == SortKeyRole) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (index.column() == ResourceTreeModel::LastUpdateColumn) {
            const auto stats = statsAt(index, now);
            const qint64 own = index.data(ResourceTreeModel::LastUpdateRole).toLongLong();
            return std::max(own, stats ? stats->lastMs : 0);
        }
        if (index.column() < sourceCount)
            return QIdentityProxyModel::data(index, Qt::DisplayRole);
        const auto stats = statsAt(index, now);
        if (!stats)
            return -1.0;
        switch (Column(index.column() - sourceCount)) {
        case ResourcesColumn: return double(stats->resources);
        case MessagesColumn: return double(stats->messages);
        case MessageRateColumn: return stats->messagesPerSecond;
        case ByteRateColumn: return stats->bytesPerSecond;
        case ColumnCount: break;
        }
        return -1.0;
    }
    if (!isOurs(index))
        return QIdentityProxyModel::data(index, role);
    const QModelIndex first = firstColumn(index);
    switch (role) {
    case Qt::DisplayRole: {
        const auto stats = statsAt(index, QDateTime::currentMSecsSinceEpoch());
        if (!stats)
            return {};
        const QLocale locale;
        switch (Column(index.column() - sourceCount)) {
        case ResourcesColumn:
            // A leaf is its own one resource: the count says something only for subtrees.
            if (!hasChildren(first))
                return {};
            return locale.toString(stats->resources);
        case MessagesColumn: return locale.toString(qulonglong(stats->messages));
        case MessageRateColumn:
            return stats->messagesPerSecond > 0 ? locale.toString(stats->messagesPerSecond, 'f', 1) : QString();
        case ByteRateColumn:
            if (stats->bytesPerSecond <= 0)
                return {};
            return tr("%1/s").arg(locale.formattedDataSize(qint64(stats->bytesPerSecond), 1,
                                                            QLocale::DataSizeTraditionalFormat));
        case ColumnCount: break;
        }
        return {};
    }
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::EditRole:
    case Qt::DecorationRole:
    case Qt::CheckStateRole: return {};
    default:
        // Everything else is the row's: its URI, kind, tooltip and highlight.
        return first.data(role);
    }
}

QVariant TreeStatsProxy::headerData(int section, Qt::Orientation orientation, int role) const
{
    const int sourceCount = sourceColumns();
    if (orientation != Qt::Horizontal || section < sourceCount)
        return QIdentityProxyModel::headerData(section, orientation, role);
    const auto column = Column(section - sourceCount);
    if (role == Qt::DisplayRole) {
        switch (column) {
        case ResourcesColumn: return tr("Resources");
        case MessagesColumn: return tr("Messages");
        case MessageRateColumn: return tr("Msg/s");
        case ByteRateColumn: return tr("Bytes/s");
        case ColumnCount: break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (column) {
        case ResourcesColumn: return tr("Resources at or below the row");
        case MessagesColumn: return tr("Messages received at or below the row");
        case MessageRateColumn: return tr("Messages per second at or below the row, over the last 10 s");
        case ByteRateColumn: return tr("Bytes per second at or below the row, over the last 10 s");
        case ColumnCount: break;
        }
    }
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QModelIndex TreeStatsProxy::fromTree(const QModelIndex &treeIndex) const
{
    const QModelIndex source = mapUpFrom(m_tree, sourceModel(), treeIndex);
    return source.isValid() ? mapFromSource(source) : QModelIndex();
}

void TreeStatsProxy::setRowSignals(bool on)
{
    if (on == m_rowSignals)
        return;
    m_rowSignals = on;
    m_recent.clear();
    m_resumeRank = 0;
    if (m_stats)
        m_stats->dropTouched(); // from now on, by row or not
}

void TreeStatsProxy::refresh()
{
    m_timer->stop();
    if (!m_stats || !m_tree || !sourceModel())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!m_rowSignals) {
        // Loading a million topics touched 50,000 rows a second: resolving each to its row and
        // a dataChanged per parent took up to a second of the GUI thread per refresh.
        if (m_stats->dropTouched() > 0)
            m_lastTalkMs = now;
        Q_EMIT statsRefreshed();
        if (now - m_lastTalkMs <= kRecentMs)
            m_timer->start();
        return;
    }
    const std::vector<quint32> touched = m_stats->takeTouchedRanks();
    if (!touched.empty()) {
        std::vector<Recent> merged;
        merged.reserve(m_recent.size() + touched.size());
        auto old = m_recent.cbegin();
        for (const quint32 rank : touched) {
            while (old != m_recent.cend() && old->rank < rank)
                merged.push_back(*old++);
            if (old != m_recent.cend() && old->rank == rank)
                ++old;
            merged.push_back(Recent{rank, now});
        }
        merged.insert(merged.end(), old, m_recent.cend());
        m_recent.swap(merged);
    }
    // One dataChanged per parent, over the rows of it that talked (and the Last update column,
    // which folders take from here). Parents first, and for a while only: then the rest next
    // time, from where this one stopped.
    struct Range
    {
        int first;
        int last;
    };
    QHash<QModelIndex, Range> ranges;
    QElapsedTimer clock;
    clock.start();
    constexpr qint64 kForgotten = -1;
    auto it = std::lower_bound(m_recent.begin(), m_recent.end(), m_resumeRank,
                               [](const Recent &recent, quint32 rank) { return recent.rank < rank; });
    m_resumeRank = 0;
    for (size_t done = 0, total = m_recent.size(); done < total; ++done) {
        if (it == m_recent.end())
            it = m_recent.begin();
        if (m_budgetMs > 0 && done > 0 && clock.elapsed() >= m_budgetMs) {
            m_resumeRank = it->rank;
            break;
        }
        const QModelIndex row = fromTree(m_tree->indexForId(m_stats->nodeId(it->rank)));
        if (row.isValid()) {
            const QModelIndex parent = row.parent();
            auto range = ranges.find(parent);
            if (range == ranges.end())
                ranges.insert(parent, Range{row.row(), row.row()});
            else
                *range = Range{std::min(range->first, row.row()), std::max(range->last, row.row())};
        }
        // Redrawn once more after its rates fell to zero, then forgotten.
        if (now - it->lastMs > kRecentMs)
            it->lastMs = kForgotten;
        ++it;
    }
    std::erase_if(m_recent, [](const Recent &recent) { return recent.lastMs == kForgotten; });
    const int firstColumn = std::min<int>(ResourceTreeModel::LastUpdateColumn, sourceColumns());
    const int lastColumn = columnOf(ByteRateColumn);
    for (auto it = ranges.cbegin(); it != ranges.cend(); ++it) {
        const QModelIndex parent = it.key();
        Q_EMIT dataChanged(index(it->first, firstColumn, parent), index(it->last, lastColumn, parent));
    }
    if (!m_recent.empty())
        m_timer->start();
}

} // namespace thingscape
