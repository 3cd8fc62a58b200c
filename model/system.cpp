#include "system.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("System", text);
}

} // namespace

QJsonObject System::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("name"), name);
    if (!description.isEmpty())
        json.insert(QStringLiteral("description"), description);
    QJsonArray uris;
    for (const ResourceId &id : resources)
        uris.append(id.toString());
    json.insert(QStringLiteral("resources"), uris);
    QJsonObject titleObject;
    for (auto it = titles.cbegin(); it != titles.cend(); ++it) {
        if (!it.value().isEmpty() && resources.contains(it.key()))
            titleObject.insert(it.key().toString(), it.value());
    }
    if (!titleObject.isEmpty())
        json.insert(QStringLiteral("titles"), titleObject);
    return json;
}

std::optional<System> System::fromJson(const QJsonObject &json, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<System> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    System system;
    const QJsonValue name = json.value(QStringLiteral("name"));
    if (!name.isString() || name.toString().isEmpty())
        return fail(tr("a system needs a \"name\" (a non-empty string)"));
    system.name = name.toString();
    const QJsonValue description = json.value(QStringLiteral("description"));
    if (!description.isUndefined() && !description.isString())
        return fail(tr("system '%1': \"description\" must be a string").arg(system.name));
    system.description = description.toString();
    const QJsonValue resources = json.value(QStringLiteral("resources"));
    if (!resources.isUndefined() && !resources.isArray())
        return fail(tr("system '%1': \"resources\" must be an array of URIs").arg(system.name));
    const QJsonArray uris = resources.toArray();
    for (qsizetype i = 0; i < uris.size(); ++i) {
        if (!uris.at(i).isString())
            return fail(tr("system '%1': resources[%2] must be a URI string").arg(system.name).arg(i));
        QString why;
        const auto id = ResourceId::parse(uris.at(i).toString(), &why);
        if (!id)
            return fail(tr("system '%1': resources[%2]: %3").arg(system.name).arg(i).arg(why));
        system.resources.append(*id);
    }
    const QJsonValue titles = json.value(QStringLiteral("titles"));
    if (!titles.isUndefined() && !titles.isObject())
        return fail(tr("system '%1': \"titles\" must be an object of URI: title").arg(system.name));
    const QJsonObject titleObject = titles.toObject();
    for (auto it = titleObject.begin(); it != titleObject.end(); ++it) {
        if (!it.value().isString())
            return fail(tr("system '%1': titles[\"%2\"] must be a string").arg(system.name, it.key()));
        QString why;
        const auto id = ResourceId::parse(it.key(), &why);
        if (!id)
            return fail(tr("system '%1': titles[\"%2\"]: %3").arg(system.name, it.key(), why));
        // A title for a resource that is not a member is left behind: nothing shows it.
        if (system.resources.contains(*id) && !it.value().toString().isEmpty())
            system.titles.insert(*id, it.value().toString());
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() != QLatin1String("name") && it.key() != QLatin1String("description")
            && it.key() != QLatin1String("resources") && it.key() != QLatin1String("titles"))
            system.extra.insert(it.key(), it.value());
    }
    return system;
}

} // namespace thingscape
