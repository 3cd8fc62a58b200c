#pragma once

#include "cause.h"
#include "metadataref.h"
#include "resourceid.h"
#include "value.h"

#include <QList>
#include <QMetaType>

#include <optional>

namespace thingscape {

enum class ResourceState : quint8 {
    Unknown,
    Online,
    Stale,   // no update within its expected interval
    Offline, // its device or endpoint said it is gone
    Error,
};

QString resourceStateName(ResourceState state);

enum class Direction : quint8 {
    In,  // received from a peer
    Out, // sent by us (write, publish, request)
};

// What a connector hands the store: a new value, new metadata, a state change or a removal,
// for one resource. Connectors send these in batches (one queued hand-over per 16-50 ms).
// Kept small (200 bytes): a flood waits in these while the window is busy. Metadata travel as one
// shared pointer, set only when they say something new (one object for every update announced
// alike), never per message.
struct Update
{
    ResourceId id;
    std::optional<Value> value;
    MetadataRef metadata;              // merged into the resource's metadata when not empty
    std::optional<ResourceState> state;
    bool remove = false;
    Direction direction = Direction::In; // Out: recorded in the message stream only
    bool derived = false;                // decoded out of another message (a SenML record): no stream entry
    QString info;                        // stream detail: "PUT 2.04", "publish qos 1 retain"...
    Cause cause;                         // Unknown: the store stamps the hand-over's (the endpoint)
};

using UpdateBatch = QList<Update>;

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::Update)
Q_DECLARE_METATYPE(thingscape::UpdateBatch)
