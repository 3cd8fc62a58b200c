#include "jsoncbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamWriter>
#include <QCoreApplication>
#include <QLocale>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace thingscape::codecs::detail {

namespace {

using nlohmann::json;

// Turns parser events into CBOR bytes, read back in one go with QCborValue::fromCbor: linear
// whatever the shape. (Building QCborMaps key by key is quadratic, QCborMap::insert searches
// the map: 50,000 keys took 19 s.) Duplicate keys are kept, in order.
class CborSax
{
public:
    explicit CborSax(qsizetype sizeHint)
        : m_writer(&m_buffer)
    {
        m_buffer.reserve(sizeHint);
    }

    bool null()
    {
        m_writer.append(nullptr);
        return true;
    }
    bool boolean(bool value)
    {
        m_writer.append(value);
        return true;
    }
    bool number_integer(json::number_integer_t value)
    {
        m_writer.append(qint64(value));
        return true;
    }
    bool number_unsigned(json::number_unsigned_t value)
    {
        // QCborValue has no unsigned 64-bit integers.
        if (value <= json::number_unsigned_t(std::numeric_limits<qint64>::max()))
            m_writer.append(qint64(value));
        else
            m_writer.append(double(value));
        return true;
    }
    bool number_float(json::number_float_t value, const json::string_t &)
    {
        m_writer.append(double(value));
        return true;
    }
    bool string(json::string_t &value)
    {
        m_writer.appendTextString(value.data(), qsizetype(value.size()));
        return true;
    }
    bool binary(json::binary_t &value)
    {
        m_writer.appendByteString(reinterpret_cast<const char *>(value.data()), qsizetype(value.size()));
        return true;
    }
    bool start_object(std::size_t)
    {
        if (++m_depth > kMaxNesting)
            return tooDeep();
        m_writer.startMap();
        return true;
    }
    bool key(json::string_t &value) { return string(value); }
    bool end_object()
    {
        --m_depth;
        return m_writer.endMap();
    }
    bool start_array(std::size_t)
    {
        if (++m_depth > kMaxNesting)
            return tooDeep();
        m_writer.startArray();
        return true;
    }
    bool end_array()
    {
        --m_depth;
        return m_writer.endArray();
    }
    bool parse_error(std::size_t position, const std::string &, const nlohmann::detail::exception &ex)
    {
        // nlohmann says "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ...";
        // keep only the part after the location, we give the byte offset ourselves.
        QString detail = QString::fromUtf8(ex.what());
        const qsizetype column = detail.indexOf(QLatin1String("column "));
        const qsizetype colon = column >= 0 ? detail.indexOf(QLatin1String(": "), column) : -1;
        if (colon >= 0)
            detail = detail.mid(colon + 2);
        m_errorOffset = position > 0 ? qint64(position) - 1 : 0;
        m_error = detail;
        return false;
    }

    QCborValue result() const { return QCborValue::fromCbor(m_buffer); }

    QString m_error;
    qint64 m_errorOffset = -1;
    bool m_tooDeep = false;

private:
    bool tooDeep()
    {
        m_tooDeep = true;
        return false;
    }

    QByteArray m_buffer;
    QCborStreamWriter m_writer;
    int m_depth = 0;
};

} // namespace

std::optional<QCborValue> parseJson(QByteArrayView text, QString *error)
{
    CborSax builder(text.size());
    bool ok = false;
    try {
        ok = json::sax_parse(text.begin(), text.end(), &builder);
        if (ok)
            return builder.result();
    } catch (const std::exception &e) {
        builder.m_error = QString::fromUtf8(e.what());
        builder.m_errorOffset = -1;
    }
    if (error) {
        if (builder.m_tooDeep)
            *error = QCoreApplication::translate("codecs", "Invalid JSON: nested deeper than %1 levels").arg(kMaxNesting);
        else if (builder.m_errorOffset >= 0)
            *error = QCoreApplication::translate("codecs", "Invalid JSON at byte %1: %2").arg(builder.m_errorOffset).arg(builder.m_error);
        else
            *error = QCoreApplication::translate("codecs", "Invalid JSON: %1").arg(builder.m_error);
    }
    return std::nullopt;
}

std::optional<QCborValue> parseCbor(const QByteArray &cbor, QString *error)
{
    QCborParserError parserError;
    QCborValue value = QCborValue::fromCbor(cbor, &parserError);
    if (parserError.error != QCborError::NoError) {
        if (error)
            *error = QCoreApplication::translate("codecs", "Invalid CBOR at byte %1: %2")
                         .arg(parserError.offset)
                         .arg(parserError.errorString());
        return std::nullopt;
    }
    if (parserError.offset < cbor.size()) {
        if (error)
            *error = QCoreApplication::translate("codecs", "Invalid CBOR: %n trailing byte(s) after the data item at byte %1",
                                                 nullptr, int(cbor.size() - parserError.offset))
                         .arg(parserError.offset);
        return std::nullopt;
    }
    return value;
}

