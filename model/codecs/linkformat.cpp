#include "linkformat.h"

#include <QCborMap>
#include <QCoreApplication>
#include <QStringDecoder>
#include <QUrl>

#include <cstring>
#include <limits>

namespace thingscape::codecs {

namespace {

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isAlphaDigit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 6690 section 2: parmname
bool isParmnameChar(char c)
{
    return isAlphaDigit(c) || (c != 0 && std::strchr("!#$&+-.^_`|~", c) != nullptr);
}

// RFC 6690 section 2: ptokenchar
bool isPtokenChar(char c)
{
    return isAlphaDigit(c) || (c != 0 && std::strchr("!#$%&'()*+-./:<=>?@[]^_`{|}~", c) != nullptr);
}

// What was found where something else was expected: a quoted character, or a byte in hex
// when it would not print (payload text must never carry control characters into the UI).
QString found(const char *data, qsizetype size, qsizetype pos)
{
    if (pos >= size)
        return QCoreApplication::translate("codecs", "the end");
    const unsigned char c = static_cast<unsigned char>(data[pos]);
    if (c >= 0x20 && c < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(char(c)));
    return QCoreApplication::translate("codecs", "byte 0x%1").arg(int(c), 2, 16, QLatin1Char('0'));
}

// RFC 6690 cardinal = "0" / %x31-39 *DIGIT
std::optional<qint64> parseCardinal(QStringView text, qint64 max)
{
    if (text.isEmpty() || (text.size() > 1 && text.front() == QLatin1Char('0')) || text.size() > 18)
        return std::nullopt;
    qint64 value = 0;
    for (const QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
        value = value * 10 + (c.unicode() - '0');
    }
    if (value > max)
        return std::nullopt;
    return value;
}

// RFC 5987 ext-value: charset "'" [ language ] "'" value-chars
std::optional<QString> decodeExtValue(const QString &text)
{
    const qsizetype first = text.indexOf(QLatin1Char('\''));
    const qsizetype second = first >= 0 ? text.indexOf(QLatin1Char('\''), first + 1) : -1;
    if (second < 0)
        return std::nullopt;
    const QString charset = text.left(first).toLower();
    const QByteArray encoded = text.mid(second + 1).toLatin1();
    for (const char c : encoded) {
        if (!isAlphaDigit(c) && !std::strchr("!#$&+-.^_`|~%", c))
            return std::nullopt;
    }
    const QByteArray bytes = QByteArray::fromPercentEncoding(encoded);
    if (charset == QLatin1String("utf-8")) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString decoded = decoder(bytes);
        if (decoder.hasError())
            return std::nullopt;
        return decoded;
    }
    if (charset == QLatin1String("iso-8859-1"))
        return QString::fromLatin1(bytes);
    return std::nullopt;
}

class Parser
{
public:
    explicit Parser(const QByteArray &raw)
        : m_data(raw.constData())
        , m_size(raw.size())
    {
    }

