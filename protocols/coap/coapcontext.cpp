#include "coapcontext.h"

#include "coapaddress.h"
#include "coapio.h"

#include <coap3/coap.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QPromise>
#include <QSslCertificate>

#include <QCoro/QCoroFuture>
#include <QCoro/QCoroSignal>

#include <arpa/inet.h>
#include <net/if.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

Q_LOGGING_CATEGORY(lcCoapLib, "thingscape.coap.libcoap", QtWarningMsg)
Q_LOGGING_CATEGORY(lcCoapTokens, "thingscape.coap.tokens", QtWarningMsg)

namespace thingscape {

namespace {

// libcoap tells why a DTLS handshake failed only in its log ("... <-> 127.0.0.1:5684 DTLS:
// unable to get local issuer certificate"): keep the first reason per peer for the error text.
std::mutex dtlsReasonsMutex;
QHash<QString, QString> dtlsReasons;

void noteDtlsReason(const QString &text)
{
    const qsizetype arrow = text.indexOf(QLatin1String(" <-> "));
    const qsizetype marker = text.indexOf(QLatin1String(" DTLS: "));
    if (arrow < 0 || marker < arrow)
        return;
    const QString remote = text.mid(arrow + 5, marker - arrow - 5).trimmed();
    const QString reason = text.mid(marker + 7).trimmed();
    if (reason.startsWith(QLatin1String("SSL")) || reason.isEmpty())
        return;
    const std::lock_guard lock(dtlsReasonsMutex);
    if (!dtlsReasons.contains(remote))
        dtlsReasons.insert(remote, reason);
}

void setDtlsReason(const QString &remote, const QString &reason)
{
    const std::lock_guard lock(dtlsReasonsMutex);
    dtlsReasons.insert(remote, reason);
}

// RFC 6125 6.4.3: a '*' only as the whole left-most label, matching exactly one label.
bool matchesDnsName(const QString &pattern, const QString &host)
{
    const QString name = pattern.toLower();
    if (!name.startsWith(QLatin1String("*.")))
        return name == host;
    const qsizetype dot = host.indexOf(QLatin1Char('.'));
    return dot > 0 && host.mid(dot) == name.mid(1) && name.count(QLatin1Char('.')) >= 2;
}

// Whether the server certificate names host (like QSslSocket and libmosquitto check it):
// subjectAltName DNS / IP entries when there are any, else the common name. Empty when it
// does, else what it names instead.
std::optional<QString> certificateNameMismatch(const QSslCertificate &certificate, const QString &host)
{
    const QHostAddress literal(host);
    const auto alternatives = certificate.subjectAlternativeNames();
    QStringList names;
    bool anyAlternative = false;
    for (auto it = alternatives.constBegin(); it != alternatives.constEnd(); ++it) {
        if (it.key() == QSsl::DnsEntry) {
            anyAlternative = true;
            names << it.value();
            if (literal.isNull() && matchesDnsName(it.value(), host))
                return std::nullopt;
        } else if (it.key() == QSsl::IpAddressEntry) {
            anyAlternative = true;
            names << it.value();
            if (!literal.isNull() && QHostAddress(it.value()).isEqual(literal))
                return std::nullopt;
        }
    }
    if (!anyAlternative) {
        const QStringList commonNames = certificate.subjectInfo(QSslCertificate::CommonName);
        for (const QString &cn : commonNames) {
            names << cn;
            if (literal.isNull() ? matchesDnsName(cn, host) : QHostAddress(cn).isEqual(literal))
                return std::nullopt;
        }
    }
    return names.isEmpty() ? QStringLiteral("no name") : names.join(QLatin1String(", "));
}

QString takeDtlsReason(const QString &remote)
{
    const std::lock_guard lock(dtlsReasonsMutex);
    return dtlsReasons.take(remote);
}

// Message ids of the RSTs libcoap logged on this thread since CoapContext::takeResets() last
// took them: each context takes them right after its own round of coap_io_process().
thread_local std::vector<quint16> loggedResets;

void logHandler(coap_log_t level, const char *message)
{
    static constexpr char kReset[] = "got RST for mid=0x";
    if (std::strncmp(message, kReset, sizeof kReset - 1) == 0)
        loggedResets.push_back(quint16(std::strtoul(message + sizeof kReset - 1, nullptr, 16)));
    const QString text = QString::fromLocal8Bit(message).trimmed();
    if (level <= LOG_WARNING)
        noteDtlsReason(text);
    if (level <= LOG_ERR)
        qCWarning(lcCoapLib).noquote() << text;
    else
        qCDebug(lcCoapLib).noquote() << text;
}

} // namespace

void startCoapLibrary()
{
    static std::once_flag once;
    std::call_once(once, [] {
        coap_startup();
        coap_set_log_handler(logHandler);
        const QByteArray level = qgetenv("THINGSCAPE_COAP_LOG");
        coap_set_log_level(level.isEmpty() ? LOG_WARNING : level.toInt());
        coap_dtls_set_log_level(level.isEmpty() ? LOG_WARNING : level.toInt());
    });
}

namespace {

void fromCoapAddress(const coap_address_t *address, QString *host, quint16 *port)
{
    if (!address)
        return;
    const sockaddr *sa = &address->addr.sa;
    QHostAddress qaddress(sa);
    if (qaddress.protocol() == QAbstractSocket::IPv6Protocol) {
        bool ok = false;
        const QHostAddress v4(qaddress.toIPv4Address(&ok));
        if (ok)
            qaddress = v4;
    }
    // A link-local answer (multicast on ff02::fd) is only reachable through its interface.
    if (!qaddress.isLinkLocal())
        qaddress.setScopeId({});
    *host = qaddress.toString();
    *port = coap_address_get_port(address);
}

void releaseLargeData(coap_session_t *, void *data)
{
    delete static_cast<QByteArray *>(data);
}

void addOption(coap_optlist_t **chain, uint16_t number, const QByteArray &value)
{
    coap_insert_optlist(chain, coap_new_optlist(number, value.size(), reinterpret_cast<const uint8_t *>(value.constData())));
}

void addUintOption(coap_optlist_t **chain, uint16_t number, quint32 value)
{
    uint8_t buffer[4];
    const unsigned int length = coap_encode_var_safe(buffer, sizeof(buffer), value);
    coap_insert_optlist(chain, coap_new_optlist(number, length, buffer));
}

std::optional<quint32> uintOption(const coap_pdu_t *pdu, uint16_t number)
{
    coap_opt_iterator_t iterator;
    const coap_opt_t *option = coap_check_option(pdu, number, &iterator);
    if (!option)
        return std::nullopt;
    return coap_decode_var_bytes(coap_opt_value(option), coap_opt_length(option));
}

// RFC 7252 gives up after MAX_TRANSMIT_WAIT (93 s with the defaults). A shorter budget
// lowers MAX_RETRANSMIT first, then ACK_TIMEOUT, so libcoap's own verdict ("no answer after
// N transmissions") comes before the caller's deadline.
void transmissionFor(std::chrono::milliseconds budgetMs, double *ackTimeoutSeconds, int *maxRetransmit)
{
    const double budget = std::max(0.2, double(budgetMs.count()) / 1000.0);
    *ackTimeoutSeconds = 2.0;
    *maxRetransmit = 4;
    while (*maxRetransmit > 0 && *ackTimeoutSeconds * ((1 << (*maxRetransmit + 1)) - 1) * 1.5 > budget)
        --*maxRetransmit;
    if (*ackTimeoutSeconds * 1.5 > budget)
        *ackTimeoutSeconds = std::max(0.1, budget / 1.5);
}

} // namespace

void CoapContextDeleter::operator()(coap_context_t *context) const
{
    coap_free_context(context);
}

void CoapSessionDeleter::operator()(coap_session_t *session) const
{
    coap_session_release(session);
}

// The library's callbacks: they copy what arrived and return; see CoapContext::dispatch().
struct CoapCallbacks
{
    static CoapContext *owner(coap_session_t *session)
    {
        return static_cast<CoapContext *>(coap_get_app_data(coap_session_get_context(session)));
    }

