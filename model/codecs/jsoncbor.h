#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCborValue>
#include <QString>

#include <optional>

// Building blocks shared by the codecs (not part of their public API).
namespace thingscape::codecs::detail {

// Deeper nesting is rejected: the decoded tree is destroyed and printed recursively.
constexpr int kMaxNesting = 512;

// JSON text to a QCborValue (integers stay integers). nullopt + *error (with the byte offset) when malformed.
std::optional<QCborValue> parseJson(QByteArrayView json, QString *error);
// One CBOR data item; trailing bytes are an error.
std::optional<QCborValue> parseCbor(const QByteArray &cbor, QString *error);

// Offset of the first byte that is not well-formed UTF-8, or -1. *hasControl tells whether a
// control character other than tab, CR and LF occurs (before the first bad byte).
qsizetype findInvalidUtf8(const char *data, qsizetype size, bool *hasControl = nullptr);

// JSON text of a decoded value; indent < 0 means compact. CBOR-only items (bytes, tags,
// undefined, simple values) are written in diagnostic notation as JSON strings.
QString toJsonText(const QCborValue &value, int indent = 2);
// A double the way JSON and diagnostic notation want it: shortest round trip, ".0" on integral values.
QString formatDouble(double value);
// A JSON / diagnostic notation string literal with escapes.
void appendQuoted(QString &out, QStringView text);

} // namespace thingscape::codecs::detail
