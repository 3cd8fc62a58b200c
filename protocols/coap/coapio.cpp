#include "coapio.h"

#include <coap3/coap.h>

#include <QSocketNotifier>
#include <QTimer>

#include <poll.h>

#include <algorithm>

namespace thingscape {

CoapIo::CoapIo(coap_context_t *context, QObject *parent)
    : QObject(parent)
    , m_context(context)
{
    const int fd = coap_context_get_coap_fd(m_context);
    if (fd >= 0) {
        m_notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
        connect(m_notifier.get(), &QSocketNotifier::activated, this, &CoapIo::process);
    }
    m_timer = std::make_unique<QTimer>();
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer.get(), &QTimer::timeout, this, &CoapIo::process);
    // Without an epoll fd (other builds) the timer alone polls.
    m_timer->start(fd >= 0 ? 1000 : 10);
}

CoapIo::~CoapIo() = default;

void CoapIo::process()
{
    if (m_inProcess)
        return;
    m_inProcess = true;
    // libcoap reads one datagram per ready socket and call: drain what is queued now (bounded,
    // so a flood cannot starve the event loop) instead of one datagram per event-loop turn.
    const int fd = coap_context_get_coap_fd(m_context);
    for (int round = 0; round < 64; ++round) {
        coap_io_process(m_context, COAP_IO_NO_WAIT);
        if (fd < 0)
            break;
        pollfd pending{fd, POLLIN, 0};
        if (::poll(&pending, 1, 0) <= 0)
            break;
    }
    m_inProcess = false;
    rearm();
    Q_EMIT processed();
}

void CoapIo::rearm()
{
    coap_tick_t now;
    coap_ticks(&now);
    const unsigned int next = coap_io_prepare_epoll(m_context, now);
    const bool polling = coap_context_get_coap_fd(m_context) < 0;
    // The epoll fd also carries libcoap's timerfd, so this timer is a safety net and the
    // housekeeping tick for session timeouts.
    const unsigned int ceiling = polling ? 10u : 1000u;
    m_timer->start(next == 0 ? int(ceiling) : int(std::clamp(next, 1u, ceiling)));
}

} // namespace thingscape
