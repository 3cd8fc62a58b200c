#include "resourceid.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <QCoreApplication>
#include <QUrl>

namespace thingscape {

namespace {

const char *const kKnownSchemes[] = {"mqtt", "mqtts", "coap", "coaps", "http", "https"};

QString tr(const char *text)
{
    return QCoreApplication::translate("ResourceId", text);
}

bool isHostChar(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
        || c == QLatin1Char('-') || c == QLatin1Char('.') || c == QLatin1Char('_') || c == QLatin1Char('~');
}

bool isIpv6Char(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('f')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
        || c == QLatin1Char(':') || c == QLatin1Char('.');
}

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= '0' && u <= '9')
        return u - '0';
    if (u >= 'a' && u <= 'f')
        return u - 'a' + 10;
    if (u >= 'A' && u <= 'F')
        return u - 'A' + 10;
    return -1;
}

// Decodes %XX sequences into UTF-8; fails on a broken escape or invalid UTF-8.
std::optional<QString> percentDecode(QStringView text, qsizetype offset, QString *error)
{
    if (!text.contains(QLatin1Char('%')))
        return text.toString();
    QByteArray bytes;
    bytes.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c != QLatin1Char('%')) {
            bytes += QString(c).toUtf8();
            continue;
        }
        const int hi = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            if (error)
                *error = tr("bad percent-encoding at position %1: '%' must be followed by two hex digits")
                             .arg(offset + i + 1);
            return std::nullopt;
        }
        bytes += char(hi * 16 + lo);
        i += 2;
    }
    QString decoded = QString::fromUtf8(bytes);
    if (decoded.toUtf8() != bytes) {
        if (error)
            *error = tr("the percent-encoded path is not valid UTF-8");
        return std::nullopt;
    }
    return decoded;
}

// What a path keeps as it is in a URI: unreserved characters, sub-delims, ':', '@' and '/'.
constexpr auto kPlainPathChars = [] {
    std::array<bool, 128> table{};
    for (char c = 'a'; c <= 'z'; ++c)
        table[size_t(c)] = true;
    for (char c = 'A'; c <= 'Z'; ++c)
        table[size_t(c)] = true;
    for (char c = '0'; c <= '9'; ++c)
        table[size_t(c)] = true;
    for (const char c : std::string_view("-._~!$&'()*+,;=:@/"))
        table[size_t(c)] = true;
    return table;
}();

bool isPlainPathChar(QChar ch)
{
    const char16_t c = ch.unicode();
    return c < 128 && kPlainPathChars[c];
}

QString removeDotSegments(const QString &path)
{
    if (!path.contains(QLatin1Char('.')))
        return path;
    const QStringList in = path.split(QLatin1Char('/'));
    QStringList out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QString &seg = in[i];
        const bool last = i == in.size() - 1;
        if (seg == QLatin1String(".")) {
            if (last)
                out << QString();
            continue;
        }
        if (seg == QLatin1String("..")) {
            if (out.size() > 1)
                out.removeLast();
            if (last)
                out << QString();
            continue;
        }
        out << seg;
    }
    return out.join(QLatin1Char('/'));
}

} // namespace

QString protocolName(Protocol protocol)
{
    switch (protocol) {
    case Protocol::Mqtt:
        return QStringLiteral("mqtt");
    case Protocol::Coap:
        return QStringLiteral("coap");
    case Protocol::Http:
        return QStringLiteral("http");
    }
    return {};
}

quint16 ResourceId::defaultPort(const QString &scheme)
{
    if (scheme == QLatin1String("mqtt"))
        return 1883;
    if (scheme == QLatin1String("mqtts"))
        return 8883;
    if (scheme == QLatin1String("coap"))
        return 5683;
    if (scheme == QLatin1String("coaps"))
        return 5684;
    if (scheme == QLatin1String("http"))
        return 80;
    if (scheme == QLatin1String("https"))
        return 443;
    return 0;
}

bool ResourceId::isKnownScheme(const QString &scheme)
{
    for (const char *known : kKnownSchemes) {
        if (scheme == QLatin1String(known))
            return true;
    }
    return false;
}

