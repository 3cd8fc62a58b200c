#include "cbordiag.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>

#include <cmath>
#include <limits>

namespace thingscape::codecs {

namespace {

constexpr int kMaxDepth = 512;

class DiagParser
{
public:
    explicit DiagParser(const QString &text)
        : m_text(text)
    {
    }

    std::optional<QCborValue> parseAll(QString *error)
    {
        std::optional<QCborValue> value = parseValue(0);
        if (value) {
            skipSpace();
            if (m_pos < m_text.size())
                fail(QCoreApplication::translate("cbordiag", "unexpected '%1' after the value").arg(m_text.at(m_pos)));
        }
        if (!m_error.isEmpty()) {
            if (error)
                *error = QCoreApplication::translate("cbordiag", "%1 at offset %2").arg(m_error).arg(m_errorPos);
            return std::nullopt;
        }
        return value;
    }

private:
    void fail(const QString &message)
    {
        if (m_error.isEmpty()) {
            m_error = message;
            m_errorPos = m_pos;
        }
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos);
            if (c.isSpace()) {
                ++m_pos;
            } else if (c == QLatin1Char('/')) { // a comment: /.../
                const qsizetype end = m_text.indexOf(QLatin1Char('/'), m_pos + 1);
                if (end < 0) {
                    fail(QCoreApplication::translate("cbordiag", "unterminated comment"));
                    m_pos = m_text.size();
                    return;
                }
                m_pos = end + 1;
            } else {
                return;
            }
        }
    }

    bool consume(QChar c)
    {
        skipSpace();
        if (m_pos < m_text.size() && m_text.at(m_pos) == c) {
            ++m_pos;
            return true;
        }
        return false;
    }

    bool startsWith(QLatin1StringView word) const { return QStringView(m_text).mid(m_pos).startsWith(word); }