    std::optional<QList<Link>> parse();
    QString m_error;

private:
    bool atEnd() const { return m_pos >= m_size; }
    char peek() const { return m_pos < m_size ? m_data[m_pos] : '\0'; }
    void skipWhitespace()
    {
        while (m_pos < m_size && isWhitespace(m_data[m_pos]))
            ++m_pos;
    }
    bool fail(qsizetype at, const QString &problem)
    {
        m_error = QCoreApplication::translate("codecs", "Invalid link format at byte %1: %2").arg(at).arg(problem);
        return false;
    }
    bool link(Link &out);
    bool param(Link &out);
    bool quotedString(QByteArray &out);
    bool apply(Link &out, const QString &name, const QString &value, bool hasValue, qsizetype at);

    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
};

bool Parser::quotedString(QByteArray &out)
{
    const qsizetype start = m_pos;
    ++m_pos; // opening quote
    while (m_pos < m_size) {
        const char c = m_data[m_pos];
        if (c == '"') {
            ++m_pos;
            return true;
        }
        if (c == '\\') {
            if (m_pos + 1 >= m_size)
                break;
            out += m_data[m_pos + 1];
            m_pos += 2;
            continue;
        }
        out += c;
        ++m_pos;
    }
    return fail(start, QCoreApplication::translate("codecs", "unterminated quoted string"));
}

bool Parser::apply(Link &out, const QString &name, const QString &value, bool hasValue, qsizetype at)
{
    const auto words = [&value] { return value.split(QLatin1Char(' '), Qt::SkipEmptyParts); };
    if (name == QLatin1String("rt")) {
        out.resourceTypes += words();
    } else if (name == QLatin1String("if")) {
        out.interfaces += words();
    } else if (name == QLatin1String("rel")) {
        out.rel += words();
    } else if (name == QLatin1String("anchor")) {
        out.anchor = value;
    } else if (name == QLatin1String("title")) {
        out.title = value;
    } else if (name == QLatin1String("title*")) {
        const auto decoded = decodeExtValue(value);
        if (!decoded)
            return fail(at, QCoreApplication::translate("codecs", "bad title* value \"%1\"").arg(value));
        out.titleStar = *decoded;
    } else if (name == QLatin1String("obs")) {
        out.observable = true;
    } else if (name == QLatin1String("ct")) {
        // RFC 7252 7.2.1: one Content-Format number, or several space-separated ones in quotes.
        const QStringList numbers = words();
        QList<int> formats;
        QString bad;
        for (const QString &number : numbers) {
            const auto ct = parseCardinal(number, 65535);
            if (!ct) {
                bad = number;
                break;
            }
            formats.append(int(*ct));
        }
        if (!hasValue || numbers.isEmpty())
            out.problems << QCoreApplication::translate("codecs", "<%1>: ct without a value ignored").arg(out.target);
        else if (!bad.isNull())
            out.problems << QCoreApplication::translate("codecs",
                                                        "<%1>: ct ignored: \"%2\" is no number 0-65535")
                                .arg(out.target, bad);
        else
            out.contentFormats += formats;
    } else if (name == QLatin1String("sz")) {
        const auto size = parseCardinal(value, std::numeric_limits<qint64>::max());
        if (size)
            out.size = *size;
        else
            out.problems << QCoreApplication::translate("codecs", "<%1>: sz ignored: \"%2\" is no size in bytes")
                                .arg(out.target, value.left(40));
    }
    // Equal keys keep the order they came in.
    out.attributes.insert(out.attributes.upperBound(name), name, value);
    return true;
}

bool Parser::param(Link &out)
{
    const qsizetype start = m_pos;
    while (m_pos < m_size && isParmnameChar(m_data[m_pos]))
        ++m_pos;
    if (m_pos == start)
        return fail(m_pos, QCoreApplication::translate("codecs", "expected an attribute name, found %1")
                               .arg(found(m_data, m_size, m_pos)));
    // Attribute names are case-insensitive (RFC 8288 3).
    QString name = QString::fromLatin1(m_data + start, m_pos - start).toLower();
    if (peek() == '*') {
        name += QLatin1Char('*');
        ++m_pos;
    }
    skipWhitespace();
    QByteArray value;
    bool hasValue = false;
    if (peek() == '=') {
        hasValue = true;
        ++m_pos;
        skipWhitespace();
        if (peek() == '"') {
            if (!quotedString(value))
                return false;
        } else {
            const qsizetype valueStart = m_pos;
            while (m_pos < m_size && isPtokenChar(m_data[m_pos]))
                ++m_pos;
            if (m_pos == valueStart)
                return fail(m_pos, QCoreApplication::translate("codecs", "expected a value for \"%1\"").arg(name));
            value = QByteArray(m_data + valueStart, m_pos - valueStart);
        }
    }
    return apply(out, name, QString::fromUtf8(value), hasValue, start);
}

bool Parser::link(Link &out)
{
    if (peek() != '<')
        return fail(m_pos, QCoreApplication::translate("codecs", "expected '<', found %1").arg(found(m_data, m_size, m_pos)));
    const qsizetype start = m_pos;
    qsizetype end = start + 1;
    while (end < m_size && m_data[end] != '>') {
        // A URI-reference has neither blanks nor '<': a missing '>' shows itself here at the latest.
        if (m_data[end] == '<' || isWhitespace(m_data[end]) || m_data[end] == '"')
            return fail(start, QCoreApplication::translate("codecs", "link target not closed with '>'"));
        ++end;
    }
    if (end >= m_size)
        return fail(start, QCoreApplication::translate("codecs", "link target not closed with '>'"));
    out.target = QString::fromUtf8(m_data + start + 1, end - start - 1);
    m_pos = end + 1;
    skipWhitespace();
    while (peek() == ';') {
        ++m_pos;
        skipWhitespace();
        if (!param(out))
            return false;
        skipWhitespace();
    }
    return true;
}

std::optional<QList<Link>> Parser::parse()
{
    QList<Link> links;
    skipWhitespace();
    if (atEnd())
        return links;
    while (true) {
        Link l;
        if (!link(l))
            return std::nullopt;
        links.append(std::move(l));
        if (atEnd())
            return links;
        if (peek() != ',') {
            fail(m_pos, QCoreApplication::translate("codecs", "expected ',' or ';', found %1").arg(found(m_data, m_size, m_pos)));
            return std::nullopt;
        }
        ++m_pos;
        skipWhitespace();
    }
}

void appendQuotedValue(QByteArray &out, const QString &value)
{
    out += '"';
    for (const char c : value.toUtf8()) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
}

bool isPtoken(const QByteArray &value)
{
    if (value.isEmpty())
        return false;
    for (const char c : value) {
        if (!isPtokenChar(c))
            return false;
    }
    return true;
}

bool isTypedAttribute(const QString &name)
{
    static const char *const typed[] = {"anchor", "rel", "rt", "if", "ct", "sz", "obs", "title", "title*"};
    for (const char *t : typed) {
        if (name == QLatin1String(t))
            return true;
    }
    return false;
}

} // namespace

