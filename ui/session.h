#pragma once

#include "model/resourceid.h"

#include <QHash>
#include <QObject>

#include <memory>

namespace thingscape {

class EndpointManager;
class ResourceStore;
class ResourceTreeModel;
class SecretStore;
class StreamModel;

// The live state behind one window: the store, its models and the endpoints feeding it.
// Owns them in the order they depend on each other (the manager goes first on destruction).
class Session : public QObject
{
    Q_OBJECT

public:
    explicit Session(QObject *parent = nullptr);
    ~Session() override;

    ResourceStore *store() const { return m_store.get(); }
    ResourceTreeModel *treeModel() const { return m_tree.get(); }
    StreamModel *streamModel() const { return m_stream.get(); }
    EndpointManager *endpoints() const { return m_endpoints.get(); }
    SecretStore *secrets() const { return m_secrets; }

private:
    std::unique_ptr<ResourceStore> m_store;
    std::unique_ptr<ResourceTreeModel> m_tree;
    std::unique_ptr<StreamModel> m_stream;
    std::unique_ptr<EndpointManager> m_endpoints;
    SecretStore *m_secrets; // Owned (QObject child).
    // Endpoint id -> the scheme://host:port it shows in the tree (still known after removal).
    QHash<QString, ResourceId> m_shown;
};

} // namespace thingscape
