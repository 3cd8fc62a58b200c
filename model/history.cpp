#include "history.h"

namespace thingscape {

namespace {

// A deque node holds 512 / sizeof(Point) points; the rest of the node is spread over them.
constexpr qsizetype kPointsPerNode = std::max<qsizetype>(1, 512 / qsizetype(sizeof(History::Point)));
constexpr qsizetype kSlotBytes = 512 / kPointsPerNode;
constexpr qsizetype kBudgetQueueEntry = 16;

} // namespace

qsizetype History::fixedCost(const Value &value)
{
    return value.memoryCost() - value.raw.capacity() - qsizetype(sizeof(Value)) + kSlotBytes + kBudgetQueueEntry;
}

qsizetype History::pointCost(const Value &value)
{
    return fixedCost(value) + PayloadLedger::payloadBytes(value.raw);
}

History::History(const History &other)
    : m_current(other.m_current)
    , m_older(other.m_older ? std::make_unique<std::deque<Point>>(*other.m_older) : nullptr)
    , m_hasCurrent(other.m_hasCurrent)
    , m_currentCounted(other.m_currentCounted)
{
}

History &History::operator=(const History &other)
{
    if (this != &other) {
        History copy(other);
        *this = std::move(copy);
    }
    return *this;
}

const Value &History::at(qsizetype i) const
{
    const qsizetype older = olderCount();
    if (i < older)
        return (*m_older)[size_t(i)].value;
    Q_ASSERT(i == older && m_currentCounted);
    return m_current.value;
}

const Value &History::last() const
{
    Q_ASSERT(!isEmpty());
    return m_currentCounted ? m_current.value : m_older->back().value;
}

const History::Point &History::oldest() const
{
    Q_ASSERT(!isEmpty());
    return olderCount() > 0 ? m_older->front() : m_current;
}

void History::append(quint64 seq, const Value &value)
{
    if (m_currentCounted) {
        if (!m_older)
            m_older = std::make_unique<std::deque<Point>>();
        m_older->push_back(std::move(m_current));
    }
    m_current = Point{seq, value};
    m_hasCurrent = true;
    m_currentCounted = true;
}

qsizetype History::dropOldest()
{
    qsizetype cost = 0;
    if (olderCount() > 0) {
        cost = pointCost(m_older->front().value);
        m_older->pop_front();
        if (m_older->empty())
            m_older.reset(); // back to one inline value: no storage kept for an empty deque
    } else if (m_currentCounted) {
        cost = pointCost(m_current.value);
        m_currentCounted = false;
    }
    return cost;
}

void History::clear()
{
    m_older.reset();
    m_currentCounted = false;
}

qsizetype History::bytes() const
{
    qsizetype total = m_currentCounted ? pointCost(m_current.value) : 0;
    if (m_older) {
        for (const Point &point : *m_older)
            total += pointCost(point.value);
    }
    return total;
}

} // namespace thingscape
