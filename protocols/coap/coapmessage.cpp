#include "coapmessage.h"

#include <coap3/coap.h>

#include <QUrl>

namespace thingscape {

QStringList coapPathSegments(const ResourceId &id)
{
    // ResourceId::path() is decoded as a whole; the URI keeps an encoded '/' encoded.
    const QString uri = id.toString();
    const qsizetype authority = uri.indexOf(QLatin1String("://"));
    const qsizetype start = authority < 0 ? -1 : uri.indexOf(QLatin1Char('/'), authority + 3);
    if (start < 0)
        return {};
    qsizetype end = uri.indexOf(QLatin1Char('?'), start);
    if (end < 0)
        end = uri.size();
    QStringList segments = uri.mid(start, end - start).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (QString &segment : segments)
        segment = QUrl::fromPercentEncoding(segment.toUtf8());
    return segments;
}

QString coapCodeText(int code)
{
    return QStringLiteral("%1.%2").arg(code / 100).arg(code % 100, 2, 10, QLatin1Char('0'));
}

QString coapCodeDescription(int code)
{
    const char *phrase = coap_response_phrase(static_cast<unsigned char>(COAP_RESPONSE_CODE(code)));
    const QString text = coapCodeText(code);
    return phrase ? text + QLatin1Char(' ') + QString::fromLatin1(phrase) : text;
}

} // namespace thingscape
