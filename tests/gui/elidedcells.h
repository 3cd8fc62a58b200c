#pragma once

#include <QStringList>

class QAbstractItemView;

namespace testsupport {

// Cells of the view's rows in view whose display text does not fit its column and is drawn
// elided, as "row/column: text (needs N px, has M px)". The text rectangle is the one the style
// draws into (the cell without icon and margins), the width the font metrics of the text.
// A cell of the resource tree's Value column may be cut if its tooltip holds the whole value.
QStringList elidedCells(const QAbstractItemView *view);

} // namespace testsupport
