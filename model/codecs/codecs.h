#pragma once

#include "model/value.h"

#include <QByteArray>
#include <QString>

// Payload codecs: turn the raw bytes of a message into a decoded Value (and back, for writes).
// Everything here is reentrant and never throws; malformed input gives an error string.
namespace thingscape::codecs {

// Decodes raw bytes: by CoAP content-format number if >= 0, else by MIME type (MQTT 5 content
// type / HTTP Content-Type; parameters such as ";charset=utf-8" are ignored), else by sniffing
// (JSON, a number, true/false, UTF-8 text, binary). Sniffed numbers and booleans are reported
// as text (0), sniffed JSON as 50, text as 0, binary as 42. A text/plain payload that is just a
// number or true/false decodes to that number or boolean, as it would when sniffed. An unknown
// content-format number falls back to the media type, then to sniffing.
// On malformed input the Value has error set (naming the problem and the byte position where
// known), decoded is undefined and raw is kept. value.contentFormat says what it was decoded as.
// Only the cheap part runs at once: the format, a number or boolean, binary, and for a sniffed
// payload up to kEagerDecodeBytes whether it is JSON (a check that builds nothing). Building the
// decoded tree or string, and finding a declared format's error, wait for the first read of
// decoded / error (see DecodedValue): most values are stored and replaced, never read, and the
// parse was nine tenths of the connector's work per message.
// Above this size a sniffed payload is not even checked before its first use (a 200 MB JSON
// message must not hold up the I/O thread that received it): it is taken for JSON when it
// starts like JSON.
constexpr qsizetype kEagerDecodeBytes = thingscape::detail::kLargePayloadBytes;

thingscape::Value decode(const QByteArray &raw, int contentFormat = ContentFormat::Unknown,
                         const QString &mediaType = {}, qint64 timeMs = 0);

// -1 when unknown. Parameters after ';' are ignored, case-insensitive.
int contentFormatForMediaType(const QString &mediaType);
// Empty when unknown.
QString mediaTypeForContentFormat(int contentFormat);
// For display: "application/senml+json (110)", "content-format 1234", "unknown" (for -1).
QString contentFormatName(int contentFormat);

// Encodes user text for a write. format: "text" (raw UTF-8, content-format 0), "json"
// (validated and compacted, 50), "cbor" (the text parsed as JSON, encoded as CBOR, 60).
// Returns false and sets *error on bad input or an unknown format.
bool encode(const QString &text, const QString &format, QByteArray *out, int *contentFormat, QString *error);

// Offset, hex and ASCII columns, one line per bytesPerLine bytes.
QString hexView(const QByteArray &raw, int bytesPerLine = 16);
// CBOR diagnostic notation (RFC 8949 section 8), indented. On malformed CBOR returns what
// could be shown (possibly empty) and sets *error.
QString cborDiagnostic(const QByteArray &raw, QString *error = nullptr);
// Multi-line display text: pretty JSON, diagnostic notation, plain text, hex for binary.
QString prettyText(const Value &value);

} // namespace thingscape::codecs
