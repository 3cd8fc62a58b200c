#pragma once

#include "resourceid.h"
#include "update.h"

#include <QByteArray>
#include <QString>

namespace thingscape {

// One entry of the message stream: a message that came in or went out.
struct Message
{
    qint64 timeMs = 0;
    Direction direction = Direction::In;
    ResourceId id;
    QByteArray raw;
    int contentFormat = ContentFormat::Unknown;
    QString info;
    // Decoding error, if any: shares the value's decoding, so the stream does not decode a
    // payload before it shows or filters it.
    DecodeError error;
    // > 0: the payload (this many bytes) was let go of for the memory budget after the message
    // was shown; raw is empty, the stream keeps its row and summary.
    qint64 droppedBytes = 0;

    qint64 size() const { return droppedBytes > 0 ? droppedBytes : raw.size(); }

    Protocol protocol() const { return id.protocol(); }
};

} // namespace thingscape
