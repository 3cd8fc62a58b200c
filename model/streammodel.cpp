#include "streammodel.h"

#include "codecs/codecs.h"
#include "resourcestore.h"

#include <QDateTime>

#include <algorithm>

namespace thingscape {

namespace {

constexpr int kSummaryChars = 120;

QString payloadSummary(const Message &message)
{
    if (message.raw.isEmpty())
        return {};
    // Decoded only here, for rows somebody looks at; the raw bytes are the record.
    return codecs::decode(message.raw, message.contentFormat, {}, message.timeMs).shortText(kSummaryChars);
}

QString summaryOf(const Message &message)
{
    const QString payload = payloadSummary(message);
    if (message.info.isEmpty())
        return payload;
    if (payload.isEmpty())
        return message.info;
    return message.info + QStringLiteral(" \u00b7 ") + payload;
}

} // namespace

StreamModel::StreamModel(ResourceStore *store, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(store)
{
    if (m_store)
        connect(m_store, &ResourceStore::batchApplied, this, &StreamModel::onBatchApplied);
}

StreamModel::~StreamModel() = default;

int StreamModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int StreamModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void StreamModel::onBatchApplied(const StoreBatch &batch)
{
    append(batch.messages);
}

void StreamModel::append(const QList<Message> &messages)
{
    if (messages.isEmpty())
        return;
    if (m_paused) {
        for (const Message &message : messages)
            m_pending.push_back({message, m_totalReceived++});
        m_pendingCount += quint64(messages.size());
        trimPending();
        return;
    }
    std::vector<Entry> incoming;
    // Only the newest capacity() messages of a huge batch can be shown at all.
    const qsizetype skip = std::max<qsizetype>(0, messages.size() - m_capacity);
    m_dropped += quint64(skip);
    incoming.reserve(size_t(messages.size() - skip));
    m_totalReceived += quint64(skip);
    for (qsizetype i = skip; i < messages.size(); ++i)
        incoming.push_back({messages.at(i), m_totalReceived++});
    insertEntries(std::move(incoming));
}

void StreamModel::insertEntries(std::vector<Entry> incoming)
{
    if (incoming.empty())
        return;
    if (qsizetype(incoming.size()) > m_capacity) {
        const auto skip = qsizetype(incoming.size()) - m_capacity;
        m_dropped += quint64(skip);
        incoming.erase(incoming.begin(), incoming.begin() + skip);
    }
    const qsizetype overflow = qsizetype(m_entries.size() + incoming.size()) - m_capacity;
    if (overflow > 0) {
        // Remove first, then insert: the view never holds more than the capacity.
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(incoming.size()) - 1);
    std::move(incoming.begin(), incoming.end(), std::back_inserter(m_entries));
    endInsertRows();
}

void StreamModel::trimPending()
{
    while (qsizetype(m_pending.size()) > m_capacity) {
        m_pending.pop_front();
        ++m_dropped;
    }
}

void StreamModel::setCapacity(int capacity)
{
    capacity = std::max(1, capacity);
    if (capacity == m_capacity)
        return;
    m_capacity = capacity;
    const qsizetype overflow = qsizetype(m_entries.size()) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    trimPending();
}

void StreamModel::pause()
{
    if (m_paused)
        return;
    m_paused = true;
    m_pendingCount = 0;
    Q_EMIT pausedChanged(true);
}

void StreamModel::resume()
{
    if (!m_paused)
        return;
    m_paused = false;
    std::vector<Entry> pending(std::make_move_iterator(m_pending.begin()), std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    m_pendingCount = 0;
    insertEntries(std::move(pending));
    Q_EMIT pausedChanged(false);
}

void StreamModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_pending.clear();
    m_pendingCount = 0;
    endResetModel();
}

const Message &StreamModel::message(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return m_entries[size_t(row)].message;
}

quint64 StreamModel::sequence(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return m_entries[size_t(row)].seq;
}

QString StreamModel::summary(int row) const
{
    return summaryOf(message(row));
}

QString StreamModel::displayText(const Entry &entry, int column) const
{
    const Message &message = entry.message;
    switch (column) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(message.timeMs).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case DirectionColumn:
        return message.direction == Direction::In ? tr("\u2190 in") : tr("\u2192 out");
    case ProtocolColumn:
        return message.id.scheme().toUpper();
    case ResourceColumn:
        return message.id.toString();
    case SizeColumn:
        return QString::number(message.raw.size());
    case SummaryColumn:
        return summaryOf(message);
    default:
        return {};
    }
}

QVariant StreamModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &entry = m_entries[size_t(index.row())];
    const Message &message = entry.message;
    switch (role) {
    case Qt::DisplayRole:
        return displayText(entry, index.column());
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return QDateTime::fromMSecsSinceEpoch(message.timeMs).toLocalTime().toString(Qt::ISODateWithMs);
        if (index.column() == SummaryColumn && !message.error.isEmpty())
            return message.error;
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case DirectionRole:
        return int(message.direction);
    case ProtocolRole:
        return protocolName(message.id.protocol());
    case EndpointRole:
        return message.id.endpointUri();
    case ResourceIdRole:
        return message.id.toString();
    case TimeRole:
        return message.timeMs;
    case SequenceRole:
        return qulonglong(entry.seq);
    case SummaryRole:
        return summaryOf(message);
    default:
        return {};
    }
}

QVariant StreamModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DirectionColumn:
        return tr("Direction");
    case ProtocolColumn:
        return tr("Protocol");
    case ResourceColumn:
        return tr("Resource");
    case SizeColumn:
        return tr("Size");
    case SummaryColumn:
        return tr("Summary");
    default:
        return {};
    }
}

} // namespace thingscape
