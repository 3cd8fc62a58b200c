#pragma once

#include <QByteArray>
#include <QCborValue>
#include <QMetaType>
#include <QCborArray>
#include <QCborMap>
#include <QSharedData>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>

namespace thingscape {

// CoAP content-format numbers (RFC 7252 registry) used across the codecs.
namespace ContentFormat {
constexpr int Unknown = -1;
constexpr int Text = 0;
constexpr int LinkFormat = 40;
constexpr int OctetStream = 42;
constexpr int Json = 50;
constexpr int Cbor = 60;
constexpr int SenmlJson = 110;
constexpr int SensmlJson = 111;
constexpr int SenmlCbor = 112;
constexpr int SensmlCbor = 113;
constexpr int TdJson = 432;
} // namespace ContentFormat

enum class ValueKind {
    None,      // nothing decoded (empty payload)
    Number,
    Bool,
    String,
    Structure, // map or array (JSON, CBOR, SenML pack, link-format list)
    Binary,
    Error,     // decoding failed: error() says why, raw() is still there
};

namespace detail {
// Above this a payload is "large": a one-line summary shows the start of its bytes instead of
// decoding it, and it is never taken for a number before it is decoded (codecs::kEagerDecodeBytes).
constexpr qsizetype kLargePayloadBytes = 64 * 1024;

// Where the decoded forms of values are charged (a store's): see Value::chargeDecodingTo.
struct DecodeAccount : QSharedData
{
    std::atomic<qint64> bytes{0};
};

// A decoding that has not run yet: filled by codecs::decode (see there for what waits).
// Laid out to stay within one 128-byte heap block: there is one per JSON value held, a million of
// them at a million topics. Counted in itself (QSharedData): a Value holds two 8-byte pointers
// to it, not two std::shared_ptr of 16.
struct PendingDecode : QSharedData
{
    QByteArray raw;
    QCborValue decoded;
    QString error;
    void (*run)(PendingDecode &) = nullptr;
    int contentFormat = ContentFormat::Unknown;
    std::once_flag once;
    // What the decoded form costs (decodedCost) is charged to one account once it exists, and
    // taken off when this goes: lock-free, since decoding runs on whichever thread reads first.
    quint32 decodedCost = 0;
    enum State : quint8 { Unattached, Attached, Decoded, Charged };
    std::atomic<quint8> state{Unattached}; // Decoded or Charged: done
    bool sniffed = false; // no declared format: fall back as sniffing does when the guess fails
    quint8 kind = 0;      // the codec's own kind of decoding (codecs.cpp)
    DecodeAccount *account = nullptr; // holds a reference

    PendingDecode() = default;
    PendingDecode(const PendingDecode &) = delete;
    PendingDecode &operator=(const PendingDecode &) = delete;
    ~PendingDecode();
    static QExplicitlySharedDataPointer<PendingDecode> make() { return QExplicitlySharedDataPointer<PendingDecode>(new PendingDecode); }
    bool isDone() const { return state.load(std::memory_order_acquire) >= Decoded; }
    void resolve();
    // From one thread (the store's), while resolve() may run on any other.
    void attach(DecodeAccount *to);
};

// Approximate heap bytes of a decoded form beyond the QCborValue itself (its container, elements
// and string data, nested containers included); 0 for numbers, booleans and the like.
qsizetype decodedHeapBytes(const QCborValue &value);
// What a pending decoding costs while it waits (its shared block; the payload is the Value's).
qsizetype pendingDecodeBytes();
using PendingDecodePtr = QExplicitlySharedDataPointer<PendingDecode>;
} // namespace detail

// The decoded form of a Value, read like a QCborValue. A structured payload (JSON, CBOR, text) is
// decoded on its first read, once for all copies of the Value, on whichever thread reads first (std::call_once makes
// that safe from the GUI thread while the I/O thread holds a copy); after that it is immutable.
class DecodedValue
{
public:
    DecodedValue() = default;
    DecodedValue(const QCborValue &value) // NOLINT: implicit on purpose, used like a QCborValue
        : m_value(value)
    {
    }
    DecodedValue &operator=(const QCborValue &value);
    DecodedValue &operator=(QCborValue &&value);

    const QCborValue &get() const;
    operator const QCborValue &() const { return get(); } // NOLINT: implicit on purpose
    // True until the first read of a payload whose decoding waits.
    bool isPending() const;

