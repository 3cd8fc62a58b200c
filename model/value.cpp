#include "value.h"

#include <QCoreApplication>

namespace thingscape {

void detail::PendingDecode::resolve()
{
    std::call_once(once, [this] {
        if (run)
            run(*this);
        raw = QByteArray(); // the Value keeps its own copy; this one is no longer needed
        done.store(true, std::memory_order_release);
    });
}

DecodedValue &DecodedValue::operator=(const QCborValue &value)
{
    m_value = value;
    m_pending.reset();
    return *this;
}

DecodedValue &DecodedValue::operator=(QCborValue &&value)
{
    m_value = std::move(value);
    m_pending.reset();
    return *this;
}

const QCborValue &DecodedValue::get() const
{
    if (!m_pending)
        return m_value;
    m_pending->resolve();
    return m_pending->decoded;
}

bool DecodedValue::isPending() const
{
    return m_pending && !m_pending->done.load(std::memory_order_acquire);
}

namespace {

std::shared_ptr<detail::PendingDecode> errorText(const QString &text)
{
    if (text.isEmpty())
        return nullptr;
    auto holder = std::make_shared<detail::PendingDecode>();
    holder->error = text;
    holder->resolve(); // nothing to run: marks it done
    return holder;
}

} // namespace

DecodeError::DecodeError(const QString &text)
    : m_pending(errorText(text))
{
}

DecodeError &DecodeError::operator=(const QString &text)
{
    m_pending = errorText(text);
    return *this;
}

const QString &DecodeError::get() const
{
    static const QString none;
    if (!m_pending)
        return none;
    m_pending->resolve();
    return m_pending->error;
}

char *toString(const DecodeError &error)
{
    return qstrdup(error.get().toUtf8().constData());
}

void Value::setPending(const std::shared_ptr<detail::PendingDecode> &pending)
{
    decoded.m_value = QCborValue();
    decoded.m_pending = pending;
    error.m_pending = pending;
}

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

bool Value::isNumeric() const
{
    if (isLargePending())
        return false;
    const ValueKind k = kind();
    return k == ValueKind::Number || k == ValueKind::Bool;
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
    if (isOversize()) {
        text = QCoreApplication::translate("Value", "(oversize: %1)").arg(sizeText(oversizeBytes));
        return text.left(maxChars);
    }
    if (isLargePending()) {
        // The start of the bytes, as text where they are text; decoding waits for a real use.
        const QByteArray head = raw.left(maxChars * 4);
        QString start = QString::fromUtf8(head);
        for (QChar &c : start) {
            if (c.unicode() < 0x20 || c == QChar::ReplacementCharacter)
                c = QLatin1Char(' ');
        }
        start = start.simplified();
        const QString size = QStringLiteral(" (%1)").arg(sizeText(raw.size()));
        const int room = std::max(1, maxChars - int(size.size()) - 1);
        return start.left(room) + QChar(0x2026) + size;
    }
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

Value Value::oversized(qint64 bytes, qint64 limit, qint64 timeMs, bool atLeast)
{
    Value value;
    value.timeMs = timeMs;
    value.oversizeBytes = std::max<qint64>(bytes, 1);
    value.error = atLeast ? QCoreApplication::translate("Value", "oversize: more than %1, over the limit of %2 (not kept)")
                                .arg(sizeText(bytes), sizeText(limit))
                          : QCoreApplication::translate("Value", "oversize: %1, over the limit of %2 (not kept)")
                                .arg(sizeText(bytes), sizeText(limit));
    return value;
}

QString Value::sizeText(qint64 bytes)
{
    constexpr qint64 kKiB = 1024;
    constexpr qint64 kMiB = 1024 * kKiB;
    constexpr qint64 kGiB = 1024 * kMiB;
    auto scaled = [bytes](qint64 unit, const char *name) {
        const double n = double(bytes) / double(unit);
        return QStringLiteral("%1 %2").arg(QString::number(n, 'f', bytes % unit == 0 ? 0 : 1), QLatin1String(name));
    };
    if (bytes >= kGiB)
        return scaled(kGiB, "GiB");
    if (bytes >= kMiB)
        return scaled(kMiB, "MiB");
    if (bytes >= kKiB)
        return scaled(kKiB, "KiB");
    return bytes == 1 ? QCoreApplication::translate("Value", "1 byte")
                      : QCoreApplication::translate("Value", "%1 bytes").arg(bytes);
}

qsizetype Value::memoryCost() const
{
    // The struct, the raw bytes, and a rough figure for the decoded tree.
    qsizetype cost = qsizetype(sizeof(Value)) + raw.capacity();
    // Decoded on demand: counted as if decoded, so the figure does not change when it is (the
    // history subtracts what it added) and the budget does not decode it.
    if (decoded.m_pending)
        return cost + raw.size() * 2 + 32;
    if (decoded.isContainer() || decoded.isString() || decoded.isByteArray())
        cost += raw.size() * 2 + 32;
    return cost;
}

} // namespace thingscape
