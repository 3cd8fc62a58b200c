#include "streammodel.h"

#include "codecs/codecs.h"
#include "plaintooltip.h"
#include "resourcestore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace thingscape {

namespace {

// A row shows at most this much of its payload; the filter searches the same text.
constexpr int kSummaryChars = 200;
// Above this the summary is not decoded: a 200 MB JSON message must not stall the window.
constexpr qsizetype kSummaryDecodeLimit = 64 * 1024;
// A row whose payload went for the budget keeps this much of its summary: it is all that stays of
// it, never dropped, so 100,000 such rows cost about 18 MiB instead of 41 at 200 characters.
constexpr int kDroppedSummaryChars = 80;

bool isInvisibleControl(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

// One line of plain text: line breaks and tabs become spaces; other control characters and
// bidi overrides (which would reorder or hide the rest of the row) become U+FFFD.
QString sanitised(const QString &text)
{
    // Every character this changes is in the BMP, so UTF-16 units are checked one by one
    // (surrogates pass as they are). Text with nothing to change is shared, not copied: most
    // payloads and infos are clean, and this runs once per message on the GUI thread.
    const auto needsChange = [](char16_t c) { return c == u'\n' || c == u'\r' || c == u'\t' || isInvisibleControl(c); };
    const QChar *begin = text.constData();
    const QChar *end = begin + text.size();
    const QChar *first = std::find_if(begin, end, [&](QChar c) { return needsChange(c.unicode()); });
    if (first == end)
        return text;
    QString out = text;
    QChar *data = out.data(); // detaches once
    for (qsizetype i = first - begin; i < out.size(); ++i) {
        const char16_t c = data[i].unicode();
        if (c == u'\n' || c == u'\r' || c == u'\t')
            data[i] = QLatin1Char(' ');
        else if (isInvisibleControl(c))
            data[i] = QChar(0xfffd);
    }
    return out;
}

QString payloadSummary(const Message &message, int maxChars)
{
    if (message.raw.isEmpty())
        return {};
    QString text;
    if (message.raw.size() <= kSummaryDecodeLimit) {
        // A decoding of its own, dropped at once: the one the message shares with the store's
        // value (message.error) stays unmade, so a summary pins no decoded tree.
        text = codecs::decode(message.raw, message.contentFormat, {}, message.timeMs).shortText(maxChars);
    } else {
        // Too large to decode for one row: the start of the bytes as text says what it is.
        text = QCoreApplication::translate("StreamModel", "(%n byte(s)) ", nullptr, int(message.raw.size()))
            + QString::fromUtf8(message.raw.left(maxChars * 4));
    }
    text = sanitised(text);
    if (text.size() > maxChars)
        text = text.left(maxChars - 1) + QChar(0x2026);
    return text;
}

QString summaryText(const Message &message, int maxChars)
{
    const QString payload = payloadSummary(message, maxChars);
    QString text;
    if (message.info.isEmpty())
        text = payload;
    else if (payload.isEmpty())
        text = sanitised(message.info);
    else
        text = sanitised(message.info) + QStringLiteral(" \u00b7 ") + payload;
    if (text.size() > maxChars && maxChars < kSummaryChars)
        text = text.left(maxChars - 1) + QChar(0x2026); // a string of its own size
    return text;
}

// The parts of a normalised resource URI (see ResourceId) that the columns show, read from its
// text: a row keeps no parsed id.
QStringView schemeOf(QStringView uri)
{
    const qsizetype colon = uri.indexOf(QLatin1Char(':'));
    return colon < 0 ? QStringView() : uri.left(colon);
}

Protocol protocolOf(QStringView uri)
{
    const QStringView scheme = schemeOf(uri);
    if (scheme.startsWith(QLatin1String("mqtt")))
        return Protocol::Mqtt;
    if (scheme.startsWith(QLatin1String("coap")))
        return Protocol::Coap;
    return Protocol::Http;
}

QStringView endpointOf(QStringView uri)
{
    const qsizetype schemeEnd = uri.indexOf(QLatin1String("://"));
    if (schemeEnd < 0)
        return {};
    qsizetype end = schemeEnd + 3;
    while (end < uri.size() && uri[end] != QLatin1Char('/') && uri[end] != QLatin1Char('?') && uri[end] != QLatin1Char('#'))
        ++end;
    return uri.left(end);
}

} // namespace

StreamModel::StreamModel(ResourceStore *store, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(store)
    , m_appendTimer(new QTimer(this))
{
    m_appendTimer->setInterval(0);
    connect(m_appendTimer, &QTimer::timeout, this, [this] {
        if (takeIncoming(m_appendSliceMs))
            m_appendTimer->stop();
    });
    if (m_store) {
        connect(m_store, &ResourceStore::batchApplied, this, &StreamModel::onBatchApplied);
        m_store->addBudgetClient(this);
    }
}

StreamModel::~StreamModel()
{
    if (m_store) {
        m_store->removeBudgetClient(this);
        for (const Entry &entry : m_entries)
            discharge(entry);
        for (const Entry &entry : m_pending)
            discharge(entry);
    }
}

namespace {

qsizetype stringBytes(const SharedStringSlice &text)
{
    return text.isEmpty() ? 0 : 32 + 2 * text.size();
}

} // namespace

qsizetype StreamModel::costOf(const Entry &entry)
{
    // Made of what the row holds, which changes only between a discharge() and a charge() (or,
    // for a summary made on first use, is charged as it is made): no field of its own needed.
    return qsizetype(sizeof(Entry)) + stringBytes(entry.summary);
}

void StreamModel::charge(Entry &entry)
{
    if (!m_store)
        return;
    // The row and its summary (the id and the info text are shared; the error text, made when the
    // store's value is decoded, is charged with that decoding).
    m_store->keep(costOf(entry), entry.raw.toString());
}

void StreamModel::discharge(const Entry &entry)
{
    if (m_store)
        m_store->letGo(costOf(entry), entry.raw.toString());
}

void StreamModel::eraseFront(std::deque<Entry> &entries, qsizetype count)
{
    for (qsizetype i = 0; i < count; ++i)
        discharge(entries[size_t(i)]);
    entries.erase(entries.begin(), entries.begin() + count);
    (&entries == &m_entries ? m_entrySeqs : m_pendingSeqs).popFront(count);
    if (&entries == &m_entries)
        m_payloadFrom = std::max<qsizetype>(0, m_payloadFrom - count);
}

qint64 StreamModel::oldestDroppableMs() const
{
    for (auto i = size_t(m_payloadFrom); i < m_entries.size(); ++i) {
        if (!m_entries[i].raw.isEmpty())
            return m_entries[i].timeMs;
    }
    return std::numeric_limits<qint64>::max();
}

bool StreamModel::dropOldestPayload()
{
    while (size_t(m_payloadFrom) < m_entries.size()) {
        Entry &entry = m_entries[size_t(m_payloadFrom++)];
        if (entry.raw.isEmpty())
            continue;
        // The row keeps a short summary, made while the payload is there.
        discharge(entry);
        if (!entry.summarised) {
            entry.summary = SharedStringSlice(summaryText(messageOf(entry, false), kDroppedSummaryChars));
            entry.summarised = true;
        } else if (entry.summary.size() > kDroppedSummaryChars) {
            // a string of its own size
            entry.summary = SharedStringSlice(entry.summary.view().left(kDroppedSummaryChars - 1).toString() + QChar(0x2026));
        }
        entry.droppedBytes = quint32(std::min<qint64>(entry.raw.size(), std::numeric_limits<quint32>::max()));
        entry.raw = SharedByteSlice();
        charge(entry);
        ++m_payloadsDropped;
        return true;
    }
    return false;
}

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
    m_incoming.insert(m_incoming.end(), messages.cbegin(), messages.cend());
    // Only the newest capacity() messages can be shown at all; their summary is made on first
    // use, once, so neither data() nor the filter decodes a payload again.
    const qsizetype skip = std::max<qsizetype>(0, qsizetype(m_incoming.size()) - m_capacity);
    if (skip > 0) {
        m_incoming.erase(m_incoming.begin(), m_incoming.begin() + skip);
        m_dropped += quint64(skip);
        m_totalReceived += quint64(skip);
        if (m_paused)
            m_pendingCount += quint64(skip);
    }
    if (!takeIncoming(m_appendSliceMs, m_appendAtOnce))
        m_appendTimer->start();
}

bool StreamModel::takeIncoming(qint64 budgetMs, qsizetype atLeast)
{
    QElapsedTimer clock;
    clock.start();
    qsizetype done = 0;
    while (!m_incoming.empty()) {
        if (budgetMs >= 0 && done > 0 && done >= atLeast && clock.elapsed() >= budgetMs)
            break;
        const qsizetype count = budgetMs < 0 ? qsizetype(m_incoming.size())
                                             : std::min(qsizetype(m_incoming.size()), std::max(kAppendChunk, atLeast - done));
        if (m_paused) {
            for (qsizetype i = 0; i < count; ++i) {
                m_pending.push_back(makeEntry(m_incoming.front()));
                m_pendingSeqs.push(m_totalReceived++);
                charge(m_pending.back());
                m_incoming.pop_front();
            }
            m_pendingCount += quint64(count);
            trimPending();
        } else {
            std::vector<Entry> incoming;
            incoming.reserve(size_t(count));
            SequenceRuns seqs;
            for (qsizetype i = 0; i < count; ++i) {
                incoming.push_back(makeEntry(m_incoming.front()));
                seqs.push(m_totalReceived++);
                charge(incoming.back());
                m_incoming.pop_front();
            }
            insertEntries(std::move(incoming), std::move(seqs));
        }
        done += count;
    }
    // Here, where every entry made is in a row or kept aside, never while some are being made.
    if (m_kinds.size() >= m_collectKindsAt)
        collectKinds();
    if (done > 0 && m_store)
        m_store->enforceMemoryBudget();
    if (m_incoming.empty())
        m_incoming.shrink_to_fit();
    return m_incoming.empty();
}

StreamModel::Entry StreamModel::makeEntry(const Message &message)
{
    static_assert(sizeof(Entry) <= 72, "a stream row stays compact: seven to a 512-byte block of std::deque");
    Entry entry;
    entry.uri = SharedStringSlice(message.id.uri());
    entry.raw = SharedByteSlice(message.raw);
    entry.timeMs = message.timeMs;
    entry.kind = kindOf(message);
    entry.error = message.error;
    entry.droppedBytes = quint32(std::clamp<qint64>(message.droppedBytes, 0, std::numeric_limits<quint32>::max()));
    return entry;
}

quint32 StreamModel::kindOf(const Message &message)
{
    // Nearly every message is of the kind before it (a connector hands out one info string per
    // kind of message), so that one is checked first, by its buffer.
    if (m_lastKind < m_kinds.size()) {
        const Kind &last = m_kinds[m_lastKind];
        if (last.contentFormat == message.contentFormat && last.direction == message.direction
            && last.info.size() == message.info.size()
            && (last.info.constData() == message.info.constData() || last.info == message.info))
            return m_lastKind;
    }
    Kind kind{message.info, message.contentFormat, message.direction};
    auto found = m_kindIndex.constFind(kind);
    if (found == m_kindIndex.cend()) {
        // The index only finds kinds again; it is not what keeps them. Where every info is new
        // (CoAP's "notify 2.05 #N") it would cost more than the rows save, so it is emptied at its
        // limit: a kind it forgot that comes again is a second kind alike, which costs nothing else.
        if (m_kindIndex.size() >= kKindIndexLimit)
            m_kindIndex.clear();
        found = m_kindIndex.insert(kind, quint32(m_kinds.size()));
        m_kinds.push_back(std::move(kind));
    }
    m_lastKind = found.value();
    return m_lastKind;
}

void StreamModel::collectKinds()
{
    constexpr quint32 kUnused = std::numeric_limits<quint32>::max();
    std::vector<quint32> remap(m_kinds.size(), kUnused);
    std::vector<Kind> kept;
    auto renumber = [&](std::deque<Entry> &entries) {
        for (Entry &entry : entries) {
            quint32 &to = remap[entry.kind];
            if (to == kUnused) {
                to = quint32(kept.size());
                kept.push_back(m_kinds[entry.kind]);
            }
            entry.kind = to;
        }
    };
    renumber(m_entries);
    renumber(m_pending);
    m_kinds = std::move(kept);
    m_kindIndex.clear();
    for (size_t i = m_kinds.size() - std::min(m_kinds.size(), size_t(kKindIndexLimit)); i < m_kinds.size(); ++i)
        m_kindIndex.insert(m_kinds[i], quint32(i)); // the newest
    m_lastKind = 0;
    // Amortised: rows are walked again only after half as many new kinds as there are now (at
    // least kCollectKindsAt), so a stream whose every info is new (CoAP's "notify 2.05 #N") holds
    // at most 1.5 kinds a row.
    m_collectKindsAt = m_kinds.size() + std::max(kCollectKindsAt, m_kinds.size() / 2);
}

Message StreamModel::messageOf(const Entry &entry, bool withId) const
{
    const Kind &kind = m_kinds[entry.kind];
    Message message{entry.timeMs, kind.direction, {}, entry.raw.toString(), kind.contentFormat, kind.info, entry.error,
                    entry.droppedBytes};
    if (withId && !entry.uri.isEmpty())
        message.id = ResourceId::parse(entry.uri.toString()).value_or(ResourceId());
    return message;
}

void StreamModel::SequenceRuns::push(quint64 seq)
{
    if (m_runs.empty() || m_runs.back().seq + (m_end - m_runs.back().position) != seq)
        m_runs.push_back({m_end, seq});
    ++m_end;
}

void StreamModel::SequenceRuns::popFront(qsizetype count)
{
    m_front = std::min(m_end, m_front + quint64(std::max<qsizetype>(0, count)));
    if (m_front == m_end) {
        m_runs.clear();
        return;
    }
    while (m_runs.size() > 1 && m_runs[1].position <= m_front)
        m_runs.pop_front();
}

quint64 StreamModel::SequenceRuns::at(qsizetype row) const
{
    Q_ASSERT(row >= 0 && m_front + quint64(row) < m_end);
    const quint64 position = m_front + quint64(row);
    // The last run starting at or before the row.
    auto run = std::upper_bound(m_runs.cbegin(), m_runs.cend(), position,
                                [](quint64 p, const Run &r) { return p < r.position; });
    --run;
    return run->seq + (position - run->position);
}

QString StreamModel::summaryOf(const Entry &entry) const
{
    if (entry.summarised)
        return entry.summary.toString();
    const QString text = summaryText(messageOf(entry, false), kSummaryChars);
    entry.summary = SharedStringSlice(text);
    entry.summarised = true;
    // Charged now that it exists (the budget is enforced with the next batch, never from here).
    const qsizetype bytes = stringBytes(entry.summary);
    if (m_store && bytes > 0)
        m_store->keep(bytes, QByteArray());
    return text;
}

void StreamModel::insertEntries(std::vector<Entry> incoming, SequenceRuns seqs)
{
    if (incoming.empty())
        return;
    if (qsizetype(incoming.size()) > m_capacity) {
        const auto skip = qsizetype(incoming.size()) - m_capacity;
        m_dropped += quint64(skip);
        for (qsizetype i = 0; i < skip; ++i)
            discharge(incoming[size_t(i)]);
        incoming.erase(incoming.begin(), incoming.begin() + skip);
        seqs.popFront(skip);
    }
    const qsizetype overflow = qsizetype(m_entries.size() + incoming.size()) - m_capacity;
    if (overflow > 0) {
        // Remove first, then insert: the view never holds more than the capacity.
        beginRemoveRows({}, 0, int(overflow) - 1);
        eraseFront(m_entries, overflow);
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(incoming.size()) - 1);
    std::move(incoming.begin(), incoming.end(), std::back_inserter(m_entries));
    for (qsizetype i = 0; i < qsizetype(incoming.size()); ++i)
        m_entrySeqs.push(seqs.at(i));
    endInsertRows();
}

void StreamModel::trimPending()
{
    const qsizetype overflow = qsizetype(m_pending.size()) - m_capacity;
    if (overflow > 0) {
        eraseFront(m_pending, overflow);
        m_dropped += quint64(overflow);
    }
}

void StreamModel::setCapacity(int capacity)
{
    capacity = std::max(1, capacity);
    if (capacity == m_capacity)
        return;
    takeIncoming(-1);
    m_capacity = capacity;
    const qsizetype overflow = qsizetype(m_entries.size()) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        eraseFront(m_entries, overflow);
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    trimPending();
}

void StreamModel::pause()
{
    if (m_paused)
        return;
    takeIncoming(-1); // what came before the pause is shown
    m_paused = true;
    m_pendingCount = 0;
    Q_EMIT pausedChanged(true);
}

void StreamModel::resume()
{
    if (!m_paused)
        return;
    takeIncoming(-1);
    m_paused = false;
    std::vector<Entry> pending(std::make_move_iterator(m_pending.begin()), std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    SequenceRuns seqs = std::exchange(m_pendingSeqs, SequenceRuns());
    m_pendingCount = 0;
    insertEntries(std::move(pending), std::move(seqs));
    Q_EMIT pausedChanged(false);
}

void StreamModel::clear()
{
    beginResetModel();
    m_totalReceived += quint64(m_incoming.size());
    m_incoming.clear();
    eraseFront(m_entries, qsizetype(m_entries.size()));
    eraseFront(m_pending, qsizetype(m_pending.size()));
    m_payloadFrom = 0;
    m_pendingCount = 0;
    collectKinds(); // none is left
    endResetModel();
}

Message StreamModel::message(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return messageOf(m_entries[size_t(row)]);
}

QString StreamModel::resourceUri(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return m_entries[size_t(row)].uri.toString();
}

quint64 StreamModel::sequence(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return m_entrySeqs.at(row);
}

QString StreamModel::summary(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return summaryOf(m_entries[size_t(row)]);
}

QString StreamModel::displayText(const Entry &entry, int column) const
{
    switch (column) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(entry.timeMs).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case DirectionColumn:
        return m_kinds[entry.kind].direction == Direction::In ? tr("\u2190 in") : tr("\u2192 out");
    case ProtocolColumn:
        return schemeOf(entry.uri.view()).toString().toUpper();
    case ResourceColumn:
        return entry.uri.toString();
    case SizeColumn:
        return QString::number(entry.size());
    case SummaryColumn:
        return summaryOf(entry);
    default:
        return {};
    }
}

QVariant StreamModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &entry = m_entries[size_t(index.row())];
    const QStringView uri = entry.uri.view();
    switch (role) {
    case Qt::DisplayRole:
        return displayText(entry, index.column());
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return QDateTime::fromMSecsSinceEpoch(entry.timeMs).toLocalTime().toString(Qt::ISODateWithMs);
        // Decode errors quote the payload: never rich text.
        if (index.column() == SummaryColumn && !entry.error.isEmpty())
            return plainToolTip(entry.error);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case DirectionRole:
        return int(m_kinds[entry.kind].direction);
    case ProtocolRole:
        return protocolName(protocolOf(uri));
    case EndpointRole:
        return endpointOf(uri).toString();
    case ResourceIdRole:
        return entry.uri.toString();
    case TimeRole:
        return entry.timeMs;
    case SequenceRole:
        return qulonglong(m_entrySeqs.at(index.row()));
    case SummaryRole:
        return summaryOf(entry);
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
