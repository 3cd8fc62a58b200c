#include "codecs.h"

#include "jsoncbor.h"
#include "jsonchecker.h"
#include "linkformat.h"
#include "senml.h"

#include <QCborStreamReader>
#include <QCoreApplication>
#include <QLocale>

#include <charconv>
#include <functional>
#include <vector>

namespace thingscape::codecs {

namespace {

enum class Kind {
    Text,
    LinkFormat,
    Binary,
    Json,
    Cbor,
    SenmlJson,
    SenmlCbor,
};

struct Format
{
    int number;
    const char *mediaType;
    Kind kind;
};

// The CoAP Content-Formats registry entries a user is likely to meet.
constexpr Format kFormats[] = {
    {0, "text/plain", Kind::Text}, // registered as "text/plain;charset=utf-8"
    {40, "application/link-format", Kind::LinkFormat},
    {41, "application/xml", Kind::Text},
    {42, "application/octet-stream", Kind::Binary},
    {47, "application/exi", Kind::Binary},
    {50, "application/json", Kind::Json},
    {51, "application/json-patch+json", Kind::Json},
    {52, "application/merge-patch+json", Kind::Json},
    {60, "application/cbor", Kind::Cbor},
    {61, "application/cwt", Kind::Cbor},
    {110, "application/senml+json", Kind::SenmlJson},
    {111, "application/sensml+json", Kind::SenmlJson},
    {112, "application/senml+cbor", Kind::SenmlCbor},
    {113, "application/sensml+cbor", Kind::SenmlCbor},
    {256, "application/coap-group+json", Kind::Json},
    {310, "application/senml+xml", Kind::Text},
    {311, "application/sensml+xml", Kind::Text},
    {320, "application/senml-exi", Kind::Binary},
    {321, "application/sensml-exi", Kind::Binary},
    {432, "application/td+json", Kind::Json},
    {10000, "application/vnd.ocf+cbor", Kind::Cbor},
    {11542, "application/vnd.oma.lwm2m+tlv", Kind::Binary},
    {11543, "application/vnd.oma.lwm2m+json", Kind::Json},
    {11544, "application/vnd.oma.lwm2m+cbor", Kind::Cbor},
};

const Format *formatByNumber(int number)
{
    for (const Format &f : kFormats) {
        if (f.number == number)
            return &f;
    }
    return nullptr;
}

// "Application/JSON; charset=utf-8" -> "application/json"
QString essence(const QString &mediaType)
{
    const qsizetype semicolon = mediaType.indexOf(QLatin1Char(';'));
    return (semicolon >= 0 ? mediaType.left(semicolon) : mediaType).trimmed().toLower();
}

const Format *formatByMediaType(const QString &type)
{
    for (const Format &f : kFormats) {
        if (type == QLatin1String(f.mediaType))
            return &f;
    }
    return nullptr;
}

QString registeredName(const Format &f)
{
    return f.number == ContentFormat::Text ? QStringLiteral("text/plain;charset=utf-8") : QString::fromLatin1(f.mediaType);
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A plain number as MQTT devices publish it ("21.5", "-3", "1e3"), without going through a JSON parser.
std::optional<QCborValue> parseNumber(const char *begin, const char *end)
{
    while (begin < end && isSpace(*begin))
        ++begin;
    while (end > begin && isSpace(end[-1]))
        --end;
    if (begin == end || end - begin > 64)
        return std::nullopt;
    if (*begin == '+')
        ++begin;
    // Validate the shape ourselves: from_chars would also take "inf", "nan" and hex.
    const char *p = begin;
    if (p < end && *p == '-')
        ++p;
    const char *digits = p;
    while (p < end && *p >= '0' && *p <= '9')
        ++p;
    bool integral = true;
    qsizetype mantissaDigits = p - digits;
    if (p < end && *p == '.') {
        integral = false;
        ++p;
        const char *fraction = p;
        while (p < end && *p >= '0' && *p <= '9')
            ++p;
        mantissaDigits += p - fraction;
    }
    if (mantissaDigits == 0)
        return std::nullopt;
    if (p < end && (*p == 'e' || *p == 'E')) {
        integral = false;
        ++p;
        if (p < end && (*p == '+' || *p == '-'))
            ++p;
        const char *exponent = p;
        while (p < end && *p >= '0' && *p <= '9')
            ++p;
        if (p == exponent)
            return std::nullopt;
    }
    if (p != end)
        return std::nullopt;
    if (integral) {
        qint64 value = 0;
        const auto result = std::from_chars(begin, end, value);
        if (result.ec == std::errc() && result.ptr == end)
            return QCborValue(value);
        // Too large for 64 bits: fall through to double.
    }
    double value = 0;
    const auto result = std::from_chars(begin, end, value);
    if (result.ptr != end || (result.ec != std::errc() && result.ec != std::errc::result_out_of_range))
        return std::nullopt;
    return QCborValue(value);
}

std::optional<QCborValue> parseBoolean(const char *begin, const char *end)
{
    while (begin < end && isSpace(*begin))
        ++begin;
    while (end > begin && isSpace(end[-1]))
        --end;
    const QByteArrayView word(begin, end - begin);
    if (word == "true")
        return QCborValue(true);
    if (word == "false")
        return QCborValue(false);
    return std::nullopt;
}

// A decoding in progress: the plain fields the decoders fill, copied into a Value at the end.
struct Work
{
    QByteArray raw;
    int contentFormat = ContentFormat::Unknown;
    QCborValue decoded;
    QString error;
};

void decodeText(Work &v, bool scalars)
{
    const qsizetype bad = detail::findInvalidUtf8(v.raw.constData(), v.raw.size());
    if (bad >= 0) {
        v.error = QCoreApplication::translate("codecs", "Invalid UTF-8 at byte %1").arg(bad);
        return;
    }
    if (scalars) {
        // A text/plain "22.5" from a CoAP sensor is a number, as it is when sniffed.
        const char *begin = v.raw.constData();
        const char *end = begin + v.raw.size();
        if (auto number = parseNumber(begin, end)) {
            v.decoded = std::move(*number);
            return;
        }
        if (auto boolean = parseBoolean(begin, end)) {
            v.decoded = std::move(*boolean);
            return;
        }
    }
    v.decoded = QString::fromUtf8(v.raw);
}

void decodeJson(Work &v)
{
    if (auto json = detail::parseJson(v.raw, &v.error))
        v.decoded = std::move(*json);
}

void decodeCbor(Work &v)
{
    if (auto cbor = detail::parseCbor(v.raw, &v.error))
        v.decoded = std::move(*cbor);
}

void decodeAs(Work &v, Kind kind)
{
    switch (kind) {
    case Kind::Text:
        decodeText(v, v.contentFormat == ContentFormat::Text);
        break;
    case Kind::LinkFormat:
        if (auto links = parseLinkFormat(v.raw, &v.error))
            v.decoded = linksToCbor(*links);
        break;
    case Kind::Binary:
        v.decoded = v.raw;
        break;
    case Kind::Json:
        decodeJson(v);
        break;
    case Kind::Cbor:
        decodeCbor(v);
        break;
    case Kind::SenmlJson:
    case Kind::SenmlCbor: {
        if (kind == Kind::SenmlJson)
            decodeJson(v);
        else
            decodeCbor(v);
        if (!v.error.isEmpty())
            break;
        // Validate the pack so a broken one is flagged where it arrives; records are made on demand.
        QString error;
        if (!parseSenml(v.decoded, &error, 0))
            v.error = error;
        break;
    }
    }
}

// Sniffing's last resort: UTF-8 text without control characters is text, the rest binary.
void textOrBinary(Work &v)
{
    bool control = false;
    if (detail::findInvalidUtf8(v.raw.constData(), v.raw.size(), &control) < 0 && !control) {
        v.decoded = QString::fromUtf8(v.raw);
        v.contentFormat = ContentFormat::Text;
        return;
    }
    v.decoded = v.raw;
    v.contentFormat = ContentFormat::OctetStream;
}

bool looksLikeJson(const QByteArray &raw)
{
    const char *p = raw.constData();
    const char *end = p + raw.size();
    while (p < end && isSpace(*p))
        ++p;
    return p < end && (*p == '{' || *p == '[' || *p == '"');
}

// A number or boolean, decoded; false when the payload is neither.
bool sniffScalar(Work &v)
{
    const char *p = v.raw.constData();
    const char *end = p + v.raw.size();
    while (p < end && isSpace(*p))
        ++p;
    if (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.')) {
        if (auto number = parseNumber(p, end)) {
            v.decoded = std::move(*number);
            v.contentFormat = ContentFormat::Text;
            return true;
        }
    } else if (p < end && (*p == 't' || *p == 'f')) {
        if (auto boolean = parseBoolean(p, end)) {
            v.decoded = std::move(*boolean);
            v.contentFormat = ContentFormat::Text;
            return true;
        }
    }
    return false;
}

// Whether a JSON-looking payload parses as JSON, without building it (sniffing decides the
// format at once, parsing waits).
bool isJson(const QByteArray &raw)
{
    return detail::findInvalidUtf8(raw.constData(), raw.size()) < 0
        && JsonChecker(raw, detail::kMaxNesting).document();
}

// A number or boolean in text, as sniffing and text/plain take them.
std::optional<QCborValue> scalarText(const QByteArray &raw)
{
    const char *begin = raw.constData();
    const char *end = begin + raw.size();
    if (auto number = parseNumber(begin, end))
        return number;
    return parseBoolean(begin, end);
}

void sniff(Work &v)
{
    if (looksLikeJson(v.raw)) {
        if (auto json = detail::parseJson(v.raw, nullptr)) {
            v.decoded = std::move(*json);
            v.contentFormat = ContentFormat::Json;
            return;
        }
    } else if (sniffScalar(v)) {
        return;
    }
    textOrBinary(v);
}

// Runs a decoding, turning an exception (out of memory on a hostile payload, at worst) into an
// error that keeps the bytes.
void guarded(Work &v, const std::function<void(Work &)> &step)
{
    try {
        step(v);
    } catch (const std::exception &e) {
        v.decoded = QCborValue();
        v.error = QCoreApplication::translate("codecs", "Cannot decode: %1").arg(QString::fromUtf8(e.what()));
    }
    if (!v.error.isEmpty())
        v.decoded = QCborValue();
}

// What a pending decoding does on first use (see Value::setPending).
void runPending(thingscape::detail::PendingDecode &pending)
{
    Work v;
    v.raw = pending.raw;
    v.contentFormat = pending.contentFormat;
    const Kind kind = Kind(pending.kind);
    guarded(v, [&pending, kind](Work &w) {
        if (!pending.sniffed) {
            decodeAs(w, kind);
            return;
        }
        // Sniffed: the cheap checks ran at once; only JSON (or text) parsing waited.
        if (kind == Kind::Json) {
            if (auto json = detail::parseJson(w.raw, nullptr)) {
                w.decoded = std::move(*json);
                return;
            }
        }
        textOrBinary(w);
    });
    pending.decoded = v.decoded;
    pending.error = v.error;
}

} // namespace

thingscape::Value decode(const QByteArray &raw, int contentFormat, const QString &mediaType, qint64 timeMs)
{
    Value value;
    value.timeMs = timeMs;
    value.raw = raw;
    Work v;
    v.raw = raw;
    const Format *format = contentFormat >= 0 ? formatByNumber(contentFormat) : nullptr;
    std::optional<Kind> kind;
    if (format) {
        kind = format->kind;
        v.contentFormat = format->number;
    } else if (!mediaType.isEmpty()) {
        const QString type = essence(mediaType);
        if (const Format *f = formatByMediaType(type)) {
            kind = f->kind;
            v.contentFormat = f->number;
        } else if (type.endsWith(QLatin1String("+json"))) {
            kind = Kind::Json;
            v.contentFormat = ContentFormat::Json;
        } else if (type.endsWith(QLatin1String("+cbor"))) {
            kind = Kind::Cbor;
            v.contentFormat = ContentFormat::Cbor;
        } else if (type.startsWith(QLatin1String("text/"))) {
            kind = Kind::Text;
            v.contentFormat = ContentFormat::Text;
        }
    }
    if (raw.isEmpty()) {
        value.contentFormat = v.contentFormat;
        return value;
    }
    if (raw.size() > kEagerDecodeBytes && kind != Kind::Binary) {
        // Large: only the cheap checks now (they fix contentFormat); parsing waits for first use.
        thingscape::detail::PendingDecodePtr pending = thingscape::detail::PendingDecode::make();
        pending->run = &runPending;
        if (!kind) {
            pending->sniffed = true;
            if (looksLikeJson(raw)) {
                kind = Kind::Json;
                v.contentFormat = ContentFormat::Json;
            } else {
                guarded(v, [](Work &w) {
                    if (!sniffScalar(w)) {
                        bool control = false;
                        const bool text = detail::findInvalidUtf8(w.raw.constData(), w.raw.size(), &control) < 0 && !control;
                        w.contentFormat = text ? ContentFormat::Text : ContentFormat::OctetStream;
                    }
                });
                if (v.contentFormat == ContentFormat::OctetStream || !v.decoded.isUndefined()) {
                    if (v.contentFormat == ContentFormat::OctetStream)
                        v.decoded = raw;
                    value.contentFormat = v.contentFormat;
                    value.decoded = v.decoded;
                    return value;
                }
                kind = Kind::Text;
            }
        }
        pending->raw = raw;
        pending->contentFormat = v.contentFormat;
        pending->kind = quint8(*kind);
        value.contentFormat = v.contentFormat;
        value.setPending(pending);
        return value;
    }
    // Small: the cheap part now, the tree or string on first use.
    bool sniffed = false;
    bool notJson = false;
    if (!kind && looksLikeJson(raw)) {
        if (isJson(raw)) {
            kind = Kind::Json;
            v.contentFormat = ContentFormat::Json;
            sniffed = true;
        } else {
            notJson = true; // text or binary, as sniffing says when the parse fails
        }
    } else if (kind && *kind == Kind::Text && v.contentFormat == ContentFormat::Text) {
        // A text/plain "22.5" is a number: decoded at once, like a sniffed one.
        if (auto scalar = scalarText(raw)) {
            value.contentFormat = v.contentFormat;
            value.decoded = std::move(*scalar);
            return value;
        }
    }
    if (kind && *kind != Kind::Binary) {
        thingscape::detail::PendingDecodePtr pending = thingscape::detail::PendingDecode::make();
        pending->run = &runPending;
        pending->sniffed = sniffed;
        pending->raw = raw;
        pending->contentFormat = v.contentFormat;
        pending->kind = quint8(*kind);
        value.contentFormat = v.contentFormat;
        value.setPending(pending);
        return value;
    }
    guarded(v, [&kind, notJson](Work &w) {
        if (kind)
            decodeAs(w, *kind);
        else if (notJson)
            textOrBinary(w);
        else
            sniff(w);
    });
    value.contentFormat = v.contentFormat;
    value.decoded = v.decoded;
    if (!v.error.isEmpty())
        value.error = v.error;
    return value;
}

int contentFormatForMediaType(const QString &mediaType)
{
    const Format *f = formatByMediaType(essence(mediaType));
    return f ? f->number : ContentFormat::Unknown;
}

QString mediaTypeForContentFormat(int contentFormat)
{
    const Format *f = formatByNumber(contentFormat);
    return f ? registeredName(*f) : QString();
}

QString contentFormatName(int contentFormat)
{
    if (contentFormat < 0)
        return QCoreApplication::translate("codecs", "unknown");
    if (const Format *f = formatByNumber(contentFormat))
        return QStringLiteral("%1 (%2)").arg(registeredName(*f)).arg(contentFormat);
    return QCoreApplication::translate("codecs", "content-format %1").arg(contentFormat);
}

bool encode(const QString &text, const QString &format, QByteArray *out, int *contentFormat, QString *error)
{
    const QString name = format.trimmed().toLower();
    QByteArray bytes;
    int number = ContentFormat::Unknown;
    QString problem;
    if (name == QLatin1String("text")) {
        bytes = text.toUtf8();
        number = ContentFormat::Text;
    } else if (name == QLatin1String("json") || name == QLatin1String("cbor")) {
        const QByteArray utf8 = text.toUtf8();
        if (auto value = detail::parseJson(utf8, &problem)) {
            if (name == QLatin1String("json")) {
                bytes = detail::toJsonText(*value, -1).toUtf8();
                number = ContentFormat::Json;
            } else {
                // Preferred serialisation (RFC 8949 4.1): the shortest float that loses nothing.
                bytes = value->toCbor(QCborValue::UseFloat16);
                number = ContentFormat::Cbor;
            }
        }
    } else {
        problem = QCoreApplication::translate("codecs", "Unknown format \"%1\": use text, json or cbor").arg(format);
    }
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    if (out)
        *out = bytes;
    if (contentFormat)
        *contentFormat = number;
    if (error)
        error->clear();
    return true;
}

QString hexView(const QByteArray &raw, int bytesPerLine)
{
    if (bytesPerLine <= 0)
        bytesPerLine = 16;
    static constexpr char kHex[] = "0123456789abcdef";
    // Built as Latin-1 bytes and converted once: this runs on every selection of a binary value.
    QByteArray out;
    const qsizetype lines = (raw.size() + bytesPerLine - 1) / bytesPerLine;
    out.reserve(lines * (14 + qsizetype(bytesPerLine) * 4));
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw.constData());
    for (qsizetype offset = 0; offset < raw.size(); offset += bytesPerLine) {
        if (offset > 0)
            out += '\n';
        for (int shift = 28; shift >= 0; shift -= 4)
            out += kHex[(quint64(offset) >> shift) & 0xf];
        out += "  ";
        const qsizetype n = qMin<qsizetype>(bytesPerLine, raw.size() - offset);
        for (qsizetype i = 0; i < bytesPerLine; ++i) {
            if (i < n) {
                out += kHex[bytes[offset + i] >> 4];
                out += kHex[bytes[offset + i] & 0xf];
                out += ' ';
            } else {
                out += "   ";
            }
        }
        out += " |";
        for (qsizetype i = 0; i < n; ++i) {
            const unsigned char c = bytes[offset + i];
            out += (c >= 0x20 && c < 0x7f) ? char(c) : '.';
        }
        out += '|';
    }
    return QString::fromLatin1(out);
}

namespace {

// Diagnostic notation straight from the byte stream, so indefinite lengths, float widths and
// the part before a decoding error survive (QCborValue would lose all three). Built as a tree
// first, so the layout (one line or indented) is decided once per node: linear in the input.
class DiagnosticWriter
{
public:
    explicit DiagnosticWriter(const QByteArray &raw)
        : m_reader(raw)
    {
    }

