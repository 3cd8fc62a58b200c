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
    QString responseTopic;                         // MQTT 5
    QByteArray correlationData;                    // MQTT 5
    quint32 messageExpirySeconds = 0;              // MQTT 5; 0: none
};

// The MQTT 5 properties of an outgoing PUBLISH (ignored on 3.1.1).
struct MqttPublishProperties
{
    QString contentType;
    QString responseTopic;
    QByteArray correlationData;
    QList<QPair<QString, QString>> userProperties;
    quint32 messageExpirySeconds = 0; // 0: none
};

} // namespace thingscape
