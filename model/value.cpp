#include "value.h"

#include <QCoreApplication>

namespace thingscape {

ValueKind Value::kind() const
{
    if (!error.isEmpty())
        return ValueKind::Error;
    switch (decoded.type()) {
    case QCborValue::Integer:
    case QCborValue::Double:
        return ValueKind::Number;
    case QCborValue::True:
    case QCborValue::False:
        return ValueKind::Bool;
    case QCborValue::String:
        return ValueKind::String;
    case QCborValue::ByteArray:
        return ValueKind::Binary;
    case QCborValue::Array:
    case QCborValue::Map:
    case QCborValue::Tag:
    // Tags 0, 1, 32, 35, 37 are turned into these extended types by QCborValue.
    case QCborValue::DateTime:
    case QCborValue::Url:
    case QCborValue::RegularExpression:
    case QCborValue::Uuid:
        return ValueKind::Structure;
    default:
        return raw.isEmpty() ? ValueKind::None : ValueKind::Binary;
    }
}

double Value::toDouble(bool *ok) const
{
    if (ok)
        *ok = true;
    switch (decoded.type()) {
    case QCborValue::Integer:
        return double(decoded.toInteger());
    case QCborValue::Double:
        return decoded.toDouble();
    case QCborValue::True:
        return 1.0;
    case QCborValue::False:
        return 0.0;
    default:
        if (ok)
            *ok = false;
        return 0.0;
    }
}

QString Value::shortText(int maxChars) const
{
    QString text;
    switch (kind()) {
    case ValueKind::None:
        return {};
    case ValueKind::Error:
        text = QCoreApplication::translate("Value", "(undecodable, %n byte(s))", nullptr, int(raw.size()));
        break;
    case ValueKind::Number:
        text = decoded.isInteger() ? QString::number(decoded.toInteger()) : QString::number(decoded.toDouble(), 'g', 10);
        break;
    case ValueKind::Bool:
        text = decoded.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        break;
    case ValueKind::String:
        text = decoded.toString();
        break;
    case ValueKind::Binary: {
        const QByteArray bytes = decoded.isByteArray() ? decoded.toByteArray() : raw;
        text = QString::fromLatin1(bytes.left(maxChars / 3 + 1).toHex(' '));
        break;
    }
    case ValueKind::Structure:
        text = decoded.toDiagnosticNotation(QCborValue::Compact);
        break;
    }
    // One line: control characters would break table rows.
    for (QChar &c : text) {
        if (c.unicode() < 0x20)
            c = QLatin1Char(' ');
    }
    if (text.size() > maxChars)
        text = text.left(maxChars - 1) + QChar(0x2026);
    return text;
}

qsizetype Value::memoryCost() const
{
    // The struct, the raw bytes, and a rough figure for the decoded tree.
    qsizetype cost = qsizetype(sizeof(Value)) + raw.capacity();
    if (decoded.isContainer() || decoded.isString() || decoded.isByteArray())
        cost += raw.size() * 2 + 32;
    return cost;
}

} // namespace thingscape
