#pragma once

#include <QByteArray>
#include <QCborArray>
#include <QList>
#include <QMultiMap>
#include <QString>
#include <QStringList>

#include <optional>

// CoRE Link Format (RFC 6690).
namespace thingscape::codecs {

struct Link
{
    QString target;                 // the URI-reference as written between < >
    QString anchor;
    QStringList rel;                // space-separated relation types
    QStringList resourceTypes;      // rt: space-separated, repeated rt parameters accumulate
    QStringList interfaces;         // if: likewise
    QList<int> contentFormats;      // ct: one number or a quoted list "0 40"
    bool observable = false;        // obs
    std::optional<qint64> size;     // sz
    QString title;
    QString titleStar;              // title* (RFC 5987 ext-value), decoded
    // Every attribute, extensions included, by lower-case name (repeated ones in the order they
    // came); values unquoted and unescaped, title* as written; no value maps to an empty string.
    QMultiMap<QString, QString> attributes;
    // Attribute values that were ignored (a sz or ct that is no number in range): one bad
    // value loses that attribute, not the link or the document.
    QStringList problems;

    friend bool operator==(const Link &, const Link &) = default;
};

// Returns nullopt and sets *error (naming the byte position) on a syntax error. A bad sz / ct
// value is no syntax error: it is left out of the typed fields and named in Link::problems.
std::optional<QList<Link>> parseLinkFormat(const QByteArray &raw, QString *error = nullptr);
// The inverse of parseLinkFormat: the typed fields for the attributes they cover, the
// attributes map for the others (extensions, rev, hreflang, media, type...).
QByteArray serialiseLinkFormat(const QList<Link> &links);
// The links as CBOR / JSON data (draft-ietf-core-links-json): one map per link with "href" and
// the attributes; valueless ones are true, repeated ones an array.
QCborArray linksToCbor(const QList<Link> &links);
// The link target as an absolute URI (RFC 3986 section 5 resolution). Its base is the link's
// context (RFC 6690 section 2.1): the anchor, itself resolved against baseUri (the URI the
// document was fetched from), or without an anchor the origin (scheme and authority) of baseUri.
QString resolveLinkTarget(const QString &baseUri, const Link &link);

} // namespace thingscape::codecs
