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

namespace thingscape {

class CoapIo;

// A Block2 (RFC 7959) response larger than this is refused: a server that always says "more"
// would otherwise be fetched from without end. EndpointConfig may lower or raise it per
// endpoint (see CoapContext::setMaxBodyBytes).
inline constexpr qint64 kDefaultCoapMaxBodyBytes = 16 * 1024 * 1024;
// And at most this many blocks, whatever their size (16-byte blocks would make 16 MiB a
// million round trips).
inline constexpr int kDefaultCoapMaxBlocks = 65536;

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

// Owns one libcoap context and its client sessions (one per remote endpoint), driven
// non-blocking from the Qt event loop by a CoapIo. libcoap callbacks only copy what arrived
// into a queue; dispatch() hands it out after coap_io_process() has returned, so slots and
// coroutines never run inside the library. Block-wise (Block2) bodies are assembled here,
// bounded in size and block count.
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
    // interfaceName: the network interface for multicast; reuseToken: send under this token of
    // an earlier send() (an observation registered again, RFC 7641 3.3.1): late answers to the
    // earlier request still count, and libcoap drops what it kept for it instead of keeping
    // both (a new token per re-registration left one entry behind each time).
    QByteArray send(const ResourceId &target, const CoapRequest &request, Result *error,
                    const QHostAddress &address = {}, const QString &interfaceName = {},
                    const QByteArray &reuseToken = {});
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

    // Bounds on one block-wise response (bytes, blocks); beyond them the transfer is stopped
    // with an error naming the resource.
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = std::max<qint64>(1, bytes); }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    void setMaxBlocks(int blocks) { m_maxBlocks = std::max(1, blocks); }

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
        QString text; // when set: the error, as is (a stopped block-wise transfer)
    };
    // A Block2 response being assembled (libcoap hands out every block).
    struct Transfer
    {
        coap_session_t *session = nullptr; // Not owned.
        CoapResponse first;                // options of block 0
        QByteArray body;
        int blocks = 0;
        int blockSize = 0;
        std::optional<qint64> size2;       // the total the server announced
        bool stopped = false;
    };

    friend struct CoapCallbacks;

    coap_session_t *session(const ResourceId &endpoint, const QHostAddress &address, const QString &interfaceName,
                            Result *error);
    // *token: when not empty, the token to use; else a new one is made and stored there.
    coap_pdu_t *buildPdu(coap_session_t *session, const CoapRequest &request, QByteArray *token, Result *error);
    void process();
    void rearm();
    void setTransmission(coap_session_t *session, std::chrono::milliseconds budget);
    QString progressText(const Transfer &transfer) const;
    // libcoap 4.3.1 cannot cancel one block-wise transfer: the context goes, and with it
    // every request in flight, which fail with error (observations register again).
    void reset(const QString &error);
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
    QHash<QByteArray, QString> m_tokenTargets; // request(): the resource, for error texts
    QSet<QByteArray> m_streams;
    // NON requests by message id: libcoap tells no nack handler of a RST to a NON message
    // (nothing of it is queued), only its log; takeResets() matches them after each round.
    QHash<quint16, QByteArray> m_nonRequests;
    void takeResets();
    QList<Arrival> m_arrivals;
    QList<Failure> m_failures;
    QHash<QByteArray, Transfer> m_transfers;
    std::unique_ptr<CoapIo> m_io; // destroyed before the context (see stop())
    bool m_dispatchScheduled = false;
    qint64 m_maxBodyBytes = kDefaultCoapMaxBodyBytes;
    int m_maxBlocks = kDefaultCoapMaxBlocks;
    int m_maxRetransmit = 4;
    double m_ackTimeoutSeconds = 2.0;
    QByteArray m_pskIdentity; // kept alive for libcoap during session setup
    QByteArray m_caFile;
    QByteArray m_certFile;
    QByteArray m_keyFile;
    QByteArray m_sni;
};

} // namespace thingscape
