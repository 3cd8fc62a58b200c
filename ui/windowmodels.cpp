#include "windowmodels.h"

#include "desktopsecretprovider.h"
#include "secretstore.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/streammodel.h"
#include "protocols/connector.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"

namespace thingscape {

WindowModels::WindowModels(QObject *parent)
    : QObject(parent)
    , m_engine(std::make_unique<Engine>())
    , m_tree(std::make_unique<ResourceTreeModel>(m_engine->store()))
    , m_stream(std::make_unique<StreamModel>(m_engine->store()))
    , m_secrets(new SecretStore(this))
    , m_secretProvider(new DesktopSecretProvider(m_secrets, this))
{
    m_engine->setSecretProvider(m_secretProvider);
    EndpointManager *endpoints = m_engine->endpoints();
    // A flood reaches the window in bites of at most this many updates, one per event-loop
    // turn, so it keeps answering while a million retained topics arrive.
    endpoints->setHandOverLimit(kHandOverLimit);
    // And the store takes each bite in slices of the GUI thread's time, so input and painting
    // get their turn however long a bite takes on this machine.
    endpoints->setApplySliceMs(kApplySliceMs);
    // The tree shows every endpoint from the moment it is added, with its connection state.
    auto showState = [this, endpoints](const QString &id) {
        const EndpointConfig config = endpoints->endpoint(id);
        const EndpointManager::Status status = endpoints->status(id);
        QString text = connectorStateName(status.state);
        if (!status.lastError.isEmpty() && status.state != ConnectorState::Connected)
            text += QStringLiteral(": ") + status.lastError;
        m_tree->setEndpointState(config.url.endpoint(), text,
                                 status.state != ConnectorState::Error && status.state != ConnectorState::BackingOff);
    };
    // Connected after the engine's own handlers: an endpoint that moved has left the tree
    // (endpointGone) before it shows again under its new URL.
    auto show = [this, endpoints, showState](const QString &id) {
        const EndpointConfig config = endpoints->endpoint(id);
        // A child endpoint (made for a Thing Description's forms) shows under its parent.
        if (const QString parent = endpoints->parentOf(id); !parent.isEmpty())
            m_tree->setEndpointParent(config.url.endpoint(), endpoints->endpoint(parent).url.endpoint());
        m_tree->addEndpoint(config.url.endpoint(), config.name);
        showState(id);
    };
    connect(endpoints, &EndpointManager::endpointAdded, this, show);
    connect(endpoints, &EndpointManager::endpointConfigChanged, this, show);
    connect(endpoints, &EndpointManager::endpointChanged, this, showState);
    connect(m_engine.get(), &Engine::endpointGone, m_tree.get(), &ResourceTreeModel::removeEndpoint);
    // Resources an endpoint found under another host:port (a TD's SSE server) show under it.
    connect(endpoints, &EndpointManager::foreignEndpointSeen, this,
            [this, endpoints](const QString &owner, const ResourceId &endpoint) {
                m_tree->setEndpointParent(endpoint, endpoints->endpoint(owner).url.endpoint());
            });
}

WindowModels::~WindowModels()
{
    // The models go first, then the engine stops its connectors, then its store goes:
    // nothing may reach the models in between.
    m_engine->endpoints()->disconnect(this);
    m_engine->disconnect(this);
}

ResourceStore *WindowModels::store() const
{
    return m_engine->store();
}

EndpointManager *WindowModels::endpoints() const
{
    return m_engine->endpoints();
}

} // namespace thingscape
