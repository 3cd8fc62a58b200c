#include "lineprinter.h"

#include "valueformatter.h"

#include "model/codecs/codecs.h"
#include "model/codecs/jsonchecker.h"
#include "model/value.h"

#include <QDateTime>
#include <QJsonObject>

#include <array>
#include <cctype>
#include <cstring>

namespace thingscape {

namespace {

constexpr qsizetype kFlushAt = 60 * 1024;
constexpr int kMaxJsonDepth = 128;

bool undecoded(const Value &value);

} // namespace

namespace {

// ASCII that a URI printed as it is must not hold: controls, DEL, quote, backslash.
constexpr auto kNotPlainUri = [] {
    std::array<quint8, 128> table{};
    for (int c = 0; c < 0x20; ++c)
        table[size_t(c)] = 1;
    table[0x7f] = 1;
    table['"'] = 1;
    table['\\'] = 1;
    return table;
}();

} // namespace

char *LinePrinter::writePlainUri(char *out, const QString &uri)
{
    // Once per line printed: one pass without a branch per character.
    // The size is read once: a store through char * could change it for all the compiler knows.
    const char16_t *src = reinterpret_cast<const char16_t *>(uri.constData());
    const qsizetype size = uri.size();
    unsigned notPlain = 0;
    for (qsizetype i = 0; i < size; ++i) {
        const char16_t c = src[i];
        notPlain |= unsigned(c >> 7) | kNotPlainUri[c & 0x7f];
        out[i] = char(c);
    }
    return notPlain ? nullptr : out + size;
}

bool LinePrinter::appendPlainUri(QByteArray &out, const QString &uri)
{
    const qsizetype start = out.size();
    out.resize(start + uri.size());
    if (!writePlainUri(out.data() + start, uri)) {
        out.resize(start);
        return false;
    }
    return true;
}

namespace {

bool undecoded(const Value &value)
{
    return !value.raw.isEmpty() && !value.isOversize() && !value.isPending() && value.error.isEmpty()
        && value.decoded.isUndefined();
}

} // namespace

LinePrinter::LinePrinter(std::FILE *out)
    : m_out(out)
{
    m_buffer.reserve(kFlushAt + 4096);
}

LinePrinter::~LinePrinter()
{
    flush();
}

void LinePrinter::flush()
{
    if (!m_buffer.isEmpty()) {
        std::fwrite(m_buffer.constData(), 1, size_t(m_buffer.size()), m_out);
        m_buffer.clear();
    }
    std::fflush(m_out);
}

void LinePrinter::line(QByteArrayView text)
{
    const qsizetype at = m_buffer.size();
    m_buffer.resize(at + text.size() + 1);
    char *out = m_buffer.data() + at;
    std::memcpy(out, text.data(), size_t(text.size()));
    out[text.size()] = '\n';
    if (m_buffer.size() >= kFlushAt) {
        std::fwrite(m_buffer.constData(), 1, size_t(m_buffer.size()), m_out);
        m_buffer.clear();
    }
}

void LinePrinter::update(qint64 timeMs, const QString &uri, const Value &value, bool json)
{
    if (!appendFast(m_buffer, timeMs, uri, value, json))
        appendFormatted(m_buffer, timeMs, uri, value, json);
    m_buffer.append('\n');
    if (m_buffer.size() >= kFlushAt) {
        std::fwrite(m_buffer.constData(), 1, size_t(m_buffer.size()), m_out);
        m_buffer.clear();
    }
}

QByteArray LinePrinter::format(qint64 timeMs, const QString &uri, const Value &value, bool json)
{
    QByteArray out;
    if (!appendFast(out, timeMs, uri, value, json))
        appendFormatted(out, timeMs, uri, value, json);
    return out;
}

void LinePrinter::appendTime(QByteArray &out, qint64 timeMs)
{
    const qsizetype at = out.size();
    out.resize(at + timeSize(timeMs));
    writeTime(out.data() + at, timeMs);
}

qsizetype LinePrinter::timeSize(qint64 timeMs)
{
    const qint64 second = timeMs >= 0 ? timeMs / 1000 : (timeMs - 999) / 1000;
    if (second != m_cachedSecond) {
        m_cachedSecond = second;
        m_cachedPrefix = QDateTime::fromSecsSinceEpoch(second, Qt::UTC)
                             .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"))
                             .toLatin1();
    }
    return m_cachedPrefix.size() + 5;
}

char *LinePrinter::writeTime(char *out, qint64 timeMs) const
{
    const int ms = int(timeMs - m_cachedSecond * 1000);
    std::memcpy(out, m_cachedPrefix.constData(), size_t(m_cachedPrefix.size()));
    out += m_cachedPrefix.size();
    const char tail[5] = {'.', char('0' + ms / 100), char('0' + ms / 10 % 10), char('0' + ms % 10), 'Z'};
    std::memcpy(out, tail, 5);
    return out + 5;
}

bool LinePrinter::isSafeText(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const uchar *>(bytes.data());
    const auto *end = p + bytes.size();
    while (p < end) {
        const uchar c = *p;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            ++p;
            continue;
        }
        int extra = 0;
        char32_t cp = 0;
        if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        // Overlong forms, surrogates, beyond Unicode.
        static constexpr char32_t minimum[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < minimum[extra] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            return false;
        p += extra + 1;
    }
    return true;
}

bool LinePrinter::isJson(QByteArrayView bytes)
{
    return codecs::JsonChecker(bytes, kMaxJsonDepth).document();
}

bool LinePrinter::isJsonNumber(QByteArrayView bytes)
{
    return codecs::JsonChecker(bytes, kMaxJsonDepth).numberOnly();
}

bool LinePrinter::isRawText(const QByteArray &raw)
{
    if (raw.isEmpty())
        return false;
    const char first = raw.front();
    const bool space = first == ' ' || first == '\t' || first == '\n' || first == '\r';
    return !space && first != '"' && isSafeText(raw);
}

bool LinePrinter::appendRawText(QByteArray &out, const QByteArray &raw)
{
    if (!isRawText(raw))
        return false;
    out.append(raw);
    return true;
}

namespace {

// Mirrors the sniffing of codecs::decode exactly, or declines (nullptr). *embed: the raw bytes
// are the JSON value; else they are text, a JSON string.
const char *rawJsonContentFormat(const QByteArray &raw, bool *embed)
{
    if (!LinePrinter::isRawText(raw))
        return nullptr;
    const char first = raw.front();
    *embed = true;
    if (first == '{' || first == '[')
        return LinePrinter::isJson(raw) ? "50" : nullptr; // else text after a failed parse: the long way
    if (LinePrinter::isJsonNumber(raw) || raw == "true" || raw == "false")
        return "0";
    if ((first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.' || first == 't' || first == 'f')
        return nullptr; // the sniffer may still take it for a number or a boolean
    *embed = false;
    return "0";
}

void appendJsonValue(QByteArray &out, const QByteArray &raw, bool embed)
{
    if (embed) {
        out.append(raw);
        return;
    }
    out.append('"');
    for (const char c : raw) {
        if (c == '"' || c == '\\')
            out.append('\\');
        out.append(c);
    }
    out.append('"');
}

} // namespace

const char *LinePrinter::appendRawJsonValue(QByteArray &out, const QByteArray &raw)
{
    bool embed = false;
    const char *ct = rawJsonContentFormat(raw, &embed);
    if (ct)
        appendJsonValue(out, raw, embed);
    return ct;
}

bool LinePrinter::appendFast(QByteArray &out, qint64 timeMs, const QString &uri, const Value &value, bool json)
{
    // Only what the connector left undecoded, with no declared format.
    if (!undecoded(value) || value.contentFormat != ContentFormat::Unknown)
        return false;
    const qsizetype start = out.size();
    if (!json) {
        // Text: printable UTF-8 prints as it was published, written in one piece.
        const QByteArray &raw = value.raw;
        if (!isRawText(raw))
            return false;
        const qsizetype time = timeSize(timeMs);
        out.resize(start + time + 1 + uri.size() + 1 + raw.size());
        char *p = writeTime(out.data() + start, timeMs);
        *p++ = ' ';
        p = writePlainUri(p, uri);
        if (!p) {
            out.resize(start);
            return false;
        }
        *p++ = ' ';
        std::memcpy(p, raw.constData(), size_t(raw.size()));
        return true;
    }
    bool embed = false;
    const char *ct = rawJsonContentFormat(value.raw, &embed);
    if (!ct)
        return false;
    out.append("{\"ct\":");
    out.append(ct);
    out.append(",\"time\":\"");
    appendTime(out, timeMs);
    out.append("\",\"uri\":\"");
    if (!appendPlainUri(out, uri)) {
        out.resize(start);
        return false;
    }
    out.append("\",\"value\":");
    appendJsonValue(out, value.raw, embed);
    out.append('}');
    return true;
}

void LinePrinter::appendFormatted(QByteArray &out, qint64 timeMs, const QString &uri, const Value &given, bool json)
{
    const Value value = undecoded(given) ? codecs::decode(given.raw, given.contentFormat, QString(), given.timeMs)
                                         : given;
    if (json) {
        QJsonObject object;
        object.insert(QStringLiteral("uri"), uri);
        object.insert(QStringLiteral("time"), ValueFormatter::timeText(timeMs));
        const QJsonValue decoded = ValueFormatter::toJson(value);
        if (!decoded.isUndefined())
            object.insert(QStringLiteral("value"), decoded);
        if (value.contentFormat >= 0)
            object.insert(QStringLiteral("ct"), value.contentFormat);
        out.append(ValueFormatter::jsonLine(object));
    } else {
        out.append(ValueFormatter::terminalSafe(ValueFormatter::timeText(timeMs) + QLatin1Char(' ') + uri
                                                + QLatin1Char(' ') + ValueFormatter::toText(value))
                       .toUtf8());
    }
}

} // namespace thingscape
