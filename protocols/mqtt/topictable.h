#pragma once

#include "model/growingindex.h"
#include "model/resourceid.h"

#include <deque>
#include <functional>
#include <vector>

namespace thingscape {

// The topics an MQTT connector has met, by topic text: each one's id (whose URI holds the topic,
// so the text is not kept a second time), how the store was last told about it, and whether the
// broker holds a retained message for it. An index of entry numbers over a deque: about 48 bytes
// a topic, where a QHash keyed by a topic string plus a set of retained topics took 115.
//
// Nothing here takes time in proportion to the table in one call, since it runs on the I/O
// thread once per message: the index grows a few slots per insert (GrowingIndex), and a bound
// (setBound()) is kept by dropping a few entries per insert, never the whole table at once.
class TopicTable
{
public:
    struct Entry
    {
        ResourceId id;
        bool known = false;            // the store has been told about it (and not of its removal)
        bool retained = false;         // as last told to the store
        bool retainedOnBroker = false; // its last message with a payload was retained
    };

    // Entries a sweep looks at per insert: a sweep over the table is done after a quarter as many
    // inserts as the table had entries when it started.
    static constexpr qsizetype kSweepPerInsert = 4;

    TopicTable();
    // The index refers to the entries by address.
    TopicTable(const TopicTable &) = delete;
    TopicTable &operator=(const TopicTable &) = delete;

    // The topic's entry, or null; valid until the next insert() or clear().
    Entry *find(QStringView topic);
    const Entry *find(QStringView topic) const;
    // A new entry for id, whose topic must not be in the table yet.
    Entry &insert(const ResourceId &id);
    qsizetype size() const { return m_index.size(); }
    void clear();
    // Once the table holds bound entries, a sweep drops the entries droppable() says yes to, of
    // those there when it started, kSweepPerInsert of them looked at per insert(); once it is
    // over, the next sweep starts at twice what stayed (at least at bound), so a table mostly of
    // entries that stay is not swept over and over. 0: no bound.
    void setBound(qsizetype bound, std::function<bool(const Entry &)> droppable);
    bool isSweeping() const { return m_sweepEnd > 0; }
    // Every entry, in no particular order.
    void forEach(const std::function<void(const Entry &)> &visit) const;

    // The topic inside an MQTT id's URI (or its decoded path): a view, no copy.
    static QStringView topicOf(const ResourceId &id);

private:
    // An index handle is an entry's number + 1 (0: empty).
    struct TopicOfEntry
    {
        const std::deque<Entry> *entries = nullptr;
        QStringView operator()(quint32 handle) const;
    };

    void sweepSome();

    std::deque<Entry> m_entries;  // dropped ones have no id and wait in m_free to be reused
    std::vector<quint32> m_free;
    GrowingIndex<quint32, QStringView, TopicOfEntry> m_index;
    qsizetype m_bound = 0;
    qsizetype m_sweepAt = 0;       // the size at which the next sweep starts
    size_t m_sweepNext = 0;        // the next entry the sweep under way looks at
    size_t m_sweepEnd = 0;         // where it stops (0: no sweep under way)
    std::function<bool(const Entry &)> m_droppable;
};

} // namespace thingscape
