#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <vector>

struct coap_context_t;
struct coap_resource_t;
struct coap_session_t;
struct coap_pdu_t;
struct coap_string_t;
class QSocketNotifier;

namespace thingscape::sim {

class DeviceModel;

// The site's CoAP server: an in-process libcoap context on 127.0.0.1 (UDP), driven by
// the Qt event loop. Observable sensors, a SenML energy meter, writable actuators, a
// resource large enough to need block-wise transfer, and registration in a Resource
// Directory.
class CoapSite : public QObject
{
    Q_OBJECT

public:
    CoapSite(const std::vector<DeviceModel *> &models, QObject *parent = nullptr);
    ~CoapSite() override;

    // Binds 127.0.0.1:port (0 = a free port); false with *error set on failure.
    bool start(quint16 port, QString *error);
    quint16 port() const { return m_port; }

    // Fast tick: notifies observers of every sensor whose value changed.
    void notifyChanged();
    // Slow tick: appends to the history log.
    void recordHistory();
    // POSTs the link-format to <rd>/rd?ep=...&base=... (RFC 9176); result on stderr.
    void registerWithDirectory(const QString &rdUrl);

    // The site's links, as /.well-known/core serves them.
    QByteArray linkFormat() const;

signals:
    void registered(const QString &location);
    void registrationFailed(const QString &reason);

private:
    enum class Kind {
        Temperature,
        Humidity,
        Door,
        Energy,
        Light,
        Valve,
        History,
    };
    struct Entry
    {
        CoapSite *site;   // Not owned.
        coap_resource_t *resource;   // Not owned: the context owns its resources.
        Kind kind;
        int model;
        QByteArray path;
        QList<std::pair<QByteArray, QByteArray>> attributes;
        bool observable;
        QByteArray lastValue;
    };
    struct ContextDeleter
    {
        void operator()(coap_context_t *context) const;
    };

    static void handleGet(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
                          const coap_string_t *query, coap_pdu_t *response);
    static void handlePut(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
                          const coap_string_t *query, coap_pdu_t *response);

    void addResource(Kind kind, int model, const QByteArray &path,
                     const QList<std::pair<QByteArray, QByteArray>> &attributes, bool observable, bool writable);
    QByteArray render(const Entry &entry, int accept, quint16 *mediaType) const;
    bool applyWrite(const Entry &entry, const QByteArray &body);
    void handleRegistrationResponse(const coap_pdu_t *received);
    void processIo();

    std::vector<DeviceModel *> m_models;   // Not owned.
    std::vector<std::unique_ptr<Entry>> m_entries;
    QList<QByteArray> m_history;
    std::unique_ptr<coap_context_t, ContextDeleter> m_context;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QTimer m_ioTimer;
    quint16 m_port = 0;
    coap_session_t *m_rdSession = nullptr;   // Not owned: released with the context.
    QString m_rdUrl;
};

} // namespace thingscape::sim
