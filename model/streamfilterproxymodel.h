#pragma once

#include "resourceid.h"
#include "update.h"

#include <QList>
#include <QSortFilterProxyModel>

#include <optional>

namespace thingscape {

// Narrows a StreamModel down by text (a case-insensitive substring of the resource URI or the
// summary), protocols, an endpoint and a direction. Every criterion left empty lets all pass.
class StreamFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit StreamFilterProxyModel(QObject *parent = nullptr);

    QString text() const { return m_text; }
    void setText(const QString &text);
    QList<Protocol> protocols() const { return m_protocols; }
    void setProtocols(const QList<Protocol> &protocols);
    QString endpoint() const { return m_endpoint; }
    // scheme://host:port as ResourceId::endpointUri() prints it; empty for all.
    void setEndpoint(const QString &endpointUri);
    std::optional<Direction> direction() const { return m_direction; }
    void setDirection(std::optional<Direction> direction);
    // Only the messages of one resource (its URI exactly); empty for all.
    QString resource() const { return m_resource; }
    void setResource(const QString &uri);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QList<Protocol> m_protocols;
    QString m_endpoint;
    std::optional<Direction> m_direction;
    QString m_resource;
};

} // namespace thingscape
