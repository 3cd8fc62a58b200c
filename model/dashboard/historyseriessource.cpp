#include "historyseriessource.h"

#include "model/resourcestore.h"

#include <algorithm>

namespace thingscape {

HistorySeriesSource::HistorySeriesSource(const ResourceStore *store)
    : m_store(store)
{
}

QList<Value> HistorySeriesSource::sortedValues(const ResourceId &id) const
{
    QList<Value> sorted;
    if (!m_store)
        return sorted;
    const Resource *resource = m_store->find(id);
    if (!resource)
        return sorted;
    const History &history = resource->history();
    sorted.reserve(history.size() + 1);
    for (qsizetype i = 0; i < history.size(); ++i)
        sorted.append(history.at(i));
    // The budget may have dropped even the newest point; the current value is still known.
    if (sorted.isEmpty() && resource->hasValue())
        sorted.append(resource->value());
    const auto byTime = [](const Value &a, const Value &b) { return a.timeMs < b.timeMs; };
    if (!std::is_sorted(sorted.cbegin(), sorted.cend(), byTime))
        std::stable_sort(sorted.begin(), sorted.end(), byTime);
    return sorted;
}

std::vector<SeriesPoint> HistorySeriesSource::points(const ResourceId &id, const QString &pointer, qint64 fromMs,
                                                     qint64 toMs) const
{
    std::vector<SeriesPoint> points;
    const QList<Value> sorted = sortedValues(id);
    points.reserve(size_t(sorted.size()));
    for (const Value &value : sorted) {
        if (value.timeMs < fromMs || value.timeMs > toMs)
            continue;
        if (const auto number = numberAt(value, pointer))
            points.push_back({value.timeMs, *number});
    }
    return points;
}

QList<Value> HistorySeriesSource::values(const ResourceId &id, qint64 fromMs, qint64 toMs, qsizetype maxCount) const
{
    QList<Value> sorted = sortedValues(id);
    const auto byTime = [](const Value &a, qint64 t) { return a.timeMs < t; };
    const auto first = std::lower_bound(sorted.cbegin(), sorted.cend(), fromMs, byTime);
    const auto last = std::upper_bound(sorted.cbegin(), sorted.cend(), toMs,
                                       [](qint64 t, const Value &a) { return t < a.timeMs; });
    qsizetype begin = first - sorted.cbegin();
    const qsizetype end = last - sorted.cbegin();
    if (end <= begin)
        return {};
    begin = std::max(begin, end - std::max<qsizetype>(0, maxCount));
    return sorted.mid(begin, end - begin);
}

quint64 HistorySeriesSource::revision(const ResourceId &id) const
{
    if (!m_store)
        return 0;
    const Resource *resource = m_store->find(id);
    return resource ? resource->updateCount() : 0;
}

} // namespace thingscape
