#pragma once

#include <QObject>

#include <memory>

struct coap_context_t;

class QSocketNotifier;
class QTimer;

namespace thingscape {

// libcoap keeps global state (PRNG, DTLS library, log level): sets it up once per process,
// with libcoap's log going to the thingscape.coap.libcoap logging category.
void startCoapLibrary();

// Drives one libcoap context non-blocking from the Qt event loop of the thread it lives in,
// for clients and servers alike: a QSocketNotifier on coap_context_get_coap_fd() (the epoll
// fd that also carries libcoap's timerfd), plus a single-shot timer armed with the next
// retransmission / notification / housekeeping deadline that coap_io_prepare_epoll() reports.
// processed() follows every round, so owners hand out what their callbacks queued after
// libcoap has returned.
class CoapIo : public QObject
{
    Q_OBJECT

public:
    // The context is not owned and must outlive this object (destroy this first).
    explicit CoapIo(coap_context_t *context, QObject *parent = nullptr);
    ~CoapIo() override;

    // Runs libcoap now: after queueing a request, a response or an observer notification, so
    // it leaves without waiting for the next timer tick.
    void process();
    // Re-arms the timer with libcoap's next deadline (after coap_send() outside process()).
    void rearm();

Q_SIGNALS:
    void processed();

private:
    coap_context_t *m_context; // Not owned.
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::unique_ptr<QTimer> m_timer;
    bool m_inProcess = false;
};

} // namespace thingscape
