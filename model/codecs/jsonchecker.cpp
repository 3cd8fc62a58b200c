#include "jsonchecker.h"

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

void JsonChecker::space()
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

bool JsonChecker::number()
{
    if (m_p < m_end && *m_p == '-')
        ++m_p;
    if (m_p >= m_end)
        return false;
    if (*m_p == '0') {
        ++m_p;
    } else if (digit(*m_p)) {
        while (m_p < m_end && digit(*m_p))
            ++m_p;
    } else {
        return false;
    }
    if (m_p < m_end && *m_p == '.') {
        ++m_p;
        if (m_p >= m_end || !digit(*m_p))
            return false;
        while (m_p < m_end && digit(*m_p))
            ++m_p;
    }
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
        ++m_p;
        if (m_p < m_end && (*m_p == '+' || *m_p == '-'))
            ++m_p;
        if (m_p >= m_end || !digit(*m_p))
            return false;
        while (m_p < m_end && digit(*m_p))
            ++m_p;
    }
    return true;
}

bool JsonChecker::string()
{
    ++m_p; // the opening quote
    while (m_p < m_end) {
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

bool JsonChecker::object(int depth)
{
    ++m_p;
    space();
    if (m_p < m_end && *m_p == '}') {
        ++m_p;
        return true;
    }
    while (true) {
        space();
        if (m_p >= m_end || *m_p != '"' || !string())
            return false;
        space();
        if (m_p >= m_end || *m_p++ != ':')
            return false;
        space();
        if (!value(depth + 1))
            return false;
        space();
        if (m_p >= m_end)
            return false;
        const char c = *m_p++;
        if (c == '}')
            return true;
        if (c != ',')
            return false;
    }
}

bool JsonChecker::array(int depth)
{
    ++m_p;
    space();
    if (m_p < m_end && *m_p == ']') {
        ++m_p;
        return true;
    }
    while (true) {
        space();
        if (!value(depth + 1))
            return false;
        space();
        if (m_p >= m_end)
            return false;
        const char c = *m_p++;
        if (c == ']')
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
        return depth < m_maxNesting && object(depth);
    case '[':
        return depth < m_maxNesting && array(depth);
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
