#pragma once

#include "cause.h"
#include "resourceid.h"
#include "update.h"
#include "value.h"

#include <QList>
#include <QMetaType>

namespace thingscape {

// One value change as the store saw it, by value: safe to hand to another thread (no Resource
// pointers; the raw bytes and the decoded value are implicitly shared, read-only).
struct ValueEvent
{
    quint64 seq = 0;       // store-wide arrival order, from 1, no gaps before a subscriber drops
    ResourceId id;
    Value value;           // time, raw bytes, content format, decoded value, decoding error
    Direction direction = Direction::In;
    bool derived = false;  // decoded out of another message (a SenML record)
    Cause cause;
    QString info;          // stream detail: "PUT 2.04", "publish qos 1 retain"...
};

using ValueEvents = QList<ValueEvent>;

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::ValueEvent)
Q_DECLARE_METATYPE(thingscape::ValueEvents)
