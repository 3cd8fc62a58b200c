#include "decimation.h"

#include <algorithm>
#include <cmath>

namespace thingscape {

std::vector<SeriesPoint> decimateMinMax(std::span<const SeriesPoint> points, qint64 fromMs, qint64 toMs, int columns)
{
    std::vector<SeriesPoint> out;
    if (points.empty() || columns <= 0 || toMs < fromMs)
        return out;
    const auto byTime = [](const SeriesPoint &p, qint64 t) { return p.timeMs < t; };
    const auto first = std::lower_bound(points.begin(), points.end(), fromMs, byTime);
    const auto last = std::upper_bound(points.begin(), points.end(), toMs,
                                       [](qint64 t, const SeriesPoint &p) { return t < p.timeMs; });
    out.reserve(size_t(2 * columns + 2));
    if (first != points.begin())
        out.push_back(*(first - 1));
    const double span = double(toMs - fromMs) + 1.0;
    const auto columnOf = [&](qint64 t) { return std::min(columns - 1, int(double(t - fromMs) * columns / span)); };
    // The first time of column c + 1, exactly as columnOf counts: the scan below then compares
    // times only, no division per point.
    const auto columnEnd = [&](int c) {
        if (c + 1 >= columns)
            return toMs + 1;
        qint64 t = fromMs + qint64(std::ceil(double(c + 1) * span / columns));
        while (t > fromMs && columnOf(t - 1) > c)
            --t;
        while (columnOf(t) <= c)
            ++t;
        return t;
    };
    auto it = first;
    while (it != last) {
        const qint64 end = columnEnd(columnOf(it->timeMs));
        // The column's points found by bisection, then scanned with the extremes in registers:
        // this loop is most of a frame of a long series.
        const auto next = std::lower_bound(it + 1, last, end, byTime);
        auto low = it;
        auto high = it;
        double lowValue = it->value;
        double highValue = it->value;
        for (auto p = it + 1; p != next; ++p) {
            const double v = p->value;
            if (v < lowValue) {
                lowValue = v;
                low = p;
            }
            if (v > highValue) {
                highValue = v;
                high = p;
            }
        }
        if (low == high) {
            out.push_back(*low);
        } else if (low < high) {
            out.push_back(*low);
            out.push_back(*high);
        } else {
            out.push_back(*high);
            out.push_back(*low);
        }
        it = next;
    }
    if (last != points.end())
        out.push_back(*last);
    return out;
}

} // namespace thingscape
