#pragma once

#include "coapexchange.h"
#include "coapmessage.h"
#include "model/endpointconfig.h"
#include "model/resourceid.h"
#include "protocols/connector.h"

#include <QCoro/QCoroTask>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <chrono>
#include <memory>
#include <unordered_map>

struct coap_context_t;
struct coap_session_t;
struct coap_pdu_t;

class QSocketNotifier;
class QTimer;

namespace thingscape {

struct CoapContextDeleter
{
    void operator()(coap_context_t *context) const;
};

struct CoapSessionDeleter
{
    void operator()(coap_session_t *session) const;
};

using CoapContextPtr = std::unique_ptr<coap_context_t, CoapContextDeleter>;
using CoapSessionPtr = std::unique_ptr<coap_session_t, CoapSessionDeleter>;

// Owns one libcoap context and its client sessions (one per remote endpoint), and drives
// them non-blocking from the Qt event loop: a QSocketNotifier on the context's epoll fd,
// plus a single-shot timer armed with the next retransmission / housekeeping deadline that
// coap_io_prepare_epoll() reports. libcoap callbacks only copy what arrived into a queue;
// dispatch() hands it out after coap_io_process() has returned, so slots and coroutines
// never run inside the library.
class CoapContext : public QObject
{
    Q_OBJECT

public:
    explicit CoapContext(const EndpointConfig &config, QObject *parent = nullptr);
    ~CoapContext() override;

    // Creates the libcoap context, notifier and timer in the calling thread (lazily, so the
    // owner may be moved to another thread first). Idempotent.
    bool start(QString *error);
    void stop();
    bool isStarted() const { return m_context != nullptr; }

    // One request / response. The target's host must be an address literal or resolvable.
    QCoro::Task<CoapExchangeResult> request(ResourceId target, CoapRequest request,
                                            std::chrono::milliseconds timeout);

    // Requests whose responses keep coming (observe registrations, multicast): every
    // response goes out through responseReceived(token, ...), failures through
    // requestFailed(token, ...). Returns the token, or empty with *error set.
    // address: the target's resolved host (null: the host must be an address literal);
    // interfaceName: the network interface for multicast.
    QByteArray send(const ResourceId &target, const CoapRequest &request, Result *error,
                    const QHostAddress &address = {}, const QString &interfaceName = {});
    // Stops handing out responses for the token (later notifications are answered with RST).
    void forget(const QByteArray &token);
    // Deregisters an observation at the server (GET with Observe: 1) and forgets the token.
    // confirmable = false when many go at once (NSTART would queue them behind each other).
    void cancelObserve(const ResourceId &target, const QByteArray &token, bool confirmable = true);
    // Drops the session to an endpoint, so the next request starts afresh (new DTLS handshake).
    void closeSession(const ResourceId &endpoint);

    // The failure for a request that got no answer within timeout: a DTLS handshake that never
    // completed is reported as such (a server drops records it cannot decrypt, so a wrong
    // pre-shared key shows up as silence, not as an alert).
    Result timeoutResult(const ResourceId &target, std::chrono::milliseconds timeout) const;

    // Resolves host names without blocking the event loop.
    static QCoro::Task<std::optional<QHostAddress>> resolve(QString host, QString *error);

    // The RFC 7252 transmission parameters derived from EndpointConfig::requestTimeoutMs.
    int maxRetransmit() const { return m_maxRetransmit; }
    double ackTimeoutSeconds() const { return m_ackTimeoutSeconds; }

Q_SIGNALS:
    void responseReceived(const QByteArray &token, const thingscape::CoapResponse &response);
    void requestFailed(const QByteArray &token, thingscape::ErrorKind kind, const QString &error);
    // A session to the endpoint failed or closed (DTLS error, ICMP); its requests are failed too.
    void sessionFailed(const QString &endpoint, thingscape::ErrorKind kind, const QString &error);

private:
    struct Arrival
    {
        QByteArray token;
        CoapResponse response;
    };
    struct Failure
    {
        QByteArray token;
        QString endpoint;
        int reason = 0;
        bool sessionEvent = false;
    };

    friend struct CoapCallbacks;

    coap_session_t *session(const ResourceId &endpoint, const QHostAddress &address, const QString &interfaceName,
                            Result *error);
    coap_pdu_t *buildPdu(coap_session_t *session, const CoapRequest &request, QByteArray *token, Result *error);
    void process();
    void rearm();
    void scheduleDispatch();
    void dispatch();
    void fail(const QByteArray &token, ErrorKind kind, const QString &error);
    QString failureText(const QString &endpoint, int reason, ErrorKind *kind) const;
    QString endpointOf(coap_session_t *session) const;

    EndpointConfig m_config;
    CoapContextPtr m_context;
    // Sessions are released before the context (see stop()).
    std::unordered_map<QString, CoapSessionPtr> m_sessions;
    QHash<coap_session_t *, QString> m_sessionNames;
    QSet<coap_session_t *> m_multicastSessions;
    QSet<QString> m_deadSessions;
    QHash<QByteArray, QPointer<CoapExchange>> m_exchanges;
    QHash<QByteArray, QString> m_tokenEndpoints;
    QSet<QByteArray> m_streams;
    QList<Arrival> m_arrivals;
    QList<Failure> m_failures;
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::unique_ptr<QTimer> m_timer;
    bool m_dispatchScheduled = false;
    bool m_inProcess = false;
    int m_maxRetransmit = 4;
    double m_ackTimeoutSeconds = 2.0;
    QByteArray m_pskIdentity; // kept alive for libcoap during session setup
    QByteArray m_caFile;
    QByteArray m_certFile;
    QByteArray m_keyFile;
    QByteArray m_sni;
};

} // namespace thingscape