std::optional<ResourceId> ResourceId::parse(const QString &input, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<ResourceId> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QString uri = input.trimmed();
    if (uri.isEmpty())
        return fail(tr("the URI is empty"));
    const qsizetype schemeEnd = uri.indexOf(QLatin1String("://"));
    if (schemeEnd <= 0)
        return fail(tr("'%1' has no scheme: write it as mqtt://, coap:// or http:// (or mqtts, coaps, https)")
                        .arg(uri));
    struct
    {
        QString m_scheme;
        QString m_host;
        quint16 m_port = 0;
        QString m_path;
        QString m_query;
        Protocol protocol() const
        {
            return m_scheme.startsWith(QLatin1String("mqtt")) ? Protocol::Mqtt
                : m_scheme.startsWith(QLatin1String("coap")) ? Protocol::Coap
                                                               : Protocol::Http;
        }
    } id;
    id.m_scheme = uri.left(schemeEnd).toLower();
    if (!isKnownScheme(id.m_scheme))
        return fail(tr("unknown scheme '%1': expected one of mqtt, mqtts, coap, coaps, http, https")
                        .arg(uri.left(schemeEnd)));

    const qsizetype authorityStart = schemeEnd + 3;
    qsizetype authorityEnd = authorityStart;
    while (authorityEnd < uri.size() && uri[authorityEnd] != QLatin1Char('/') && uri[authorityEnd] != QLatin1Char('?')
           && uri[authorityEnd] != QLatin1Char('#'))
        ++authorityEnd;
    QString authority = uri.mid(authorityStart, authorityEnd - authorityStart);
    if (authority.contains(QLatin1Char('@')))
        return fail(tr("'%1' holds credentials: give the user name and password in the connection settings, "
                       "not in the URI")
                        .arg(uri));
    if (authority.isEmpty())
        return fail(tr("'%1' has no host").arg(uri));

    QString portText;
    if (authority.startsWith(QLatin1Char('['))) {
        const qsizetype close = authority.indexOf(QLatin1Char(']'));
        if (close < 0)
            return fail(tr("the IPv6 address in '%1' has no closing ']'").arg(uri));
        id.m_host = authority.mid(1, close - 1).toLower().replace(QLatin1String("%25"), QLatin1String("%"));
        // A zone id ("%25eth0") is kept as written after the '%'.
        const qsizetype zone = id.m_host.indexOf(QLatin1Char('%'));
        const QString address = zone >= 0 ? id.m_host.left(zone) : id.m_host;
        if (address.isEmpty() || !address.contains(QLatin1Char(':'))
            || !std::all_of(address.begin(), address.end(), isIpv6Char))
            return fail(tr("'%1' is not a valid IPv6 address").arg(address));
        const QString rest = authority.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':')))
                return fail(tr("unexpected text '%1' after the IPv6 address").arg(rest));
            portText = rest.mid(1);
        }
    } else {
        const qsizetype colon = authority.lastIndexOf(QLatin1Char(':'));
        if (colon >= 0) {
            if (authority.indexOf(QLatin1Char(':')) != colon)
                return fail(tr("'%1' looks like an IPv6 address: write it in brackets, like [%1]").arg(authority));
            portText = authority.mid(colon + 1);
            authority.truncate(colon);
        }
        id.m_host = authority.toLower();
        if (id.m_host.isEmpty())
            return fail(tr("'%1' has no host").arg(uri));
        for (QChar c : std::as_const(id.m_host)) {
            if (!isHostChar(c))
                return fail(tr("the host '%1' contains the character '%2', which is not allowed in a host name")
                                .arg(authority, c));
        }
    }
    if (portText.isEmpty()) {
        id.m_port = defaultPort(id.m_scheme);
    } else {
        bool ok = false;
        const uint port = portText.toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return fail(tr("'%1' is not a valid port: expected a number from 1 to 65535").arg(portText));
        id.m_port = quint16(port);
    }

    const bool mqtt = id.protocol() == Protocol::Mqtt;
    qsizetype pathEnd = authorityEnd;
    // In an MQTT URI a raw '#' is taken literally, as the multi-level wildcard people type.
    while (pathEnd < uri.size() && uri[pathEnd] != QLatin1Char('?') && (mqtt || uri[pathEnd] != QLatin1Char('#')))
        ++pathEnd;
    const auto path = percentDecode(QStringView(uri).mid(authorityEnd, pathEnd - authorityEnd), authorityEnd, error);
    if (!path)
        return std::nullopt;
    id.m_path = mqtt ? *path : removeDotSegments(*path);
    if (pathEnd < uri.size() && uri[pathEnd] == QLatin1Char('?')) {
        qsizetype queryEnd = uri.indexOf(QLatin1Char('#'), pathEnd);
        if (queryEnd < 0)
            queryEnd = uri.size();
        id.m_query = uri.mid(pathEnd + 1, queryEnd - pathEnd - 1);
        if (mqtt && !id.m_query.isEmpty())
            return fail(tr("an MQTT topic cannot hold a raw '?': write it as %3F"));
    }
    ResourceId built = build(id.m_scheme, id.m_host, id.m_port, id.m_path, id.m_query, nullptr);
    // An encoded '/' is data inside one segment (coap://h/a%2Fb is the one Uri-Path option
    // "a/b"): the URI keeps it encoded, so it names another resource than /a/b.
    const QString rawPath = uri.mid(authorityEnd, pathEnd - authorityEnd);
    if (!mqtt && rawPath.contains(QLatin1String("%2f"), Qt::CaseInsensitive)) {
        QStringList segments = rawPath.split(QLatin1Char('/'));
        if (!segments.contains(QLatin1String(".")) && !segments.contains(QLatin1String(".."))) {
            for (QString &segment : segments)
                segment = QString::fromLatin1(
                    QUrl::toPercentEncoding(QUrl::fromPercentEncoding(segment.toUtf8()), "!$&'()*+,;=:@"));
            const QString plainPath = QString::fromLatin1(QUrl::toPercentEncoding(id.m_path, "!$&'()*+,;=:@/"));
            const qsizetype tail = plainPath.size() + (id.m_query.isEmpty() ? 0 : id.m_query.size() + 1);
            built.m_uri = built.m_uri.left(built.m_uri.size() - tail) + segments.join(QLatin1Char('/'))
                + (id.m_query.isEmpty() ? QString() : QLatin1Char('?') + id.m_query);
            // The URI's path text now differs from the decoded path: keep that apart.
            built.d->path = id.m_path;
            built.d->ownPath = true;
        }
    }
    return built;
}

