#include "coapexchange.h"

#include "protocols/wakeup.h"

#include <QDeadlineTimer>

#include <algorithm>

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

QCoro::Task<> CoapExchange::waitUntilDone(std::chrono::milliseconds timeout)
{
    // The project's one primitive for waiting with a timeout: QCoro 0.8's qCoro(signal, timeout)
    // resumes through a queued call that can run after the frame it resumes has gone.
    Wakeup wakeup;
    connect(this, &CoapExchange::finished, &wakeup, &Wakeup::notify);
    const QDeadlineTimer deadline(timeout);
    while (!m_done && !deadline.hasExpired()) {
        const std::chrono::milliseconds left(std::max<qint64>(1, deadline.remainingTime()));
        co_await wakeup.wait(left);
    }
}

} // namespace thingscape
