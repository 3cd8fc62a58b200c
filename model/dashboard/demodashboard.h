#pragma once

#include "dashboard.h"

namespace thingscape {

// The demo site's sample dashboard: a chart mixing CoAP, MQTT and HTTP sensors (two units, two
// axes), a gauge, a SenML value, a state, one switch per protocol, a chart of JSON fields, a
// last-seen table and a log. The URLs are the simulator's endpoints (scheme://host:port).
class DemoDashboard
{
public:
    static Dashboard make(const QString &mqtt, const QString &coap, const QString &http);
};

} // namespace thingscape
