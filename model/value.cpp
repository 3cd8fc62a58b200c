#include "value.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>

namespace thingscape {

namespace {

qsizetype heapBlock(qsizetype bytes)
{
    return bytes <= 0 ? 0 : std::max<qsizetype>(32, (bytes + 8 + 15) & ~qsizetype(15));
}

// A QList / QByteArray grown by appending: its header and, on average, a quarter more than it
// holds.
qsizetype grownArray(qsizetype bytes)
{
    return bytes <= 0 ? 0 : heapBlock(16 + bytes + bytes / 4);
}

// QCborValue keeps a container's strings in one byte array, each with an 8-byte length, aligned
// to 8; US-ASCII as it is, anything else as UTF-16.
qsizetype stringData(const QString &text)
{
    bool ascii = true;
    for (const QChar c : text) {
        if (c.unicode() >= 0x80) {
            ascii = false;
            break;
        }
    }
    const qsizetype bytes = ascii ? text.size() : 2 * text.size();
    return (8 + bytes + 7) & ~qsizetype(7);
}

qsizetype elementData(const QCborValue &value)
{
    if (value.isString())
        return stringData(value.toString());
    if (value.isByteArray())
        return (8 + value.toByteArray().size() + 7) & ~qsizetype(7);
    return 0;
}

// A container: its private object, its element list and its byte data.
constexpr qsizetype kContainerObject = 80;

} // namespace

qsizetype detail::decodedHeapBytes(const QCborValue &value)
{
    if (value.isArray()) {
        const QCborArray array = value.toArray();
        qsizetype data = 0;
        qsizetype nested = 0;
        for (const QCborValue &item : array) {
            data += elementData(item);
            nested += item.isContainer() || item.isTag() ? decodedHeapBytes(item) : 0;
        }
        return kContainerObject + grownArray(16 * array.size()) + grownArray(data) + nested;
    }
    if (value.isMap()) {
        const QCborMap map = value.toMap();
        qsizetype data = 0;
        qsizetype nested = 0;
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            data += elementData(it.key()) + elementData(it.value());
            nested += it.value().isContainer() || it.value().isTag() ? decodedHeapBytes(it.value()) : 0;
        }
        return kContainerObject + grownArray(32 * map.size()) + grownArray(data) + nested;
    }
    if (value.isTag())
        return kContainerObject + heapBlock(16 + 32) + decodedHeapBytes(value.taggedValue());
    if (value.isString() || value.isByteArray())
        return kContainerObject + heapBlock(16 + 16) + heapBlock(16 + elementData(value));
    return 0;
}

qsizetype detail::pendingDecodeBytes()
{
    return heapBlock(qsizetype(sizeof(PendingDecode)));
}

detail::PendingDecode::~PendingDecode()
{
    if (!account)
        return;
    if (state.load(std::memory_order_acquire) == Charged)
        account->bytes.fetch_sub(decodedCost);
    if (!account->ref.deref())
        delete account;
}

void detail::PendingDecode::resolve()
{
    std::call_once(once, [this] {
        if (run)
            run(*this);
        raw = QByteArray(); // the Value keeps its own copy; this one is no longer needed
        const qsizetype cost = decodedHeapBytes(decoded) + (error.isEmpty() ? 0 : heapBlock(16 + 2 * (error.size() + 1)));
        decodedCost = quint32(std::min<qsizetype>(cost, std::numeric_limits<quint32>::max()));
        // An account attached before: charge it here; attached after: attach() charges it.
        if (state.exchange(Decoded, std::memory_order_acq_rel) == Attached) {
            account->bytes.fetch_add(decodedCost);
            state.store(Charged, std::memory_order_release);
        }
    });
}

void detail::PendingDecode::attach(DecodeAccount *to)
{
    if (account || !to)
        return;
    to->ref.ref();
    account = to;
    quint8 expected = Unattached;
    if (state.compare_exchange_strong(expected, Attached, std::memory_order_acq_rel))
        return; // resolve() will charge it
    // Decoded already: charge it now.
    account->bytes.fetch_add(decodedCost);
    state.store(Charged, std::memory_order_release);
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
    return m_pending && !m_pending->isDone();
}

namespace {

detail::PendingDecodePtr errorText(const QString &text)
{
    if (text.isEmpty())
        return {};
    detail::PendingDecodePtr holder = detail::PendingDecode::make();
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

void Value::setPending(const detail::PendingDecodePtr &pending)
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
    // The struct, the raw bytes, and what waits to be decoded or was decoded at once. A pending
    // decoding's result is charged apart when it exists (chargeDecodingTo), so this figure does
    // not change when it is decoded (the history subtracts what it added).
    qsizetype cost = qsizetype(sizeof(Value)) + raw.capacity();
    if (decoded.m_pending)
        return cost + detail::pendingDecodeBytes();
    if (error.m_pending)
        cost += detail::pendingDecodeBytes();
    // Binary decoded at once holds a copy of the payload (sized without copying it again).
    if (decoded.m_value.isByteArray())
        return cost + kContainerObject + heapBlock(16 + 16) + heapBlock(16 + 8 + raw.size());
    return cost + detail::decodedHeapBytes(decoded.m_value);
}

void Value::chargeDecodingTo(detail::DecodeAccount *account) const
{
    if (decoded.m_pending)
        decoded.m_pending->attach(account);
}

} // namespace thingscape
