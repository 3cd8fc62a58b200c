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
    QString error; // decoding error, if any

    Protocol protocol() const { return id.protocol(); }
};

} // namespace thingscape