    std::optional<QString> parseString()
    {
        ++m_pos; // the opening quote
        QString out;
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos++);
            if (c == QLatin1Char('"'))
                return out;
            if (c != QLatin1Char('\\')) {
                out.append(c);
                continue;
            }
            if (m_pos >= m_text.size())
                break;
            const QChar e = m_text.at(m_pos++);
            switch (e.toLatin1()) {
            case 'n': out.append(QLatin1Char('\n')); break;
            case 't': out.append(QLatin1Char('\t')); break;
            case 'r': out.append(QLatin1Char('\r')); break;
            case 'b': out.append(QLatin1Char('\b')); break;
            case 'f': out.append(QLatin1Char('\f')); break;
            case 'u': {
                bool ok = false;
                const uint code = m_text.mid(m_pos, 4).toUInt(&ok, 16);
                if (!ok || m_pos + 4 > m_text.size()) {
                    fail(QCoreApplication::translate("cbordiag", "bad \\u escape"));
                    return std::nullopt;
                }
                out.append(QChar(char16_t(code)));
                m_pos += 4;
                break;
            }
            default: out.append(e); break;
            }
        }
        fail(QCoreApplication::translate("cbordiag", "unterminated string"));
        return std::nullopt;
    }

    std::optional<QCborValue> parseBytes(bool base64)
    {
        m_pos += base64 ? 4 : 2; // b64' or h'
        const qsizetype end = m_text.indexOf(QLatin1Char('\''), m_pos);
        if (end < 0) {
            fail(QCoreApplication::translate("cbordiag", "unterminated byte string"));
            return std::nullopt;
        }
        QByteArray body;
        for (const QChar c : QStringView(m_text).mid(m_pos, end - m_pos)) {
            if (!c.isSpace())
                body.append(c.toLatin1());
        }
        QByteArray bytes;
        if (base64) {
            auto decoded = QByteArray::fromBase64Encoding(body, QByteArray::Base64UrlEncoding);
            if (!decoded)
                decoded = QByteArray::fromBase64Encoding(body);
            if (!decoded) {
                fail(QCoreApplication::translate("cbordiag", "bad base64 in b64'...'"));
                return std::nullopt;
            }
            bytes = *decoded;
        } else {
            for (const char c : body) {
                if (!isxdigit(static_cast<unsigned char>(c))) {
                    fail(QCoreApplication::translate("cbordiag", "'%1' is not a hex digit in h'...'").arg(QChar::fromLatin1(c)));
                    return std::nullopt;
                }
            }
            if (body.size() % 2) {
                fail(QCoreApplication::translate("cbordiag", "odd number of hex digits in h'...'"));
                return std::nullopt;
            }
            bytes = QByteArray::fromHex(body);
        }
        m_pos = end + 1;
        return QCborValue(bytes);
    }

    std::optional<QCborValue> parseNumber(int depth)
    {
        const qsizetype start = m_pos;
        if (m_text.at(m_pos) == QLatin1Char('-') || m_text.at(m_pos) == QLatin1Char('+'))
            ++m_pos;
        if (startsWith(QLatin1StringView("Infinity"))) {
            m_pos += 8;
            const double inf = std::numeric_limits<double>::infinity();
            return QCborValue(m_text.at(start) == QLatin1Char('-') ? -inf : inf);
        }
        bool isFloat = false;
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos);
            if (c.isDigit()) {
                ++m_pos;
            } else if (c == QLatin1Char('.') || c == QLatin1Char('e') || c == QLatin1Char('E')
                       || ((c == QLatin1Char('-') || c == QLatin1Char('+')) && isFloat
                           && (m_text.at(m_pos - 1) == QLatin1Char('e') || m_text.at(m_pos - 1) == QLatin1Char('E')))) {
                isFloat = true;
                ++m_pos;
            } else {
                break;
            }
        }
        const QStringView number = QStringView(m_text).mid(start, m_pos - start);
        // Encoding indicators (_0.._3) say how the number was encoded; the value is the same.
        if (m_pos + 1 < m_text.size() && m_text.at(m_pos) == QLatin1Char('_') && m_text.at(m_pos + 1).isDigit())
            m_pos += 2;
        bool ok = false;
        if (!isFloat) {
            const qlonglong integer = number.toLongLong(&ok);
            if (ok) {
                skipSpace();
                if (m_pos < m_text.size() && m_text.at(m_pos) == QLatin1Char('(')) // a tag
                    return parseTag(integer, depth);
                return QCborValue(integer);
            }
        }
        const double d = number.toDouble(&ok);
        if (!ok) {
            m_pos = start;
            fail(QCoreApplication::translate("cbordiag", "'%1' is not a number").arg(number.toString()));
            return std::nullopt;
        }
        return QCborValue(d);
    }

    std::optional<QCborValue> parseTag(qlonglong tag, int depth)
    {
        ++m_pos; // '('
        if (tag < 0) {
            fail(QCoreApplication::translate("cbordiag", "a tag number cannot be negative"));
            return std::nullopt;
        }
        std::optional<QCborValue> inner = parseValue(depth + 1);
        if (!inner)
            return std::nullopt;
        if (!consume(QLatin1Char(')'))) {
            fail(QCoreApplication::translate("cbordiag", "')' expected after the tagged value"));
            return std::nullopt;
        }
        return QCborValue(QCborTag(quint64(tag)), *inner);
    }

    std::optional<QCborValue> parseValue(int depth)
    {
        if (depth > kMaxDepth) {
            fail(QCoreApplication::translate("cbordiag", "nested too deeply"));
            return std::nullopt;
        }
        skipSpace();
        if (m_pos >= m_text.size()) {
            fail(QCoreApplication::translate("cbordiag", "a value is missing"));
            return std::nullopt;
        }
        const QChar c = m_text.at(m_pos);
        if (c == QLatin1Char('"')) {
            auto s = parseString();
            if (!s)
                return std::nullopt;
            return QCborValue(*s);
        }
        if (startsWith(QLatin1StringView("h'")))
            return parseBytes(false);
        if (startsWith(QLatin1StringView("b64'")))
            return parseBytes(true);
        if (c == QLatin1Char('[')) {
            ++m_pos;
            if (consume(QLatin1Char('_'))) {} // indefinite length: same value
            QCborArray array;
            if (consume(QLatin1Char(']')))
                return QCborValue(array);
            while (true) {
                auto item = parseValue(depth + 1);
                if (!item)
                    return std::nullopt;
                array.append(*item);
                if (consume(QLatin1Char(',')))
                    continue;
                if (consume(QLatin1Char(']')))
                    return QCborValue(array);
                fail(QCoreApplication::translate("cbordiag", "',' or ']' expected in an array"));
                return std::nullopt;
            }
        }
        if (c == QLatin1Char('{')) {
            ++m_pos;
            if (consume(QLatin1Char('_'))) {}
            QCborMap map;
            if (consume(QLatin1Char('}')))
                return QCborValue(map);
            while (true) {
                auto key = parseValue(depth + 1);
                if (!key)
                    return std::nullopt;
                if (!consume(QLatin1Char(':'))) {
                    fail(QCoreApplication::translate("cbordiag", "':' expected after a map key"));
                    return std::nullopt;
                }
                auto value = parseValue(depth + 1);
                if (!value)
                    return std::nullopt;
                map.insert(*key, *value);
                if (consume(QLatin1Char(',')))
                    continue;
                if (consume(QLatin1Char('}')))
                    return QCborValue(map);
                fail(QCoreApplication::translate("cbordiag", "',' or '}' expected in a map"));
                return std::nullopt;
            }
        }
        for (const auto &[word, value] : {std::pair{QLatin1StringView("true"), QCborValue(true)},
                                          std::pair{QLatin1StringView("false"), QCborValue(false)},
                                          std::pair{QLatin1StringView("null"), QCborValue(nullptr)},
                                          std::pair{QLatin1StringView("undefined"), QCborValue()},
                                          std::pair{QLatin1StringView("NaN"), QCborValue(std::nan(""))}}) {
            if (startsWith(word)) {
                m_pos += word.size();
                return value;
            }
        }
        if (startsWith(QLatin1StringView("simple("))) {
            m_pos += 7;
            const qsizetype end = m_text.indexOf(QLatin1Char(')'), m_pos);
            bool ok = false;
            const uint n = end < 0 ? 0 : m_text.mid(m_pos, end - m_pos).trimmed().toUInt(&ok);
            if (!ok || n > 255 || (n >= 24 && n < 32)) {
                fail(QCoreApplication::translate("cbordiag", "simple(N) needs N in 0..23 or 32..255"));
                return std::nullopt;
            }
            m_pos = end + 1;
            return QCborValue(QCborSimpleType(n));
        }
        if (c.isDigit() || c == QLatin1Char('-') || c == QLatin1Char('+'))
            return parseNumber(depth);
        fail(QCoreApplication::translate("cbordiag", "unexpected '%1'").arg(c));
        return std::nullopt;
    }

    const QString &m_text;
    qsizetype m_pos = 0;
    QString m_error;
    qsizetype m_errorPos = 0;
};

} // namespace

std::optional<QCborValue> parseCborDiagnostic(const QString &text, QString *error)
{
    DiagParser parser(text);
    return parser.parseAll(error);
}

} // namespace thingscape::codecs