qsizetype findInvalidUtf8(const char *data, qsizetype size, bool *hasControl)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    // Not asked: as if one was found already, so the ASCII fast path skips looking for them.
    bool control = hasControl == nullptr;
    qsizetype i = 0;
    while (i < size) {
        // ASCII fast path, eight bytes at a time.
        if (i + 8 <= size) {
            quint64 chunk;
            std::memcpy(&chunk, p + i, 8);
            if ((chunk & 0x8080808080808080ull) == 0) {
                if (!control) {
                    for (int k = 0; k < 8; ++k) {
                        const unsigned char c = p[i + k];
                        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
                            control = true;
                    }
                }
                i += 8;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
                control = true;
            ++i;
            continue;
        }
        int extra = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            if (c == 0xe0)
                lo = 0xa0; // overlong
            else if (c == 0xed)
                hi = 0x9f; // surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f; // above U+10FFFF
        } else {
            if (hasControl)
                *hasControl = control;
            return i;
        }
        if (i + extra >= size) { // truncated sequence: report its lead byte
            if (hasControl)
                *hasControl = control;
            return i;
        }
        for (int k = 1; k <= extra; ++k) {
            const unsigned char cc = p[i + k];
            const unsigned char min = k == 1 ? lo : 0x80;
            const unsigned char max = k == 1 ? hi : 0xbf;
            if (cc < min || cc > max) {
                if (hasControl)
                    *hasControl = control;
                return i;
            }
        }
        // C1 controls (U+0080..U+009F) are control characters too.
        if (c == 0xc2 && p[i + 1] < 0xa0)
            control = true;
        i += extra + 1;
    }
    if (hasControl)
        *hasControl = control;
    return -1;
}

QString formatDouble(double value)
{
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity");
    // Shortest text that reads back to the same double; plain digits for everyday magnitudes.
    char buffer[64];
    const double magnitude = std::fabs(value);
    const bool fixed = magnitude == 0 || (magnitude >= 1e-5 && magnitude < 1e16);
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                      fixed ? std::chars_format::fixed : std::chars_format::scientific);
    QString text = QString::fromLatin1(buffer, result.ptr - buffer);
    // Keep a double recognisable as one ("1.0", "1.0e+300").
    if (!text.contains(QLatin1Char('.'))) {
        const qsizetype e = text.indexOf(QLatin1Char('e'));
        text.insert(e >= 0 ? e : text.size(), QLatin1String(".0"));
    }
    return text;
}

void appendQuoted(QString &out, QStringView text)
{
    out += QLatin1Char('"');
    for (const QChar ch : text) {
        const char16_t c = ch.unicode();
        switch (c) {
        case '"':
            out += QLatin1String("\\\"");
            break;
        case '\\':
            out += QLatin1String("\\\\");
            break;
        case '\n':
            out += QLatin1String("\\n");
            break;
        case '\r':
            out += QLatin1String("\\r");
            break;
        case '\t':
            out += QLatin1String("\\t");
            break;
        case '\b':
            out += QLatin1String("\\b");
            break;
        case '\f':
            out += QLatin1String("\\f");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += QLatin1String("\\u00");
                out += QLatin1Char("0123456789abcdef"[c >> 4]);
                out += QLatin1Char("0123456789abcdef"[c & 0xf]);
            } else {
                out += ch;
            }
        }
    }
    out += QLatin1Char('"');
}

namespace {

void writeJson(QString &out, const QCborValue &value, int indent, int level)
{
    const auto newline = [&](int depth) {
        if (indent < 0)
            return;
        out += QLatin1Char('\n');
        out += QString(qsizetype(indent) * depth, QLatin1Char(' '));
    };
    switch (value.type()) {
    case QCborValue::Integer:
        out += QString::number(value.toInteger());
        break;
    case QCborValue::Double: {
        const double d = value.toDouble();
        // JSON has no NaN / Infinity.
        out += std::isfinite(d) ? formatDouble(d) : QStringLiteral("null");
        break;
    }
    case QCborValue::True:
        out += QLatin1String("true");
        break;
    case QCborValue::False:
        out += QLatin1String("false");
        break;
    case QCborValue::Null:
        out += QLatin1String("null");
        break;
    case QCborValue::String:
        appendQuoted(out, value.toString());
        break;
    case QCborValue::Array: {
        const QCborArray array = value.toArray();
        if (array.isEmpty()) {
            out += QLatin1String("[]");
            break;
        }
        out += QLatin1Char('[');
        bool first = true;
        for (const QCborValue &item : array) {
            if (!first)
                out += QLatin1Char(',');
            first = false;
            newline(level + 1);
            writeJson(out, item, indent, level + 1);
        }
        newline(level);
        out += QLatin1Char(']');
        break;
    }
    case QCborValue::Map: {
        const QCborMap map = value.toMap();
        if (map.isEmpty()) {
            out += QLatin1String("{}");
            break;
        }
        out += QLatin1Char('{');
        bool first = true;
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            if (!first)
                out += QLatin1Char(',');
            first = false;
            newline(level + 1);
            const QCborValue key = it.key();
            if (key.isString())
                appendQuoted(out, key.toString());
            else
                appendQuoted(out, key.toDiagnosticNotation(QCborValue::Compact));
            out += indent < 0 ? QLatin1String(":") : QLatin1String(": ");
            writeJson(out, it.value(), indent, level + 1);
        }
        newline(level);
        out += QLatin1Char('}');
        break;
    }
    default:
        // Bytes, tags, undefined, simple values: no JSON equivalent, shown as diagnostic notation.
        appendQuoted(out, value.toDiagnosticNotation(QCborValue::Compact));
        break;
    }
}

} // namespace

QString toJsonText(const QCborValue &value, int indent)
{
    QString out;
    writeJson(out, value, indent, 0);
    return out;
}

} // namespace thingscape::codecs::detail
