#include "decimation.h"

#include <algorithm>

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
    auto it = first;
    while (it != last) {
        const int column = std::min(columns - 1, int(double(it->timeMs - fromMs) * columns / span));
        auto low = it;
        auto high = it;
        auto next = it + 1;
        for (; next != last; ++next) {
            if (std::min(columns - 1, int(double(next->timeMs - fromMs) * columns / span)) != column)
                break;
            if (next->value < low->value)
                low = next;
            if (next->value > high->value)
                high = next;
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
