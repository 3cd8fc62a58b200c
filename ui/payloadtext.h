#pragma once

#include "model/value.h"

#include <QByteArray>
#include <QString>

namespace thingscape::payloadtext {

// One capped way to show a payload as plain text, shared by the message stream's payload pane
// and the details view: a camera snapshot or a 200 MB JSON document must not freeze the window.
// At most kMaxShownBytes of the raw bytes are decoded, pretty-printed or hex-dumped, and at
// most kMaxShownChars characters are shown; what was left out is said, never silently dropped.
constexpr qsizetype kMaxShownBytes = 64 * 1024;
constexpr qsizetype kMaxShownChars = 256 * 1024;

// Truncates to kMaxShownChars, saying so.
QString capped(QString text);
// A decoded value, pretty-printed ("Could not decode: …" first when it failed). Binary and
// payloads above kMaxShownBytes show their first kMaxShownBytes only.
QString decodedText(const Value &value);
// Raw bytes that were not decoded yet (a stream entry): decoded here only up to
// kMaxShownBytes; above that the first kMaxShownBytes are shown as text (or hex), undecoded.
QString decodedText(const QByteArray &raw, int contentFormat, qint64 timeMs);
// A hex dump of the first kMaxShownBytes, with the total size when there is more.
QString hexText(const QByteArray &raw);

} // namespace thingscape::payloadtext
