#pragma once

#include <QString>

namespace thingscape::sim {

// What the command line asked for.
struct SimOptions
{
    quint16 mqttPort = 0;   // 0 = a free port
    quint16 coapPort = 0;
    quint16 httpPort = 0;
    bool mqtt = true;
    bool coap = true;
    bool http = true;
    int devices = 1;
    double rate = 1.0;      // per-device updates a second
    quint32 seed = 0;
    QString rdUrl;
};

} // namespace thingscape::sim
