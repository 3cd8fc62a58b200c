#pragma once

#include "model/resourceid.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace thingscape {

// What to record and where: the workspace's "recording" object.
//   { "enabled": true, "database": "rec.sqlite" | "postgresql://user@host:port/db",
//     "include": ["mqtt://host:1883/home/+/temp", "coap://host:5683", ...],
//     "maxAgeDays": 30, "maxBytes": 2000000000 }
// An empty include list records everything; an entry is an endpoint, a resource (and what is
// below it, by whole segments) or, for MQTT, a topic filter with + and #.
struct RecordingConfig
{
    bool enabled = false;
    QString database;       // a SQLite file path, or a PostgreSQL connection URL / key=value string
    QStringList include;
    double maxAgeDays = 0;  // 0: no limit
    qint64 maxBytes = 0;    // 0: no limit
    int batchMs = 250;      // how often a batch is committed (a SIGKILL loses at most one)

    bool isPostgres() const { return isPostgresTarget(database); }
    static bool isPostgresTarget(const QString &database);
    // The SQLite file beside a workspace file ("site.json" -> "site.recording.sqlite"), or in
    // the application data directory for a workspace without a file.
    static QString defaultPathFor(const QString &workspacePath);

    // Whether an event for id is to be recorded.
    bool includes(const ResourceId &id) const;
    // Checks include entries; *error names the bad one.
    bool validate(QString *error) const;

    QJsonObject toJson() const;
    static RecordingConfig fromJson(const QJsonObject &json);

    friend bool operator==(const RecordingConfig &, const RecordingConfig &) = default;
};

// MQTT topic filter matching ('+' one level, '#' the rest).
bool mqttTopicMatches(const QString &filter, const QString &topic);

} // namespace thingscape
