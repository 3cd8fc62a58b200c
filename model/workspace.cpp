#include "workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>

#include <algorithm>

namespace thingscape {

namespace {

const char *const kKnownKeys[] = {"thingscape", "endpoints", "systems", "dashboards", "rules", "layout"};
// Never written, even when a hand-edited file put them among an endpoint's unknown keys.
const char *const kSecretKeys[] = {"password", "keyPassword", "pskKey", "bearerToken"};

QString tr(const char *text)
{
    return QCoreApplication::translate("Workspace", text);
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return tr("null");
    case QJsonValue::Bool:
        return tr("a boolean");
    case QJsonValue::Double:
        return tr("a number");
    case QJsonValue::String:
        return tr("a string");
    case QJsonValue::Array:
        return tr("an array");
    case QJsonValue::Object:
        return tr("an object");
    case QJsonValue::Undefined:
        break;
    }
    return tr("missing");
}

// QJsonParseError gives a byte offset; people look for a line and a column.
std::pair<int, int> lineAndColumn(const QByteArray &data, int offset)
{
    const QByteArray before = data.left(offset);
    const int line = int(before.count('\n')) + 1;
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const int column = int(QString::fromUtf8(before.mid(lineStart)).size()) + 1;
    return {line, column};
}

} // namespace

QJsonObject Workspace::toJson() const
{
    QJsonObject json = m_extra;
    json.insert(QStringLiteral("thingscape"), kFormatVersion);
    QJsonArray endpoints;
    for (const EndpointConfig &endpoint : m_endpoints) {
        QJsonObject object = endpoint.toJson();
        for (const char *secret : kSecretKeys)
            object.remove(QLatin1String(secret));
        endpoints.append(object);
    }
    json.insert(QStringLiteral("endpoints"), endpoints);
    QJsonArray systems;
    for (const System &system : m_systems)
        systems.append(system.toJson());
    json.insert(QStringLiteral("systems"), systems);
    json.insert(QStringLiteral("dashboards"), m_dashboards);
    json.insert(QStringLiteral("rules"), m_rules);
    json.insert(QStringLiteral("layout"), m_layout);
    return json;
}

std::optional<Workspace> Workspace::fromJson(const QJsonObject &json, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<Workspace> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QJsonValue version = json.value(QStringLiteral("thingscape"));
    if (version.isUndefined())
        return fail(tr("the \"thingscape\" format version is missing: this is not a Thingscape workspace"));
    if (!version.isDouble() || version.toDouble() != double(version.toInt()))
        return fail(tr("the \"thingscape\" format version must be a whole number, not %1").arg(typeName(version)));
    if (version.toInt() > kFormatVersion)
        return fail(tr("it has format version %1, from a newer Thingscape; this version reads up to %2")
                        .arg(version.toInt())
                        .arg(kFormatVersion));
    if (version.toInt() < 1)
        return fail(tr("format version %1 is not supported").arg(version.toInt()));

    Workspace workspace;
    const QJsonValue endpoints = json.value(QStringLiteral("endpoints"));
    if (!endpoints.isUndefined() && !endpoints.isArray())
        return fail(tr("\"endpoints\" must be an array, not %1").arg(typeName(endpoints)));
    const QJsonArray endpointArray = endpoints.toArray();
    for (qsizetype i = 0; i < endpointArray.size(); ++i) {
        if (!endpointArray.at(i).isObject())
            return fail(tr("endpoints[%1] must be an object, not %2").arg(i).arg(typeName(endpointArray.at(i))));
        QString why;
        EndpointConfig endpoint = EndpointConfig::fromJson(endpointArray.at(i).toObject(), &why);
        if (!why.isEmpty())
            return fail(tr("endpoints[%1]: %2").arg(i).arg(why));
        workspace.m_endpoints.append(endpoint);
    }

    const QJsonValue systems = json.value(QStringLiteral("systems"));
    if (!systems.isUndefined() && !systems.isArray())
        return fail(tr("\"systems\" must be an array, not %1").arg(typeName(systems)));
    const QJsonArray systemArray = systems.toArray();
    for (qsizetype i = 0; i < systemArray.size(); ++i) {
        if (!systemArray.at(i).isObject())
            return fail(tr("systems[%1] must be an object, not %2").arg(i).arg(typeName(systemArray.at(i))));
        QString why;
        const auto system = System::fromJson(systemArray.at(i).toObject(), &why);
        if (!system)
            return fail(tr("systems[%1]: %2").arg(i).arg(why));
        workspace.m_systems.append(*system);
    }

    for (const char *key : {"dashboards", "rules"}) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isArray())
            return fail(tr("\"%1\" must be an array, not %2").arg(QLatin1String(key), typeName(value)));
    }
    workspace.m_dashboards = json.value(QStringLiteral("dashboards")).toArray();
    workspace.m_rules = json.value(QStringLiteral("rules")).toArray();
    const QJsonValue layout = json.value(QStringLiteral("layout"));
    if (!layout.isUndefined() && !layout.isObject())
        return fail(tr("\"layout\" must be an object, not %1").arg(typeName(layout)));
    workspace.m_layout = layout.toObject();

    for (auto it = json.begin(); it != json.end(); ++it) {
        const bool known = std::any_of(std::begin(kKnownKeys), std::end(kKnownKeys),
                                       [&it](const char *key) { return it.key() == QLatin1String(key); });
        if (!known)
            workspace.m_extra.insert(it.key(), it.value());
    }
    return workspace;
}

std::optional<Workspace> Workspace::load(const QString &path, QString *error)
{
    auto fail = [error, &path](const QString &why) -> std::optional<Workspace> {
        if (error)
            *error = tr("Cannot read the workspace '%1': %2").arg(QDir::toNativeSeparators(path), why);
        return std::nullopt;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(file.errorString());
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineAndColumn(data, parseError.offset);
        return fail(tr("line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString()));
    }
    if (!document.isObject())
        return fail(tr("the top level must be a JSON object"));
    QString why;
    auto workspace = fromJson(document.object(), &why);
    if (!workspace)
        return fail(why);
    return workspace;
}

bool Workspace::save(const QString &path, QString *error) const
{
    auto fail = [error, &path](const QString &why) {
        if (error)
            *error = tr("Cannot save the workspace '%1': %2").arg(QDir::toNativeSeparators(path), why);
        return false;
    };
    if (QFileInfo(path).isDir())
        return fail(tr("it is a directory"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    const QByteArray bytes = QJsonDocument(toJson()).toJson(QJsonDocument::Indented);
    if (file.write(bytes) != bytes.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(why);
    }
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

} // namespace thingscape
