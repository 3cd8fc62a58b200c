#include "endpointconfig.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace thingscape {

namespace {

const char *const kKnownKeys[] = {"id", "name", "url", "autoConnect", "username", "caFile", "certFile", "keyFile",
                                  "insecure", "pskIdentity", "clientId", "mqttVersion", "keepAlive",
                                  "cleanSession", "filters", "willTopic", "willPayload", "willQos", "willRetain",
                                  "pollIntervalMs", "pollIntervals", "requestTimeoutMs", "maxMessageBytes"};

} // namespace

int EndpointConfig::pollIntervalFor(const ResourceId &id) const
{
    const int own = pollIntervals.value(id.toString());
    if (own > 0)
        return own;
    return pollIntervalMs > 0 ? pollIntervalMs : 2000;
}

QJsonObject EndpointConfig::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("id"), id);
    json.insert(QStringLiteral("name"), name);
    json.insert(QStringLiteral("url"), url.toString());
    json.insert(QStringLiteral("autoConnect"), autoConnect);
    auto putString = [&json](const char *key, const QString &value) {
        if (!value.isEmpty())
            json.insert(QLatin1String(key), value);
    };
    putString("username", username);
    putString("caFile", caFile);
    putString("certFile", certFile);
    putString("keyFile", keyFile);
    putString("pskIdentity", pskIdentity);
    if (insecure)
        json.insert(QStringLiteral("insecure"), true);
    if (url.protocol() == Protocol::Mqtt) {
        putString("clientId", clientId);
        json.insert(QStringLiteral("mqttVersion"), mqttVersion == 5 ? 5 : 4);
        json.insert(QStringLiteral("keepAlive"), keepAliveSeconds);
        json.insert(QStringLiteral("cleanSession"), cleanSession);
        json.insert(QStringLiteral("filters"), QJsonArray::fromStringList(filters));
        if (!willTopic.isEmpty()) {
            json.insert(QStringLiteral("willTopic"), willTopic);
            json.insert(QStringLiteral("willPayload"), QString::fromUtf8(willPayload));
            json.insert(QStringLiteral("willQos"), willQos);
            json.insert(QStringLiteral("willRetain"), willRetain);
        }
    } else {
        json.insert(QStringLiteral("pollIntervalMs"), pollIntervalMs);
        if (!pollIntervals.isEmpty()) {
            QJsonObject intervals;
            for (auto it = pollIntervals.cbegin(); it != pollIntervals.cend(); ++it)
                intervals.insert(it.key(), it.value());
            json.insert(QStringLiteral("pollIntervals"), intervals);
        }
        json.insert(QStringLiteral("requestTimeoutMs"), requestTimeoutMs);
    }
    // Only a changed limit is written: files stay as they were for everyone on the default.
    if (maxMessageBytes != kDefaultMaxMessageBytes)
        json.insert(QStringLiteral("maxMessageBytes"), maxMessageBytes);
    return json;
}

EndpointConfig EndpointConfig::fromJson(const QJsonObject &json, QString *error)
{
    EndpointConfig config;
    config.id = json.value(QStringLiteral("id")).toString();
    config.name = json.value(QStringLiteral("name")).toString();
    QString why;
    const auto url = ResourceId::parse(json.value(QStringLiteral("url")).toString(), &why);
    if (!url) {
        if (error)
            *error = QCoreApplication::translate("EndpointConfig", "endpoint '%1': %2").arg(config.name, why);
        return config;
    }
    config.url = *url;
    config.autoConnect = json.value(QStringLiteral("autoConnect")).toBool(true);
    config.username = json.value(QStringLiteral("username")).toString();
    config.caFile = json.value(QStringLiteral("caFile")).toString();
    config.certFile = json.value(QStringLiteral("certFile")).toString();
    config.keyFile = json.value(QStringLiteral("keyFile")).toString();
    config.insecure = json.value(QStringLiteral("insecure")).toBool(false);
    config.pskIdentity = json.value(QStringLiteral("pskIdentity")).toString();
    config.clientId = json.value(QStringLiteral("clientId")).toString();
    config.mqttVersion = json.value(QStringLiteral("mqttVersion")).toInt(4) == 5 ? 5 : 4;
    config.keepAliveSeconds = json.value(QStringLiteral("keepAlive")).toInt(30);
    config.cleanSession = json.value(QStringLiteral("cleanSession")).toBool(true);
    if (json.contains(QStringLiteral("filters"))) {
        config.filters.clear();
        for (const QJsonValue &filter : json.value(QStringLiteral("filters")).toArray())
            config.filters.append(filter.toString());
    }
    config.willTopic = json.value(QStringLiteral("willTopic")).toString();
    config.willPayload = json.value(QStringLiteral("willPayload")).toString().toUtf8();
    config.willQos = json.value(QStringLiteral("willQos")).toInt(0);
    config.willRetain = json.value(QStringLiteral("willRetain")).toBool(false);
    config.pollIntervalMs = json.value(QStringLiteral("pollIntervalMs")).toInt(2000);
    const QJsonObject intervals = json.value(QStringLiteral("pollIntervals")).toObject();
    for (auto it = intervals.begin(); it != intervals.end(); ++it) {
        if (it.value().toInt() > 0)
            config.pollIntervals.insert(it.key(), it.value().toInt());
    }
    config.requestTimeoutMs = json.value(QStringLiteral("requestTimeoutMs")).toInt(10000);
    const qint64 maxBytes = json.value(QStringLiteral("maxMessageBytes")).toInteger(kDefaultMaxMessageBytes);
    config.maxMessageBytes = maxBytes > 0 ? maxBytes : kDefaultMaxMessageBytes;
    for (auto it = json.begin(); it != json.end(); ++it) {
        const bool known = std::any_of(std::begin(kKnownKeys), std::end(kKnownKeys),
                                       [&it](const char *key) { return it.key() == QLatin1String(key); });
        if (!known)
            config.extra.insert(it.key(), it.value());
    }
    return config;
}

} // namespace thingscape
