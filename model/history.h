#pragma once

#include "payloadledger.h"
#include "value.h"

#include <deque>
#include <memory>

namespace thingscape {

// The last values of one resource, oldest first, bounded by a capacity.
// Each point carries the store-wide sequence number used by the global memory budget.
//
// The newest point is the resource's current value, held once: a resource with one value
// allocates nothing here. The older points live in a deque made on the second value and
// freed again when the budget or the capacity empties it. The memory budget may drop even the
// newest point from the history; the current value itself stays (Resource::value()).
class History
{
public:
    struct Point
    {
        quint64 seq = 0;
        Value value;
    };

    History() = default;
    History(const History &other);
    History &operator=(const History &other);
    History(History &&) noexcept = default;
    History &operator=(History &&) noexcept = default;

    qsizetype size() const { return olderCount() + (m_currentCounted ? 1 : 0); }
    bool isEmpty() const { return size() == 0; }
    const Value &at(qsizetype i) const;
    const Value &last() const;
    const Point &oldest() const;
    // What its points cost (History::pointCost each), summed on demand: not kept per resource.
    qsizetype bytes() const;
    // True when the older points have storage of their own (more than the current value).
    bool hasOlderStorage() const { return m_older != nullptr; }

    // The newest value appended, even when the budget dropped it from the history.
    bool hasCurrent() const { return m_hasCurrent; }
    // False once the budget dropped the current value from the history.
    bool currentInHistory() const { return m_currentCounted; }
    // What the older points' storage costs before its first point (a deque's map and first node).
    static constexpr qsizetype kOlderStorageBytes = 720;
    // What one point costs in memory: the value (Value::memoryCost() with its payload as a heap
    // block), its slot in the deque and its entry in the store's budget queue.
    static qsizetype pointCost(const Value &value);
    // The same without the payload (which the store may share and count once).
    static qsizetype fixedCost(const Value &value);
    const Value &current() const { return m_current.value; }

    void append(quint64 seq, const Value &value);
    // Drops the oldest point; returns its memory cost.
    qsizetype dropOldest();
    // Drops every point (the current value stays, outside the history).
    void clear();

private:
    qsizetype olderCount() const { return m_older ? qsizetype(m_older->size()) : 0; }

    Point m_current;
    std::unique_ptr<std::deque<Point>> m_older;
    bool m_hasCurrent = false;
    bool m_currentCounted = false; // the current value is also the history's newest point
};

} // namespace thingscape
