#include "treedecorationproxy.h"

#include "uiresources.h"

#include "model/plaintooltip.h"
#include "model/resource.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"

#include <QApplication>
#include <QColor>
#include <QDateTime>
#include <QLocale>
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
    if (role == Qt::ToolTipRole && m_talkers)
        return withTalkerStats(index);
    if (role == Qt::TextAlignmentRole && index.column() == ResourceTreeModel::ValueColumn)
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    return QIdentityProxyModel::data(index, role);
}

QVariant TreeDecorationProxy::withTalkerStats(const QModelIndex &index) const
{
    const QString tip = QIdentityProxyModel::data(index, Qt::ToolTipRole).toString();
    const auto id = ResourceId::parse(index.data(ResourceTreeModel::ResourceIdRole).toString());
    const auto stats = id ? m_talkers->stats(*id, TalkerStats::Window::TenSeconds, QDateTime::currentMSecsSinceEpoch())
                          : std::nullopt;
    if (!stats)
        return tip;
    const QLocale locale;
    const QString below = stats->resources == 1 ? tr("1 resource below")
                                                : tr("%1 resources below").arg(locale.toString(stats->resources));
    const QString line = tr("%1 · %2 messages · %3 messages/s, %4/s (last 10 s)")
                             .arg(below, locale.toString(qulonglong(stats->messages)), locale.toString(stats->messagesPerSecond, 'f', 1),
                                  locale.formattedDataSize(qint64(stats->bytesPerSecond), 1,
                                                           QLocale::DataSizeTraditionalFormat));
    // The source's tooltip is plainToolTip() rich text: the line goes in as escaped text.
    static const QString end = QStringLiteral("</p></qt>");
    if (tip.endsWith(end))
        return QString(tip.chopped(end.size()) + QStringLiteral("<br/>") + line.toHtmlEscaped() + end);
    return plainToolTip(line);
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
