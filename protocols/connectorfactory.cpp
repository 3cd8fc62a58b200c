#include "connectorfactory.h"

#include "coap/coapconnector.h"
#include "http/httpconnector.h"
#include "mqtt/mqttconnector.h"

#include <QCoreApplication>

namespace thingscape {

std::unique_ptr<Connector> createConnector(const EndpointConfig &config, QString *error)
{
    switch (config.url.protocol()) {
    case Protocol::Coap:
        return std::make_unique<CoapConnector>(config);
    case Protocol::Http:
        return std::make_unique<HttpConnector>(config);
    case Protocol::Mqtt:
        return std::make_unique<MqttConnector>(config);
    }
    if (error)
        *error = QCoreApplication::translate("Connector", "no connector for '%1' URLs yet").arg(config.url.scheme());
    return nullptr;
}

} // namespace thingscape
