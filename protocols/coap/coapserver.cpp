#include "coapserver.h"

#include "coapaddress.h"
#include "coapio.h"

#include <coap3/coap.h>

#include <QPointer>
#include <QUdpSocket>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace thingscape {

namespace {

void releaseBody(coap_session_t *, void *body)
{
    delete static_cast<QByteArray *>(body);
}

std::optional<quint32> uintOption(const coap_pdu_t *pdu, uint16_t number)
{
    coap_opt_iterator_t iterator;
    const coap_opt_t *option = coap_check_option(pdu, number, &iterator);
    if (!option)
        return std::nullopt;
    return coap_decode_var_bytes(coap_opt_value(option), coap_opt_length(option));
}

coap_str_const_t *newString(const QByteArray &text)
{
    return coap_new_str_const(reinterpret_cast<const uint8_t *>(text.constData()), size_t(text.size()));
}

} // namespace

struct CoapServer::Entry
{
    CoapServer *server = nullptr; // Not owned: holds this entry.
    QByteArray path;
    CoapResourceOptions options;
    coap_resource_t *resource = nullptr; // Not owned: the context owns its resources.

    static void onRequest(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *pdu,
                          const coap_string_t *query, coap_pdu_t *response)
    {
        const auto *entry = static_cast<const Entry *>(coap_resource_get_userdata(resource));
        CoapServerRequest request;
        request.method = static_cast<CoapMethod>(coap_pdu_get_code(pdu));
        request.path = entry->path;
        if (query && query->length > 0) {
            const QString text = QString::fromUtf8(reinterpret_cast<const char *>(query->s), qsizetype(query->length));
            request.query = text.split(QLatin1Char('&'));
        }
        size_t length = 0;
        size_t offset = 0;
        size_t total = 0;
        const uint8_t *data = nullptr;
        if (coap_get_data_large(pdu, &length, &data, &offset, &total) && data)
            request.payload = QByteArray(reinterpret_cast<const char *>(data), qsizetype(length));
        if (const auto format = uintOption(pdu, COAP_OPTION_CONTENT_FORMAT))
            request.contentFormat = int(*format);
        if (const auto accept = uintOption(pdu, COAP_OPTION_ACCEPT))
            request.accept = int(*accept);

        const auto deferred = entry->options.deferredHandlers.find(request.method);
        if (deferred != entry->options.deferredHandlers.end() && deferred->second) {
            entry->server->deferred(deferred->second, request, resource, session, pdu, query, response);
            return;
        }
        const auto handler = entry->options.handlers.find(request.method);
        if (handler == entry->options.handlers.end() || !handler->second) {
            coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_ALLOWED);
            return;
        }
        answer(handler->second(request), resource, session, pdu, query, response);
    }

    static void answer(const CoapServerReply &reply, coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *pdu,
                       const coap_string_t *query, coap_pdu_t *response)
    {
        coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(reply.code)));
        if (reply.payload.isEmpty())
            return;
        if (reply.code >= 300) {
            coap_add_data(response, size_t(reply.payload.size()),
                          reinterpret_cast<const uint8_t *>(reply.payload.constData()));
            return;
        }
        // libcoap keeps the bytes until every block is out.
        auto *body = new QByteArray(reply.payload);
        coap_add_data_large_response(resource, session, pdu, response, query,
                                     uint16_t(std::max(0, reply.contentFormat)), reply.maxAge, reply.etag,
                                     size_t(body->size()), reinterpret_cast<const uint8_t *>(body->constData()),
                                     &releaseBody, body);
    }
};

void CoapServer::deferred(const CoapDeferredHandler &handler, const CoapServerRequest &request, coap_resource_t *resource,
                          coap_session_t *session, const coap_pdu_t *pdu, const coap_string_t *query, coap_pdu_t *response)
{
    const coap_bin_const_t token = coap_pdu_get_token(pdu);
    if (coap_async_t *async = coap_find_async(session, token)) {
        // libcoap calls again once the answer is in, with the request it kept.
        const auto key = quint64(reinterpret_cast<quintptr>(coap_async_get_app_data(async)));
        const auto it = m_answers.find(key);
        if (it == m_answers.end()) {
            Entry::answer(CoapServerReply{503, QByteArrayLiteral("the answer was lost"), ContentFormat::Text, -1, 0}, resource,
                          session, pdu, query, response);
            return;
        }
        const CoapServerReply reply = it.value();
        m_answers.erase(it);
        Entry::answer(reply, resource, session, pdu, query, response);
        return;
    }
    const quint64 key = m_nextKey++;
    QPointer<CoapServer> guard(this);
    const std::optional<CoapServerReply> now = handler(request, [guard, key](const CoapServerReply &reply) {
        if (guard)
            guard->answerLater(key, reply);
    });
    if (now) {
        Entry::answer(*now, resource, session, pdu, query, response);
        return;
    }
    // Not answered yet: libcoap sends an empty ACK now (to a CON) and keeps the request.
    coap_async_t *async = coap_register_async(session, pdu, 0);
    if (!async) {
        Entry::answer(CoapServerReply{503, QByteArrayLiteral("cannot hold the request until its outcome is known"),
                                      ContentFormat::Text, -1, 0},
                      resource, session, pdu, query, response);
        return;
    }
    coap_async_set_app_data(async, reinterpret_cast<void *>(quintptr(key)));
    m_waiting.insert(key, Waiting{coap_session_reference(session),
                                  QByteArray(reinterpret_cast<const char *>(token.s), qsizetype(token.length))});
    if (m_answers.contains(key))
        release(key);
}

