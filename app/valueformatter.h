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
    // The same from the parts, for what was never put in a store (value: null when none).
    static QJsonObject resourceJson(const QString &uri, Protocol protocol, const Metadata &meta, const Value *value);
    static QString resourceText(const QString &uri, const Metadata &meta, const Value *value);
    static QByteArray jsonLine(const QJsonObject &object);

    enum class Lines { Keep, Escape };
    // Peer text made safe for a terminal: C0 / C1 controls and DEL become visible escapes
    // (\x1b), bidi overrides and isolates become <U+202E>, so a payload or a device name can
    // neither retitle nor clear the terminal nor reorder what is shown. Tab stays; line breaks
    // stay only with Lines::Keep (a single value), else they become \n (one record per line).
    static QString terminalSafe(const QString &text, Lines lines = Lines::Escape);
};

} // namespace thingscape
