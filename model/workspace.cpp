#include "workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace thingscape {

namespace {

const char *const kKnownKeys[] = {"thingscape", "endpoints", "systems", "dashboards", "rules", "layout"};
// Never written, even when a hand-edited file put them among an endpoint's unknown keys.
const char *const kSecretKeys[] = {"password", "keyPassword", "pskKey", "bearerToken"};

QString tr(const char *text)
{
    return QCoreApplication::translate("Workspace", text);
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

// Where a JSON pointer's value starts in the text: a small scanner, run only to report an
// error (QJsonDocument keeps no positions). -1 when the path is not found.
class PointerFinder
{
public:
    explicit PointerFinder(const QByteArray &data)
        : m_data(data)
    {
    }

    qsizetype find(const QStringList &path)
    {
        m_pos = 0;
        return valueAt(path, 0) ? m_pos : -1;
    }

private:
    void skipSpace()
    {
        while (m_pos < m_data.size() && (m_data[m_pos] == ' ' || m_data[m_pos] == '\n' || m_data[m_pos] == '\r'
                                         || m_data[m_pos] == '\t'))
            ++m_pos;
    }
    bool at(char c)
    {
        skipSpace();
        return m_pos < m_data.size() && m_data[m_pos] == c;
    }
    bool string(QByteArray *out)
    {
        if (!at('"'))
            return false;
        ++m_pos;
        while (m_pos < m_data.size() && m_data[m_pos] != '"') {
            if (m_data[m_pos] == '\\' && m_pos + 1 < m_data.size())
                ++m_pos;
            if (out)
                out->append(m_data[m_pos]);
            ++m_pos;
        }
        ++m_pos;
        return m_pos <= m_data.size();
    }
    bool skipValue()
    {
        skipSpace();
        if (m_pos >= m_data.size())
            return false;
        const char c = m_data[m_pos];
        if (c == '"')
            return string(nullptr);
        if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++m_pos;
            if (at(close)) {
                ++m_pos;
                return true;
            }
            while (true) {
                if (c == '{') {
                    if (!string(nullptr) || !at(':'))
                        return false;
                    ++m_pos;
                }
                if (!skipValue())
                    return false;
                if (at(',')) {
                    ++m_pos;
                    continue;
                }
                if (!at(close))
                    return false;
                ++m_pos;
                return true;
            }
        }
        while (m_pos < m_data.size() && !QByteArrayView(",]} \n\r\t").contains(m_data[m_pos]))
            ++m_pos;
        return true;
    }
    bool valueAt(const QStringList &path, qsizetype depth)
    {
        skipSpace();
        if (depth == path.size())
            return m_pos < m_data.size();
        const QByteArray segment = path.at(depth).toUtf8();
        if (at('{')) {
            ++m_pos;
            // The last of duplicate keys wins in QJsonObject: remember the last match.
            qsizetype found = -1;
            while (!at('}')) {
                QByteArray key;
                if (!string(&key) || !at(':'))
                    return false;
                ++m_pos;
                skipSpace();
                if (key == segment)
                    found = m_pos;
                if (!skipValue())
                    return false;
                if (at(','))
                    ++m_pos;
                else if (!at('}'))
                    return false;
            }
            if (found < 0)
                return false;
            m_pos = found;
            return valueAt(path, depth + 1);
        }
        if (at('[')) {
            ++m_pos;
            bool ok = false;
            const qsizetype index = path.at(depth).toLongLong(&ok);
            if (!ok)
                return false;
            for (qsizetype i = 0; !at(']'); ++i) {
                if (i == index)
                    return valueAt(path, depth + 1);
                if (!skipValue())
                    return false;
                if (at(','))
                    ++m_pos;
                else if (!at(']'))
                    return false;
            }
        }
        return false;
    }

    const QByteArray &m_data;
    qsizetype m_pos = 0;
};

bool wholeNumberIn(const QJsonValue &value, double low, double high)
{
    return value.isDouble() && value.toDouble() == std::floor(value.toDouble()) && value.toDouble() >= low
        && value.toDouble() <= high;
}

QString shown(const QJsonValue &value)
{
    if (value.isDouble())
        return QString::number(value.toDouble(), 'g', 17);
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isString())
        return QLatin1Char('"') + value.toString().left(40) + QLatin1Char('"');
    return Workspace::typeName(value);
}