void CoapServer::answerLater(quint64 key, const CoapServerReply &reply)
{
    m_answers.insert(key, reply);
    if (m_waiting.contains(key))
        release(key);
}

void CoapServer::release(quint64 key)
{
    const Waiting waiting = m_waiting.take(key);
    const coap_bin_const_t token{size_t(waiting.token.size()), reinterpret_cast<const uint8_t *>(waiting.token.constData())};
    if (coap_async_t *async = coap_find_async(waiting.session, token))
        coap_async_trigger(async);
    else
        m_answers.remove(key); // the client went away
    coap_session_release(waiting.session);
    scheduleProcess();
}

void CoapServer::ContextDeleter::operator()(coap_context_t *context) const
{
    coap_free_context(context);
}

CoapServer::CoapServer(QObject *parent)
    : QObject(parent)
{
}

CoapServer::~CoapServer()
{
    for (const Waiting &waiting : std::as_const(m_waiting))
        coap_session_release(waiting.session);
    m_waiting.clear();
    m_io.reset();
    m_context.reset();
}

bool CoapServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    startCoapLibrary();
    m_context.reset(coap_new_context(nullptr));
    if (!m_context) {
        *error = tr("cannot create a CoAP context");
        return false;
    }
    coap_context_set_block_mode(m_context.get(), COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
    // libcoap 4.3.1 does not report the port it bound, so pick a free one ourselves.
    coap_endpoint_t *endpoint = nullptr;
    for (int attempt = 0; attempt < 10 && !endpoint; ++attempt) {
        quint16 candidate = port;
        if (candidate == 0) {
            QUdpSocket probe;
            probe.bind(address, 0);
            candidate = probe.localPort();
        }
        coap_address_t bound;
        if (!toCoapAddress(address, candidate, &bound)) {
            *error = tr("'%1' is not an IP address to serve CoAP on").arg(address.toString());
            m_context.reset();
            return false;
        }
        endpoint = coap_new_endpoint(m_context.get(), &bound, COAP_PROTO_UDP);
        if (endpoint)
            m_port = candidate;
        else if (port != 0)
            break;
    }
    if (!endpoint) {
        *error = port != 0 ? tr("cannot bind CoAP to %1:%2 (UDP)").arg(address.toString()).arg(port)
                           : tr("cannot bind CoAP to a free UDP port on %1").arg(address.toString());
        m_context.reset();
        return false;
    }
    m_address = address;
    for (const auto &entry : m_entries)
        attach(*entry);
    m_io = std::make_unique<CoapIo>(m_context.get());
    return true;
}

void CoapServer::addResource(const QByteArray &path, const CoapResourceOptions &options)
{
    auto entry = std::make_unique<Entry>();
    entry->server = this;
    entry->path = path;
    entry->options = options;
    if (m_context)
        attach(*entry);
    m_byPath.insert(path, entry.get());
    m_entries.push_back(std::move(entry));
}

void CoapServer::attach(Entry &entry)
{
    int flags = COAP_RESOURCE_FLAGS_RELEASE_URI;
    switch (entry.options.notify) {
    case CoapResourceOptions::Notify::Non:
        flags |= COAP_RESOURCE_FLAGS_NOTIFY_NON;
        break;
    case CoapResourceOptions::Notify::NonAlways:
        flags |= COAP_RESOURCE_FLAGS_NOTIFY_NON_ALWAYS;
        break;
    case CoapResourceOptions::Notify::Con:
        flags |= COAP_RESOURCE_FLAGS_NOTIFY_CON;
        break;
    }
    coap_resource_t *resource = coap_resource_init(newString(entry.path), flags);
    for (const auto &[method, handler] : entry.options.handlers)
        coap_register_request_handler(resource, static_cast<coap_request_t>(method), &Entry::onRequest);
    for (const auto &[method, handler] : entry.options.deferredHandlers)
        coap_register_request_handler(resource, static_cast<coap_request_t>(method), &Entry::onRequest);
    for (const auto &[name, value] : entry.options.attributes) {
        coap_add_attr(resource, newString(name), value.isEmpty() ? nullptr : newString(value),
                      COAP_ATTR_FLAGS_RELEASE_NAME | (value.isEmpty() ? 0 : COAP_ATTR_FLAGS_RELEASE_VALUE));
    }
    if (entry.options.observable)
        coap_resource_set_get_observable(resource, 1);
    coap_resource_set_userdata(resource, &entry);
    coap_add_resource(m_context.get(), resource);
    entry.resource = resource;
}

void CoapServer::notifyObservers(const QByteArray &path)
{
    const Entry *entry = m_byPath.value(path);
    if (!entry || !entry->resource)
        return;
    coap_resource_notify_observers(entry->resource, nullptr);
    scheduleProcess();
}

void CoapServer::scheduleProcess()
{
    // Many changes in one event-loop turn go out in one libcoap round.
    if (m_processScheduled || !m_io)
        return;
    m_processScheduled = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_processScheduled = false;
            if (m_io)
                m_io->process();
        },
        Qt::QueuedConnection);
}

} // namespace thingscape
