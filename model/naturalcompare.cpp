#include "naturalcompare.h"

namespace thingscape {

namespace {

// ASCII digits only: other scripts' digits sort as the characters they are, which keeps the
// order total (a run of ASCII digits compares with any other character the same way).
bool isDigit(QChar c)
{
    return c.unicode() >= '0' && c.unicode() <= '9';
}

// Case folding with an ASCII fast path: topic and path names are mostly ASCII, and the tree
// sorts with this (a 100,000-name folder sorted twice as slowly through QChar::toCaseFolded).
char16_t fold(QChar c)
{
    const char16_t u = c.unicode();
    if (u < 128)
        return u >= 'A' && u <= 'Z' ? char16_t(u + 32) : u;
    return c.toCaseFolded().unicode();
}

} // namespace

int naturalCompare(QStringView a, QStringView b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    int zeros = 0;
    while (i < a.size() && j < b.size()) {
        const QChar ca = a.at(i);
        const QChar cb = b.at(j);
        if (isDigit(ca) && isDigit(cb)) {
            // Compare digit runs by value without converting (any length): skip leading zeros,
            // the longer run is larger, else the first differing digit decides.
            qsizetype ea = i;
            while (ea < a.size() && isDigit(a.at(ea)))
                ++ea;
            qsizetype eb = j;
            while (eb < b.size() && isDigit(b.at(eb)))
                ++eb;
            qsizetype za = i;
            while (za < ea - 1 && a.at(za) == QLatin1Char('0'))
                ++za;
            qsizetype zb = j;
            while (zb < eb - 1 && b.at(zb) == QLatin1Char('0'))
                ++zb;
            const qsizetype la = ea - za;
            const qsizetype lb = eb - zb;
            if (la != lb)
                return la < lb ? -1 : 1;
            for (qsizetype k = 0; k < la; ++k) {
                const int da = a.at(za + k).digitValue();
                const int db = b.at(zb + k).digitValue();
                if (da != db)
                    return da < db ? -1 : 1;
            }
            // Equal values: fewer leading zeros first ("s9" before "s09"), but only when
            // nothing after them differs ("s09" before "s9a").
            if (zeros == 0 && (ea - i) != (eb - j))
                zeros = (ea - i) < (eb - j) ? -1 : 1;
            i = ea;
            j = eb;
            continue;
        }
        const char16_t la = fold(ca);
        const char16_t lb = fold(cb);
        if (la != lb)
            return la < lb ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return i < a.size() ? 1 : -1;
    if (zeros != 0)
        return zeros;
    // Same but for case: a stable, total order.
    const int exact = a.compare(b, Qt::CaseSensitive);
    return exact < 0 ? -1 : (exact > 0 ? 1 : 0);
}

} // namespace thingscape
