#include "homeassistantdiscovery.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace thingscape {

namespace {

// From Home Assistant's MQTT abbreviation tables (the commonly used subset).
const QHash<QString, QString> &abbreviations()
{
    static const QHash<QString, QString> table = {
        {QStringLiteral("act_t"), QStringLiteral("action_topic")},
        {QStringLiteral("atype"), QStringLiteral("automation_type")},
        {QStringLiteral("avty"), QStringLiteral("availability")},
        {QStringLiteral("avty_t"), QStringLiteral("availability_topic")},
        {QStringLiteral("avty_tpl"), QStringLiteral("availability_template")},
        {QStringLiteral("bri_cmd_t"), QStringLiteral("brightness_command_topic")},
        {QStringLiteral("bri_stat_t"), QStringLiteral("brightness_state_topic")},
        {QStringLiteral("cmd_t"), QStringLiteral("command_topic")},
        {QStringLiteral("cmd_tpl"), QStringLiteral("command_template")},
        {QStringLiteral("cmps"), QStringLiteral("components")},
        {QStringLiteral("curr_temp_t"), QStringLiteral("current_temperature_topic")},
        {QStringLiteral("dev"), QStringLiteral("device")},
        {QStringLiteral("dev_cla"), QStringLiteral("ownerclass")},
        {QStringLiteral("en"), QStringLiteral("enabled_by_default")},
        {QStringLiteral("ent_cat"), QStringLiteral("entity_category")},
        {QStringLiteral("exp_aft"), QStringLiteral("expire_after")},
        {QStringLiteral("frc_upd"), QStringLiteral("force_update")},
        {QStringLiteral("ic"), QStringLiteral("icon")},
        {QStringLiteral("json_attr_t"), QStringLiteral("json_attributes_topic")},
        {QStringLiteral("json_attr_tpl"), QStringLiteral("json_attributes_template")},
        {QStringLiteral("max"), QStringLiteral("max")},
        {QStringLiteral("min"), QStringLiteral("min")},
        {QStringLiteral("mode_cmd_t"), QStringLiteral("mode_command_topic")},
        {QStringLiteral("mode_stat_t"), QStringLiteral("mode_state_topic")},
        {QStringLiteral("o"), QStringLiteral("origin")},
        {QStringLiteral("obj_id"), QStringLiteral("object_id")},
        {QStringLiteral("opt"), QStringLiteral("optimistic")},
        {QStringLiteral("ops"), QStringLiteral("options")},
        {QStringLiteral("p"), QStringLiteral("platform")},
        {QStringLiteral("pct_cmd_t"), QStringLiteral("percentage_command_topic")},
        {QStringLiteral("pct_stat_t"), QStringLiteral("percentage_state_topic")},
        {QStringLiteral("pl_avail"), QStringLiteral("payload_available")},
        {QStringLiteral("pl_not_avail"), QStringLiteral("payload_not_available")},
        {QStringLiteral("pl_off"), QStringLiteral("payload_off")},
        {QStringLiteral("pl_on"), QStringLiteral("payload_on")},
        {QStringLiteral("pl_prs"), QStringLiteral("payload_press")},
        {QStringLiteral("pos_t"), QStringLiteral("position_topic")},
        {QStringLiteral("ret"), QStringLiteral("retain")},
        {QStringLiteral("set_pos_t"), QStringLiteral("set_position_topic")},
        {QStringLiteral("stat_cla"), QStringLiteral("state_class")},
        {QStringLiteral("stat_off"), QStringLiteral("state_off")},
        {QStringLiteral("stat_on"), QStringLiteral("state_on")},
        {QStringLiteral("stat_t"), QStringLiteral("state_topic")},
        {QStringLiteral("stat_tpl"), QStringLiteral("state_template")},
        {QStringLiteral("stat_val_tpl"), QStringLiteral("state_value_template")},
        {QStringLiteral("step"), QStringLiteral("step")},
        {QStringLiteral("t"), QStringLiteral("topic")},
        {QStringLiteral("temp_cmd_t"), QStringLiteral("temperature_command_topic")},
        {QStringLiteral("temp_stat_t"), QStringLiteral("temperature_state_topic")},
        {QStringLiteral("uniq_id"), QStringLiteral("unique_id")},
        {QStringLiteral("unit_of_meas"), QStringLiteral("unit_of_measurement")},
        {QStringLiteral("val_tpl"), QStringLiteral("value_template")},
    };
    return table;
}

const QHash<QString, QString> &deviceAbbreviations()
{
    static const QHash<QString, QString> table = {
        {QStringLiteral("cns"), QStringLiteral("connections")},
        {QStringLiteral("cu"), QStringLiteral("configuration_url")},
        {QStringLiteral("hw"), QStringLiteral("hw_version")},
        {QStringLiteral("ids"), QStringLiteral("identifiers")},
        {QStringLiteral("mdl"), QStringLiteral("model")},
        {QStringLiteral("mdl_id"), QStringLiteral("model_id")},
        {QStringLiteral("mf"), QStringLiteral("manufacturer")},
        {QStringLiteral("sa"), QStringLiteral("suggested_area")},
        {QStringLiteral("sn"), QStringLiteral("serial_number")},
        {QStringLiteral("sw"), QStringLiteral("sw_version")},
        {QStringLiteral("url"), QStringLiteral("support_url")},
        {QStringLiteral("via_device"), QStringLiteral("via_device")},
    };
    return table;
}

QJsonObject expandKeys(const QJsonObject &object, const QHash<QString, QString> &table)
{
    QJsonObject out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out.insert(table.value(it.key(), it.key()), it.value());
    return out;
}

QString deviceName(const QJsonObject &device)
{
    const QString name = device.value(QStringLiteral("name")).toString();
    if (!name.isEmpty())
        return name;
    const QJsonValue ids = device.value(QStringLiteral("identifiers"));
    if (ids.isArray())
        return ids.toArray().first().toString();
    return ids.toString();
}

} // namespace

