#include "recordedmetadata.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace thingscape {

namespace {

// Machine names, never translated: the column is read by other programs too.
QString sourceKey(MetaSource source)
{
    switch (source) {
    case MetaSource::None:
        return {};
    case MetaSource::LinkFormat:
        return QStringLiteral("link-format");
    case MetaSource::ThingDescription:
        return QStringLiteral("td");
    case MetaSource::MqttConvention:
        return QStringLiteral("mqtt-convention");
    case MetaSource::SenML:
        return QStringLiteral("senml");
    case MetaSource::Protocol:
        return QStringLiteral("protocol");
    case MetaSource::User:
        return QStringLiteral("user");
    }
    return {};
}

class Writer
{
public:
    template<typename T, typename Convert>
    void add(const char *key, const Sourced<T> &field, Convert convert)
    {
        if (!field.isSet())
            return;
        const QString name = QLatin1String(key);
        m_json.insert(name, convert(*field));
        if (field.source != MetaSource::None)
            m_sources.insert(name, sourceKey(field.source));
    }
    template<typename T>
    void add(const char *key, const Sourced<T> &field)
    {
        add(key, field, [](const T &value) { return QJsonValue(value); });
    }

    QJsonObject finish(const QJsonObject &extra, MetaSource extraSource)
    {
        if (!extra.isEmpty()) {
            m_json.insert(QStringLiteral("extra"), extra);
            if (extraSource != MetaSource::None)
                m_sources.insert(QStringLiteral("extra"), sourceKey(extraSource));
        }
        if (!m_sources.isEmpty())
            m_json.insert(QStringLiteral("sources"), m_sources);
        return m_json;
    }

private:
    QJsonObject m_json;
    QJsonObject m_sources;
};

QString shown(const QJsonValue &value)
{
    if (value.isArray()) {
        QStringList parts;
        for (const QJsonValue &item : value.toArray())
            parts.append(shown(item));
        return parts.join(QLatin1Char(' '));
    }
    if (value.isString())
        return value.toString();
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return value.toVariant().toString();
}

} // namespace

QJsonObject RecordedMetadata::toJson(const Metadata &metadata)
{
    const auto list = [](const QStringList &value) { return QJsonValue(QJsonArray::fromStringList(value)); };
    Writer writer;
    writer.add("title", metadata.title);
    writer.add("description", metadata.description);
    writer.add("rt", metadata.resourceTypes, list);
    writer.add("if", metadata.interfaces, list);
    writer.add("ct", metadata.contentFormat);
    writer.add("unit", metadata.unit);
    writer.add("unitCode", metadata.unitCode);
    writer.add("observable", metadata.observable);
    writer.add("writable", metadata.writable);
    writer.add("readable", metadata.readable);
    writer.add("device", metadata.device);
    writer.add("commandUri", metadata.commandUri);
    writer.add("retained", metadata.retained);
    writer.add("sz", metadata.size, [](qint64 value) { return QJsonValue(double(value)); });
    return writer.finish(metadata.extra, metadata.extraSource);
}

QByteArray RecordedMetadata::toText(const Metadata &metadata)
{
    const QJsonObject json = toJson(metadata);
    if (json.isEmpty())
        return {};
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

QString RecordedMetadata::summary(const QJsonObject &json)
{
    QStringList parts;
    // The title first, the rest as JSON orders them (by name).
    if (json.contains(QStringLiteral("title")))
        parts.append(json.value(QStringLiteral("title")).toString());
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() == QLatin1String("sources") || it.key() == QLatin1String("title"))
            continue;
        if (it.value().isBool()) {
            // A flag reads as its name when set ("observable"), "not retained" when cleared.
            parts.append(it.value().toBool() ? it.key() : QStringLiteral("not %1").arg(it.key()));
            continue;
        }
        parts.append(QStringLiteral("%1 %2").arg(it.key(), shown(it.value())));
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace thingscape
