#pragma once

#include <QExplicitlySharedDataPointer>
#include <QHash>
#include <QSharedData>
#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

enum class Protocol {
    Mqtt,
    Coap,
    Http,
};

QString protocolName(Protocol protocol);

// The name of every resource: a normalised URI. Hosts are lower case, IPv6 literals
// are bracketed, the port is always explicit, the path is percent-encoded.
// For MQTT the topic is the path without its first slash ('#' is written as %23).
class ResourceId
{
public:
    ResourceId() = default;

    // Parses and normalises; on failure returns nullopt and says why in *error.
    static std::optional<ResourceId> parse(const QString &uri, QString *error = nullptr);
    // Builds from parts; path is decoded (not percent-encoded) and starts with '/' or is empty.
    static ResourceId fromParts(const QString &scheme, const QString &host, quint16 port,
                                const QString &path, const QString &query = {});
    static ResourceId fromTopic(const ResourceId &endpoint, const QString &topic);
    static quint16 defaultPort(const QString &scheme);
    static bool isKnownScheme(const QString &scheme);

    bool isValid() const { return d && !d->scheme.isEmpty(); }
    const QString &scheme() const { return d ? d->scheme : emptyString(); }
    Protocol protocol() const;
    bool isSecure() const;
    const QString &host() const { return d ? d->host : emptyString(); }
    quint16 port() const { return d ? d->port : 0; }
    QString path() const;                                // decoded
    const QString &query() const { return d ? d->query : emptyString(); } // as given, without '?'
    QString topic() const;                               // MQTT: decoded path without the first '/'
    QStringList pathSegments() const;                    // MQTT: topic levels; others: path segments
    ResourceId endpoint() const;                         // scheme://host:port
    QString endpointUri() const;                         // the same, as text
    QString hostPort() const;                            // host:port, IPv6 bracketed
    QString toString() const { return m_uri; }
    const QString &uri() const { return m_uri; }      // the same, without a copy
    bool isEndpoint() const;
    ResourceId child(const QString &segment) const;      // appends "/segment"
    bool startsWith(const ResourceId &prefix) const;

    friend bool operator==(const ResourceId &a, const ResourceId &b) { return a.m_uri == b.m_uri; }
    friend bool operator!=(const ResourceId &a, const ResourceId &b) { return a.m_uri != b.m_uri; }
    friend bool operator<(const ResourceId &a, const ResourceId &b) { return a.m_uri < b.m_uri; }

    // The decoded path, as a view into the URI where it reads there as it is (valid while this
    // id lives): path() without a copy.
    QStringView pathView() const;

private:
    // What the URI text does not say plainly: shared by every id of one endpoint whose path
    // reads in the URI as it is (most MQTT topics), so an id costs its URI text and 32 bytes.
    struct Parts : QSharedData
    {
        QString scheme;
        QString host;
        QString query;
        QString path;          // only when ownPath
        quint16 port = 0;
        quint16 pathStart = 0; // where the path starts in the URI (when !ownPath)
        bool ownPath = false;  // the decoded path differs from the URI's path text
    };

    static const QString &emptyString();
    static ResourceId build(const QString &scheme, const QString &host, quint16 port, const QString &path,
                            const QString &query, const Parts *share);
    QExplicitlySharedDataPointer<Parts> d;
    QString m_uri;
};

inline size_t qHash(const ResourceId &id, size_t seed = 0) noexcept
{
    return qHash(id.toString(), seed);
}

} // namespace thingscape

template<>
struct std::hash<thingscape::ResourceId>
{
    size_t operator()(const thingscape::ResourceId &id) const noexcept { return qHash(id.toString()); }
};
