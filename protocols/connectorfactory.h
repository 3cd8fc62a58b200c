#pragma once

#include "connector.h"

#include <memory>

namespace thingscape {

// Makes the connector for an endpoint's scheme; nullptr (and *error) for a scheme
// no connector carries yet.
std::unique_ptr<Connector> createConnector(const EndpointConfig &config, QString *error = nullptr);

} // namespace thingscape
