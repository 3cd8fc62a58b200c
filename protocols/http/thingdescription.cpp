#include "thingdescription.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QUrl>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ThingDescription", text);
}

const char *const kTdContexts[] = {
    "https://www.w3.org/2019/wot/td/v1",
    "https://www.w3.org/2022/wot/td/v1.1",
    "http://www.w3.org/ns/td",
    "https://www.w3.org/2019/wot/td",
};

bool isTdContext(const QString &context)
{
    for (const char *known : kTdContexts) {
        if (context.startsWith(QLatin1String(known)))
            return true;
    }
    return false;
}

QStringList stringOrArray(const QJsonValue &value)
{
    if (value.isString())
        return {value.toString()};
    QStringList out;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array) {
        if (item.isString())
            out << item.toString();
    }
    return out;
}

QString resolve(const QString &base, const QString &href)
{
    if (base.isEmpty())
        return href;
    const QUrl resolved = QUrl(base).resolved(QUrl(href));
    return resolved.toString();
}

QStringList defaultOps(TdAffordanceKind kind, const TdAffordance &affordance)
{
    switch (kind) {
    case TdAffordanceKind::Property:
        if (affordance.readOnly)
            return {QStringLiteral("readproperty")};
        if (affordance.writeOnly)
            return {QStringLiteral("writeproperty")};
        return {QStringLiteral("readproperty"), QStringLiteral("writeproperty")};
    case TdAffordanceKind::Action:
        return {QStringLiteral("invokeaction")};
    case TdAffordanceKind::Event:
        return {QStringLiteral("subscribeevent"), QStringLiteral("unsubscribeevent")};
    }
    return {};
}

// Reads the data schema terms shared by properties, action inputs and event data.
void readSchema(const QJsonObject &schema, TdAffordance *affordance)
{
    if (affordance->type.isEmpty())
        affordance->type = schema.value(QLatin1String("type")).toString();
    if (affordance->unit.isEmpty())
        affordance->unit = schema.value(QLatin1String("unit")).toString();
    if (!affordance->minimum && schema.value(QLatin1String("minimum")).isDouble())
        affordance->minimum = schema.value(QLatin1String("minimum")).toDouble();
    if (!affordance->maximum && schema.value(QLatin1String("maximum")).isDouble())
        affordance->maximum = schema.value(QLatin1String("maximum")).toDouble();
    if (affordance->enumValues.isEmpty())
        affordance->enumValues = schema.value(QLatin1String("enum")).toArray();
}

QString kindWord(TdAffordanceKind kind)
{
    switch (kind) {
    case TdAffordanceKind::Property:
        return tr("property");
    case TdAffordanceKind::Action:
        return tr("action");
    case TdAffordanceKind::Event:
        return tr("event");
    }
    return {};
}

} // namespace

QString TdForm::scheme() const
{
    const qsizetype colon = href.indexOf(QLatin1Char(':'));
    return colon > 0 ? href.left(colon).toLower() : QString();
}

QString tdAffordanceKindName(TdAffordanceKind kind)
{
    switch (kind) {
    case TdAffordanceKind::Property:
        return QStringLiteral("property");
    case TdAffordanceKind::Action:
        return QStringLiteral("action");
    case TdAffordanceKind::Event:
        return QStringLiteral("event");
    }
    return {};
}

const TdForm *TdAffordance::formFor(const QString &op, const QStringList &schemes) const
{
    for (const TdForm &form : forms) {
        if (!op.isEmpty() && !form.hasOp(op))
            continue;
        if (!schemes.isEmpty() && !schemes.contains(form.scheme()))
            continue;
        return &form;
    }
    return nullptr;
}

QString ThingDescription::displayName() const
{
    if (!title.isEmpty())
        return tr("TD '%1'").arg(title);
    if (!id.isEmpty())
        return tr("TD '%1'").arg(id);
    return tr("TD at %1").arg(sourceUrl);
}

const TdSecurityScheme *ThingDescription::securityScheme(const QString &name) const
{
    for (const TdSecurityScheme &scheme : securityDefinitions) {
        if (scheme.name == name)
            return &scheme;
    }
    return nullptr;
}

QStringList ThingDescription::securityFor(const TdForm &form) const
{
    return form.security.isEmpty() ? security : form.security;
}

