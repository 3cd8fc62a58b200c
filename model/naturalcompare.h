#pragma once

#include <QStringView>

namespace thingscape {

// Natural order for names: runs of digits compare by their value ("s9" < "s10" < "s010a"),
// everything else case-insensitively, then case-sensitively as a tie-break. Returns <0, 0, >0.
int naturalCompare(QStringView a, QStringView b);

inline bool naturalLess(QStringView a, QStringView b)
{
    return naturalCompare(a, b) < 0;
}

} // namespace thingscape