    struct Node
    {
        enum Kind { Scalar, Array, Map, Tag } kind = Scalar;
        QString text; // the scalar, or the tag number
        bool indefinite = false;
        std::vector<Node> children; // array items; map keys and values alternating; the tagged item
        qsizetype width = 0;        // on one line
        bool breaks = false;        // needs several lines
    };

    static constexpr qsizetype kLineWidth = 72;

    bool read(Node &node, int depth);
    static void render(QString &out, const Node &node, int level);

    QCborStreamReader m_reader;
    QString m_error;

private:
    bool fail()
    {
        if (m_error.isEmpty()) {
            const QCborError error = m_reader.lastError();
            m_error = QCoreApplication::translate("codecs", "Invalid CBOR at byte %1: %2")
                          .arg(m_reader.currentOffset())
                          .arg(error == QCborError::NoError ? QCoreApplication::translate("codecs", "unexpected end of data")
                                                            : error.toString());
        }
        return false;
    }
    bool tooDeep()
    {
        m_error = QCoreApplication::translate("codecs", "Invalid CBOR at byte %1: nested deeper than %2 levels")
                      .arg(m_reader.currentOffset())
                      .arg(detail::kMaxNesting);
        return false;
    }
    bool container(Node &node, int depth);
    bool chunks(Node &node, bool bytes);
    static void layout(Node &node);
};

bool DiagnosticWriter::chunks(Node &node, bool bytes)
{
    const bool indefinite = !m_reader.isLengthKnown();
    QStringList parts;
    while (true) {
        if (bytes) {
            auto r = m_reader.readByteArray();
            if (r.status == QCborStreamReader::Error)
                return fail();
            if (r.status == QCborStreamReader::EndOfString)
                break;
            parts << QStringLiteral("h'%1'").arg(QString::fromLatin1(r.data.toHex()));
        } else {
            auto r = m_reader.readString();
            if (r.status == QCborStreamReader::Error)
                return fail();
            if (r.status == QCborStreamReader::EndOfString)
                break;
            QString quoted;
            detail::appendQuoted(quoted, r.data);
            parts << quoted;
        }
    }
    if (m_reader.lastError() != QCborError::NoError)
        return fail();
    if (indefinite)
        node.text = QStringLiteral("(_ %1)").arg(parts.join(QLatin1String(", ")));
    else if (parts.isEmpty())
        node.text = bytes ? QStringLiteral("h''") : QStringLiteral("\"\"");
    else
        node.text = parts.join(QString());
    node.width = node.text.size();
    return true;
}

void DiagnosticWriter::layout(Node &node)
{
    switch (node.kind) {
    case Node::Scalar:
        node.width = node.text.size();
        node.breaks = false;
        return;
    case Node::Tag:
        node.width = node.text.size() + 2 + (node.children.empty() ? 0 : node.children.front().width);
        node.breaks = !node.children.empty() && node.children.front().breaks;
        return;
    case Node::Array:
    case Node::Map: {
        qsizetype width = 2 + (node.indefinite ? 2 : 0);
        bool breaks = false;
        for (size_t i = 0; i < node.children.size(); ++i) {
            const Node &child = node.children[i];
            breaks = breaks || child.breaks;
            width += child.width;
            // ", " between entries, ": " between a key and its value
            if (i + 1 < node.children.size())
                width += 2;
        }
        node.width = width;
        node.breaks = breaks || width > kLineWidth;
        return;
    }
    }
}

bool DiagnosticWriter::container(Node &node, int depth)
{
    if (depth >= detail::kMaxNesting)
        return tooDeep();
    node.indefinite = !m_reader.isLengthKnown();
    if (!m_reader.enterContainer())
        return fail();
    while (m_reader.hasNext()) {
        node.children.emplace_back();
        if (!read(node.children.back(), depth + 1))
            return false;
        if (node.kind == Node::Map) {
            if (!m_reader.hasNext()) {
                m_error = QCoreApplication::translate("codecs", "Invalid CBOR at byte %1: map key without a value")
                              .arg(m_reader.currentOffset());
                return false;
            }
            node.children.emplace_back();
            if (!read(node.children.back(), depth + 1))
                return false;
        }
    }
    if (m_reader.lastError() != QCborError::NoError)
        return fail();
    if (!m_reader.leaveContainer())
        return fail();
    return true;
}

bool DiagnosticWriter::read(Node &node, int depth)
{
    bool ok = true;
    if (m_reader.lastError() != QCborError::NoError)
        return fail();
    switch (m_reader.type()) {
    case QCborStreamReader::UnsignedInteger:
        node.text = QString::number(m_reader.toUnsignedInteger());
        ok = m_reader.next();
        break;
    case QCborStreamReader::NegativeInteger: {
        // CBOR stores -1 - n; QCborNegativeInteger holds the magnitude, 0 standing for -2^64.
        const quint64 magnitude = quint64(m_reader.toNegativeInteger());
        node.text = magnitude == 0 ? QStringLiteral("-18446744073709551616") : QLatin1Char('-') + QString::number(magnitude);
        ok = m_reader.next();
        break;
    }
    case QCborStreamReader::ByteArray:
        ok = chunks(node, true);
        break;
    case QCborStreamReader::String:
        ok = chunks(node, false);
        break;
    case QCborStreamReader::Array:
        node.kind = Node::Array;
        ok = container(node, depth);
        break;
    case QCborStreamReader::Map:
        node.kind = Node::Map;
        ok = container(node, depth);
        break;
    case QCborStreamReader::Tag:
        if (depth >= detail::kMaxNesting)
            return tooDeep();
        node.kind = Node::Tag;
        node.text = QString::number(quint64(m_reader.toTag()));
        if (!m_reader.next())
            return fail();
        node.children.emplace_back();
        ok = read(node.children.back(), depth + 1);
        break;
    case QCborStreamReader::SimpleType: {
        const QCborSimpleType simple = m_reader.toSimpleType();
        switch (simple) {
        case QCborSimpleType::False:
            node.text = QStringLiteral("false");
            break;
        case QCborSimpleType::True:
            node.text = QStringLiteral("true");
            break;
        case QCborSimpleType::Null:
            node.text = QStringLiteral("null");
            break;
        case QCborSimpleType::Undefined:
            node.text = QStringLiteral("undefined");
            break;
        default:
            node.text = QStringLiteral("simple(%1)").arg(int(simple));
        }
        ok = m_reader.next();
        break;
    }
    case QCborStreamReader::Float16:
        node.text = detail::formatDouble(double(float(m_reader.toFloat16())));
        ok = m_reader.next();
        break;
    case QCborStreamReader::Float:
        node.text = detail::formatDouble(double(m_reader.toFloat()));
        ok = m_reader.next();
        break;
    case QCborStreamReader::Double:
        node.text = detail::formatDouble(m_reader.toDouble());
        ok = m_reader.next();
        break;
    case QCborStreamReader::Invalid:
    default:
        return fail();
    }
    // Laid out even when incomplete: the part before an error is still shown.
    layout(node);
    if (!ok)
        return m_error.isEmpty() ? fail() : false;
    return true;
}

void DiagnosticWriter::render(QString &out, const Node &node, int level)
{
    switch (node.kind) {
    case Node::Scalar:
        out += node.text;
        return;
    case Node::Tag:
        out += node.text;
        out += QLatin1Char('(');
        if (!node.children.empty())
            render(out, node.children.front(), level);
        out += QLatin1Char(')');
        return;
    case Node::Array:
    case Node::Map:
        break;
    }
    const bool isMap = node.kind == Node::Map;
    out += isMap ? QLatin1Char('{') : QLatin1Char('[');
    if (node.indefinite)
        out += node.breaks ? QLatin1String("_") : QLatin1String("_ ");
    const size_t step = isMap ? 2 : 1;
    for (size_t i = 0; i < node.children.size(); i += step) {
        if (i > 0)
            out += node.breaks ? QLatin1String(",") : QLatin1String(", ");
        if (node.breaks) {
            out += QLatin1Char('\n');
            out += QString(qsizetype(level + 1) * 2, QLatin1Char(' '));
        }
        render(out, node.children[i], level + 1);
        if (isMap && i + 1 < node.children.size()) {
            out += QLatin1String(": ");
            render(out, node.children[i + 1], level + 1);
        }
    }
    if (node.breaks) {
        out += QLatin1Char('\n');
        out += QString(qsizetype(level) * 2, QLatin1Char(' '));
    }
    out += isMap ? QLatin1Char('}') : QLatin1Char(']');
}

} // namespace

QString cborDiagnostic(const QByteArray &raw, QString *error)
{
    if (error)
        error->clear();
    if (raw.isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("codecs", "Invalid CBOR: no data");
        return {};
    }
    DiagnosticWriter writer(raw);
    DiagnosticWriter::Node root;
    bool ok = false;
    try {
        ok = writer.read(root, 0);
    } catch (const std::exception &e) {
        writer.m_error = QCoreApplication::translate("codecs", "Cannot decode: %1").arg(QString::fromUtf8(e.what()));
    }
    QString text;
    DiagnosticWriter::render(text, root, 0);
    if (!ok) {
        if (error)
            *error = writer.m_error;
        return text;
    }
    const qint64 end = writer.m_reader.currentOffset();
    if (end < raw.size() && error) {
        *error = QCoreApplication::translate("codecs", "Invalid CBOR: %n trailing byte(s) after the data item at byte %1",
                                             nullptr, int(raw.size() - end))
                     .arg(end);
    }
    return text;
}

QString prettyText(const Value &value)
{
    switch (value.kind()) {
    case ValueKind::None:
        return {};
    case ValueKind::Error: {
        // Show the bytes as they came: as text when they are text, else as hex.
        bool control = false;
        if (detail::findInvalidUtf8(value.raw.constData(), value.raw.size(), &control) < 0 && !control)
            return QString::fromUtf8(value.raw);
        return hexView(value.raw);
    }
    case ValueKind::Number:
        if (value.decoded.isInteger())
            return QString::number(value.decoded.toInteger());
        return QString::number(value.decoded.toDouble(), 'g', QLocale::FloatingPointShortest);
    case ValueKind::Bool:
        return value.decoded.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case ValueKind::String:
        return value.decoded.toString();
    case ValueKind::Binary:
        return hexView(value.decoded.isByteArray() ? value.decoded.toByteArray() : value.raw);
    case ValueKind::Structure:
        break;
    }
    const Format *format = formatByNumber(value.contentFormat);
    if (format && (format->kind == Kind::Cbor || format->kind == Kind::SenmlCbor) && !value.raw.isEmpty()) {
        QString error;
        const QString text = cborDiagnostic(value.raw, &error);
        if (error.isEmpty())
            return text;
    }
    if (value.decoded.isTag())
        return value.decoded.toDiagnosticNotation(QCborValue::LineWrapped);
    return detail::toJsonText(value.decoded, 2);
}

} // namespace thingscape::codecs
