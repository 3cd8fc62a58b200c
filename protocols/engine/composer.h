#pragma once

#include "composeresponse.h"

#include "model/composerequest.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <unordered_map>

namespace thingscape {

class ComposeHistory;
class Connector;
class Engine;
class EndpointManager;

// Sends composed requests to any URI, whether or not an endpoint of the workspace carries it
// (the compose panel, and anything else that needs "exactly this request"): CoAP and HTTP go
// through the endpoint that carries the target (its credentials and TLS settings), else
// through a connector of the composer's own; MQTT through a short MQTT 5 connection of its own
// (with the carrying endpoint's settings where there is one). Keeps the history and the named
// templates, in the engine's workspace under "compose". GUI-free; lives on the engine's thread.
class Composer : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(const ComposeResponse &)>;

    // engine may be null (no workspace: nothing is persisted, only own connectors are used).
    explicit Composer(Engine *engine, QObject *parent = nullptr);
    ~Composer() override;

    ComposeHistory *history() const { return m_history.get(); }

    // Sends once and adds the request to the history. Returns a ticket (> 0); done runs later,
    // on this thread, exactly once (unless cancel()led). A request that cannot be built (bad
    // URI, bad payload) is reported through done with ErrorKind::Usage.
    quint64 send(const ComposeRequest &request, Done done);
    // Sends count times (0: until stop()), one every intervalMs, each after the previous answer
    // or at its time, whichever is later (never more than one in flight). each gets every
    // response (sequence 1..count); finished runs once at the end. The history gets the request
    // once. Returns a ticket for stop().
    quint64 repeat(const ComposeRequest &request, int intervalMs, int count, Done each,
                   std::function<void()> finished = {});
    void stop(quint64 ticket);
    bool isRunning(quint64 ticket) const;

    // The request as sent on the wire, for CoAP / HTTP (options, headers); false with *error
    // when it cannot be built.
    static bool buildRaw(const ComposeRequest &request, const QByteArray &payload, int formatContentFormat,
                         RawRequest *raw, QString *error);
    // "Content-Format", "Block2"...; "Option 65000" for the rest.
    static QString coapOptionName(int number);
    // An option's value for display: numbers for uint options, text or hex for the rest.
    static QString coapOptionValue(int number, const QByteArray &value);

Q_SIGNALS:
    // Every response, of send() and repeat() alike (for views showing the last answer).
    void responded(const thingscape::ComposeRequest &request, const thingscape::ComposeResponse &response);

private:
    struct Job;

    void sendOne(const ComposeRequest &request, Done done);
    void sendRaw(const RawRequest &raw, Done done);
    void nextRepeat(quint64 ticket);
    Connector *ownConnector(const ResourceId &endpoint, QString *error);
    void loadHistory();
    void saveHistory();

    QPointer<Engine> m_engine;
    std::unique_ptr<ComposeHistory> m_history;
    // Own connectors for endpoints the workspace does not carry, by scheme://host:port.
    std::unordered_map<QString, std::unique_ptr<Connector>> m_connectors;
    QHash<quint64, std::shared_ptr<Job>> m_jobs;
    quint64 m_lastTicket = 0;
    bool m_loading = false;
    bool m_historyOnly = false; // the change is a request sent: no unsaved work by itself
};

} // namespace thingscape