// The types and ranges of an endpoint's settings: a wrong one is reported, never loaded as
// its default. *key is the setting at fault.
bool validateEndpoint(const QJsonObject &json, QString *why, QString *key)
{
    auto fail = [why, key](const char *name, const QString &text) {
        *key = QLatin1String(name);
        *why = text;
        return false;
    };
    for (const char *name : {"id", "name", "url", "username", "caFile", "certFile", "keyFile", "pskIdentity", "clientId",
                             "willTopic", "willPayload"}) {
        const QJsonValue value = json.value(QLatin1String(name));
        if (!value.isUndefined() && !value.isString())
            return fail(name, tr("\"%1\" must be a string, not %2").arg(QLatin1String(name), Workspace::typeName(value)));
    }
    for (const char *name : {"autoConnect", "insecure", "cleanSession", "willRetain"}) {
        const QJsonValue value = json.value(QLatin1String(name));
        if (!value.isUndefined() && !value.isBool())
            return fail(name, tr("\"%1\" must be true or false, not %2").arg(QLatin1String(name), shown(value)));
    }
    const struct
    {
        const char *name;
        double low;
        double high;
    } numbers[] = {
        {"mqttVersion", 3, 5},
        {"keepAlive", 0, 65535},
        {"willQos", 0, 2},
        {"pollIntervalMs", 0, 2147483647.0},
        {"requestTimeoutMs", 1, 2147483647.0},
    };
    for (const auto &number : numbers) {
        const QJsonValue value = json.value(QLatin1String(number.name));
        if (!value.isUndefined() && !wholeNumberIn(value, number.low, number.high))
            return fail(number.name, tr("\"%1\" must be a whole number from %2 to %3, not %4")
                                         .arg(QLatin1String(number.name))
                                         .arg(qint64(number.low))
                                         .arg(qint64(number.high))
                                         .arg(shown(value)));
    }
    const QJsonValue filters = json.value(QStringLiteral("filters"));
    if (!filters.isUndefined()) {
        if (!filters.isArray())
            return fail("filters", tr("\"filters\" must be an array of topic filters, not %1").arg(Workspace::typeName(filters)));
        for (const QJsonValue &filter : filters.toArray()) {
            if (!filter.isString())
                return fail("filters", tr("\"filters\" must hold strings, not %1").arg(Workspace::typeName(filter)));
        }
    }
    const QJsonValue intervals = json.value(QStringLiteral("pollIntervals"));
    if (!intervals.isUndefined()) {
        if (!intervals.isObject())
            return fail("pollIntervals", tr("\"pollIntervals\" must be an object, not %1").arg(Workspace::typeName(intervals)));
        const QJsonObject object = intervals.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!wholeNumberIn(it.value(), 0, 2147483647.0))
                return fail("pollIntervals", tr("\"pollIntervals\" of '%1' must be a whole number of milliseconds, not %2")
                                                 .arg(it.key(), shown(it.value())));
        }
    }
    return true;
}

} // namespace

QString Workspace::typeName(const QJsonValue &value)
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
    QStringList where;
    return parse(json, error, &where);
}