HomeAssistantDiscovery::HomeAssistantDiscovery(const ResourceId &endpoint, const QString &prefix)
    : m_endpoint(endpoint.endpoint())
    , m_prefix(prefix)
{
}

bool HomeAssistantDiscovery::isConfigTopic(const QString &topic) const
{
    // Called for every message: no temporary string.
    if (topic.size() <= m_prefix.size() || topic.at(m_prefix.size()) != QLatin1Char('/') || !topic.startsWith(m_prefix)
        || !topic.endsWith(QLatin1String("/config")))
        return false;
    const qsizetype levels = topic.count(QLatin1Char('/')) + 1;
    return levels == 4 || levels == 5;
}

QJsonObject HomeAssistantDiscovery::expand(const QJsonObject &config)
{
    QJsonObject out = expandKeys(config, abbreviations());
    for (const char *key : {"device", "origin"}) {
        const QString name = QLatin1String(key);
        if (out.value(name).isObject())
            out.insert(name, expandKeys(out.value(name).toObject(), deviceAbbreviations()));
    }
    const QString base = out.value(QStringLiteral("~")).toString();
    if (!base.isEmpty()) {
        for (auto it = out.begin(); it != out.end(); ++it) {
            if (!it.key().endsWith(QLatin1String("_topic")) || !it.value().isString())
                continue;
            QString topic = it.value().toString();
            if (topic.startsWith(QLatin1Char('~')))
                topic = base + topic.mid(1);
            else if (topic.endsWith(QLatin1Char('~')))
                topic = topic.left(topic.size() - 1) + base;
            it.value() = topic;
        }
    }
    return out;
}

