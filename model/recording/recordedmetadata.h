#pragma once

#include "model/metadata.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace thingscape {

// A resource's metadata as the recording keeps it: a JSON object in the resources table's
// metadata column. The keys follow CoRE link-format where it names them (rt, if, ct, sz) and
// the gateway's resource JSON elsewhere; "extra" holds everything else (datatype, range...),
// "sources" says where each key came from ("link-format", "td", "mqtt-convention", "senml",
// "protocol", "user"). Written by the recorder thread, read by the history browser.
class RecordedMetadata
{
public:
    static QJsonObject toJson(const Metadata &metadata);
    // Compact JSON text; empty for empty metadata (the column is then NULL).
    static QByteArray toText(const Metadata &metadata);
    // One line for people: "Internal Clock · ct 0 · if clock · observable · rt ticks".
    static QString summary(const QJsonObject &json);
};

} // namespace thingscape
