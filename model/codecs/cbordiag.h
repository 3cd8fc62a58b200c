#pragma once

#include <QCborValue>
#include <QString>

#include <optional>

namespace thingscape::codecs {

// Parses CBOR diagnostic notation (RFC 8949 section 8, the common part of RFC 8610 appendix G):
// JSON plus h'..' and b64'..' byte strings, tags N(..), undefined, simple(N), NaN, Infinity,
// and /comments/. nullopt with *error (naming the offset) on malformed text.
std::optional<QCborValue> parseCborDiagnostic(const QString &text, QString *error = nullptr);

} // namespace thingscape::codecs
