#pragma once

#include <QModelIndex>

class QAbstractItemModel;

namespace thingscape {

// Rows through a chain of proxies (each a QAbstractProxyModel over the next, down to a base
// model), whichever proxies it holds today.

// index, a row of base, as a row of top (invalid when a proxy hides it or top does not sit on
// base).
QModelIndex mapUpFrom(const QAbstractItemModel *base, const QAbstractItemModel *top, const QModelIndex &index);
// index, a row of a proxy above base, as a row of base (invalid when the chain is broken).
QModelIndex mapDownTo(const QAbstractItemModel *base, const QModelIndex &index);

} // namespace thingscape
