#pragma once

#include "model/resourceid.h"
#include "model/update.h"

#include <QHash>
#include <QSet>
#include <QString>

#include <optional>

namespace thingscape {

// The Homie convention (v3, v4, v5): devices under `homie/<device>/` (v5: `homie/5/<device>/`)
// describe their nodes and properties with `$` attributes (v5: one `$description` JSON).
// Properties become described resources; `$state` makes them online or offline.
class HomieDiscovery
{
public:
    explicit HomieDiscovery(const ResourceId &endpoint, const QString &base = QStringLiteral("homie"));

    // Called for every message: no temporary string.
    bool handles(const QString &topic) const
    {
        return topic.size() > m_base.size() && topic.at(m_base.size()) == QLatin1Char('/') && topic.startsWith(m_base);
    }
    // The metadata and state updates a message under the base implies (the message's own
    // value is the caller's). *valueState is set when a value on this topic should carry a
    // state: a property of a device that said it is offline.
    QList<Update> handleMessage(const QString &topic, const QByteArray &payload,
                                std::optional<ResourceState> *valueState);
    // `<property>/set` for a settable property, else empty.
    QString commandTopicFor(const QString &topic) const { return m_commandTopics.value(topic); }

private:
    struct Device
    {
        QString name;
        std::optional<ResourceState> state;
        QSet<QString> properties; // property topics
    };

    Update propertyUpdate(const QString &propertyTopic, const Device &device) const;
    QList<Update> describeFromJson(const QString &deviceTopic, Device &device, const QByteArray &payload);

    ResourceId m_endpoint;
    QString m_base;
    QHash<QString, Device> m_devices;        // by device topic (`homie/<id>` or `homie/5/<id>`)
    QHash<QString, QString> m_commandTopics; // property topic -> set topic
};

} // namespace thingscape