std::optional<Workspace> Workspace::parse(const QJsonObject &json, QString *error, QStringList *where)
{
    auto fail = [error](const QString &why) -> std::optional<Workspace> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    auto failAt = [&fail, where](const QStringList &path, const QString &why) {
        *where = path;
        return fail(why);
    };
    const QJsonValue version = json.value(QStringLiteral("thingscape"));
    if (version.isUndefined())
        return fail(tr("the \"thingscape\" format version is missing: this is not a Thingscape workspace"));
    if (!version.isDouble() || version.toDouble() != double(version.toInt()))
        return fail(tr("the \"thingscape\" format version must be a whole number, not %1").arg(Workspace::typeName(version)));
    if (version.toInt() > kFormatVersion)
        return fail(tr("it has format version %1, from a newer Thingscape; this version reads up to %2")
                        .arg(version.toInt())
                        .arg(kFormatVersion));
    if (version.toInt() < 1)
        return fail(tr("format version %1 is not supported").arg(version.toInt()));

    Workspace workspace;
    const QJsonValue endpoints = json.value(QStringLiteral("endpoints"));
    if (!endpoints.isUndefined() && !endpoints.isArray())
        return failAt({QStringLiteral("endpoints")}, tr("\"endpoints\" must be an array, not %1").arg(Workspace::typeName(endpoints)));
    const QJsonArray endpointArray = endpoints.toArray();
    const QString endpointsKey = QStringLiteral("endpoints");
    QHash<QString, qsizetype> ids;
    ids.reserve(endpointArray.size());
    workspace.m_endpoints.reserve(endpointArray.size());
    for (qsizetype i = 0; i < endpointArray.size(); ++i) {
        const QString index = QString::number(i);
        const QJsonValue item = endpointArray.at(i);
        if (!item.isObject())
            return failAt({endpointsKey, index}, tr("endpoints[%1] must be an object, not %2").arg(i).arg(Workspace::typeName(item)));
        const QJsonObject object = item.toObject();
        QString why;
        QString key;
        if (!validateEndpoint(object, &why, &key)) {
            const QString name = object.value(QStringLiteral("name")).toString();
            return failAt({endpointsKey, index, key},
                          name.isEmpty() ? tr("endpoints[%1]: %2").arg(i).arg(why)
                                         : tr("endpoints[%1]: endpoint '%2': %3").arg(i).arg(name, why));
        }
        EndpointConfig endpoint = EndpointConfig::fromJson(object, &why);
        if (!why.isEmpty())
            return failAt({endpointsKey, index, QStringLiteral("url")}, tr("endpoints[%1]: %2").arg(i).arg(why));
        if (!endpoint.id.isEmpty()) {
            const auto first = ids.constFind(endpoint.id);
            if (first != ids.constEnd())
                return failAt({endpointsKey, index, QStringLiteral("id")},
                              tr("endpoints[%1] has the id '%2' of endpoints[%3]: ids must be unique")
                                  .arg(i)
                                  .arg(endpoint.id)
                                  .arg(*first));
            ids.insert(endpoint.id, i);
        }
        workspace.m_endpoints.append(std::move(endpoint));
    }

    const QJsonValue systems = json.value(QStringLiteral("systems"));
    if (!systems.isUndefined() && !systems.isArray())
        return failAt({QStringLiteral("systems")}, tr("\"systems\" must be an array, not %1").arg(Workspace::typeName(systems)));
    const QJsonArray systemArray = systems.toArray();
    for (qsizetype i = 0; i < systemArray.size(); ++i) {
        const QStringList at = {QStringLiteral("systems"), QString::number(i)};
        if (!systemArray.at(i).isObject())
            return failAt(at, tr("systems[%1] must be an object, not %2").arg(i).arg(Workspace::typeName(systemArray.at(i))));
        QString why;
        const auto system = System::fromJson(systemArray.at(i).toObject(), &why);
        if (!system)
            return failAt(at, tr("systems[%1]: %2").arg(i).arg(why));
        workspace.m_systems.append(*system);
    }

    for (const char *key : {"dashboards", "rules"}) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isArray())
            return fail(tr("\"%1\" must be an array, not %2").arg(QLatin1String(key), Workspace::typeName(value)));
    }
    workspace.m_dashboards = json.value(QStringLiteral("dashboards")).toArray();
    workspace.m_rules = json.value(QStringLiteral("rules")).toArray();
    const QJsonValue layout = json.value(QStringLiteral("layout"));
    if (!layout.isUndefined() && !layout.isObject())
        return fail(tr("\"layout\" must be an object, not %1").arg(Workspace::typeName(layout)));
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
    QStringList where;
    auto workspace = parse(document.object(), &why, &where);
    if (!workspace) {
        // Where it is, as people look for it: a line and a column (and the JSON pointer).
        if (!where.isEmpty()) {
            const qsizetype offset = PointerFinder(data).find(where);
            const QString pointer = QLatin1Char('/') + where.join(QLatin1Char('/'));
            if (offset >= 0) {
                const auto [line, column] = lineAndColumn(data, int(offset));
                why = tr("line %1, column %2 (%3): %4").arg(line).arg(column).arg(pointer, why);
            } else {
                why = tr("at %1: %2").arg(pointer, why);
            }
        }
        return fail(why);
    }
    return workspace;
}

QString Workspace::locate(const QString &path, const QStringList &where)
{
    const QString pointer = QLatin1Char('/') + where.join(QLatin1Char('/'));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return pointer;
    return locateIn(file.readAll(), where);
}

QString Workspace::locateIn(const QByteArray &data, const QStringList &where)
{
    const QString pointer = QLatin1Char('/') + where.join(QLatin1Char('/'));
    const qsizetype offset = PointerFinder(data).find(where);
    if (offset < 0)
        return pointer;
    const auto [line, column] = lineAndColumn(data, int(offset));
    return tr("line %1, column %2 (%3)").arg(line).arg(column).arg(pointer);
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
