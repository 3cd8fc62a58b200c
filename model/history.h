#pragma once

#include "value.h"

#include <deque>

namespace thingscape {

// The last values of one resource, oldest first, bounded by a capacity.
// Each point carries the store-wide sequence number used by the global memory budget.
class History
{
public:
    struct Point
    {
        quint64 seq = 0;
        Value value;
    };

    qsizetype size() const { return qsizetype(m_points.size()); }
    bool isEmpty() const { return m_points.empty(); }
    const Value &at(qsizetype i) const { return m_points[size_t(i)].value; }
    const Value &last() const { return m_points.back().value; }
    const Point &oldest() const { return m_points.front(); }
    qsizetype bytes() const { return m_bytes; }

    void append(quint64 seq, const Value &value);
    // Drops the oldest point; returns its memory cost.
    qsizetype dropOldest();
    void clear();

private:
    std::deque<Point> m_points;
    qsizetype m_bytes = 0;
};

} // namespace thingscape