    QCborValue::Type type() const { return get().type(); }
    bool isUndefined() const { return get().isUndefined(); }
    bool isInteger() const { return get().isInteger(); }
    bool isDouble() const { return get().isDouble(); }
    bool isString() const { return get().isString(); }
    bool isByteArray() const { return get().isByteArray(); }
    bool isArray() const { return get().isArray(); }
    bool isMap() const { return get().isMap(); }
    bool isTag() const { return get().isTag(); }
    bool isBool() const { return get().isBool(); }
    bool isContainer() const { return get().isContainer(); }
    bool isNull() const { return get().isNull(); }
    qint64 toInteger(qint64 defaultValue = 0) const { return get().toInteger(defaultValue); }
    double toDouble(double defaultValue = 0) const { return get().toDouble(defaultValue); }
    bool toBool(bool defaultValue = false) const { return get().toBool(defaultValue); }
    QString toString(const QString &defaultValue = {}) const { return get().toString(defaultValue); }
    QByteArray toByteArray(const QByteArray &defaultValue = {}) const { return get().toByteArray(defaultValue); }
    QCborArray toArray() const { return get().toArray(); }
    QCborMap toMap() const { return get().toMap(); }
    QString toDiagnosticNotation(QCborValue::DiagnosticNotationOptions options = QCborValue::Compact) const
    {
        return get().toDiagnosticNotation(options);
    }

private:
    friend struct Value;
    friend class DecodeError;
    detail::PendingDecodePtr m_pending;
    QCborValue m_value;
};

// Why decoding failed (empty when it did not), read like a QString; for a payload whose decoding
// waits it is known once the payload has been decoded, which reading it does (see DecodedValue).
class DecodeError
{
public:
    DecodeError() = default;
    DecodeError(const QString &text); // NOLINT: implicit on purpose, used like a QString
    DecodeError &operator=(const QString &text);

    const QString &get() const;
    operator const QString &() const { return get(); } // NOLINT: implicit on purpose
    bool isEmpty() const { return get().isEmpty(); }
    qsizetype size() const { return get().size(); }
    bool startsWith(const QString &s) const { return get().startsWith(s); }
    bool contains(const QString &s) const { return get().contains(s); }
    bool contains(QLatin1StringView s) const { return get().contains(s); }
    QString left(qsizetype n) const { return get().left(n); }
    QByteArray toUtf8() const { return get().toUtf8(); }
    QByteArray toLocal8Bit() const { return get().toLocal8Bit(); }
    friend bool operator==(const DecodeError &a, const QString &b) { return a.get() == b; }
    friend bool operator!=(const DecodeError &a, const QString &b) { return a.get() != b; }

private:
    friend struct Value;
    // One pointer, null for "no error" (nearly every value): the pending decoding of a large
    // payload, or a finished one holding just the error text. Keeps a Value 24 bytes smaller.
    detail::PendingDecodePtr m_pending;
};

// For QCOMPARE.
char *toString(const DecodeError &error);

// One observed value: the raw bytes are always kept; the decoded form is a QCborValue,
// which represents JSON and CBOR alike. codecs::decode decodes numbers, booleans and binary at
// once and the rest on first use (see DecodedValue): most values are stored, never read.
struct Value
{
    qint64 timeMs = 0;            // ms since the epoch, when it was received or stamped
    QByteArray raw;
    int contentFormat = ContentFormat::Unknown; // what it was decoded as
    DecodedValue decoded;
    DecodeError error;            // set when decoding failed
    // > 0: the message had (at least) this many bytes, over the endpoint's limit, and was not
    // kept: raw is empty and error says so.
    qint64 oversizeBytes = 0;

    // A marker for a message over the endpoint's size limit: shown, never silently dropped.
    static Value oversized(qint64 bytes, qint64 limit, qint64 timeMs = 0, bool atLeast = false);
    // "16 MiB", "512 KiB", "73 bytes".
    static QString sizeText(qint64 bytes);

    // For codecs::decode: both decoded and error come from this decoding, on first use.
    void setPending(const detail::PendingDecodePtr &pending);

    bool isOversize() const { return oversizeBytes > 0; }
    // True while a payload waits for its first use (nothing has been decoded yet).
    bool isPending() const { return decoded.isPending(); }
    // True while a large payload waits: reading it would parse up to the endpoint's size limit.
    bool isLargePending() const { return isPending() && raw.size() > detail::kLargePayloadBytes; }
    ValueKind kind() const;
    // Decodes a small payload still pending; a large one pending is never a number (numbers are
    // decoded at once, whatever their size).
    bool isNumeric() const;
    double toDouble(bool *ok = nullptr) const;
    // A short one-line display form (no rich text), at most maxChars characters. Does not decode
    // a large pending payload: it shows the start of its bytes and its size instead.
    QString shortText(int maxChars = 80) const;
    // Approximate bytes held, for the history memory budget: the struct, the payload, what waits
    // to be decoded or was decoded at once. It does not change when a pending payload is decoded:
    // that cost goes to the account given to chargeDecodingTo().
    qsizetype memoryCost() const;
    // Charges what decoding this value builds (now, if it is already decoded, or when it is) to
    // account, and takes it off again when the last copy goes. The first account given wins.
    void chargeDecodingTo(detail::DecodeAccount *account) const;
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::Value)
