#include "history.h"

namespace thingscape {

void History::append(quint64 seq, const Value &value)
{
    m_points.push_back(Point{seq, value});
    m_bytes += value.memoryCost();
}

qsizetype History::dropOldest()
{
    if (m_points.empty())
        return 0;
    const qsizetype cost = m_points.front().value.memoryCost();
    m_points.pop_front();
    m_bytes -= cost;
    return cost;
}

void History::clear()
{
    m_points.clear();
    m_bytes = 0;
}

} // namespace thingscape