    static coap_response_t response(coap_session_t *session, const coap_pdu_t *, const coap_pdu_t *received,
                                    const coap_mid_t)
    {
        CoapContext *self = owner(session);
        const coap_bin_const_t rawToken = coap_pdu_get_token(received);
        const QByteArray token(reinterpret_cast<const char *>(rawToken.s), qsizetype(rawToken.length));
        if (!self || (!self->m_exchanges.contains(token) && !self->m_streams.contains(token))) {
            qCDebug(lcCoapTokens, "refused %s: %s mid %d code %d observe %d", token.toHex().constData(),
                    coap_pdu_get_type(received) == COAP_MESSAGE_CON ? "CON" : "NON/ACK", int(coap_pdu_get_mid(received)),
                    int(coap_pdu_get_code(received)), int(uintOption(received, COAP_OPTION_OBSERVE).value_or(-1)));
            return COAP_RESPONSE_FAIL; // nobody waits: RST tells an observing server to stop
        }
        CoapResponse response;
        const int code = coap_pdu_get_code(received);
        response.code = COAP_RESPONSE_CLASS(code) * 100 + (code & 0x1f);
        response.confirmable = coap_pdu_get_type(received) == COAP_MESSAGE_CON;
        if (const auto format = uintOption(received, COAP_OPTION_CONTENT_FORMAT))
            response.contentFormat = int(*format);
        response.maxAge = uintOption(received, COAP_OPTION_MAXAGE);
        response.observe = uintOption(received, COAP_OPTION_OBSERVE);
        coap_opt_iterator_t iterator;
        if (const coap_opt_t *etag = coap_check_option(received, COAP_OPTION_ETAG, &iterator))
            response.etag = QByteArray(reinterpret_cast<const char *>(coap_opt_value(etag)), coap_opt_length(etag));
        coap_option_iterator_init(received, &iterator, COAP_OPT_ALL);
        while (const coap_opt_t *option = coap_option_next(&iterator))
            response.options.append({int(iterator.number),
                                     QByteArray(reinterpret_cast<const char *>(coap_opt_value(option)),
                                                qsizetype(coap_opt_length(option)))});
        size_t length = 0;
        size_t offset = 0;
        size_t total = 0;
        const uint8_t *data = nullptr;
        if (coap_get_data_large(received, &length, &data, &offset, &total) && data)
            response.payload = QByteArray(reinterpret_cast<const char *>(data), qsizetype(length));
        coap_block_t block{0, 0, 0};
        const bool blockwise = coap_get_block(received, COAP_OPTION_BLOCK2, &block);
        const auto transfer = self->m_transfers.find(token);
        if ((blockwise && block.m) || (transfer != self->m_transfers.end() && offset > 0)) {
            // One block of a larger body: libcoap has already asked for the next one.
            CoapContext::Transfer &t = self->m_transfers[token];
            if (t.stopped)
                return COAP_RESPONSE_OK;
            if (offset == 0) {
                t = {};
                t.session = session;
                t.first = response;
                t.first.payload.clear();
                t.blockSize = 1 << (block.szx + 4);
                if (const auto size2 = uintOption(received, COAP_OPTION_SIZE2))
                    t.size2 = qint64(*size2);
            }
            if (qsizetype(offset) != t.body.size()) {
                // A gap or a repeat: keep what lines up (libcoap asks for blocks in order).
                t.body.truncate(std::min(qsizetype(offset), t.body.size()));
            }
            ++t.blocks;
            t.body += response.payload;
            const bool tooLarge = t.body.size() > self->m_maxBodyBytes;
            if (tooLarge || t.blocks > self->m_maxBlocks) {
                t.stopped = true;
                CoapContext::Failure failure;
                failure.token = token;
                failure.endpoint = self->endpointOf(session);
                const QString what = self->m_tokenTargets.value(token, failure.endpoint);
                failure.text = tooLarge
                    ? CoapContext::tr("%1: the block-wise response grew past the limit of %2 bytes after %3 "
                                      "blocks: transfer stopped")
                          .arg(what)
                          .arg(self->m_maxBodyBytes)
                          .arg(t.blocks)
                    : CoapContext::tr("%1: the block-wise response went on past %2 blocks (%3 bytes): "
                                      "transfer stopped")
                          .arg(what)
                          .arg(self->m_maxBlocks)
                          .arg(t.body.size());
                self->m_failures.append(failure);
                self->scheduleDispatch();
                return COAP_RESPONSE_OK;
            }
            if (blockwise && block.m)
                return COAP_RESPONSE_OK;
            // The last block: the whole body goes out with the first block's options.
            CoapResponse whole = t.first;
            whole.code = response.code;
            whole.payload = std::move(t.body);
            self->m_transfers.remove(token);
            response = std::move(whole);
        } else if (transfer != self->m_transfers.end()) {
            self->m_transfers.erase(transfer);
        }
        // Only multicast needs to know who answered; formatting an address per notification is not free.
        if (self->m_multicastSessions.contains(session))
            fromCoapAddress(coap_session_get_addr_remote(session), &response.remoteHost, &response.remotePort);
        response.receivedMs = QDateTime::currentMSecsSinceEpoch();
        self->m_arrivals.append({token, std::move(response)});
        self->scheduleDispatch();
        return COAP_RESPONSE_OK;
    }