QList<const TdAffordance *> ThingDescription::affordances() const
{
    QList<const TdAffordance *> out;
    for (const QList<TdAffordance> *list : {&properties, &actions, &events}) {
        for (const TdAffordance &affordance : *list)
            out << &affordance;
    }
    return out;
}

bool ThingDescription::hasTdContext(const QJsonObject &object)
{
    const QJsonValue context = object.value(QLatin1String("@context"));
    if (context.isString())
        return isTdContext(context.toString());
    const QJsonArray array = context.toArray();
    for (const QJsonValue &item : array) {
        if (item.isString() && isTdContext(item.toString()))
            return true;
    }
    return false;
}

QString describeJsonError(const QByteArray &raw, int offset, const QString &why)
{
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < raw.size(); ++i) {
        if (raw.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return tr("not JSON at line %1, column %2: %3").arg(line).arg(column).arg(why);
}

std::optional<ThingDescription> ThingDescription::fromBytes(const QByteArray &raw, const QString &sourceUrl,
                                                            QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(raw, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = tr("TD at %1: %2")
                         .arg(sourceUrl, describeJsonError(raw, parseError.offset, parseError.errorString()));
        return std::nullopt;
    }
    if (!document.isObject()) {
        if (error)
            *error = tr("TD at %1: not a JSON object").arg(sourceUrl);
        return std::nullopt;
    }
    return fromJson(document.object(), sourceUrl, error);
}

std::optional<ThingDescription> ThingDescription::fromJson(const QJsonObject &object, const QString &sourceUrl,
                                                           QString *error, const QString &fallbackName)
{
    ThingDescription td;
    td.json = object;
    td.sourceUrl = sourceUrl;
    td.id = object.value(QLatin1String("id")).toString();
    td.title = object.value(QLatin1String("title")).toString();
    td.description = object.value(QLatin1String("description")).toString();

    QString name = td.displayName();
    if (td.title.isEmpty() && td.id.isEmpty() && !fallbackName.isEmpty())
        name = tr("TD %1").arg(fallbackName);
    auto fail = [&](const QString &why) -> std::optional<ThingDescription> {
        if (error)
            *error = tr("%1: %2").arg(name, why);
        return std::nullopt;
    };

    if (!object.contains(QLatin1String("@context")))
        return fail(tr("missing @context"));
    if (!hasTdContext(object))
        return fail(tr("@context does not name the WoT TD vocabulary (https://www.w3.org/2022/wot/td/v1.1)"));
    if (!object.value(QLatin1String("title")).isString() || td.title.isEmpty())
        return fail(tr("missing title"));

    const QJsonValue baseValue = object.value(QLatin1String("base"));
    if (!baseValue.isUndefined() && !baseValue.isString())
        return fail(tr("base is not a string"));
    td.base = resolve(sourceUrl, baseValue.toString());
    if (td.base.isEmpty())
        td.base = sourceUrl;

    const QJsonValue definitions = object.value(QLatin1String("securityDefinitions"));
    if (!definitions.isUndefined() && !definitions.isObject())
        return fail(tr("securityDefinitions is not an object"));
    const QJsonObject definitionsObject = definitions.toObject();
    for (auto it = definitionsObject.begin(); it != definitionsObject.end(); ++it) {
        const QJsonObject scheme = it.value().toObject();
        if (!scheme.value(QLatin1String("scheme")).isString())
            return fail(tr("security definition '%1' has no scheme").arg(it.key()));
        td.securityDefinitions.append({it.key(), scheme.value(QLatin1String("scheme")).toString(),
                                       scheme.value(QLatin1String("in")).toString(), scheme});
    }
    td.security = stringOrArray(object.value(QLatin1String("security")));
    for (const QString &used : std::as_const(td.security)) {
        if (!td.securityScheme(used))
            return fail(tr("security names '%1', which securityDefinitions does not define").arg(used));
    }

    struct Section
    {
        const char *key;
        TdAffordanceKind kind;
        QList<TdAffordance> *list;
    };
    const Section sections[] = {
        {"properties", TdAffordanceKind::Property, &td.properties},
        {"actions", TdAffordanceKind::Action, &td.actions},
        {"events", TdAffordanceKind::Event, &td.events},
    };
    for (const Section &section : sections) {
        const QJsonValue value = object.value(QLatin1String(section.key));
        if (value.isUndefined())
            continue;
        if (!value.isObject())
            return fail(tr("%1 is not an object").arg(QLatin1String(section.key)));
        const QJsonObject map = value.toObject();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QString what = tr("%1 '%2'").arg(kindWord(section.kind), it.key());
            if (!it.value().isObject())
                return fail(tr("%1 is not an object").arg(what));
            const QJsonObject json = it.value().toObject();
            TdAffordance affordance;
            affordance.kind = section.kind;
            affordance.name = it.key();
            affordance.title = json.value(QLatin1String("title")).toString();
            affordance.description = json.value(QLatin1String("description")).toString();
            affordance.readOnly = json.value(QLatin1String("readOnly")).toBool();
            affordance.writeOnly = json.value(QLatin1String("writeOnly")).toBool();
            switch (section.kind) {
            case TdAffordanceKind::Property:
                affordance.observable = json.value(QLatin1String("observable")).toBool();
                readSchema(json, &affordance);
                break;
            case TdAffordanceKind::Action:
                affordance.input = json.value(QLatin1String("input")).toObject();
                affordance.output = json.value(QLatin1String("output")).toObject();
                readSchema(affordance.input, &affordance);
                break;
            case TdAffordanceKind::Event:
                affordance.observable = true;
                affordance.data = json.value(QLatin1String("data")).toObject();
                readSchema(affordance.data, &affordance);
                break;
            }
            const QJsonValue forms = json.value(QLatin1String("forms"));
            if (forms.isUndefined())
                return fail(tr("%1 has no forms").arg(what));
            if (!forms.isArray())
                return fail(tr("%1: forms is not an array").arg(what));
            const QJsonArray formArray = forms.toArray();
            if (formArray.isEmpty())
                return fail(tr("%1 has no forms").arg(what));
            for (qsizetype i = 0; i < formArray.size(); ++i) {
                if (!formArray.at(i).isObject())
                    return fail(tr("%1: form %2 is not an object").arg(what).arg(i + 1));
                QJsonObject formJson = formArray.at(i).toObject();
                const QJsonValue href = formJson.value(QLatin1String("href"));
                if (!href.isString() || href.toString().isEmpty())
                    return fail(tr("%1: form %2 has no href").arg(what).arg(i + 1));
                TdForm form;
                form.href = resolve(td.base, href.toString());
                // The WoT MQTT binding may give the broker as href and the topic apart.
                const QString topic = formJson.value(QLatin1String("mqv:topic")).toString();
                if (!topic.isEmpty() && form.scheme().startsWith(QLatin1String("mqtt"))) {
                    const QUrl broker(form.href);
                    if (broker.path().isEmpty() || broker.path() == QLatin1String("/")) {
                        QString prefix = form.href;
                        while (prefix.endsWith(QLatin1Char('/')))
                            prefix.chop(1);
                        form.href = prefix + QLatin1Char('/') + topic;
                    }
                }
                formJson.insert(QStringLiteral("href"), form.href);
                form.ops = stringOrArray(formJson.value(QLatin1String("op")));
                if (form.ops.isEmpty())
                    form.ops = defaultOps(section.kind, affordance);
                form.contentType = formJson.value(QLatin1String("contentType")).toString();
                if (form.contentType.isEmpty())
                    form.contentType = QStringLiteral("application/json");
                form.subprotocol = formJson.value(QLatin1String("subprotocol")).toString();
                form.method = formJson.value(QLatin1String("htv:methodName")).toString().toUpper();
                form.security = stringOrArray(formJson.value(QLatin1String("security")));
                for (const QString &used : std::as_const(form.security)) {
                    if (!td.securityScheme(used))
                        return fail(tr("%1: form %2 names security '%3', which securityDefinitions does not define")
                                        .arg(what)
                                        .arg(i + 1)
                                        .arg(used));
                }
                form.json = formJson;
                affordance.forms.append(form);
            }
            section.list->append(affordance);
        }
    }

    for (const TdSecurityScheme &scheme : std::as_const(td.securityDefinitions)) {
        static const QStringList supported = {QStringLiteral("nosec"), QStringLiteral("basic"),
                                              QStringLiteral("bearer")};
        const bool used = td.security.contains(scheme.name);
        if (used && !supported.contains(scheme.scheme))
            td.warnings << tr("%1: security scheme '%2' (%3) is not supported; only basic and bearer are")
                               .arg(td.displayName(), scheme.scheme, scheme.name);
    }
    return td;
}

} // namespace thingscape
