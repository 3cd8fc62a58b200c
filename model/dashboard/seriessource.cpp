#include "seriessource.h"

#include <QCborArray>
#include <QCborMap>

#include <cmath>

namespace thingscape {

QCborValue SeriesSource::fieldAt(const QCborValue &value, const QString &pointer)
{
    if (pointer.isEmpty())
        return value;
    if (!pointer.startsWith(QLatin1Char('/')))
        return QCborValue(QCborValue::Undefined);
    QCborValue current = value;
    const QStringList tokens = pointer.mid(1).split(QLatin1Char('/'));
    for (QString token : tokens) {
        token.replace(QLatin1String("~1"), QLatin1String("/"));
        token.replace(QLatin1String("~0"), QLatin1String("~"));
        if (current.isMap()) {
            const QCborMap map = current.toMap();
            QCborValue next = map.value(token);
            // CBOR maps may use integer keys (SenML labels, compact encodings), named by the
            // integer's own spelling only ("01" and "+1" are text).
            bool isNumber = false;
            const qint64 key = token.toLongLong(&isNumber);
            if (next.isUndefined() && isNumber && QString::number(key) == token)
                next = map.value(key);
            current = next;
        } else if (current.isArray()) {
            bool isNumber = false;
            const qint64 index = token.toLongLong(&isNumber);
            const QCborArray array = current.toArray();
            if (!isNumber || index < 0 || index >= array.size() || (token.size() > 1 && token.startsWith(QLatin1Char('0'))))
                return QCborValue(QCborValue::Undefined);
            current = array.at(index);
        } else {
            return QCborValue(QCborValue::Undefined);
        }
        if (current.isUndefined())
            return current;
    }
    return current;
}

std::optional<double> SeriesSource::numberAt(const Value &value, const QString &pointer)
{
    if (value.isOversize() || value.isLargePending())
        return std::nullopt;
    if (pointer.isEmpty()) {
        bool ok = false;
        const double number = value.toDouble(&ok);
        if (ok && std::isfinite(number))
            return number;
        return std::nullopt;
    }
    const QCborValue field = fieldAt(value.decoded.get(), pointer);
    if (field.isInteger())
        return double(field.toInteger());
    if (field.isDouble() && std::isfinite(field.toDouble()))
        return field.toDouble();
    if (field.isBool())
        return field.toBool() ? 1.0 : 0.0;
    if (field.isString()) {
        bool ok = false;
        const double number = field.toString().trimmed().toDouble(&ok);
        if (ok && std::isfinite(number))
            return number;
    }
    return std::nullopt;
}

} // namespace thingscape
