#pragma once

#include "message.h"
#include "resourcestore.h"
#include "sharedstringslice.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>

class QTimer;

#include <algorithm>
#include <deque>
#include <vector>

namespace thingscape {

// The message log: every message in and out, newest last, in a ring of a fixed capacity
// (the oldest rows go first). Each store batch (or each slice of a large one, see append()) is
// at most one remove (the overflow) and one insert. Each message's one-line summary (at most 200
// characters) is made once, on first use (shown, filtered, or before its payload goes for the
// budget), never again; other display text is built in data().
//
// With a store, what the stream keeps counts against the store's memory budget (one budget for
// everything kept): a payload shared with the store's history is counted once, and when the
// budget is exceeded the oldest payloads go first, from the history or from here, whichever is
// older; a row whose payload went keeps its summary and size (Message::droppedBytes).
class StreamModel : public QAbstractTableModel, public BudgetClient
{
    Q_OBJECT

public:
    static constexpr int kDefaultCapacity = 100000;

    enum Column {
        TimeColumn,
        DirectionColumn,
        ProtocolColumn,
        ResourceColumn,
        SizeColumn,
        SummaryColumn,
        ColumnCount,
    };
    Q_ENUM(Column)

    enum Role {
        DirectionRole = Qt::UserRole + 1, // int: a thingscape::Direction
        ProtocolRole,                     // QString: "mqtt", "coap" or "http"
        EndpointRole,                     // QString: scheme://host:port
        ResourceIdRole,                   // QString: the resource URI
        TimeRole,                         // qint64: ms since the epoch
        SequenceRole,                     // qulonglong: 0-based number of the message since the start
        SummaryRole,                      // QString: the short payload summary, whatever the column
    };
    Q_ENUM(Role)

    // Feeds itself from the store's batches when given one (not owned); append() works either way.
    explicit StreamModel(ResourceStore *store = nullptr, QObject *parent = nullptr);
    ~StreamModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Up to setAppendAtOnce() messages become rows at once; past it the rest follow in slices
    // of about kAppendSliceMs on the event loop (a flood never freezes a view), the oldest
    // first, and only the newest capacity() of them are ever made into rows.
    void append(const QList<Message> &messages);
    static constexpr qsizetype kAppendAtOnce = 20000;
    static constexpr qsizetype kAppendChunk = 256;
    static constexpr int kAppendSliceMs = 8;
    void setAppendAtOnce(qsizetype messages) { m_appendAtOnce = std::max<qsizetype>(1, messages); }
    // 0: one chunk of kAppendChunk a turn.
    void setAppendSliceMs(int sliceMs) { m_appendSliceMs = std::max(0, sliceMs); }
    // Messages appended but not yet rows (nor kept aside while paused).
    qsizetype waitingMessages() const { return qsizetype(m_incoming.size()); }

    int capacity() const { return m_capacity; }
    // Drops the oldest rows beyond the new capacity.
    void setCapacity(int capacity);

    // While paused, messages are kept aside (up to the capacity) and shown on resume.
    void pause();
    void resume();
    bool isPaused() const { return m_paused; }
    // Messages that arrived since pause() (including any the capacity could not keep).
    quint64 pendingWhilePaused() const { return m_pendingCount; }

    // Empties the log and what was kept aside while paused; totalReceived() goes on counting.
    void clear();

    // The row's message, put together from the row (which keeps no Message, see Entry).
    Message message(int row) const;
    // The row's resource URI (message(row).id as text) without building the message.
    QString resourceUri(int row) const;
    quint64 sequence(int row) const;
    QString summary(int row) const;
    quint64 totalReceived() const { return m_totalReceived; }
    // Messages that left the ring (or never fitted in it).
    quint64 dropped() const { return m_dropped; }
    // Rows whose payload was let go of for the memory budget.
    quint64 payloadsDropped() const { return m_payloadsDropped; }
    // The distinct (info, content format, direction) the rows and the messages kept aside share.
    qsizetype kindCount() const { return qsizetype(m_kinds.size()); }

