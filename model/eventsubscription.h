#pragma once

#include "valueevent.h"

#include <QMutex>
#include <QObject>

#include <deque>
#include <optional>

namespace thingscape {

// One consumer's bounded queue of value events (a rule engine, a gateway, a recorder). The
// store fills it on its thread; the consumer takes events on its own, woken by
// eventsAvailable(). When the consumer falls behind, the oldest queued events make room for
// the new ones and each one dropped is counted: a gap is never silent (seq shows where).
// Get one from ResourceStore::subscribe() on the consumer's thread: it lives there.
class EventSubscription : public QObject
{
    Q_OBJECT

public:
    EventSubscription(const QString &name, qsizetype capacity);
    ~EventSubscription() override;

    QString name() const { return m_name; }
    qsizetype capacity() const { return m_capacity; }

    // Thread-safe, for the consumer.
    std::optional<ValueEvent> take();
    // Up to max events (all when max < 0), oldest first.
    ValueEvents drain(qsizetype max = -1);
    qsizetype queued() const;
    quint64 dropped() const;
    quint64 received() const; // every event pushed, dropped ones included

    // Thread-safe, for the store.
    void push(const ValueEvents &events);

Q_SIGNALS:
    // On the subscription's thread, at most one pending at a time: after it, new events bring
    // another. Take or drain what is there.
    void eventsAvailable();

private:
    const QString m_name;
    const qsizetype m_capacity;
    mutable QMutex m_mutex;
    std::deque<ValueEvent> m_queue;
    quint64 m_dropped = 0;
    quint64 m_received = 0;
    bool m_wakePending = false;
};

} // namespace thingscape
