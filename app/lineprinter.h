#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdio>

namespace thingscape {

struct Value;

// The verbs' output: lines gathered in one buffer and written with one fwrite when it fills or
// when the caller flushes (once per batch), never one write and flush per line. Prints the
// usual payloads (printable UTF-8 text, numbers, JSON on one line) straight from their raw
// bytes; anything else goes through ValueFormatter, so the output stays terminal-safe.
class LinePrinter
{
public:
    explicit LinePrinter(std::FILE *out = stdout);
    ~LinePrinter();
    LinePrinter(const LinePrinter &) = delete;
    LinePrinter &operator=(const LinePrinter &) = delete;

    // One watch line: "TIME URI VALUE" in text, {"ct","time","uri","value"} in JSON.
    void update(qint64 timeMs, const QString &uri, const Value &value, bool json);
    // A line already formatted (no line break at its end).
    void line(QByteArrayView text);
    void flush();

    // For tests: what update() would print, without the line break.
    QByteArray format(qint64 timeMs, const QString &uri, const Value &value, bool json);
    // ISO 8601 UTC with milliseconds, as ValueFormatter::timeText, with the date and time up
    // to the second formatted once per second.
    void appendTime(QByteArray &out, qint64 timeMs);

    // A payload with no declared format as the JSON value it decodes to, without decoding it:
    // appends that value (the raw bytes themselves, or them as a JSON string) to out and
    // returns its content format ("0", "50"); nullptr (out untouched) where only decoding can
    // tell.
    static const char *appendRawJsonValue(QByteArray &out, const QByteArray &raw);
    // The same for text: true (and the payload appended as it is) when printable as published.
    static bool appendRawText(QByteArray &out, const QByteArray &raw);
    // Whether appendRawText would take it.
    static bool isRawText(const QByteArray &raw);
    // A URI printable as it is, in text and inside a JSON string (printable ASCII without quote
    // or backslash): appended; false (out untouched) otherwise.
    static bool appendPlainUri(QByteArray &out, const QString &uri);
    // The same into room for uri.size() bytes at out: returns the end written, or nullptr when
    // the URI is not plain (out then holds garbage).
    static char *writePlainUri(char *out, const QString &uri);

    // Payload classes the raw path handles; exposed for tests.
    // Valid UTF-8 with no C0 control (tab allowed), DEL, C1 control or bidi override/isolate.
    static bool isSafeText(QByteArrayView bytes);
    // One JSON text (RFC 8259), strictly; whitespace between tokens allowed.
    static bool isJson(QByteArrayView bytes);
    // A JSON number, the whole of bytes, nothing around it.
    static bool isJsonNumber(QByteArrayView bytes);

private:
    // appendTime in two steps, for a line written in one piece: the room it takes (refreshing
    // the cached second), then the text written at out (returns its end).
    qsizetype timeSize(qint64 timeMs);
    char *writeTime(char *out, qint64 timeMs) const;
    void appendFormatted(QByteArray &out, qint64 timeMs, const QString &uri, const Value &value, bool json);
    bool appendFast(QByteArray &out, qint64 timeMs, const QString &uri, const Value &value, bool json);

    std::FILE *m_out;
    QByteArray m_buffer;
    qint64 m_cachedSecond = -1;
    QByteArray m_cachedPrefix; // "2026-12-06T12:11:20"
};

} // namespace thingscape
