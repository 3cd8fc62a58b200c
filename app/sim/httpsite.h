#pragma once

#include <QHash>
#include <QHttpServer>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "protocols/http/sseserver.h"

class QHttpServerRequest;
class QHttpServerResponse;

namespace thingscape::sim {

class DeviceModel;

// The site's HTTP devices as W3C Web of Things Things: Thing Descriptions (TD 1.1) at
// /.well-known/wot and /things, properties, actions, and events over SSE (served by
// SseServer on a second port).
class HttpSite : public QObject
{
    Q_OBJECT

public:
    HttpSite(const std::vector<DeviceModel *> &models, QObject *parent = nullptr);
    ~HttpSite() override;

    bool start(quint16 port, QString *error);
    quint16 port() const { return m_port; }
    quint16 ssePort() const { return m_sse.port(); }

    // Fast tick: measurement events (and threshold crossings) to SSE subscribers.
    void publishEvents();

private:
    enum class Kind {
        Lamp,
        AirQuality,
    };
    struct Thing
    {
        Kind kind;
        int model;
        QString id;
        bool co2High = false;
        int co2Threshold = 1000;
    };

    QJsonObject thingDescription(const Thing &thing) const;
    QJsonObject property(const Thing &thing, const QString &name, QJsonObject schema, bool writable) const;
    QJsonObject event(const Thing &thing, const QString &name, const QString &title, QJsonObject data) const;
    QString href(const Thing &thing, const QString &path) const;
    std::optional<QJsonValue> readProperty(const Thing &thing, const QString &name) const;
    // Empty on success, else why the value was refused.
    std::optional<QString> writeProperty(Thing &thing, const QString &name, const QJsonValue &value);
    QJsonObject invokeAction(Thing &thing, const QString &name);
    void emitEvent(const Thing &thing, const QString &name, const QJsonObject &data);

    QHttpServerResponse serveProperty(const QString &id, const QString &name, const QHttpServerRequest &request);
    QHttpServerResponse serveAction(const QString &id, const QString &name, const QHttpServerRequest &request);

    std::vector<DeviceModel *> m_models;   // Not owned.
    std::vector<Thing> m_things;
    QHash<QString, int> m_thingIndex;
    QHttpServer m_server;
    thingscape::SseServer m_sse;
    quint16 m_port = 0;
};

} // namespace thingscape::sim
