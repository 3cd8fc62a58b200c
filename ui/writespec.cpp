#include "writespec.h"

#include "model/resource.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("WriteSpec", text);
}

QString extraString(const Metadata &meta, const char *key)
{
    const QJsonValue value = meta.extra.value(QLatin1String(key));
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

QStringList stringList(const QJsonArray &array)
{
    QStringList list;
    for (const QJsonValue &item : array) {
        if (item.isString())
            list.append(item.toString());
        else if (item.isDouble())
            list.append(QString::number(item.toDouble()));
        else if (item.isBool())
            list.append(item.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    }
    return list;
}

// Text states that come in pairs, in the spelling the device uses.
constexpr const char *kTextPairs[][2] = {
    {"on", "off"},   {"ON", "OFF"},   {"On", "Off"},           {"yes", "no"},
    {"YES", "NO"},   {"open", "closed"}, {"OPEN", "CLOSED"},   {"enabled", "disabled"},
};

// Home Assistant components whose command is on / off.
bool isOnOffComponent(const QString &component)
{
    static const QStringList components = {QStringLiteral("switch"), QStringLiteral("light"), QStringLiteral("fan"),
                                           QStringLiteral("siren"), QStringLiteral("humidifier")};
    return components.contains(component);
}

} // namespace

WriteSpec WriteSpec::forResource(const Resource &resource)
{
    WriteSpec spec;
    const Metadata &meta = resource.metadata();
    const QString convention = extraString(meta, "convention");
    const QString component = extraString(meta, "component");
    const bool hasValue = resource.hasValue();
    const Value &value = resource.value();
    const ValueKind kind = hasValue ? value.kind() : ValueKind::None;

    // Read-only: what discovery says outright, and what a convention implies when silent.
    if (meta.writable.isSet() && !*meta.writable) {
        spec.readOnly = true;
        spec.readOnlyReason = convention == QLatin1String("homie")
            ? tr("Read-only: the Homie property is not settable ($settable is not true).")
            : tr("Read-only (%1 says so).").arg(metaSourceName(meta.writable.source));
    } else if (!meta.writable.isSet() && convention == QLatin1String("homie")) {
        spec.readOnly = true;
        spec.readOnlyReason = tr("Read-only: the Homie property is not settable ($settable is not true).");
    } else if (!meta.writable.isSet() && convention == QLatin1String("homeassistant") && !meta.commandUri.isSet()) {
        spec.readOnly = true;
        spec.readOnlyReason = tr("Read-only: the Home Assistant %1 has no command topic.")
                                  .arg(component.isEmpty() ? tr("entity") : component);
    } else if (!meta.writable.isSet() && meta.interfaces.isSet()) {
        const QStringList &interfaces = *meta.interfaces;
        const bool sensorOnly = (interfaces.contains(QStringLiteral("core.s")) || interfaces.contains(QStringLiteral("core.rp")))
            && !interfaces.contains(QStringLiteral("core.a")) && !interfaces.contains(QStringLiteral("core.p"));
        if (sensorOnly) {
            spec.readOnly = true;
            spec.readOnlyReason = tr("Read-only: link-format says it is a sensor (if=%1).").arg(interfaces.join(QLatin1Char(' ')));
        }
    }

    const QString type = extraString(meta, "type").isEmpty() ? extraString(meta, "datatype") : extraString(meta, "type");
    QStringList choices = stringList(meta.extra.value(QStringLiteral("enum")).toArray());
    if (choices.isEmpty())
        choices = stringList(meta.extra.value(QStringLiteral("options")).toArray());
    if (choices.isEmpty() && type == QLatin1String("enum")) {
        // Homie: $format lists the values of an enum.
        for (const QString &choice : extraString(meta, "format").split(QLatin1Char(','), Qt::SkipEmptyParts))
            choices.append(choice.trimmed());
    }

    const QString stateNow = hasValue ? stateText(value) : QString();
    if (!choices.isEmpty()) {
        spec.editor = Editor::Choice;
        spec.choices = choices;
    } else if (convention == QLatin1String("homeassistant")
               && (isOnOffComponent(component) || meta.extra.contains(QStringLiteral("payloadOn")))) {
        spec.editor = Editor::Switch;
        const QString on = extraString(meta, "payloadOn").isEmpty() ? QStringLiteral("ON") : extraString(meta, "payloadOn");
        const QString off = extraString(meta, "payloadOff").isEmpty() ? QStringLiteral("OFF") : extraString(meta, "payloadOff");
        spec.onPayload = on.toUtf8();
        spec.offPayload = off.toUtf8();
        spec.onState = extraString(meta, "stateOn").isEmpty() ? on : extraString(meta, "stateOn");
        spec.offState = extraString(meta, "stateOff").isEmpty() ? off : extraString(meta, "stateOff");
        spec.switchFormat = ContentFormat::Text;
    } else if (type == QLatin1String("boolean") || (type.isEmpty() && kind == ValueKind::Bool)) {
        spec.editor = Editor::Switch;
        spec.onPayload = QByteArrayLiteral("true");
        spec.offPayload = QByteArrayLiteral("false");
        spec.onState = QStringLiteral("true");
        spec.offState = QStringLiteral("false");
        // Homie payloads are plain text; elsewhere a bool is JSON.
        spec.switchFormat = convention == QLatin1String("homie") ? ContentFormat::Text : ContentFormat::Json;
    } else if (type.isEmpty() && kind == ValueKind::String) {
        for (const auto &pair : kTextPairs) {
            if (stateNow == QLatin1String(pair[0]) || stateNow == QLatin1String(pair[1])) {
                spec.editor = Editor::Switch;
                spec.onState = QLatin1String(pair[0]);
                spec.offState = QLatin1String(pair[1]);
                spec.onPayload = pair[0];
                spec.offPayload = pair[1];
                spec.switchFormat = ContentFormat::Text;
                break;
            }
        }
    }

    if (spec.editor == Editor::Text) {
        const bool numberType = type == QLatin1String("number") || type == QLatin1String("integer")
            || type == QLatin1String("float");
        if (numberType || (type.isEmpty() && kind == ValueKind::Number)) {
            spec.editor = Editor::Number;
            spec.integer = type == QLatin1String("integer");
            const QString format = extraString(meta, "format");
            const qsizetype colon = format.indexOf(QLatin1Char(':'));
            bool lowOk = false;
            bool highOk = false;
            const double low = colon > 0 ? format.left(colon).toDouble(&lowOk) : 0;
            const double high = colon > 0 ? format.mid(colon + 1).toDouble(&highOk) : 0;
            spec.minimum = meta.extra.value(QStringLiteral("minimum")).toDouble(lowOk ? low : -1e12);
            spec.maximum = meta.extra.value(QStringLiteral("maximum")).toDouble(highOk ? high : 1e12);
            if (spec.maximum < spec.minimum)
                std::swap(spec.minimum, spec.maximum);
            spec.step = meta.extra.value(QStringLiteral("step")).toDouble(0);
        } else {
            const bool json = kind == ValueKind::Structure || type == QLatin1String("object")
                || type == QLatin1String("array");
            spec.editor = json ? Editor::Json : Editor::Text;
        }
    }

    const bool writtenOften = (meta.writable.isSet() && *meta.writable)
        || (meta.interfaces.isSet()
            && (meta.interfaces->contains(QStringLiteral("core.a")) || meta.interfaces->contains(QStringLiteral("core.p"))));
    spec.stepped = spec.editor == Editor::Switch || spec.editor == Editor::Choice || kind == ValueKind::Bool
        || kind == ValueKind::String || (writtenOften && !spec.readOnly);
    return spec;
}

bool WriteSpec::isOn(const Value &value, bool *known) const
{
    const QString text = stateText(value);
    const bool on = text.compare(onState, Qt::CaseInsensitive) == 0;
    const bool off = text.compare(offState, Qt::CaseInsensitive) == 0;
    if (known)
        *known = on || off;
    return on;
}

QString WriteSpec::stateText(const Value &value)
{
    switch (value.kind()) {
    case ValueKind::Bool:
        return value.decoded.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case ValueKind::String:
        return value.decoded.toString().trimmed();
    case ValueKind::Number:
        return value.shortText();
    default:
        return {};
    }
}

} // namespace thingscape
