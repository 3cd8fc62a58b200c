#include "valueformatter.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace thingscape {

QJsonValue ValueFormatter::cborToJson(const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Integer:
        return QJsonValue(qint64(value.toInteger()));
    case QCborValue::Double:
        return QJsonValue(value.toDouble());
    case QCborValue::True:
        return true;
    case QCborValue::False:
        return false;
    case QCborValue::Null:
        return QJsonValue::Null;
    case QCborValue::String:
        return value.toString();
    case QCborValue::ByteArray:
        return QString::fromLatin1(value.toByteArray().toHex());
    case QCborValue::Array: {
        QJsonArray array;
        for (const QCborValue &item : value.toArray())
            array.append(cborToJson(item));
        return array;
    }
    case QCborValue::Map: {
        QJsonObject object;
        const QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QCborValue key = it.key();
            object.insert(key.isString() ? key.toString() : key.toDiagnosticNotation(), cborToJson(it.value()));
        }
        return object;
    }
    case QCborValue::Tag:
        return cborToJson(value.taggedValue());
    default:
        if (value.isSimpleType())
            return QJsonValue::Null;
        return value.toDiagnosticNotation();
    }
}

QJsonValue ValueFormatter::toJson(const Value &value)
{
    switch (value.kind()) {
    case ValueKind::None:
        return QJsonValue::Undefined;
    case ValueKind::Error:
    case ValueKind::Binary: {
        const QByteArray bytes = value.decoded.isByteArray() ? value.decoded.toByteArray() : value.raw;
        return QString::fromLatin1(bytes.toHex());
    }
    default:
        return cborToJson(value.decoded);
    }
}

QString ValueFormatter::toText(const Value &value)
{
    const QJsonValue json = toJson(value);
    switch (json.type()) {
    case QJsonValue::Undefined:
        return {};
    case QJsonValue::String:
        return json.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(json.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(json.toObject()).toJson(QJsonDocument::Compact));
    default:
        return value.shortText(1 << 20);
    }
}

QString ValueFormatter::timeText(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject ValueFormatter::resourceJson(const Resource &resource)
{
    return resourceJson(resource.id().toString(), resource.id().protocol(), resource.metadata(),
                        resource.hasValue() ? &resource.value() : nullptr);
}

QJsonObject ValueFormatter::resourceJson(const QString &uri, Protocol protocol, const Metadata &meta, const Value *value)
{
    QJsonObject object;
    object.insert(QStringLiteral("uri"), uri);
    object.insert(QStringLiteral("protocol"), protocolName(protocol));
    if (meta.title.isSet())
        object.insert(QStringLiteral("title"), *meta.title);
    if (meta.resourceTypes.isSet())
        object.insert(QStringLiteral("rt"), QJsonArray::fromStringList(*meta.resourceTypes));
    if (meta.interfaces.isSet())
        object.insert(QStringLiteral("if"), QJsonArray::fromStringList(*meta.interfaces));
    if (meta.contentFormat.isSet())
        object.insert(QStringLiteral("ct"), *meta.contentFormat);
    else if (value && value->contentFormat >= 0)
        object.insert(QStringLiteral("ct"), value->contentFormat);
    if (meta.unit.isSet())
        object.insert(QStringLiteral("unit"), *meta.unit);
    if (meta.observable.isSet())
        object.insert(QStringLiteral("observable"), *meta.observable);
    if (meta.writable.isSet())
        object.insert(QStringLiteral("writable"), *meta.writable);
    if (value) {
        const QJsonValue json = toJson(*value);
        if (!json.isUndefined())
            object.insert(QStringLiteral("value"), json);
    }
    return object;
}

QString ValueFormatter::resourceText(const Resource &resource)
{
    return resourceText(resource.id().toString(), resource.metadata(), resource.hasValue() ? &resource.value() : nullptr);
}

QString ValueFormatter::resourceText(const QString &uri, const Metadata &meta, const Value *value)
{
    QString line = uri;
    if (value) {
        line += QLatin1String("  ") + value->shortText(60);
        if (meta.unit.isSet())
            line += QLatin1Char(' ') + *meta.unit;
    }
    QStringList notes;
    if (meta.title.isSet())
        notes << QLatin1Char('"') + *meta.title + QLatin1Char('"');
    if (meta.resourceTypes.isSet())
        notes << QStringLiteral("rt=") + meta.resourceTypes->join(QLatin1Char(' '));
    if (meta.writable.valueOr(false))
        notes << QStringLiteral("writable");
    if (meta.retained.valueOr(false))
        notes << QStringLiteral("retained");
    if (!notes.isEmpty())
        line += QLatin1String("  [") + notes.join(QLatin1String(", ")) + QLatin1Char(']');
    return line;
}

QString ValueFormatter::terminalSafe(const QString &text, Lines lines)
{
    auto unsafe = [lines](char32_t c) {
        if (c == U'\t')
            return false;
        if (c == U'\n')
            return lines == Lines::Escape;
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    };
    // Most text is clean: return it untouched without building a copy.
    bool clean = true;
    for (const QChar ch : text) {
        if (unsafe(ch.unicode())) {
            clean = false;
            break;
        }
    }
    if (clean)
        return text;
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar ch : text) {
        const char32_t c = ch.unicode();
        if (!unsafe(c)) {
            out += ch;
        } else if (c == U'\n') {
            out += QLatin1String("\\n");
        } else if (c == U'\r') {
            out += QLatin1String("\\r");
        } else if (c <= 0x9f) {
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        } else {
            out += QStringLiteral("<U+%1>").arg(QString::number(uint(c), 16).toUpper());
        }
    }
    return out;
}

QByteArray ValueFormatter::jsonLine(const QJsonObject &object)
{
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    // QJsonDocument escapes C0 controls only; DEL, C1 controls and bidi overrides go out as
    // \uXXXX too (the same JSON value), so a terminal shows the line as it is. They can only
    // occur inside strings, where an escape is always valid.
    const auto special = [](uint c) {
        return c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    };
    bool any = false;
    for (const char byte : json) {
        const uchar u = uchar(byte);
        if (u == 0x7f || u == 0xc2 || u == 0xe2) {
            any = true;
            break;
        }
    }
    if (!any)
        return json;
    const QString text = QString::fromUtf8(json);
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar ch : text) {
        if (special(ch.unicode()))
            out += QStringLiteral("\\u%1").arg(uint(ch.unicode()), 4, 16, QLatin1Char('0'));
        else
            out += ch;
    }
    return out.toUtf8();
}

} // namespace thingscape
