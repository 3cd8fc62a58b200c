#pragma once

#include "protocols/connector.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

#include <chrono>

namespace thingscape {

// What came back for one composed request, on any protocol: the CoAP code or HTTP status
// (for MQTT the PUBACK's reason, or the reply), the options / headers / MQTT 5 properties as
// name and value, the payload and the round trip.
struct ComposeResponse
{
    Result result;                  // failure: no answer at all (a 4.04 or a 500 is an answer)
    int status = 0;                 // HTTP status, CoAP class * 100 + detail, MQTT reason code
    QString statusText;             // "2.05 Content", "200 OK", "published (QoS 1)", "reply on a/b"
    QList<QPair<QString, QString>> fields; // "Content-Format" -> "50 (application/json)", headers, properties
    QByteArray payload;
    int contentFormat = -1;         // CoAP, or mapped from a content type
    QString mediaType;              // HTTP Content-Type, MQTT 5 content type
    QString replyTopic;             // MQTT request / response: where the reply came
    std::chrono::milliseconds roundTrip{0};
    QDateTime time;                 // when it ended
    int sequence = 0;               // repeats: 1..count
};

} // namespace thingscape
