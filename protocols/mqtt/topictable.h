#pragma once

#include "model/resourceid.h"

#include <deque>
#include <functional>
#include <vector>

namespace thingscape {

// The topics an MQTT connector has met, by topic text: each one's id (whose URI holds the topic,
// so the text is not kept a second time), how the store was last told about it, and whether the
// broker holds a retained message for it. Open addressing over indices into a deque: about 48
// bytes a topic, where a QHash keyed by a topic string plus a set of retained topics took 115.
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

    TopicTable();

    // The topic's entry, or null; valid until the next insert(), erase() or keepOnly().
    Entry *find(QStringView topic);
    const Entry *find(QStringView topic) const;
    // A new entry for id, whose topic must not be in the table yet.
    Entry &insert(const ResourceId &id);
    qsizetype size() const { return qsizetype(m_entries.size()); }
    void clear();
    // Drops every entry keep() says no to.
    void keepOnly(const std::function<bool(const Entry &)> &keep);
    const std::deque<Entry> &entries() const { return m_entries; }

    // The topic inside an MQTT id's URI (or its decoded path): a view, no copy.
    static QStringView topicOf(const ResourceId &id);

private:
    size_t slotFor(QStringView topic) const;
    void place(quint32 entry);
    void rebuild();

    std::vector<quint32> m_slots; // entry index + 1 (0: empty), at most half full
    std::deque<Entry> m_entries;
    size_t m_seed = 0;
};

} // namespace thingscape
