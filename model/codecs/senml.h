#pragma once

#include <QByteArray>
#include <QCborValue>
#include <QList>
#include <QString>

#include <optional>

// SenML (RFC 8428) packs in JSON (110, 111) and CBOR (112, 113).
namespace thingscape::codecs {

// One resolved record (RFC 8428 section 4.6): base values applied, times absolute.
struct SenmlRecord
{
    QString name;          // bn + n
    double time = 0;       // seconds since the epoch (relative times resolved against now)
    QCborValue value;      // number, string, bool or bytes (vd, base64url decoded); undefined if none
    QString unit;          // u, else bu
    std::optional<double> sum; // s + bs
    double updateTime = 0; // ut (seconds)
};

// contentFormat: 110, 111 or 50 parse JSON; 112, 113 or 60 CBOR; anything else is told apart by
// the first byte. nowSeconds < 0 means the current time. Returns nullopt and sets *error
// (naming the record and field) on a malformed pack or one that is not valid SenML.
std::optional<QList<SenmlRecord>> parseSenml(const QByteArray &raw, int contentFormat, QString *error = nullptr,
                                             double nowSeconds = -1);
// The same for a pack already decoded (Value::decoded of a SenML value): JSON labels or CBOR
// integer labels.
std::optional<QList<SenmlRecord>> parseSenml(const QCborValue &pack, QString *error = nullptr, double nowSeconds = -1);

// A unit from the SenML units registry (RFC 8428 section 12.1, the secondary units of
// RFC 8798): its code as written on the wire ("Cel"), the symbol people read ("°C") and a
// name ("degrees Celsius").
struct SenmlUnit
{
    const char *code;
    const char *symbol; // UTF-8
    const char *name;
};

// The registered unit with exactly this code (codes are case-sensitive: "m" is not "M"),
// or nullptr.
const SenmlUnit *senmlUnit(QStringView code);
// The symbol to show for a unit as written: the registry's symbol for a SenML code,
// anything else unchanged ("°C" stays "°C", "Cel" becomes "°C").
QString unitSymbol(const QString &unit);

} // namespace thingscape::codecs
