#include "topictable.h"

#include <algorithm>

namespace thingscape {

TopicTable::TopicTable()
    : m_index(TopicOfEntry{&m_entries})
{
}

QStringView TopicTable::TopicOfEntry::operator()(quint32 handle) const
{
    return topicOf((*entries)[handle - 1].id);
}

QStringView TopicTable::topicOf(const ResourceId &id)
{
    const QStringView path = id.pathView();
    return path.isEmpty() ? path : path.mid(1);
}

TopicTable::Entry *TopicTable::find(QStringView topic)
{
    const quint32 handle = m_index.find(topic);
    return handle == 0 ? nullptr : &m_entries[handle - 1];
}

const TopicTable::Entry *TopicTable::find(QStringView topic) const
{
    return const_cast<TopicTable *>(this)->find(topic);
}

TopicTable::Entry &TopicTable::insert(const ResourceId &id)
{
    // Before the new entry exists, so that it is never the one dropped.
    if (m_bound > 0 && !isSweeping() && size() >= m_sweepAt) {
        m_sweepNext = 0;
        m_sweepEnd = m_entries.size();
    }
    if (isSweeping())
        sweepSome();
    quint32 number;
    if (!m_free.empty()) {
        number = m_free.back();
        m_free.pop_back();
    } else {
        number = quint32(m_entries.size());
        m_entries.emplace_back();
    }
    Entry &entry = m_entries[number];
    entry.id = id;
    m_index.insert(number + 1);
    return entry;
}

void TopicTable::sweepSome()
{
    const size_t end = std::min(m_sweepEnd, m_sweepNext + size_t(kSweepPerInsert));
    for (; m_sweepNext < end; ++m_sweepNext) {
        Entry &entry = m_entries[m_sweepNext];
        if (entry.id.uri().isEmpty() || !m_droppable(entry))
            continue;
        m_index.remove(topicOf(entry.id));
        entry = Entry();
        m_free.push_back(quint32(m_sweepNext));
    }
    if (m_sweepNext >= m_sweepEnd) {
        m_sweepEnd = 0;
        m_sweepAt = std::max(m_bound, 2 * size());
    }
}

void TopicTable::setBound(qsizetype bound, std::function<bool(const Entry &)> droppable)
{
    m_bound = std::max<qsizetype>(bound, 0);
    m_sweepAt = m_bound;
    m_droppable = std::move(droppable);
    m_sweepEnd = 0;
}

void TopicTable::clear()
{
    m_index.clear();
    m_entries.clear();
    m_free.clear();
    m_sweepEnd = 0;
    m_sweepAt = m_bound;
}

void TopicTable::forEach(const std::function<void(const Entry &)> &visit) const
{
    for (const Entry &entry : m_entries) {
        if (!entry.id.uri().isEmpty())
            visit(entry);
    }
}

} // namespace thingscape