ResourceId ResourceId::fromParts(const QString &scheme, const QString &host, quint16 port, const QString &path,
                                 const QString &query)
{
    QString lowerScheme = scheme.toLower();
    QString lowerHost = host.toLower();
    if (lowerHost.startsWith(QLatin1Char('[')) && lowerHost.endsWith(QLatin1Char(']')))
        lowerHost = lowerHost.mid(1, lowerHost.size() - 2);
    return build(lowerScheme, lowerHost, port ? port : defaultPort(lowerScheme), path, query, nullptr);
}

ResourceId ResourceId::fromTopic(const ResourceId &endpoint, const QString &topic)
{
    // Once per topic (a million at discovery): most topics need no encoding, so the URI is the
    // endpoint's own "scheme://host:port", '/' and the topic, copied into one allocation, and the
    // id shares the endpoint's parts. This is what build() makes of them, without its appends.
    const Parts *parts = endpoint.d.data();
    if (parts && !parts->ownPath && parts->query.isEmpty() && parts->pathStart > 0
        && std::all_of(topic.begin(), topic.end(), isPlainPathChar)) {
        const qsizetype prefix = parts->pathStart;
        ResourceId id;
        id.m_uri = QString(prefix + 1 + topic.size(), Qt::Uninitialized);
        QChar *out = id.m_uri.data();
        std::copy_n(endpoint.m_uri.constData(), prefix, out);
        out[prefix] = QLatin1Char('/');
        std::copy_n(topic.constData(), topic.size(), out + prefix + 1);
        id.d = endpoint.d;
        return id;
    }
    return build(endpoint.scheme(), endpoint.host(), endpoint.port(), QLatin1Char('/') + topic, {},
                 endpoint.d.data());
}

const QString &ResourceId::emptyString()
{
    static const QString empty;
    return empty;
}

