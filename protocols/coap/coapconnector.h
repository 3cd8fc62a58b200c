#pragma once

#include "coapcontext.h"
#include "coapexchange.h"
#include "coaplinks.h"
#include "coapmessage.h"
#include "protocols/connector.h"

#include <QHash>
#include <QPointer>
#include <QSet>

#include <memory>

class QTimer;

namespace thingscape {

// CoAP (RFC 7252) over UDP and DTLS with libcoap: discovery through /.well-known/core and
// Resource Directories, multicast discovery, block-wise transfers, Observe (RFC 7641) with
// re-registration, and polling for resources that are not observable.
class CoapConnector : public Connector
{
    Q_OBJECT

public:
    explicit CoapConnector(const EndpointConfig &config, QObject *parent = nullptr);
    ~CoapConnector() override;

    QCoro::Task<Result> connectToEndpoint() override;
    void disconnectFromEndpoint() override;
    QCoro::Task<Result> discover(const ResourceId &root, std::chrono::milliseconds window) override;
    QCoro::Task<ReadResult> read(const ResourceId &id, std::chrono::milliseconds timeout) override;
    QCoro::Task<Result> write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options) override;
    QCoro::Task<Result> observe(const ResourceId &id) override;
    void unobserve(const ResourceId &id) override;

    // Any CoAP request, for callers that need more than read/write (FETCH with a body, ETags).
    QCoro::Task<CoapExchangeResult> request(ResourceId id, CoapRequest request, std::chrono::milliseconds timeout);
    // The same, spelled as a request panel gives it (method name, options by number).
    QCoro::Task<RawResponse> request(const RawRequest &request) override;
    Capabilities capabilities() const override;

    // Bounds on one block-wise response; defaults kDefaultCoapMaxBodyBytes / kDefaultCoapMaxBlocks.
    // (When EndpointConfig gains a per-endpoint message limit, connectors read it here.)
    void setTransferLimits(qint64 maxBytes, int maxBlocks);

    // How often observations are checked for silence (and polls run); default 1000 ms.
    void setObserveCheckIntervalMs(int ms);
    // Silence tolerated after a notification's Max-Age before re-registering; default 5000 ms.
    void setReregisterMarginMs(int ms) { m_reregisterMarginMs = ms; }
    bool isObserving(const ResourceId &id) const;  // registered with Observe at the server
    bool isPolling(const ResourceId &id) const;
    int staleNotificationsDropped() const { return m_staleDropped; }
    int reregistrations() const { return m_reregistrations; }
    qint64 notificationsReceived() const { return m_notifications; }

    static bool isMulticast(const ResourceId &id);
    // Where multicast discovery goes when EndpointConfig::extra["interface"] does not say.
    static QString defaultMulticastInterface(const ResourceId &group);

private:
    struct Observation
    {
        ResourceId id;
        QByteArray token;
        bool polling = false;
        bool registering = false;
        bool needsRegister = false;
        std::optional<quint32> lastSeq;
        qint64 lastSeqMs = 0;
        qint64 lastNotificationMs = 0;
        quint32 maxAge = 60;
        qint64 nextAttemptMs = 0;
        bool pollInFlight = false;
        QPointer<CoapExchange> firstResponse; // owned by the registering coroutine
    };

    CoapContext *context();
    QCoro::Task<Result> registerObservation(ResourceId id, bool initial);
    QCoro::Task<> poll(ResourceId id);
    QCoro::Task<Result> discoverMulticast(ResourceId root, std::chrono::milliseconds window);
    void onResponse(const QByteArray &token, const CoapResponse &response);
    void onRequestFailed(const QByteArray &token, ErrorKind kind, const QString &error);
    void onSessionFailed(const QString &endpoint, ErrorKind kind, const QString &error);
    void handleNotification(Observation &observation, const CoapResponse &response, bool first);
    void handleMulticastResponse(const QByteArray &token, const CoapResponse &response);
    void checkObservations();
    Value postValue(const ResourceId &id, const CoapResponse &response, const QString &info);
    void postLinked(const CoapLinkedResource &resource);
    void noteReachable();
    void noteFailure(const Result &result);
    Result errorFor(const ResourceId &id, const CoapResponse &response) const;
    std::chrono::milliseconds requestTimeout() const;

    std::unique_ptr<CoapContext> m_context;
    std::unique_ptr<QTimer> m_observeTimer;
    QHash<ResourceId, Observation> m_observations;
    QHash<QByteArray, ResourceId> m_observationTokens;
    QHash<QByteArray, QSet<QString>> m_multicastResponders;
    int m_checkIntervalMs = 1000;
    int m_reregisterMarginMs = 5000;
    int m_retryIntervalMs = 2000;
    qint64 m_maxBodyBytes = kDefaultCoapMaxBodyBytes;
    int m_maxBlocks = kDefaultCoapMaxBlocks;
    int m_staleDropped = 0;
    int m_reregistrations = 0;
    qint64 m_notifications = 0;
};

} // namespace thingscape
