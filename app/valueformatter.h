#pragma once

#include "model/resource.h"
#include "model/value.h"

#include <QJsonObject>
#include <QJsonValue>

namespace thingscape {

// How the verbs print values and resources: plain text lines, or one JSON object per line.
class ValueFormatter
{
public:
    // The decoded value as JSON: numbers as numbers, text as strings, structures as JSON,
    // binary (and undecodable bytes) as a hex string. Undefined when there is no value.
    static QJsonValue toJson(const Value &value);
    static QJsonValue cborToJson(const QCborValue &value);
    // The value as one would type it: text as is, structures as compact JSON, binary as hex.
    static QString toText(const Value &value);
    // ISO 8601, UTC, with milliseconds.
    static QString timeText(qint64 timeMs);
    // {"uri", "protocol", "title", "rt", "if", "ct", "unit", "observable", "writable", "value"}
    static QJsonObject resourceJson(const Resource &resource);
    static QString resourceText(const Resource &resource);
    static QByteArray jsonLine(const QJsonObject &object);
};

} // namespace thingscape
