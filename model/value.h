#pragma once

#include <QByteArray>
#include <QCborValue>
#include <QMetaType>
#include <QString>

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

// One observed value: the raw bytes are always kept; the decoded form is a QCborValue,
// which represents JSON and CBOR alike.
struct Value
{
    qint64 timeMs = 0;            // ms since the epoch, when it was received or stamped
    QByteArray raw;
    int contentFormat = ContentFormat::Unknown; // what it was decoded as
    QCborValue decoded;
    QString error;                // set when decoding failed

    ValueKind kind() const;
    bool isNumeric() const { return kind() == ValueKind::Number || kind() == ValueKind::Bool; }
    double toDouble(bool *ok = nullptr) const;
    // A short one-line display form (no rich text), at most maxChars characters.
    QString shortText(int maxChars = 80) const;
    // Approximate bytes held, for the history memory budget.
    qsizetype memoryCost() const;
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::Value)
