#include "coapmessage.h"

#include <coap3/coap.h>

namespace thingscape {

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
