#include "streamfilterproxymodel.h"

#include "streammodel.h"

#include <algorithm>

namespace thingscape {

StreamFilterProxyModel::StreamFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
}

void StreamFilterProxyModel::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

void StreamFilterProxyModel::setProtocols(const QList<Protocol> &protocols)
{
    if (protocols == m_protocols)
        return;
    m_protocols = protocols;
    invalidateFilter();
}

void StreamFilterProxyModel::setEndpoint(const QString &endpointUri)
{
    if (endpointUri == m_endpoint)
        return;
    m_endpoint = endpointUri;
    invalidateFilter();
}

void StreamFilterProxyModel::setDirection(std::optional<Direction> direction)
{
    if (direction == m_direction)
        return;
    m_direction = direction;
    invalidateFilter();
}

void StreamFilterProxyModel::setResource(const QString &uri)
{
    if (uri == m_resource)
        return;
    m_resource = uri;
    invalidateFilter();
}

bool StreamFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    // The cheap criteria first: the summary may decode the payload.
    if (m_direction && index.data(StreamModel::DirectionRole).toInt() != int(*m_direction))
        return false;
    if (!m_endpoint.isEmpty() && index.data(StreamModel::EndpointRole).toString() != m_endpoint)
        return false;
    if (!m_resource.isEmpty() && index.data(StreamModel::ResourceIdRole).toString() != m_resource)
        return false;
    if (!m_protocols.isEmpty()) {
        const QString protocol = index.data(StreamModel::ProtocolRole).toString();
        const bool wanted = std::any_of(m_protocols.begin(), m_protocols.end(),
                                        [&protocol](Protocol p) { return protocolName(p) == protocol; });
        if (!wanted)
            return false;
    }
    if (m_text.isEmpty())
        return true;
    return index.data(StreamModel::ResourceIdRole).toString().contains(m_text, Qt::CaseInsensitive)
        || index.data(StreamModel::SummaryRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace thingscape