    static void nack(coap_session_t *session, const coap_pdu_t *sent, const coap_nack_reason_t reason, const coap_mid_t)
    {
        CoapContext *self = owner(session);
        if (!self)
            return;
        CoapContext::Failure failure;
        failure.endpoint = self->endpointOf(session);
        failure.reason = reason;
        if (sent) {
            const coap_bin_const_t rawToken = coap_pdu_get_token(sent);
            failure.token = QByteArray(reinterpret_cast<const char *>(rawToken.s), qsizetype(rawToken.length));
        }
        // libcoap asks for each further block under a token of its own: a failure there
        // belongs to the transfer on that session.
        if (!self->m_exchanges.contains(failure.token) && !self->m_streams.contains(failure.token)) {
            for (auto it = self->m_transfers.constBegin(); it != self->m_transfers.constEnd(); ++it) {
                if (it->session == session && !it->stopped) {
                    failure.token = it.key();
                    break;
                }
            }
        }
        // An ICMP error or a DTLS failure condemns the session: the next request starts afresh.
        if (reason == COAP_NACK_ICMP_ISSUE || reason == COAP_NACK_TLS_FAILED || reason == COAP_NACK_NOT_DELIVERABLE)
            self->m_deadSessions.insert(failure.endpoint);
        self->m_failures.append(failure);
        self->scheduleDispatch();
    }

    // Called per certificate of the chain during the handshake; the server's own certificate
    // (depth 0) must name the host the user asked for.
    static int checkHost(const char *, const uint8_t *der, size_t derLength, coap_session_t *session,
                         unsigned int depth, int, void *)
    {
        CoapContext *self = owner(session);
        if (depth > 0 || !self)
            return 1;
        const std::optional<ResourceId> endpoint =
            ResourceId::parse(self->endpointOf(session).section(QLatin1Char('%'), 0, 0));
        if (!endpoint)
            return 0;
        const QSslCertificate certificate(QByteArray(reinterpret_cast<const char *>(der), qsizetype(derLength)),
                                          QSsl::Der);
        const std::optional<QString> mismatch = certificateNameMismatch(certificate, endpoint->host());
        if (!mismatch)
            return 1;
        setDtlsReason(endpoint->hostPort(), QCoreApplication::translate("thingscape::CoapContext",
                                                                        "the server's certificate is for %1, not %2")
                                                .arg(*mismatch, endpoint->host()));
        return 0;
    }