ResourceId ResourceId::build(const QString &scheme, const QString &host, quint16 port, const QString &path,
                             const QString &query, const Parts *share)
{
    ResourceId id;
    QString hostText = host;
    if (hostText.contains(QLatin1Char('%')))
        hostText.replace(QLatin1Char('%'), QLatin1String("%25"));
    const bool v6 = host.contains(QLatin1Char(':'));
    const QString prefix = scheme + QLatin1String("://") + (v6 ? QLatin1Char('[') + hostText + QLatin1Char(']') : hostText)
        + QLatin1Char(':') + QString::number(port);
    // Once per new topic on a broker (a million at discovery): most paths need no
    // percent-encoding, so skip QUrl's encoder for them.
    const QString encoded = std::all_of(path.begin(), path.end(), isPlainPathChar)
        ? path
        : QString::fromLatin1(QUrl::toPercentEncoding(path, "!$&'()*+,;=:@/"));
    id.m_uri = prefix + encoded;
    if (!query.isEmpty())
        id.m_uri += QLatin1Char('?') + query;
    const bool ownPath = encoded != path || prefix.size() > 0xffff;
    const quint16 pathStart = ownPath ? 0 : quint16(prefix.size());
    if (share && !ownPath && query.isEmpty() && !share->ownPath && share->query.isEmpty() && share->port == port
        && share->pathStart == pathStart && share->scheme == scheme && share->host == host) {
        id.d = QExplicitlySharedDataPointer<Parts>(const_cast<Parts *>(share));
        return id;
    }
    auto *parts = new Parts;
    parts->scheme = scheme;
    parts->host = host;
    parts->query = query;
    parts->port = port;
    parts->pathStart = pathStart;
    if (ownPath) {
        parts->path = path;
        parts->ownPath = true;
    }
    id.d = QExplicitlySharedDataPointer<Parts>(parts);
    return id;
}

QStringView ResourceId::pathView() const
{
    if (!d)
        return {};
    if (d->ownPath)
        return d->path;
    const qsizetype tail = d->query.isEmpty() ? 0 : d->query.size() + 1;
    return QStringView(m_uri).mid(d->pathStart, m_uri.size() - d->pathStart - tail);
}

namespace {

// The text from offset to its end, sharing its buffer (a Qt 6 string may start inside another's
// allocation): no copy. Only a tail, so it ends with the text's own terminating NUL.
QString sharedTail(const QString &text, qsizetype offset)
{
    if (offset <= 0)
        return text;
    if (offset >= text.size())
        return QString();
    QString::DataPointer tail = text.data_ptr(); // takes a reference
    tail.ptr += offset;
    tail.size -= offset;
    return QString(std::move(tail));
}

} // namespace

QString ResourceId::path() const
{
    if (d && d->ownPath)
        return d->path;
    // Most ids (every plain MQTT topic): the path is the URI's tail, shared, not copied, so whoever
    // keeps it (the tree's keys) costs no string per resource.
    if (d && d->query.isEmpty())
        return sharedTail(m_uri, d->pathStart);
    return pathView().toString();
}

bool ResourceId::isEndpoint() const
{
    const QStringView path = pathView();
    return path.isEmpty() || path == QLatin1String("/");
}

Protocol ResourceId::protocol() const
{
    const QString &text = scheme();
    if (text.startsWith(QLatin1String("mqtt")))
        return Protocol::Mqtt;
    if (text.startsWith(QLatin1String("coap")))
        return Protocol::Coap;
    return Protocol::Http;
}

bool ResourceId::isSecure() const
{
    return scheme().endsWith(QLatin1Char('s'));
}

QString ResourceId::topic() const
{
    if (d && !d->ownPath && d->query.isEmpty())
        return d->pathStart + 1 < m_uri.size() ? sharedTail(m_uri, d->pathStart + 1) : QString();
    const QStringView path = pathView();
    return path.isEmpty() ? QString() : path.mid(1).toString();
}

QStringList ResourceId::pathSegments() const
{
    const QStringView path = pathView();
    if (path.isEmpty() || path == QLatin1String("/"))
        return {};
    QStringList segments;
    for (const QStringView segment : path.mid(1).tokenize(QLatin1Char('/')))
        segments.append(segment.toString());
    if (protocol() == Protocol::Mqtt)
        return segments;
    if (!segments.isEmpty() && segments.last().isEmpty())
        segments.removeLast();
    return segments;
}

ResourceId ResourceId::endpoint() const
{
    return build(scheme(), host(), port(), {}, {}, d.data());
}

QString ResourceId::hostPort() const
{
    const QString &name = host();
    const bool v6 = name.contains(QLatin1Char(':'));
    return (v6 ? QLatin1Char('[') + name + QLatin1Char(']') : name) + QLatin1Char(':') + QString::number(port());
}

QString ResourceId::endpointUri() const
{
    return scheme() + QLatin1String("://") + hostPort();
}

ResourceId ResourceId::child(const QString &segment) const
{
    QString base = path();
    if (base.endsWith(QLatin1Char('/')) && protocol() != Protocol::Mqtt)
        base.chop(1);
    return build(scheme(), host(), port(), base + QLatin1Char('/') + segment, {}, d.data());
}

bool ResourceId::startsWith(const ResourceId &prefix) const
{
    return m_uri.startsWith(prefix.m_uri);
}

} // namespace thingscape
