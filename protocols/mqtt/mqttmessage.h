#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace thingscape {

// One PUBLISH as it came off the wire, copied out of the library's buffers.
struct MqttMessage
{
    QString topic;
    QByteArray payload;
    int qos = 0;
    bool retain = false;
    QString contentType;                           // MQTT 5
    QList<QPair<QString, QString>> userProperties; // MQTT 5
};

} // namespace thingscape
