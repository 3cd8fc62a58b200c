#include "topictable.h"

#include <QHashFunctions>

#include <algorithm>

namespace thingscape {

TopicTable::TopicTable()
    : m_seed(size_t(QHashSeed::globalSeed()))
{
}

QStringView TopicTable::topicOf(const ResourceId &id)
{
    const QStringView path = id.pathView();
    return path.isEmpty() ? path : path.mid(1);
}

size_t TopicTable::slotFor(QStringView topic) const
{
    const size_t mask = m_slots.size() - 1;
    for (size_t i = qHash(topic, m_seed) & mask;; i = (i + 1) & mask) {
        const quint32 slot = m_slots[i];
        if (slot == 0 || topicOf(m_entries[slot - 1].id) == topic)
            return i;
    }
}

TopicTable::Entry *TopicTable::find(QStringView topic)
{
    if (m_slots.empty())
        return nullptr;
    const quint32 slot = m_slots[slotFor(topic)];
    return slot == 0 ? nullptr : &m_entries[slot - 1];
}

const TopicTable::Entry *TopicTable::find(QStringView topic) const
{
    return const_cast<TopicTable *>(this)->find(topic);
}

void TopicTable::place(quint32 entry)
{
    m_slots[slotFor(topicOf(m_entries[entry].id))] = entry + 1;
}

void TopicTable::rebuild()
{
    size_t wanted = 64;
    while (wanted < 2 * m_entries.size())
        wanted *= 2;
    m_slots.assign(wanted, 0);
    for (quint32 entry = 0; entry < quint32(m_entries.size()); ++entry)
        place(entry);
}

TopicTable::Entry &TopicTable::insert(const ResourceId &id)
{
    Entry &entry = m_entries.emplace_back();
    entry.id = id;
    if (2 * m_entries.size() > m_slots.size())
        rebuild();
    else
        place(quint32(m_entries.size() - 1));
    return entry;
}

void TopicTable::clear()
{
    m_slots.clear();
    m_entries.clear();
}

void TopicTable::keepOnly(const std::function<bool(const Entry &)> &keep)
{
    std::deque<Entry> kept;
    for (Entry &entry : m_entries) {
        if (keep(entry))
            kept.push_back(std::move(entry));
    }
    m_entries.swap(kept);
    rebuild();
}

} // namespace thingscape
