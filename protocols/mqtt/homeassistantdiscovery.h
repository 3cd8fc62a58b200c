#pragma once

#include "model/resourceid.h"
#include "model/update.h"

#include <QHash>
#include <QJsonObject>
#include <QString>

namespace thingscape {

// Home Assistant MQTT discovery: turns the configs published under the discovery prefix
// (`<prefix>/<component>/[<node_id>/]<object_id>/config` and the device-based
// `<prefix>/device/<id>/config` with `cmps`) into metadata for the entities' state topics,
// and remembers the command topics that make them writable.
class HomeAssistantDiscovery
{
public:
    explicit HomeAssistantDiscovery(const ResourceId &endpoint,
                                    const QString &prefix = QStringLiteral("homeassistant"));

    bool isConfigTopic(const QString &topic) const;
    // Metadata updates for the entities the config describes; removals for the entities an
    // empty config (or a device component reduced to its platform) drops.
    QList<Update> handleConfig(const QString &topic, const QByteArray &payload);
    // Online / offline states for the entities whose availability topic this is.
    QList<Update> handleAvailability(const QString &topic, const QByteArray &payload) const;
    bool isAvailabilityTopic(const QString &topic) const { return m_availability.contains(topic); }
    // The command topic learnt for a state topic, or empty.
    QString commandTopicFor(const QString &topic) const { return m_commandTopics.value(topic); }
    qsizetype entityCount() const { return m_entities.size(); }

    // Expands abbreviated keys (also inside `device` and `origin`) and the `~` base topic.
    static QJsonObject expand(const QJsonObject &config);

private:
    struct Entity
    {
        QString stateTopic;
        QString commandTopic;
    };

    QList<Update> describe(const QString &key, const QString &component, const QString &objectId,
                           const QJsonObject &config);
    QList<Update> forget(const QString &key);
    void forgetAvailability(const QString &stateTopic);

    struct Availability
    {
        QString stateTopic;
        QByteArray online;
        QByteArray offline;
    };

    ResourceId m_endpoint;
    QString m_prefix;
    QHash<QString, Entity> m_entities;       // by config topic, plus "|component id" when device-based
    QHash<QString, QString> m_commandTopics; // state topic -> command topic
    QHash<QString, QList<Availability>> m_availability; // availability topic -> entities
};

} // namespace thingscape