std::optional<QList<Link>> parseLinkFormat(const QByteArray &raw, QString *error)
{
    Parser parser(raw);
    auto links = parser.parse();
    if (error)
        *error = parser.m_error;
    return links;
}

QByteArray serialiseLinkFormat(const QList<Link> &links)
{
    QByteArray out;
    for (const Link &link : links) {
        if (!out.isEmpty())
            out += ',';
        out += '<';
        out += link.target.toUtf8();
        out += '>';
        if (!link.anchor.isEmpty()) {
            out += ";anchor=";
            appendQuotedValue(out, link.anchor);
        }
        if (!link.rel.isEmpty()) {
            out += ";rel=";
            appendQuotedValue(out, link.rel.join(QLatin1Char(' ')));
        }
        if (!link.resourceTypes.isEmpty()) {
            out += ";rt=";
            appendQuotedValue(out, link.resourceTypes.join(QLatin1Char(' ')));
        }
        if (!link.interfaces.isEmpty()) {
            out += ";if=";
            appendQuotedValue(out, link.interfaces.join(QLatin1Char(' ')));
        }
        if (link.contentFormats.size() == 1) {
            out += ";ct=" + QByteArray::number(link.contentFormats.first());
        } else if (link.contentFormats.size() > 1) {
            QStringList numbers;
            for (const int ct : link.contentFormats)
                numbers << QString::number(ct);
            out += ";ct=";
            appendQuotedValue(out, numbers.join(QLatin1Char(' ')));
        }
        if (link.size)
            out += ";sz=" + QByteArray::number(*link.size);
        if (link.observable)
            out += ";obs";
        if (!link.title.isEmpty()) {
            out += ";title=";
            appendQuotedValue(out, link.title);
        }
        if (!link.titleStar.isEmpty())
            out += ";title*=UTF-8''" + link.titleStar.toUtf8().toPercentEncoding();
        for (auto it = link.attributes.constBegin(); it != link.attributes.constEnd(); ++it) {
            if (isTypedAttribute(it.key()))
                continue;
            out += ';';
            out += it.key().toUtf8();
            if (it.value().isEmpty())
                continue;
            out += '=';
            const QByteArray value = it.value().toUtf8();
            if (isPtoken(value))
                out += value;
            else
                appendQuotedValue(out, it.value());
        }
    }
    return out;
}

QCborArray linksToCbor(const QList<Link> &links)
{
    QCborArray array;
    for (const Link &link : links) {
        QCborMap map;
        map.insert(QLatin1String("href"), link.target);
        for (auto it = link.attributes.constBegin(); it != link.attributes.constEnd();) {
            const QString key = it.key();
            QCborArray values;
            for (; it != link.attributes.constEnd() && it.key() == key; ++it)
                values.append(it.value().isEmpty() ? QCborValue(true) : QCborValue(it.value()));
            map.insert(key, values.size() == 1 ? values.at(0) : QCborValue(values));
        }
        array.append(map);
    }
    return array;
}

QString resolveLinkTarget(const QString &baseUri, const Link &link)
{
    // RFC 6690 2.1: the context is the anchor when there is one, else the origin (scheme and
    // authority) of the URI the document was fetched from; the target is resolved against it.
    const QUrl base(baseUri);
    QUrl context;
    if (!link.anchor.isEmpty()) {
        context = base.resolved(QUrl(link.anchor));
    } else {
        context = base;
        context.setPath(QStringLiteral("/"));
        context.setQuery(QString());
        context.setFragment(QString());
    }
    return context.resolved(QUrl(link.target)).toString();
}

} // namespace thingscape::codecs
