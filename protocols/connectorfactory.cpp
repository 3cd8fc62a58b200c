#include "connectorfactory.h"

#include <QCoreApplication>

namespace thingscape {

std::unique_ptr<Connector> createConnector(const EndpointConfig &config, QString *error)
{
    switch (config.url.protocol()) {
    case Protocol::Mqtt:
    case Protocol::Coap:
    case Protocol::Http:
        break;
    }
    if (error)
        *error = QCoreApplication::translate("Connector", "no connector for '%1' URLs yet").arg(config.url.scheme());
    return nullptr;
}

} // namespace thingscape
