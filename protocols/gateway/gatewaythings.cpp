#include "gatewaythings.h"

#include "gatewayid.h"
#include "gatewayrepresentation.h"

#include "model/resource.h"
#include "model/resourcestore.h"

#include <QJsonArray>
#include <QSet>

namespace thingscape {

namespace {

QString propertyName(const Resource &resource, const QSet<QString> &taken)
{
    QStringList segments = resource.id().pathSegments();
    QString name = segments.isEmpty() ? resource.id().hostPort() : segments.takeLast();
    if (name.isEmpty())
        name = QStringLiteral("value");
    // A command topic of the same device ("lamp/set") reads better with its parent.
    while (taken.contains(name) && !segments.isEmpty())
        name = segments.takeLast() + QLatin1Char('_') + name;
    const QString base = name;
    for (int n = 2; taken.contains(name); ++n)
        name = QStringLiteral("%1_%2").arg(base).arg(n);
    return name;
}

QString jsonType(const Resource &resource)
{
    const QString declared = resource.metadata().extra.value(QLatin1String("type")).toString();
    if (!declared.isEmpty())
        return declared;
    if (!resource.hasValue() || resource.value().isLargePending())
        return {};
    switch (resource.value().kind()) {
    case ValueKind::Number:
        return QStringLiteral("number");
    case ValueKind::Bool:
        return QStringLiteral("boolean");
    case ValueKind::String:
        return QStringLiteral("string");
    case ValueKind::Structure:
        return resource.value().decoded.isArray() ? QStringLiteral("array") : QStringLiteral("object");
    default:
        return {};
    }
}

// The data schema's bounds and choices the metadata carries (from a TD or a convention).
void insertSchemaLimits(const QJsonObject &extra, QJsonObject *into)
{
    for (const char *key : {"minimum", "maximum", "enum"}) {
        const QJsonValue value = extra.value(QLatin1String(key));
        if (!value.isUndefined())
            into->insert(QLatin1String(key), value);
    }
}

// Resources a client invokes rather than reads: a Thing Description's actions, Home Assistant
// buttons and scenes (and any entity with a command topic but no state), Homie's non-retained
// settable properties (commands).
bool isAction(const Resource &resource)
{
    const QJsonObject &extra = resource.metadata().extra;
    if (extra.value(QLatin1String("affordance")).toString() == QLatin1String("action"))
        return true;
    const QString convention = extra.value(QLatin1String("convention")).toString();
    if (convention == QLatin1String("homeassistant")) {
        const QString component = extra.value(QLatin1String("component")).toString();
        return component == QLatin1String("button") || component == QLatin1String("scene")
            || resource.metadata().commandUri.valueOr({}) == resource.id().toString();
    }
    if (convention == QLatin1String("homie"))
        return resource.metadata().writable.valueOr(false) && !extra.value(QLatin1String("homieRetained")).toBool(true);
    return false;
}

QJsonObject actionAffordance(const Resource &resource, const QString &href)
{
    const Metadata &md = resource.metadata();
    QJsonObject action{
        {QStringLiteral("title"), resource.title()},
        {QStringLiteral("safe"), false},
        {QStringLiteral("idempotent"), false},
        {QStringLiteral("forms"), QJsonArray{QJsonObject{{QStringLiteral("href"), href},
                                                         {QStringLiteral("op"), QStringLiteral("invokeaction")},
                                                         {QStringLiteral("htv:methodName"), QStringLiteral("POST")},
                                                         {QStringLiteral("contentType"), QStringLiteral("application/json")}}}},
        {QStringLiteral("thingscape:uri"), resource.id().toString()},
    };
    if (md.description.isSet())
        action.insert(QStringLiteral("description"), *md.description);
    QJsonObject input = md.extra.value(QLatin1String("input")).toObject();
    if (input.isEmpty()) {
        // A convention's command: what the write box would offer, as the input's schema.
        const QString type = md.extra.value(QLatin1String("type")).toString();
        if (!type.isEmpty())
            input.insert(QStringLiteral("type"), type);
        insertSchemaLimits(md.extra, &input);
    }
    if (!input.isEmpty())
        action.insert(QStringLiteral("input"), input);
    const QJsonObject output = md.extra.value(QLatin1String("output")).toObject();
    if (!output.isEmpty())
        action.insert(QStringLiteral("output"), output);
    return action;
}

} // namespace

QString GatewayThings::deviceName(const Resource &resource)
{
    const Metadata &md = resource.metadata();
    if (md.device.isSet() && !md.device->isEmpty())
        return *md.device;
    return resource.id().endpointUri();
}

QMap<QString, QList<const Resource *>> GatewayThings::devices(const ResourceStore &store)
{
    QMap<QString, QList<const Resource *>> out;
    const QList<const Resource *> resources = store.resources();
    for (const Resource *resource : resources)
        out[deviceName(*resource)].append(resource);
    for (auto &list : out)
        std::sort(list.begin(), list.end(), [](const Resource *a, const Resource *b) { return a->id() < b->id(); });
    return out;
}

QJsonObject GatewayThings::thingDescription(const QString &device, const QList<const Resource *> &resources,
                                            const QString &base, bool bearer)
{
    const QString deviceId = GatewayId::encodeText(device);
    QJsonObject properties;
    QJsonObject actions;
    QSet<QString> taken;
    for (const Resource *resource : resources) {
        const QString name = propertyName(*resource, taken);
        taken.insert(name);
        const Metadata &md = resource->metadata();
        const QString href = GatewayRepresentation::href(*resource).mid(1); // relative to base
        if (isAction(*resource)) {
            actions.insert(name, actionAffordance(*resource, href));
            continue;
        }
        const bool writable = md.writable.valueOr(true);
        QJsonArray ops{QStringLiteral("readproperty")};
        if (writable)
            ops.append(QStringLiteral("writeproperty"));
        QJsonObject property{
            {QStringLiteral("title"), resource->title()},
            {QStringLiteral("observable"), true},
            {QStringLiteral("readOnly"), !writable},
            {QStringLiteral("forms"), QJsonArray{
                 QJsonObject{{QStringLiteral("href"), href},
                             {QStringLiteral("op"), ops},
                             {QStringLiteral("contentType"), QStringLiteral("application/json")}},
                 QJsonObject{{QStringLiteral("href"), href},
                             {QStringLiteral("op"), QJsonArray{QStringLiteral("observeproperty"), QStringLiteral("unobserveproperty")}},
                             {QStringLiteral("subprotocol"), QStringLiteral("sse")},
                             {QStringLiteral("contentType"), QStringLiteral("text/event-stream")}},
             }},
            {QStringLiteral("thingscape:uri"), resource->id().toString()},
        };
        if (md.description.isSet())
            property.insert(QStringLiteral("description"), *md.description);
        if (md.unit.isSet())
            property.insert(QStringLiteral("unit"), *md.unit);
        const QString type = jsonType(*resource);
        if (!type.isEmpty())
            property.insert(QStringLiteral("type"), type);
        insertSchemaLimits(md.extra, &property);
        properties.insert(name, property);
    }
    const QString scheme = bearer ? QStringLiteral("bearer_sc") : QStringLiteral("nosec_sc");
    const QJsonObject securityScheme = bearer
        ? QJsonObject{{QStringLiteral("scheme"), QStringLiteral("bearer")}, {QStringLiteral("in"), QStringLiteral("header")}}
        : QJsonObject{{QStringLiteral("scheme"), QStringLiteral("nosec")}};
    return QJsonObject{
        {QStringLiteral("@context"), QJsonArray{QStringLiteral("https://www.w3.org/2022/wot/td/v1.1"),
                                                QJsonObject{{QStringLiteral("thingscape"), QStringLiteral("https://thingscape.invalid/td#")}}}},
        {QStringLiteral("@type"), QStringLiteral("Thing")},
        {QStringLiteral("id"), QStringLiteral("urn:thingscape:gateway:") + deviceId},
        {QStringLiteral("title"), device},
        {QStringLiteral("description"), QStringLiteral("Served by the Thingscape gateway from %1").arg(device)},
        {QStringLiteral("base"), base},
        {QStringLiteral("securityDefinitions"), QJsonObject{{scheme, securityScheme}}},
        {QStringLiteral("security"), QJsonArray{scheme}},
        {QStringLiteral("properties"), properties},
        {QStringLiteral("actions"), actions},
        {QStringLiteral("links"), QJsonArray{QJsonObject{{QStringLiteral("rel"), QStringLiteral("self")},
                                                         {QStringLiteral("href"), QStringLiteral("things/") + deviceId}}}},
    };
}

QJsonArray GatewayThings::all(const ResourceStore &store, const QString &base, bool bearer)
{
    QJsonArray out;
    const auto byDevice = devices(store);
    for (auto it = byDevice.begin(); it != byDevice.end(); ++it)
        out.append(thingDescription(it.key(), it.value(), base, bearer));
    return out;
}

} // namespace thingscape
