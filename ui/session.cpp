#include "session.h"

#include "secretstore.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/streammodel.h"
#include "protocols/connector.h"
#include "protocols/endpointmanager.h"

namespace thingscape {

Session::Session(QObject *parent)
    : QObject(parent)
    , m_store(std::make_unique<ResourceStore>())
    , m_tree(std::make_unique<ResourceTreeModel>(m_store.get()))
    , m_stream(std::make_unique<StreamModel>(m_store.get()))
    , m_endpoints(std::make_unique<EndpointManager>(m_store.get()))
    , m_secrets(new SecretStore(this))
{
    // The tree shows every endpoint from the moment it is added, with its connection state.
    auto showState = [this](const QString &id) {
        const EndpointConfig config = m_endpoints->endpoint(id);
        const EndpointManager::Status status = m_endpoints->status(id);
        QString text = connectorStateName(status.state);
        if (!status.lastError.isEmpty() && status.state != ConnectorState::Connected)
            text += QStringLiteral(": ") + status.lastError;
        m_tree->setEndpointState(config.url.endpoint(), text,
                                 status.state != ConnectorState::Error && status.state != ConnectorState::BackingOff);
    };
    // An endpoint that goes (or moves to another URL) takes its rows and resources with it.
    auto forget = [this](const QString &id) {
        const ResourceId shown = m_shown.take(id);
        if (!shown.isValid())
            return;
        m_tree->removeEndpoint(shown);
        m_store->removeUnder(shown.endpointUri());
    };
    auto show = [this, forget, showState](const QString &id) {
        const EndpointConfig config = m_endpoints->endpoint(id);
        if (m_shown.value(id) != config.url.endpoint())
            forget(id);
        m_shown.insert(id, config.url.endpoint());
        // A child endpoint (made for a Thing Description's forms) shows under its parent.
        if (const QString parent = m_endpoints->parentOf(id); !parent.isEmpty())
            m_tree->setEndpointParent(config.url.endpoint(), m_endpoints->endpoint(parent).url.endpoint());
        m_tree->addEndpoint(config.url.endpoint(), config.name);
        showState(id);
    };
    connect(m_endpoints.get(), &EndpointManager::endpointAdded, this, show);
    connect(m_endpoints.get(), &EndpointManager::endpointConfigChanged, this, show);
    connect(m_endpoints.get(), &EndpointManager::endpointChanged, this, showState);
    connect(m_endpoints.get(), &EndpointManager::endpointRemoved, this, forget);
    // Resources an endpoint found under another host:port (a TD's SSE server) show under it.
    connect(m_endpoints.get(), &EndpointManager::foreignEndpointSeen, this,
            [this](const QString &owner, const ResourceId &endpoint) {
                m_tree->setEndpointParent(endpoint, m_endpoints->endpoint(owner).url.endpoint());
            });
}

Session::~Session()
{
    // Connectors stop before the store and models they feed go away.
    m_endpoints.reset();
}

} // namespace thingscape
