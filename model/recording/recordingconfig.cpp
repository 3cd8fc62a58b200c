#include "recordingconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QStandardPaths>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("recording", text);
}

// "mqtt://host:1883/a/+/c" -> ("mqtt://host:1883", "a/+/c"); false when it is no filter.
bool splitFilter(const QString &entry, QString *endpoint, QString *filter)
{
    const qsizetype scheme = entry.indexOf(QLatin1String("://"));
    if (scheme < 0)
        return false;
    const qsizetype slash = entry.indexOf(QLatin1Char('/'), scheme + 3);
    if (slash < 0)
        return false;
    const QString topic = entry.mid(slash + 1);
    if (!topic.contains(QLatin1Char('+')) && !topic.contains(QLatin1Char('#')))
        return false;
    const auto id = ResourceId::parse(entry.left(slash));
    if (!id || id->protocol() != Protocol::Mqtt)
        return false;
    *endpoint = id->endpointUri();
    *filter = topic;
    return true;
}

} // namespace

bool mqttTopicMatches(const QString &filter, const QString &topic)
{
    const QStringList f = filter.split(QLatin1Char('/'));
    const QStringList t = topic.split(QLatin1Char('/'));
    for (qsizetype i = 0; i < f.size(); ++i) {
        if (f.at(i) == QLatin1String("#"))
            return true;
        if (i >= t.size())
            return false;
        if (f.at(i) != QLatin1String("+") && f.at(i) != t.at(i))
            return false;
    }
    return f.size() == t.size();
}

bool RecordingConfig::isPostgresTarget(const QString &database)
{
    return database.startsWith(QLatin1String("postgresql://")) || database.startsWith(QLatin1String("postgres://"))
        || database.contains(QLatin1String("dbname=")) || database.startsWith(QLatin1String("host="));
}

QString RecordingConfig::defaultPathFor(const QString &workspacePath)
{
    if (workspacePath.isEmpty()) {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        return QDir(dir).filePath(QStringLiteral("recording.sqlite"));
    }
    const QFileInfo info(workspacePath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".recording.sqlite"));
}

bool RecordingConfig::includes(const ResourceId &id) const
{
    if (include.isEmpty())
        return true;
    for (const QString &entry : include) {
        QString endpoint;
        QString filter;
        if (splitFilter(entry, &endpoint, &filter)) {
            if (id.protocol() == Protocol::Mqtt && id.endpointUri() == endpoint && mqttTopicMatches(filter, id.topic()))
                return true;
            continue;
        }
        // By whole segments: "coap://h:5683/sensors" covers ".../sensors/t1", not ".../sensorsX".
        const auto prefix = ResourceId::parse(entry);
        if (!prefix)
            continue;
        const QString &p = prefix->uri();
        const QString &u = id.uri();
        if (u == p || (u.startsWith(p) && (p.endsWith(QLatin1Char('/')) || u.at(p.size()) == QLatin1Char('/'))))
            return true;
    }
    return false;
}

bool RecordingConfig::validate(QString *error) const
{
    for (const QString &entry : include) {
        QString endpoint;
        QString filter;
        if (splitFilter(entry, &endpoint, &filter))
            continue;
        QString why;
        if (!ResourceId::parse(entry, &why)) {
            *error = tr("recording: \"%1\" is neither an endpoint, a resource nor an MQTT filter: %2").arg(entry, why);
            return false;
        }
    }
    if (maxAgeDays < 0 || maxBytes < 0) {
        *error = tr("recording: maxAgeDays and maxBytes cannot be negative");
        return false;
    }
    return true;
}

QJsonObject RecordingConfig::toJson() const
{
    QJsonObject json{{QStringLiteral("enabled"), enabled}};
    if (!database.isEmpty())
        json.insert(QStringLiteral("database"), database);
    if (!include.isEmpty())
        json.insert(QStringLiteral("include"), QJsonArray::fromStringList(include));
    if (maxAgeDays > 0)
        json.insert(QStringLiteral("maxAgeDays"), maxAgeDays);
    if (maxBytes > 0)
        json.insert(QStringLiteral("maxBytes"), maxBytes);
    if (batchMs != 250)
        json.insert(QStringLiteral("batchMs"), batchMs);
    return json;
}

RecordingConfig RecordingConfig::fromJson(const QJsonObject &json)
{
    RecordingConfig config;
    config.enabled = json.value(QStringLiteral("enabled")).toBool(false);
    config.database = json.value(QStringLiteral("database")).toString();
    for (const QJsonValue &entry : json.value(QStringLiteral("include")).toArray())
        config.include.append(entry.toString());
    config.maxAgeDays = json.value(QStringLiteral("maxAgeDays")).toDouble(0);
    config.maxBytes = qint64(json.value(QStringLiteral("maxBytes")).toDouble(0));
    config.batchMs = std::clamp(json.value(QStringLiteral("batchMs")).toInt(250), 10, 1000);
    return config;
}

} // namespace thingscape
