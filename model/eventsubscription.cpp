#include "eventsubscription.h"

#include <QMutexLocker>

#include <algorithm>

namespace thingscape {

EventSubscription::EventSubscription(const QString &name, qsizetype capacity)
    : m_name(name)
    , m_capacity(std::max<qsizetype>(1, capacity))
{
}

EventSubscription::~EventSubscription() = default;

std::optional<ValueEvent> EventSubscription::take()
{
    QMutexLocker lock(&m_mutex);
    if (m_queue.empty())
        return std::nullopt;
    ValueEvent event = std::move(m_queue.front());
    m_queue.pop_front();
    return event;
}

ValueEvents EventSubscription::drain(qsizetype max)
{
    QMutexLocker lock(&m_mutex);
    const qsizetype count = max < 0 ? qsizetype(m_queue.size()) : std::min(max, qsizetype(m_queue.size()));
    ValueEvents events;
    events.reserve(count);
    for (qsizetype i = 0; i < count; ++i) {
        events.append(std::move(m_queue.front()));
        m_queue.pop_front();
    }
    return events;
}

qsizetype EventSubscription::queued() const
{
    QMutexLocker lock(&m_mutex);
    return qsizetype(m_queue.size());
}

quint64 EventSubscription::dropped() const
{
    QMutexLocker lock(&m_mutex);
    return m_dropped;
}

quint64 EventSubscription::received() const
{
    QMutexLocker lock(&m_mutex);
    return m_received;
}

void EventSubscription::push(const ValueEvents &events)
{
    if (events.isEmpty())
        return;
    bool wake = false;
    {
        QMutexLocker lock(&m_mutex);
        m_received += quint64(events.size());
        // More than fits: only the newest capacity events can stay.
        qsizetype first = 0;
        if (events.size() > m_capacity) {
            first = events.size() - m_capacity;
            m_dropped += quint64(first) + quint64(m_queue.size());
            m_queue.clear();
        }
        for (qsizetype i = first; i < events.size(); ++i) {
            if (qsizetype(m_queue.size()) >= m_capacity) {
                m_queue.pop_front();
                ++m_dropped;
            }
            m_queue.push_back(events.at(i));
        }
        if (!m_wakePending) {
            m_wakePending = true;
            wake = true;
        }
    }
    if (wake) {
        // Queued even on the same thread: the store is in the middle of an ingest.
        QMetaObject::invokeMethod(
            this,
            [this] {
                {
                    QMutexLocker lock(&m_mutex);
                    m_wakePending = false;
                }
                Q_EMIT eventsAvailable();
            },
            Qt::QueuedConnection);
    }
}

} // namespace thingscape