QList<Update> HomeAssistantDiscovery::handleConfig(const QString &topic, const QByteArray &payload)
{
    const QStringList levels = topic.split(QLatin1Char('/'));
    const QString component = levels.at(1);
    const QString objectId = levels.at(levels.size() - 2);
    const bool deviceBased = component == QLatin1String("device") && levels.size() == 4;

    QList<Update> updates;
    if (payload.trimmed().isEmpty()) {
        // An empty config removes the entity, or for a device config every component of it.
        const QStringList keys = m_entities.keys();
        for (const QString &key : keys) {
            if (key == topic || key.startsWith(topic + QLatin1Char('|')))
                updates += forget(key);
        }
        return updates;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(payload, &parseError);
    if (!doc.isObject())
        return updates;
    if (!deviceBased)
        return describe(topic, component, objectId, expand(doc.object()));

    QJsonObject shared = expandKeys(doc.object(), abbreviations());
    const QJsonObject components = shared.take(QStringLiteral("components")).toObject();
    for (auto it = components.begin(); it != components.end(); ++it) {
        const QString key = topic + QLatin1Char('|') + it.key();
        QJsonObject config = shared;
        const QJsonObject own = expandKeys(it.value().toObject(), abbreviations());
        for (auto field = own.begin(); field != own.end(); ++field)
            config.insert(field.key(), field.value());
        const QString platform = own.value(QStringLiteral("platform")).toString();
        // A component reduced to its platform is being removed.
        if (own.size() <= 1) {
            updates += forget(key);
            continue;
        }
        updates += describe(key, platform, it.key(), expand(config));
    }
    // Components no longer listed are gone too.
    const QStringList keys = m_entities.keys();
    for (const QString &key : keys) {
        if (key.startsWith(topic + QLatin1Char('|')) && !components.contains(key.mid(topic.size() + 1)))
            updates += forget(key);
    }
    return updates;
}

QList<Update> HomeAssistantDiscovery::describe(const QString &key, const QString &component, const QString &objectId,
                                               const QJsonObject &config)
{
    const QString stateTopic = config.value(QStringLiteral("state_topic")).toString();
    const QString commandTopic = config.value(QStringLiteral("command_topic")).toString();
    const QString target = stateTopic.isEmpty() ? commandTopic : stateTopic;
    if (target.isEmpty())
        return {};
    const auto previous = m_entities.constFind(key);
    if (previous != m_entities.constEnd()) {
        m_commandTopics.remove(previous->stateTopic);
        forgetAvailability(previous->stateTopic);
    }
    m_entities.insert(key, Entity{target, commandTopic});

    // Availability: one topic, or a list of them, each with its own payloads.
    auto addAvailability = [this, &target](const QJsonObject &spec, const QString &topicKey) {
        const QString topic = spec.value(topicKey).toString();
        if (topic.isEmpty())
            return;
        m_availability[topic].append(Availability{
            target,
            spec.value(QStringLiteral("payload_available")).toString(QStringLiteral("online")).toUtf8(),
            spec.value(QStringLiteral("payload_not_available")).toString(QStringLiteral("offline")).toUtf8(),
        });
    };
    addAvailability(config, QStringLiteral("availability_topic"));
    for (const QJsonValue &entry : config.value(QStringLiteral("availability")).toArray())
        addAvailability(expand(entry.toObject()), QStringLiteral("topic"));

    constexpr MetaSource source = MetaSource::MqttConvention;
    Update update;
    update.id = ResourceId::fromTopic(m_endpoint, target);
    Metadata &meta = update.metadata.edit();
    const QJsonObject device = config.value(QStringLiteral("device")).toObject();
    const QString owner = deviceName(device);
    const QJsonValue name = config.value(QStringLiteral("name"));
    if (name.isString() && !name.toString().isEmpty())
        meta.title.set(name.toString(), source);
    else if (!owner.isEmpty())
        meta.title.set(owner, source); // a null name means "named after the device"
    else
        meta.title.set(config.value(QStringLiteral("object_id")).toString(objectId), source);
    if (!owner.isEmpty())
        meta.device.set(owner, source);
    const QString unit = config.value(QStringLiteral("unit_of_measurement")).toString();
    if (!unit.isEmpty())
        meta.unit.set(unit, source);
    if (!stateTopic.isEmpty())
        meta.observable.set(true, source);
    if (!commandTopic.isEmpty()) {
        meta.writable.set(true, source);
        meta.commandUri.set(ResourceId::fromTopic(m_endpoint, commandTopic).toString(), source);
        if (!stateTopic.isEmpty())
            m_commandTopics.insert(stateTopic, commandTopic);
    }
    meta.extra.insert(QStringLiteral("convention"), QStringLiteral("homeassistant"));
    meta.extra.insert(QStringLiteral("component"), component);
    const auto copy = [&config, &meta](const char *from, const char *to) {
        const QJsonValue value = config.value(QLatin1String(from));
        if (!value.isUndefined() && !value.isNull())
            meta.extra.insert(QLatin1String(to), value);
    };
    copy("ownerclass", "deviceClass");
    copy("unique_id", "uniqueId");
    copy("state_class", "stateClass");
    copy("value_template", "valueTemplate");
    copy("icon", "icon");
    copy("entity_category", "entityCategory");
    copy("availability_topic", "availabilityTopic");
    // What the write box offers: a switch's payloads, a select's options, a number's range.
    copy("payload_on", "payloadOn");
    copy("payload_off", "payloadOff");
    copy("state_on", "stateOn");
    copy("state_off", "stateOff");
    copy("options", "options");
    copy("min", "minimum");
    copy("max", "maximum");
    copy("step", "step");
    meta.extraSource = source;
    return {update};
}

QList<Update> HomeAssistantDiscovery::handleAvailability(const QString &topic, const QByteArray &payload) const
{
    QList<Update> updates;
    const QByteArray text = payload.trimmed();
    for (const Availability &entry : m_availability.value(topic)) {
        Update update;
        update.id = ResourceId::fromTopic(m_endpoint, entry.stateTopic);
        if (text == entry.online)
            update.state = ResourceState::Online;
        else if (text == entry.offline)
            update.state = ResourceState::Offline;
        else
            continue;
        updates.append(update);
    }
    return updates;
}

void HomeAssistantDiscovery::forgetAvailability(const QString &stateTopic)
{
    for (auto it = m_availability.begin(); it != m_availability.end();) {
        it->removeIf([&stateTopic](const Availability &entry) { return entry.stateTopic == stateTopic; });
        it = it->isEmpty() ? m_availability.erase(it) : std::next(it);
    }
}

QList<Update> HomeAssistantDiscovery::forget(const QString &key)
{
    const auto it = m_entities.constFind(key);
    if (it == m_entities.constEnd())
        return {};
    Update update;
    update.id = ResourceId::fromTopic(m_endpoint, it->stateTopic);
    update.remove = true;
    m_commandTopics.remove(it->stateTopic);
    forgetAvailability(it->stateTopic);
    m_entities.erase(it);
    return {update};
}

} // namespace thingscape
