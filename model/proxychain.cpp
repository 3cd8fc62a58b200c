#include "proxychain.h"

#include <QAbstractProxyModel>
#include <QList>

namespace thingscape {

QModelIndex mapUpFrom(const QAbstractItemModel *base, const QAbstractItemModel *top, const QModelIndex &index)
{
    if (!index.isValid() || index.model() != base)
        return {};
    QList<const QAbstractProxyModel *> chain;
    for (const QAbstractItemModel *model = top; model != base;) {
        const auto *proxy = qobject_cast<const QAbstractProxyModel *>(model);
        if (!proxy)
            return {};
        chain.prepend(proxy);
        model = proxy->sourceModel();
    }
    QModelIndex mapped = index;
    for (const QAbstractProxyModel *proxy : std::as_const(chain))
        mapped = proxy->mapFromSource(mapped);
    return mapped;
}

QModelIndex mapDownTo(const QAbstractItemModel *base, const QModelIndex &index)
{
    QModelIndex mapped = index;
    while (mapped.isValid() && mapped.model() != base) {
        const auto *proxy = qobject_cast<const QAbstractProxyModel *>(mapped.model());
        if (!proxy)
            return {};
        mapped = proxy->mapToSource(mapped);
    }
    return mapped;
}

} // namespace thingscape
