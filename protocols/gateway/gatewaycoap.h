#pragma once

#include "gatewayoptions.h"

#include "model/resourceid.h"
#include "model/valueevent.h"

#include <QObject>
#include <QSet>

#include <memory>

namespace thingscape {

class CoapServer;
class EndpointManager;
class ResourceStore;
struct StoreBatch;

// The gateway's CoAP face: every resource of the live model at /r/{id} (the same ids as over
// HTTP) with GET (content negotiation by Accept, block-wise for large values), PUT / POST
// writing through the endpoint manager, and Observe; /.well-known/core lists them with rt / if /
// ct / obs / title from the model. Runs on the shared libcoap server driver.
class GatewayCoap : public QObject
{
    Q_OBJECT

public:
    GatewayCoap(ResourceStore *store, EndpointManager *endpoints, const GatewayOptions &options, QObject *parent = nullptr);
    ~GatewayCoap() override;

    bool start(QString *error);
    quint16 port() const;

private:
    void addResources(const StoreBatch &batch);
    void addResource(const ResourceId &id);
    void onValueEvents(const ValueEvents &events);

    ResourceStore *m_store;       // Not owned.
    EndpointManager *m_endpoints; // Not owned.
    GatewayOptions m_options;
    std::unique_ptr<CoapServer> m_server;
    QSet<ResourceId> m_registered;
};

} // namespace thingscape
