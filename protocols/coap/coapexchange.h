#pragma once

#include "coapmessage.h"
#include "protocols/connector.h"

#include <QCoro/QCoroTask>
#include <QObject>

#include <chrono>

namespace thingscape {

// The outcome of one request: a response (which may itself be a 4.xx/5.xx), or a failure
// to get one (timeout, unreachable, DTLS).
struct CoapExchangeResult
{
    Result result;
    CoapResponse response;
};

// One outstanding request, owned by the coroutine that awaits it; CoapContext finishes it
// from its dispatch step (never from inside a libcoap callback).
class CoapExchange : public QObject
{
    Q_OBJECT

public:
    explicit CoapExchange(QObject *parent = nullptr);
    ~CoapExchange() override;

    const CoapExchangeResult &outcome() const { return m_outcome; }
    bool isDone() const { return m_done; }
    void finish(const CoapExchangeResult &outcome);
    // Resumes once it is done or timeout has passed, whichever comes first (exactly once, even
    // when both fall due in the same turn). The awaiting coroutine owns the exchange.
    QCoro::Task<> waitUntilDone(std::chrono::milliseconds timeout);

Q_SIGNALS:
    void finished();

private:
    CoapExchangeResult m_outcome;
    bool m_done = false;
};

} // namespace thingscape
