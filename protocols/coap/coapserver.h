#pragma once

#include "coapmessage.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

struct coap_context_t;
struct coap_resource_t;
struct coap_session_t;
struct coap_pdu_t;
struct coap_string_t;

namespace thingscape {

class CoapIo;

// One request as a CoapServer handler sees it.
struct CoapServerRequest
{
    CoapMethod method = CoapMethod::Get;
    QByteArray path;     // without the leading '/', as registered
    QStringList query;   // the Uri-Query options, in order
    QByteArray payload;  // the whole body (block-wise requests are assembled by libcoap)
    int contentFormat = ContentFormat::Unknown;
    int accept = ContentFormat::Unknown;
};

// What a handler answers. Payloads of any size go out block-wise (RFC 7959) as needed.
struct CoapServerReply
{
    int code = 205;      // class * 100 + detail: 205, 204, 400, 406...
    QByteArray payload;  // for an error: a diagnostic text
    int contentFormat = ContentFormat::Text;
    int maxAge = -1;     // seconds; -1: none (the default 60)
    quint64 etag = 0;    // 0: none
};

using CoapHandler = std::function<CoapServerReply(const CoapServerRequest &)>;
// Takes the answer of a deferred request, at any later time on the server's thread.
using CoapResponder = std::function<void(const CoapServerReply &)>;
// Answers at once (a reply) or later through the responder (nullopt): the client then gets an
// empty ACK now and the answer as a separate response (RFC 7252 5.2.2).
using CoapDeferredHandler = std::function<std::optional<CoapServerReply>(const CoapServerRequest &, const CoapResponder &)>;

struct CoapResourceOptions
{
    enum class Notify {
        Non,       // NON notifications, every fifth one CON (libcoap's default)
        NonAlways, // NON only: never held back behind an unacknowledged CON
        Con,       // every notification confirmable
    };
    // Link-format attributes for /.well-known/core, the value as it is to appear there
    // ("\"temperature\"", "0"); an empty value is written without '='.
    QList<std::pair<QByteArray, QByteArray>> attributes;
    bool observable = false;
    Notify notify = Notify::Non;
    std::map<CoapMethod, CoapHandler> handlers; // methods without one get 4.05
    std::map<CoapMethod, CoapDeferredHandler> deferredHandlers; // taken before handlers
};

// A CoAP server (UDP) on the Qt event loop: a libcoap context bound to one address, with
// resources answered by handler callbacks; /.well-known/core comes from their attributes.
// Used by the simulator, the test servers and the gateway. Handlers run inside libcoap's
// dispatch: they answer at once and must not call back into the server.
class CoapServer : public QObject
{
    Q_OBJECT

public:
    explicit CoapServer(QObject *parent = nullptr);
    ~CoapServer() override;

    // Binds address:port (port 0: a free one); false with *error set on failure.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_port; }
    QHostAddress address() const { return m_address; }

    // path without the leading '/'. Before or after listen().
    void addResource(const QByteArray &path, const CoapResourceOptions &options);
    // Tells the observers of path that it changed (they get a fresh GET answer).
    void notifyObservers(const QByteArray &path);

    // For requests the server makes itself (registering with a resource directory): the
    // context and its driver. Null before listen().
    coap_context_t *context() const { return m_context.get(); }
    CoapIo *io() const { return m_io.get(); }

private:
    struct Entry;
    struct ContextDeleter
    {
        void operator()(coap_context_t *context) const;
    };

    // A deferred request waiting for its answer.
    struct Waiting
    {
        coap_session_t *session = nullptr; // a reference held until answered
        QByteArray token;
    };

    void attach(Entry &entry);
    void scheduleProcess();
    void deferred(const CoapDeferredHandler &handler, const CoapServerRequest &request, coap_resource_t *resource,
                  coap_session_t *session, const coap_pdu_t *pdu, const coap_string_t *query, coap_pdu_t *response);
    void answerLater(quint64 key, const CoapServerReply &reply);
    void release(quint64 key);

    std::unique_ptr<coap_context_t, ContextDeleter> m_context;
    std::unique_ptr<CoapIo> m_io; // destroyed before the context
    std::vector<std::unique_ptr<Entry>> m_entries;
    QHash<QByteArray, Entry *> m_byPath; // Not owned: points into m_entries.
    bool m_processScheduled = false;
    quint64 m_nextKey = 1;
    QHash<quint64, Waiting> m_waiting;           // registered with libcoap, no answer yet
    QHash<quint64, CoapServerReply> m_answers;   // answered, to go out on the next round
    QHostAddress m_address;
    quint16 m_port = 0;
};

} // namespace thingscape