    // BudgetClient
    qint64 oldestDroppableMs() const override;
    bool dropOldestPayload() override;

Q_SIGNALS:
    void pausedChanged(bool paused);

private:
    // 72 bytes a row, seven to a block of std::deque (a whole Message, its summary and its charge
    // were 168): the URI, the payload and the summary are slices of buffers shared with the store
    // and the connector; the info text, content format and direction, which few messages tell
    // apart, are one of the model's kinds; the sequence number is the row's place in a run
    // (SequenceRuns); display text is built in data().
    struct Entry
    {
        SharedStringSlice uri; // the resource's id, parsed again only for message()
        SharedByteSlice raw;
        // Bounded, one line, made on first use (shown, filtered, or before its payload goes):
        // most rows of a flood are never shown, and making it decodes the payload.
        mutable SharedStringSlice summary;
        qint64 timeMs = 0;
        // Shares the value's decoding: reading it may decode the payload, so it is kept as it is.
        DecodeError error;
        quint32 droppedBytes = 0; // the payload's size once it was let go of (saturated)
        quint32 kind : 31 = 0;    // in m_kinds
        mutable bool summarised : 1 = false;

        qint64 size() const { return droppedBytes > 0 ? qint64(droppedBytes) : raw.size(); }
    };
    // The sequence numbers of a list of rows: they count on by one from row to row but where
    // messages were dropped before they became rows, so a run per such gap stands for them all.
    class SequenceRuns
    {
    public:
        void push(quint64 seq); // of a row added at the back
        void popFront(qsizetype count);
        quint64 at(qsizetype row) const;
        qsizetype runCount() const { return qsizetype(m_runs.size()); }

    private:
        struct Run
        {
            quint64 position; // of its first row, counted since the list began
            quint64 seq;
        };
        std::deque<Run> m_runs;
        quint64 m_front = 0; // the position of row 0
        quint64 m_end = 0;   // past the last row
    };

    // What rows share: the info text, content format and direction of a message.
    struct Kind
    {
        QString info;
        int contentFormat = ContentFormat::Unknown;
        Direction direction = Direction::In;

        friend bool operator==(const Kind &a, const Kind &b)
        {
            return a.contentFormat == b.contentFormat && a.direction == b.direction && a.info == b.info;
        }
        friend size_t qHash(const Kind &kind, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, kind.info, kind.contentFormat, int(kind.direction));
        }
    };

    Entry makeEntry(const Message &message);
    quint32 kindOf(const Message &message);
    // Drops the kinds no row uses any more, when there are many (messages with ever new infos).
    void collectKinds();
    // The row's message; without its id (parsed from the URI) when withId is false.
    Message messageOf(const Entry &entry, bool withId = true) const;
    void onBatchApplied(const StoreBatch &batch);
    // Makes rows of waiting messages: at least atLeast, then until budgetMs have passed (all
    // of them when negative); true when none wait.
    bool takeIncoming(qint64 budgetMs, qsizetype atLeast = 0);
    void insertEntries(std::vector<Entry> incoming, SequenceRuns seqs);
    void trimPending();
    // What a row is charged to the store's budget, besides its payload.
    static qsizetype costOf(const Entry &entry);
    void charge(Entry &entry);
    void discharge(const Entry &entry);
    void eraseFront(std::deque<Entry> &entries, qsizetype count);
    QString displayText(const Entry &entry, int column) const;
    QString summaryOf(const Entry &entry) const;

    QPointer<ResourceStore> m_store; // Not owned.
    std::deque<Entry> m_entries;
    SequenceRuns m_entrySeqs;
    qsizetype m_payloadFrom = 0; // rows before it have no payload left to let go of
    std::deque<Entry> m_pending;
    SequenceRuns m_pendingSeqs;
    std::deque<Message> m_incoming; // appended, waiting for their turn (not charged yet)
    qsizetype m_appendAtOnce = kAppendAtOnce;
    int m_appendSliceMs = kAppendSliceMs;
    QTimer *m_appendTimer;
    int m_capacity = kDefaultCapacity;
    bool m_paused = false;
    quint64 m_pendingCount = 0;
    quint64 m_totalReceived = 0;
    quint64 m_dropped = 0;
    quint64 m_payloadsDropped = 0;
    std::vector<Kind> m_kinds;
    QHash<Kind, quint32> m_kindIndex;
    quint32 m_lastKind = 0;
    size_t m_collectKindsAt = kCollectKindsAt;
    static constexpr size_t kCollectKindsAt = 1024;
    static constexpr qsizetype kKindIndexLimit = 4096;
};

} // namespace thingscape
