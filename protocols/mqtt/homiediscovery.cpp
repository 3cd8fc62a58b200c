#include "homiediscovery.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace thingscape {

namespace {

constexpr MetaSource kSource = MetaSource::MqttConvention;

std::optional<ResourceState> stateFor(const QString &homieState)
{
    if (homieState == QLatin1String("ready"))
        return ResourceState::Online;
    if (homieState == QLatin1String("lost") || homieState == QLatin1String("disconnected")
        || homieState == QLatin1String("offline"))
        return ResourceState::Offline;
    if (homieState == QLatin1String("alert"))
        return ResourceState::Error;
    return std::nullopt; // init, sleeping: nothing to say yet
}

bool isAttribute(const QString &level)
{
    return level.startsWith(QLatin1Char('$'));
}

} // namespace

HomieDiscovery::HomieDiscovery(const ResourceId &endpoint, const QString &base)
    : m_endpoint(endpoint.endpoint())
    , m_base(base)
{
}

Update HomieDiscovery::propertyUpdate(const QString &propertyTopic, const Device &device) const
{
    Update update;
    update.id = ResourceId::fromTopic(m_endpoint, propertyTopic);
    Metadata &meta = update.metadata.edit();
    meta.device.set(device.name, kSource);
    meta.extra.insert(QStringLiteral("convention"), QStringLiteral("homie"));
    meta.extraSource = kSource;
    return update;
}

QList<Update> HomieDiscovery::handleMessage(const QString &topic, const QByteArray &payload,
                                            std::optional<ResourceState> *valueState)
{
    QStringList levels = topic.split(QLatin1Char('/'));
    const bool v5 = levels.size() > 2 && levels.at(1) == QLatin1String("5");
    const qsizetype deviceLevel = v5 ? 2 : 1;
    if (levels.size() <= deviceLevel + 1 || isAttribute(levels.at(deviceLevel)))
        return {};
    const QString deviceTopic = levels.mid(0, deviceLevel + 1).join(QLatin1Char('/'));
    const QStringList rest = levels.mid(deviceLevel + 1);
    Device &device = m_devices[deviceTopic];
    if (device.name.isEmpty())
        device.name = levels.at(deviceLevel);
    const QString text = QString::fromUtf8(payload).trimmed();

    QList<Update> updates;
    if (rest.size() == 1) {
        const QString &attribute = rest.first();
        if (attribute == QLatin1String("$state")) {
            device.state = stateFor(text);
            if (device.state) {
                for (const QString &property : std::as_const(device.properties)) {
                    Update update;
                    update.id = ResourceId::fromTopic(m_endpoint, property);
                    update.state = device.state;
                    updates.append(update);
                }
            }
        } else if (attribute == QLatin1String("$name") && !text.isEmpty()) {
            device.name = text;
            for (const QString &property : std::as_const(device.properties))
                updates.append(propertyUpdate(property, device));
        } else if (attribute == QLatin1String("$description")) {
            updates += describeFromJson(deviceTopic, device, payload);
        }
        return updates;
    }
    const QString &node = rest.at(0);
    if (isAttribute(node))
        return updates;
    if (rest.size() == 2 && rest.at(1) == QLatin1String("$properties")) {
        for (QString property : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            property = property.trimmed();
            if (property.endsWith(QLatin1String("[]")))
                property.chop(2);
            const QString propertyTopic = deviceTopic + QLatin1Char('/') + node + QLatin1Char('/') + property;
            device.properties.insert(propertyTopic);
            updates.append(propertyUpdate(propertyTopic, device));
        }
        return updates;
    }
    const QString &property = rest.at(1);
    if (isAttribute(property))
        return updates; // node attributes ($name, $type)
    const QString propertyTopic = deviceTopic + QLatin1Char('/') + node + QLatin1Char('/') + property;
    if (rest.size() == 2) {
        if (!device.properties.contains(propertyTopic)) {
            device.properties.insert(propertyTopic);
            updates.append(propertyUpdate(propertyTopic, device));
        }
        if (device.state)
            *valueState = device.state;
        return updates;
    }
    if (rest.size() != 3 || !isAttribute(rest.at(2)))
        return updates; // `<property>/set` and anything deeper
    const QString &attribute = rest.at(2);
    device.properties.insert(propertyTopic);
    Update update = propertyUpdate(propertyTopic, device);
    Metadata &meta = update.metadata.edit();
    if (attribute == QLatin1String("$name")) {
        meta.title.set(text, kSource);
    } else if (attribute == QLatin1String("$unit")) {
        meta.unit.set(text, kSource);
    } else if (attribute == QLatin1String("$datatype")) {
        meta.extra.insert(QStringLiteral("datatype"), text);
    } else if (attribute == QLatin1String("$format")) {
        meta.extra.insert(QStringLiteral("format"), text);
    } else if (attribute == QLatin1String("$settable")) {
        const bool settable = text == QLatin1String("true");
        meta.writable.set(settable, kSource);
        if (settable) {
            const QString setTopic = propertyTopic + QStringLiteral("/set");
            meta.commandUri.set(ResourceId::fromTopic(m_endpoint, setTopic).toString(), kSource);
            m_commandTopics.insert(propertyTopic, setTopic);
        } else {
            m_commandTopics.remove(propertyTopic);
        }
    } else if (attribute == QLatin1String("$retained")) {
        meta.extra.insert(QStringLiteral("homieRetained"), text != QLatin1String("false"));
    } else {
        return updates;
    }
    updates.append(update);
    return updates;
}

QList<Update> HomieDiscovery::describeFromJson(const QString &deviceTopic, Device &device, const QByteArray &payload)
{
    const QJsonObject description = QJsonDocument::fromJson(payload).object();
    if (description.isEmpty())
        return {};
    const QString name = description.value(QStringLiteral("name")).toString();
    if (!name.isEmpty())
        device.name = name;
    QList<Update> updates;
    const QJsonObject nodes = description.value(QStringLiteral("nodes")).toObject();
    for (auto node = nodes.begin(); node != nodes.end(); ++node) {
        const QJsonObject properties = node.value().toObject().value(QStringLiteral("properties")).toObject();
        for (auto property = properties.begin(); property != properties.end(); ++property) {
            const QJsonObject spec = property.value().toObject();
            const QString propertyTopic = deviceTopic + QLatin1Char('/') + node.key() + QLatin1Char('/') + property.key();
            device.properties.insert(propertyTopic);
            Update update = propertyUpdate(propertyTopic, device);
            Metadata &meta = update.metadata.edit();
            meta.title.set(spec.value(QStringLiteral("name")).toString(property.key()), kSource);
            if (spec.contains(QStringLiteral("unit")))
                meta.unit.set(spec.value(QStringLiteral("unit")).toString(), kSource);
            for (const char *key : {"datatype", "format"}) {
                const QJsonValue value = spec.value(QLatin1String(key));
                if (value.isString())
                    meta.extra.insert(QLatin1String(key), value);
            }
            const bool settable = spec.value(QStringLiteral("settable")).toBool(false);
            meta.writable.set(settable, kSource);
            if (settable) {
                const QString setTopic = propertyTopic + QStringLiteral("/set");
                meta.commandUri.set(ResourceId::fromTopic(m_endpoint, setTopic).toString(), kSource);
                m_commandTopics.insert(propertyTopic, setTopic);
            }
            if (device.state)
                update.state = device.state;
            updates.append(update);
        }
    }
    return updates;
}

} // namespace thingscape
