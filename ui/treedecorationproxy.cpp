#include "treedecorationproxy.h"

#include "uiresources.h"

#include "model/resource.h"
#include "model/resourcetreemodel.h"

#include <QApplication>
#include <QColor>
#include <QDateTime>
#include <QMimeData>
#include <QPalette>
#include <QUrl>

namespace thingscape {

TreeDecorationProxy::TreeDecorationProxy(ResourceTreeModel *source, QObject *parent)
    : QIdentityProxyModel(parent)
    , m_tree(source)
{
    setSourceModel(source);
}

QVariant TreeDecorationProxy::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    if (role == Qt::DecorationRole && index.column() == ResourceTreeModel::NameColumn) {
        const QModelIndex source = mapToSource(index);
        if (source.data(ResourceTreeModel::IsEndpointRole).toBool()) {
            if (!source.data(ResourceTreeModel::StateOkRole).toBool())
                return stateIcon(ResourceState::Error);
            return protocolIcon(source.data(ResourceTreeModel::ProtocolRole).toString());
        }
        if (const Resource *resource = m_tree->resourceAt(source))
            return stateIcon(resource->state());
        return {};
    }
    if (role == Qt::BackgroundRole) {
        const qint64 last = mapToSource(index).data(ResourceTreeModel::LastUpdateRole).toLongLong();
        if (last <= 0)
            return {};
        const qint64 age = QDateTime::currentMSecsSinceEpoch() - last;
        if (age < 0 || age >= kHighlightMs)
            return {};
        QColor color = QApplication::palette().color(QPalette::Highlight);
        color.setAlphaF(0.35f * float(kHighlightMs - age) / float(kHighlightMs));
        return color;
    }
    if (role == Qt::TextAlignmentRole && index.column() == ResourceTreeModel::ValueColumn)
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    return QIdentityProxyModel::data(index, role);
}

Qt::ItemFlags TreeDecorationProxy::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QIdentityProxyModel::flags(index);
    if (index.isValid() && mapToSource(index).data(ResourceTreeModel::HasResourceRole).toBool())
        f |= Qt::ItemIsDragEnabled;
    return f;
}

QStringList TreeDecorationProxy::mimeTypes() const
{
    return {QString::fromLatin1(kMimeType), QStringLiteral("text/uri-list"), QStringLiteral("text/plain")};
}

QMimeData *TreeDecorationProxy::mimeData(const QModelIndexList &indexes) const
{
    QStringList uris;
    for (const QModelIndex &index : indexes) {
        if (index.column() != 0)
            continue;
        const QString uri = index.data(ResourceTreeModel::ResourceIdRole).toString();
        if (!uri.isEmpty() && !uris.contains(uri))
            uris.append(uri);
    }
    if (uris.isEmpty())
        return nullptr;
    auto *mime = new QMimeData;
    mime->setData(QString::fromLatin1(kMimeType), uris.join(QLatin1Char('\n')).toUtf8());
    mime->setText(uris.join(QLatin1Char('\n')));
    return mime;
}

Qt::DropActions TreeDecorationProxy::supportedDragActions() const
{
    return Qt::CopyAction;
}

} // namespace thingscape
