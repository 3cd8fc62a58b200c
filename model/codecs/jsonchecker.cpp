#include "jsonchecker.h"

#include <array>
#include <cctype>
#include <cstring>

namespace thingscape::codecs {

JsonChecker::JsonChecker(QByteArrayView bytes, int maxNesting)
    : m_p(bytes.data())
    , m_end(bytes.data() + bytes.size())
    , m_maxNesting(maxNesting)
{
}

bool JsonChecker::document()
{
    space();
    if (!value(0))
        return false;
    space();
    return m_p == m_end;
}

bool JsonChecker::numberOnly()
{
    return number() && m_p == m_end;
}

inline void JsonChecker::space()
{
    while (m_p < m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
        ++m_p;
}

bool JsonChecker::literal(const char *word)
{
    for (; *word; ++word, ++m_p) {
        if (m_p >= m_end || *m_p != *word)
            return false;
    }
    return true;
}

namespace {

bool digit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

inline bool JsonChecker::digits()
{
    if (m_p >= m_end || !digit(*m_p))
        return false;
    while (m_p < m_end && digit(*m_p))
        ++m_p;
    return true;
}

bool JsonChecker::number()
{
    if (m_p < m_end && *m_p == '-')
        ++m_p;
    if (m_p >= m_end)
        return false;
    if (*m_p == '0')
        ++m_p;
    else if (!digits())
        return false;
    if (m_p < m_end && *m_p == '.') {
        ++m_p;
        if (!digits())
            return false;
    }
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
        ++m_p;
        if (m_p < m_end && (*m_p == '+' || *m_p == '-'))
            ++m_p;
        if (!digits())
            return false;
    }
    return true;
}

namespace {

// The bytes a string's loop must stop at: the closing quote, an escape, a control character.
constexpr std::array<bool, 256> kStringStops = [] {
    std::array<bool, 256> stops{};
    for (int c = 0; c < 0x20; ++c)
        stops[size_t(c)] = true;
    stops['"'] = true;
    stops['\\'] = true;
    return stops;
}();

} // namespace

bool JsonChecker::string()
{
    ++m_p; // the opening quote
    while (m_p < m_end) {
        while (m_p < m_end && !kStringStops[uchar(*m_p)])
            ++m_p;
        if (m_p >= m_end)
            break;
        const char c = *m_p++;
        if (c == '"')
            return true;
        if (uchar(c) < 0x20)
            return false;
        if (c == '\\') {
            if (m_p >= m_end)
                return false;
            const char e = *m_p++;
            if (e == 'u') {
                for (int i = 0; i < 4; ++i, ++m_p) {
                    if (m_p >= m_end || !std::isxdigit(uchar(*m_p)))
                        return false;
                }
            } else if (e == '\0' || !std::strchr("\"\\/bfnrt", e)) {
                return false;
            }
        }
    }
    return false;
}

// An object (close '}': members "key": value) or an array (close ']': values), after its
// opening bracket.
bool JsonChecker::container(int depth, char close)
{
    ++m_p;
    space();
    if (m_p < m_end && *m_p == close) {
        ++m_p;
        return true;
    }
    while (true) {
        space();
        if (close == '}') {
            if (m_p >= m_end || *m_p != '"' || !string())
                return false;
            space();
            if (m_p >= m_end || *m_p++ != ':')
                return false;
            space();
        }
        if (!value(depth + 1))
            return false;
        space();
        if (m_p >= m_end)
            return false;
        const char c = *m_p++;
        if (c == close)
            return true;
        if (c != ',')
            return false;
    }
}

// depth: how many containers enclose this value.
bool JsonChecker::value(int depth)
{
    if (m_p >= m_end)
        return false;
    switch (*m_p) {
    case '{':
        return depth < m_maxNesting && container(depth, '}');
    case '[':
        return depth < m_maxNesting && container(depth, ']');
    case '"':
        return string();
    case 't':
        return literal("true");
    case 'f':
        return literal("false");
    case 'n':
        return literal("null");
    default:
        return number();
    }
}

} // namespace thingscape::codecs