    static int event(coap_session_t *session, const coap_event_t event)
    {
        CoapContext *self = owner(session);
        if (!self)
            return 0;
        int reason = -1;
        switch (event) {
        case COAP_EVENT_DTLS_ERROR:
            reason = COAP_NACK_TLS_FAILED;
            break;
        case COAP_EVENT_SESSION_FAILED:
        case COAP_EVENT_TCP_FAILED:
            reason = COAP_NACK_NOT_DELIVERABLE;
            break;
        default:
            return 0;
        }
        CoapContext::Failure failure;
        failure.endpoint = self->endpointOf(session);
        failure.reason = reason;
        failure.sessionEvent = true;
        self->m_deadSessions.insert(failure.endpoint);
        self->m_failures.append(failure);
        self->scheduleDispatch();
        return 0;
    }
};

CoapContext::CoapContext(const EndpointConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
    // Sessions start with parameters for the endpoint's request timeout; request() fits them
    // to each caller's deadline.
    transmissionFor(std::chrono::milliseconds(m_config.requestTimeoutMs), &m_ackTimeoutSeconds, &m_maxRetransmit);
}

CoapContext::~CoapContext()
{
    stop();
}

bool CoapContext::start(QString *error)
{
    if (m_context)
        return true;
    startCoapLibrary();
    m_context.reset(coap_new_context(nullptr));
    if (!m_context) {
        if (error)
            *error = tr("could not create a CoAP context");
        return false;
    }
    coap_context_t *context = m_context.get();
    coap_set_app_data(context, this);
    // Every block is handed out (no COAP_BLOCK_SINGLE_BODY), so a transfer can be bounded
    // and its progress reported; the callback assembles the body.
    coap_context_set_block_mode(context, COAP_BLOCK_USE_LIBCOAP);
    coap_register_response_handler(context, &CoapCallbacks::response);
    coap_register_nack_handler(context, &CoapCallbacks::nack);
    coap_register_event_handler(context, &CoapCallbacks::event);
    coap_context_set_keepalive(context, 0);

    m_io = std::make_unique<CoapIo>(context);
    loggedResets.clear(); // from before: not ours
    connect(m_io.get(), &CoapIo::processed, this, &CoapContext::takeResets);
    return true;
}

void CoapContext::takeResets()
{
    const std::vector<quint16> resets = std::exchange(loggedResets, {});
    for (const quint16 mid : resets) {
        const QByteArray token = m_nonRequests.take(mid);
        if (token.isEmpty() || !m_exchanges.contains(token))
            continue;
        Failure failure;
        failure.endpoint = m_tokenEndpoints.value(token);
        failure.reason = COAP_NACK_RST;
        failure.token = token;
        m_failures.append(failure);
        scheduleDispatch();
    }
}

void CoapContext::stop()
{
    m_io.reset();
    m_transfers.clear();
    const auto exchanges = m_exchanges;
    m_exchanges.clear();
    for (const QPointer<CoapExchange> &exchange : exchanges) {
        if (exchange)
            exchange->finish({Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed")), {}});
    }
    m_streams.clear();
    m_tokenEndpoints.clear();
    m_tokenTargets.clear();
    m_arrivals.clear();
    m_failures.clear();
    // Sessions hold references into the context: release them first.
    m_sessions.clear();
    m_sessionNames.clear();
    m_multicastSessions.clear();
    m_deadSessions.clear();
    if (m_context)
        coap_set_app_data(m_context.get(), nullptr);
    m_context.reset();
}

QCoro::Task<std::optional<QHostAddress>> CoapContext::resolve(QString host, QString *error)
{
    QHostAddress address;
    if (address.setAddress(host))
        co_return address;
    if (host == QLatin1String("localhost"))
        co_return QHostAddress(QHostAddress::LocalHost);
    QPromise<QHostInfo> promise;
    QFuture<QHostInfo> future = promise.future();
    promise.start();
    QObject guard;
    QHostInfo::lookupHost(host, &guard, [&promise](const QHostInfo &info) {
        promise.addResult(info);
        promise.finish();
    });
    const QHostInfo info = co_await future;
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
        if (error)
            *error = tr("cannot resolve the host '%1': %2").arg(host, info.errorString());
        co_return std::nullopt;
    }
    // Prefer IPv4: that is where most CoAP devices and test servers listen.
    for (const QHostAddress &candidate : info.addresses()) {
        if (candidate.protocol() == QAbstractSocket::IPv4Protocol)
            co_return candidate;
    }
    co_return info.addresses().constFirst();
}

coap_session_t *CoapContext::session(const ResourceId &endpoint, const QHostAddress &address,
                                     const QString &interfaceName, Result *error)
{
    QString key = endpoint.endpointUri();
    if (!interfaceName.isEmpty())
        key += QLatin1Char('%') + interfaceName;
    if (m_deadSessions.contains(key)) {
        m_deadSessions.remove(key);
        const auto dead = m_sessions.find(key);
        if (dead != m_sessions.end()) {
            m_multicastSessions.remove(dead->second.get());
            m_sessionNames.remove(dead->second.get());
            m_sessions.erase(dead);
        }
    }
    if (const auto it = m_sessions.find(key); it != m_sessions.end())
        return it->second.get();

    QHostAddress remote = address;
    coap_address_t local;
    bool haveLocal = false;
    if (!interfaceName.isEmpty()) {
        const QNetworkInterface netif = QNetworkInterface::interfaceFromName(interfaceName);
        if (!netif.isValid()) {
            *error = Result::failure(ErrorKind::Usage, tr("there is no network interface '%1'").arg(interfaceName));
            return nullptr;
        }
        if (remote.protocol() == QAbstractSocket::IPv6Protocol) {
            remote.setScopeId(interfaceName);
        } else {
            // Binding to the interface's address makes Linux send multicast out of that interface.
            for (const QNetworkAddressEntry &entry : netif.addressEntries()) {
                if (entry.ip().protocol() == QAbstractSocket::IPv4Protocol) {
                    haveLocal = toCoapAddress(entry.ip(), 0, &local);
                    break;
                }
            }
        }
    }
    coap_address_t server;
    if (!toCoapAddress(remote, endpoint.port(), &server)) {
        *error = Result::failure(ErrorKind::Usage, tr("'%1' is not an IP address").arg(address.toString()));
        return nullptr;
    }

    coap_session_t *created = nullptr;
    if (endpoint.isSecure()) {
        takeDtlsReason(endpoint.hostPort());
        if (!coap_dtls_is_supported()) {
            *error = Result::failure(ErrorKind::Unsupported, tr("this libcoap build has no DTLS support"));
            return nullptr;
        }
        m_sni = endpoint.host().toUtf8();
        QHostAddress literal;
        const bool hostIsLiteral = literal.setAddress(endpoint.host());
        if (!m_config.pskKey.isEmpty()) {
            m_pskIdentity = m_config.pskIdentity.toUtf8();
            coap_dtls_cpsk_t setup;
            memset(&setup, 0, sizeof(setup));
            setup.version = COAP_DTLS_CPSK_SETUP_VERSION;
            setup.client_sni = hostIsLiteral ? nullptr : m_sni.data();
            setup.psk_info.identity.s = reinterpret_cast<const uint8_t *>(m_pskIdentity.constData());
            setup.psk_info.identity.length = size_t(m_pskIdentity.size());
            setup.psk_info.key.s = reinterpret_cast<const uint8_t *>(m_config.pskKey.constData());
            setup.psk_info.key.length = size_t(m_config.pskKey.size());
            created = coap_new_client_session_psk2(m_context.get(), haveLocal ? &local : nullptr, &server,
                                                   COAP_PROTO_DTLS, &setup);
        } else {
            m_caFile = m_config.caFile.toLocal8Bit();
            m_certFile = m_config.certFile.toLocal8Bit();
            m_keyFile = (m_config.keyFile.isEmpty() ? m_config.certFile : m_config.keyFile).toLocal8Bit();
            if (!m_caFile.isEmpty())
                coap_context_set_pki_root_cas(m_context.get(), m_caFile.constData(), nullptr);
            else
                coap_context_set_pki_root_cas(m_context.get(), nullptr, "/etc/ssl/certs");
            coap_dtls_pki_t setup;
            memset(&setup, 0, sizeof(setup));
            setup.version = COAP_DTLS_PKI_SETUP_VERSION;
            setup.verify_peer_cert = m_config.insecure ? 0 : 1;
            setup.check_common_ca = 0;
            setup.allow_self_signed = m_config.insecure ? 1 : 0;
            setup.allow_expired_certs = m_config.insecure ? 1 : 0;
            setup.cert_chain_validation = m_config.insecure ? 0 : 1;
            setup.cert_chain_verify_depth = 3;
            setup.allow_no_crl = 1;
            setup.allow_expired_crl = 1;
            setup.client_sni = hostIsLiteral ? nullptr : m_sni.data();
            // libcoap checks the chain, not whom the certificate names: without this any
            // certificate from a trusted CA would do for any device.
            if (!m_config.insecure)
                setup.validate_cn_call_back = &CoapCallbacks::checkHost;
            setup.pki_key.key_type = COAP_PKI_KEY_PEM;
            setup.pki_key.key.pem.ca_file = m_caFile.isEmpty() ? nullptr : m_caFile.constData();
            setup.pki_key.key.pem.public_cert = m_certFile.isEmpty() ? nullptr : m_certFile.constData();
            setup.pki_key.key.pem.private_key = m_certFile.isEmpty() ? nullptr : m_keyFile.constData();
            created = coap_new_client_session_pki(m_context.get(), haveLocal ? &local : nullptr, &server,
                                                  COAP_PROTO_DTLS, &setup);
        }
    } else {
        created = coap_new_client_session(m_context.get(), haveLocal ? &local : nullptr, &server, COAP_PROTO_UDP);
    }
    if (!created) {
        *error = Result::failure(endpoint.isSecure() ? ErrorKind::Tls : ErrorKind::Connection,
                                 tr("cannot open a CoAP session to %1 (check the address%2)")
                                     .arg(endpoint.hostPort(),
                                          endpoint.isSecure() ? tr(", the key and the certificate files") : QString()));
        return nullptr;
    }
    setTransmission(created, std::chrono::milliseconds(m_config.requestTimeoutMs));
    m_sessions.emplace(key, CoapSessionPtr(created));
    m_sessionNames.insert(created, key);
    if (remote.isMulticast())
        m_multicastSessions.insert(created);
    return created;
}

void CoapContext::setTransmission(coap_session_t *session, std::chrono::milliseconds budget)
{
    transmissionFor(budget, &m_ackTimeoutSeconds, &m_maxRetransmit);
    const coap_fixed_point_t ackTimeout{
        uint16_t(m_ackTimeoutSeconds),
        uint16_t(std::lround((m_ackTimeoutSeconds - std::floor(m_ackTimeoutSeconds)) * 1000))};
    coap_session_set_ack_timeout(session, ackTimeout);
    coap_session_set_max_retransmit(session, uint16_t(m_maxRetransmit));
}

QString CoapContext::endpointOf(coap_session_t *session) const
{
    return m_sessionNames.value(session);
}

coap_pdu_t *CoapContext::buildPdu(coap_session_t *session, const CoapRequest &request, QByteArray *token,
                                  Result *error)
{
    coap_pdu_t *pdu = coap_new_pdu(request.confirmable ? COAP_MESSAGE_CON : COAP_MESSAGE_NON,
                                   static_cast<coap_pdu_code_t>(request.method), session);
    if (!pdu) {
        *error = Result::failure(ErrorKind::Connection, tr("cannot build a CoAP request"));
        return nullptr;
    }
    if (token->isEmpty() || token->size() > 8) {
        uint8_t tokenBytes[8];
        size_t tokenLength = 0;
        coap_session_new_token(session, &tokenLength, tokenBytes);
        *token = QByteArray(reinterpret_cast<const char *>(tokenBytes), qsizetype(tokenLength));
    }
    coap_add_token(pdu, size_t(token->size()), reinterpret_cast<const uint8_t *>(token->constData()));

    coap_optlist_t *options = nullptr;
    const QStringList segments = request.pathSegments.isEmpty()
        ? request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts)
        : request.pathSegments;
    for (const QString &segment : segments)
        addOption(&options, COAP_OPTION_URI_PATH, segment.toUtf8());
    if (!request.query.isEmpty()) {
        for (const QString &part : request.query.split(QLatin1Char('&'), Qt::SkipEmptyParts))
            addOption(&options, COAP_OPTION_URI_QUERY, QByteArray::fromPercentEncoding(part.toUtf8()));
    }
    if (request.observe)
        addUintOption(&options, COAP_OPTION_OBSERVE, *request.observe);
    if (request.contentFormat >= 0 && !request.payload.isEmpty())
        addUintOption(&options, COAP_OPTION_CONTENT_FORMAT, quint32(request.contentFormat));
    if (request.accept >= 0)
        addUintOption(&options, COAP_OPTION_ACCEPT, quint32(request.accept));
    if (!request.etag.isEmpty()) {
        const bool validating = request.method == CoapMethod::Get || request.method == CoapMethod::Fetch;
        addOption(&options, validating ? COAP_OPTION_ETAG : COAP_OPTION_IF_MATCH, request.etag);
    }
    for (const auto &[number, value] : request.extraOptions)
        addOption(&options, uint16_t(number), value);
    if (options) {
        coap_add_optlist_pdu(pdu, &options);
        coap_delete_optlist(options);
    }
    if (!request.payload.isEmpty()) {
        // libcoap sends it block-wise (RFC 7959) when it does not fit one datagram; it keeps
        // the bytes until releaseLargeData().
        auto *copy = new QByteArray(request.payload);
        if (!coap_add_data_large_request(session, pdu, size_t(copy->size()),
                                         reinterpret_cast<const uint8_t *>(copy->constData()), releaseLargeData, copy)) {
            coap_delete_pdu(pdu);
            *error = Result::failure(ErrorKind::Protocol, tr("cannot add the payload (%1 bytes) to the CoAP request")
                                                              .arg(request.payload.size()));
            return nullptr;
        }
    }
    return pdu;
}

QByteArray CoapContext::send(const ResourceId &target, const CoapRequest &request, Result *error,
                             const QHostAddress &resolved, const QString &interfaceName, const QByteArray &reuseToken)
{
    QString why;
    if (!start(&why)) {
        *error = Result::failure(ErrorKind::Connection, why);
        return {};
    }
    QHostAddress address = resolved;
    if (address.isNull() && !address.setAddress(target.host())) {
        if (target.host() != QLatin1String("localhost")) {
            *error = Result::failure(ErrorKind::Usage, tr("'%1' is not resolved yet").arg(target.host()));
            return {};
        }
        address = QHostAddress(QHostAddress::LocalHost);
    }
    coap_session_t *s = session(target.endpoint(), address, interfaceName, error);
    if (!s)
        return {};
    QByteArray token = reuseToken;
    coap_pdu_t *pdu = buildPdu(s, request, &token, error);
    if (!pdu)
        return {};
    m_tokenEndpoints.insert(token, m_sessionNames.value(s));
    m_streams.insert(token);
    qCDebug(lcCoapTokens, "stream %s: %s", token.toHex().constData(), qPrintable(target.path()));
    if (coap_send(s, pdu) == COAP_INVALID_MID) {
        m_streams.remove(token);
        m_tokenEndpoints.remove(token);
        *error = Result::failure(ErrorKind::Connection, tr("cannot send to %1").arg(target.hostPort()));
        return {};
    }
    rearm();
    return token;
}

QCoro::Task<CoapExchangeResult> CoapContext::request(ResourceId target, CoapRequest request,
                                                     std::chrono::milliseconds timeout)
{
    QPointer<CoapContext> self(this);
    QString why;
    const std::optional<QHostAddress> address = co_await resolve(target.host(), &why);
    if (!self)
        co_return CoapExchangeResult{Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed")), {}};
    if (!address)
        co_return CoapExchangeResult{Result::failure(ErrorKind::Connection, why), {}};
    if (!start(&why))
        co_return CoapExchangeResult{Result::failure(ErrorKind::Connection, why), {}};
    Result error;
    coap_session_t *s = session(target.endpoint(), *address, {}, &error);
    if (!s)
        co_return CoapExchangeResult{error, {}};
    QByteArray token;
    coap_pdu_t *pdu = buildPdu(s, request, &token, &error);
    if (!pdu)
        co_return CoapExchangeResult{error, {}};
    auto exchange = std::make_unique<CoapExchange>();
    m_exchanges.insert(token, exchange.get());
    m_tokenEndpoints.insert(token, m_sessionNames.value(s));
    // The caller's deadline bounds the retransmissions too (--timeout 1 means 1 s, not 7).
    setTransmission(s, timeout);
    m_tokenTargets.insert(token, target.toString());
    const bool confirmable = coap_pdu_get_type(pdu) == COAP_MESSAGE_CON;
    const coap_mid_t mid = coap_send(s, pdu);
    if (mid != COAP_INVALID_MID && !confirmable)
        m_nonRequests.insert(quint16(mid), token);
    if (mid == COAP_INVALID_MID) {
        m_exchanges.remove(token);
        m_tokenEndpoints.remove(token);
        m_tokenTargets.remove(token);
        co_return CoapExchangeResult{Result::failure(ErrorKind::Connection, tr("cannot send to %1").arg(target.hostPort())), {}};
    }
    rearm();
    co_await exchange->waitUntilDone(timeout);
    if (!self)
        co_return CoapExchangeResult{Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed")), {}};
    m_exchanges.remove(token);
    m_tokenEndpoints.remove(token);
    m_tokenTargets.remove(token);
    if (!confirmable)
        m_nonRequests.remove(quint16(mid));
    if (!exchange->isDone() && m_transfers.contains(token)) {
        // Blocks kept coming, but not all of them in time: say how far it got, and stop
        // libcoap asking for more.
        const QString text = tr("%1: timed out after %2 s; %3")
                                 .arg(target.toString())
                                 .arg(double(timeout.count()) / 1000.0)
                                 .arg(progressText(m_transfers.value(token)));
        m_transfers.remove(token);
        reset(tr("the CoAP session to %1 was reset to stop a block-wise transfer that timed out")
                  .arg(target.hostPort()));
        co_return CoapExchangeResult{Result::failure(ErrorKind::Timeout, text), {}};
    }
    if (!exchange->isDone()) {
        const Result failure = timeoutResult(target, timeout);
        if (failure.kind == ErrorKind::Tls)
            closeSession(target.endpoint()); // the next attempt starts a fresh handshake
        co_return CoapExchangeResult{failure, {}};
    }
    co_return exchange->outcome();
}

QString CoapContext::progressText(const Transfer &transfer) const
{
    QString of = QStringLiteral("?");
    if (transfer.size2 && transfer.blockSize > 0)
        of = QString::number((*transfer.size2 + transfer.blockSize - 1) / transfer.blockSize);
    return tr("%1 of %2 blocks received (%3 bytes)").arg(transfer.blocks).arg(of).arg(transfer.body.size());
}

void CoapContext::reset(const QString &error)
{
    QPointer<CoapContext> self(this);
    const QList<QByteArray> streams = m_streams.values();
    const auto exchanges = std::exchange(m_exchanges, {});
    for (const QPointer<CoapExchange> &exchange : exchanges) {
        if (exchange)
            exchange->finish({Result::failure(ErrorKind::Connection, error), {}});
    }
    for (const QByteArray &token : streams) {
        Q_EMIT requestFailed(token, ErrorKind::Connection, error);
        if (!self)
            return;
    }
    stop();
}

Result CoapContext::timeoutResult(const ResourceId &target, std::chrono::milliseconds timeout) const
{
    const double seconds = double(timeout.count()) / 1000.0;
    const auto it = m_sessions.find(target.endpointUri());
    if (target.isSecure() && it != m_sessions.end()
        && coap_session_get_state(it->second.get()) != COAP_SESSION_STATE_ESTABLISHED) {
        return Result::failure(ErrorKind::Tls,
                               tr("the DTLS handshake with %1 did not complete within %2 s (wrong pre-shared key or "
                                  "identity, or the server rejected the certificate)")
                                   .arg(target.hostPort())
                                   .arg(seconds));
    }
    return Result::failure(ErrorKind::Timeout,
                           tr("%1: no answer from %2 within %3 s").arg(target.toString(), target.hostPort()).arg(seconds));
}

void CoapContext::forget(const QByteArray &token)
{
    qCDebug(lcCoapTokens, "forget %s", token.toHex().constData());
    m_streams.remove(token);
    m_tokenEndpoints.remove(token);
}

void CoapContext::cancelObserve(const ResourceId &target, const QByteArray &token, bool confirmable)
{
    const QString key = m_tokenEndpoints.value(token);
    forget(token);
    const auto it = m_sessions.find(key.isEmpty() ? target.endpointUri() : key);
    if (it == m_sessions.end() || m_deadSessions.contains(it->first))
        return;
    coap_binary_t binary{size_t(token.size()), reinterpret_cast<uint8_t *>(const_cast<char *>(token.constData()))};
    coap_cancel_observe(it->second.get(), &binary, confirmable ? COAP_MESSAGE_CON : COAP_MESSAGE_NON);
    rearm();
}

void CoapContext::closeSession(const ResourceId &endpoint)
{
    const QString key = endpoint.endpointUri();
    const auto it = m_sessions.find(key);
    if (it == m_sessions.end())
        return;
    m_multicastSessions.remove(it->second.get());
    m_sessionNames.remove(it->second.get());
    m_sessions.erase(it);
}

void CoapContext::process()
{
    if (m_io)
        m_io->process();
}

void CoapContext::rearm()
{
    if (m_io)
        m_io->rearm();
}

void CoapContext::scheduleDispatch()
{
    if (m_dispatchScheduled)
        return;
    m_dispatchScheduled = true;
    QMetaObject::invokeMethod(this, &CoapContext::dispatch, Qt::QueuedConnection);
}

QString CoapContext::failureText(const QString &endpoint, int reason, ErrorKind *kind) const
{
    const std::optional<ResourceId> id = ResourceId::parse(endpoint.section(QLatin1Char('%'), 0, 0));
    const QString where = id ? id->hostPort() : endpoint;
    switch (reason) {
    case COAP_NACK_TOO_MANY_RETRIES:
        *kind = ErrorKind::Timeout;
        return tr("no answer from %1 after %n transmission(s) (the server is down or a firewall drops CoAP)", nullptr,
                  m_maxRetransmit + 1)
            .arg(where);
    case COAP_NACK_ICMP_ISSUE:
        *kind = ErrorKind::Connection;
        return tr("%1 is unreachable: nothing listens on that port (ICMP port unreachable)").arg(where);
    case COAP_NACK_RST:
        *kind = ErrorKind::Protocol;
        return tr("%1 reset the request (RST): it does not understand or no longer expects it").arg(where);
    case COAP_NACK_TLS_FAILED: {
        *kind = ErrorKind::Tls;
        const QString reason = takeDtlsReason(where);
        if (!reason.isEmpty())
            return tr("the DTLS handshake with %1 failed: %2").arg(where, reason);
        return tr("the DTLS handshake with %1 failed (wrong pre-shared key or identity, or the certificate was "
                  "rejected)")
            .arg(where);
    }
    case COAP_NACK_NOT_DELIVERABLE:
    default:
        *kind = ErrorKind::Connection;
        return tr("cannot deliver the request to %1 (the session failed)").arg(where);
    }
}

void CoapContext::fail(const QByteArray &token, ErrorKind kind, const QString &error)
{
    if (const QPointer<CoapExchange> exchange = m_exchanges.take(token)) {
        m_tokenEndpoints.remove(token);
        exchange->finish({Result::failure(kind, error), {}});
        return;
    }
    if (m_streams.contains(token))
        Q_EMIT requestFailed(token, kind, error);
}

void CoapContext::dispatch()
{
    m_dispatchScheduled = false;
    QPointer<CoapContext> self(this);
    const QList<Arrival> arrivals = std::exchange(m_arrivals, {});
    const QList<Failure> failures = std::exchange(m_failures, {});
    for (const Arrival &arrival : arrivals) {
        if (const QPointer<CoapExchange> exchange = m_exchanges.take(arrival.token)) {
            m_tokenEndpoints.remove(arrival.token);
            exchange->finish({Result::success(), arrival.response});
        } else if (m_streams.contains(arrival.token)) {
            Q_EMIT responseReceived(arrival.token, arrival.response);
            if (!self)
                return;
        }
    }
    bool stopTransfers = false;
    for (const Failure &failure : failures) {
        if (!failure.text.isEmpty()) {
            // A transfer past its bounds: that request fails, and libcoap must stop fetching.
            fail(failure.token, ErrorKind::Protocol, failure.text);
            if (!self)
                return;
            stopTransfers = true;
            continue;
        }
        m_transfers.remove(failure.token);
        ErrorKind kind = ErrorKind::Connection;
        const QString text = failureText(failure.endpoint, failure.reason, &kind);
        if (!failure.token.isEmpty())
            fail(failure.token, kind, text);
        if (!self)
            return;
        if (failure.sessionEvent || m_deadSessions.contains(failure.endpoint)) {
            // Everything waiting on that session fails the same way.
            const QList<QByteArray> tokens = m_tokenEndpoints.keys(failure.endpoint);
            for (const QByteArray &token : tokens) {
                if (token != failure.token)
                    fail(token, kind, text);
                if (!self)
                    return;
            }
            Q_EMIT sessionFailed(failure.endpoint, kind, text);
            if (!self)
                return;
        }
    }
    if (stopTransfers) {
        reset(tr("the CoAP session was reset to stop an oversized block-wise transfer"));
        return;
    }
    // Dead sessions are released here, outside libcoap's callbacks.
    const QSet<QString> dead = std::exchange(m_deadSessions, {});
    for (const QString &key : dead) {
        const auto it = m_sessions.find(key);
        if (it != m_sessions.end()) {
            m_multicastSessions.remove(it->second.get());
            m_sessionNames.remove(it->second.get());
            m_sessions.erase(it);
        }
    }
}

} // namespace thingscape
