#pragma once

#include "protocols/coap/coapserver.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

struct coap_session_t;
struct coap_pdu_t;

namespace thingscape::sim {

class DeviceModel;

// The site's CoAP server: a CoapServer on 127.0.0.1 (UDP), driven by the Qt event loop. Observable sensors, a SenML energy meter, writable actuators, a
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
        Kind kind;
        int model;
        QByteArray path; // with the leading '/'
        QList<std::pair<QByteArray, QByteArray>> attributes;
        bool observable;
        QByteArray lastValue;
    };

    thingscape::CoapServerReply handleGet(const Entry &entry, const thingscape::CoapServerRequest &request) const;
    thingscape::CoapServerReply handlePut(Entry &entry, const thingscape::CoapServerRequest &request);

    void addResource(Kind kind, int model, const QByteArray &path,
                     const QList<std::pair<QByteArray, QByteArray>> &attributes, bool observable, bool writable);
    QByteArray render(const Entry &entry, int accept, quint16 *mediaType) const;
    bool applyWrite(const Entry &entry, const QByteArray &body);
    std::vector<DeviceModel *> m_models;   // Not owned.
    std::vector<std::unique_ptr<Entry>> m_entries;
    QList<QByteArray> m_history;
    thingscape::CoapServer m_server;
    quint16 m_port = 0;
    coap_session_t *m_rdSession = nullptr;   // Not owned: released with the server's context.
    QString m_rdUrl;
};

} // namespace thingscape::sim
