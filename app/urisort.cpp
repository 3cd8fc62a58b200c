#include "urisort.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace thingscape {

namespace {

// Below this many refs a partition is sorted by insertion.
constexpr qsizetype kInsertionBelow = 16;
// Code units packed into one key: each as unit + 1 in 17 bits (0: past the end), so keys
// compare as the units do and a prefix sorts first.
constexpr qsizetype kUnitsPerKey = 3;

// A ref with the next few code units of its URI packed: partitions compare keys held in this
// array instead of reaching into a million scattered strings once per character.
struct Keyed
{
    quint64 key;
    const UriRef *ref;
};

quint64 keyAt(QStringView uri, qsizetype d)
{
    quint64 key = 0;
    for (qsizetype k = 0; k < kUnitsPerKey; ++k)
        key = (key << 17) | (d + k < uri.size() ? quint64(uri[d + k].unicode()) + 1 : 0);
    return key;
}

// Does the key reach past the end of its URI (then equal keys mean equal URIs)?
bool endsWithin(quint64 key)
{
    return (key & 0x1FFFF) == 0;
}

// Every ref in a partition at depth d has the same first d code units (and at least d).
bool lessFrom(const Keyed &a, const Keyed &b, qsizetype d)
{
    if (a.key != b.key)
        return a.key < b.key;
    return !endsWithin(a.key) && a.ref->uri.sliced(d + kUnitsPerKey) < b.ref->uri.sliced(d + kUnitsPerKey);
}

void insertionSort(Keyed *refs, qsizetype n, qsizetype d)
{
    for (qsizetype i = 1; i < n; ++i) {
        const Keyed moving = refs[i];
        qsizetype j = i;
        for (; j > 0 && lessFrom(moving, refs[j - 1], d); --j)
            refs[j] = refs[j - 1];
        refs[j] = moving;
    }
}

// refs' keys hold their code units from d on. budget bounds the recursion (bad pivots):
// past it, an ordinary comparison sort finishes.
void sortFrom(Keyed *refs, qsizetype n, qsizetype d, int budget)
{
    while (n > 1) {
        if (n < kInsertionBelow) {
            insertionSort(refs, n, d);
            return;
        }
        if (budget <= 0) {
            std::sort(refs, refs + n, [d](const Keyed &a, const Keyed &b) { return lessFrom(a, b, d); });
            return;
        }
        const quint64 x = refs[0].key;
        const quint64 y = refs[n / 2].key;
        const quint64 z = refs[n - 1].key;
        const quint64 pivot = std::max(std::min(x, y), std::min(std::max(x, y), z)); // median of three
        // [0, less) below the pivot, [less, more] equal to it, (more, n) above.
        qsizetype less = 0;
        qsizetype i = 0;
        qsizetype more = n - 1;
        while (i <= more) {
            const quint64 key = refs[i].key;
            if (key < pivot)
                std::swap(refs[less++], refs[i++]);
            else if (key > pivot)
                std::swap(refs[i], refs[more--]);
            else
                ++i;
        }
        sortFrom(refs, less, d, budget - 1);
        sortFrom(refs + more + 1, n - more - 1, d, budget - 1);
        if (endsWithin(pivot))
            return; // the equal ones all end here: the same URI
        // The equal ones go on with their next code units (a loop, not a recursion).
        refs += less;
        n = more + 1 - less;
        d += kUnitsPerKey;
        for (qsizetype k = 0; k < n; ++k)
            refs[k].key = keyAt(refs[k].ref->uri, d);
    }
}

} // namespace

void sortByUri(std::vector<UriRef> &refs)
{
    if (refs.size() < 2)
        return;
    // What every URI shares (scheme, host, port, the filter's own levels) is skipped at once.
    const QStringView first = refs.front().uri;
    qsizetype common = first.size();
    for (const UriRef &ref : refs) {
        const qsizetype n = std::min(common, ref.uri.size());
        common = std::mismatch(first.begin(), first.begin() + n, ref.uri.begin()).first - first.begin();
    }
    std::vector<Keyed> keyed;
    keyed.reserve(refs.size());
    for (const UriRef &ref : refs)
        keyed.push_back(Keyed{keyAt(ref.uri, common), &ref});
    const int budget = 2 * int(std::bit_width(refs.size())) + 8;
    sortFrom(keyed.data(), qsizetype(keyed.size()), common, budget);
    std::vector<UriRef> sorted;
    sorted.reserve(refs.size());
    for (const Keyed &k : keyed)
        sorted.push_back(*k.ref);
    refs = std::move(sorted);
}

} // namespace thingscape
