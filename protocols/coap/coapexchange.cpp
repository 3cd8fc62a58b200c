#include "coapexchange.h"

namespace thingscape {

CoapExchange::CoapExchange(QObject *parent)
    : QObject(parent)
{
}

CoapExchange::~CoapExchange() = default;

void CoapExchange::finish(const CoapExchangeResult &outcome)
{
    if (m_done)
        return;
    m_done = true;
    m_outcome = outcome;
    Q_EMIT finished();
}

} // namespace thingscape
