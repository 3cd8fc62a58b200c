#include "tst_coap_server.h"

#include "testsupport.h"

#include <coap3/coap.h>

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QTest>
#include <QUdpSocket>

#include <arpa/inet.h>

#include <chrono>

namespace testsupport {

bool waitForCoapPort(quint16 port, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    quint16 mid = 0x4242;
    while (!deadline.hasExpired()) {
        QUdpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        const char ping[4] = {0x40, 0x00, char(mid >> 8), char(mid & 0xff)};
        ++mid;
        socket.write(ping, 4);
        if (socket.waitForReadyRead(200) && socket.pendingDatagramSize() >= 4)
            return true;
        QTest::qWait(50);
    }
    return false;
}

CoapServerProcess::~CoapServerProcess()
{
    kill();
}

bool CoapServerProcess::start(const QString &program, const QStringList &args, quint16 port)
{
    m_program = program;
    m_args = args;
    m_port = port;
    QStringList expanded;
    for (const QString &arg : args)
        expanded << QString(arg).replace(QLatin1String("%PORT%"), QString::number(port));
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    testsupport::dieWithParent(m_process.get());
    m_process->start(program, expanded);
    if (!m_process->waitForStarted(5000))
        return false;
    return waitForCoapPort(port);
}

void CoapServerProcess::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(3000);
    m_process.reset();
}

bool CoapServerProcess::restart()
{
    kill();
    return start(m_program, m_args, m_port);
}

QString CoapServerProcess::output() const
{
    return m_process ? QString::fromLocal8Bit(m_process->readAll()) : QString();
}

LibcoapServer::LibcoapServer() = default;

LibcoapServer::~LibcoapServer()
{
    stop();
}

void LibcoapServer::addResource(const Resource &resource)
{
    auto entry = std::make_shared<Entry>();
    entry->resource = resource;
    m_entries.append(entry);
}

void LibcoapServer::addObservableSet(int count, int rateHz, bool confirmable)
{
    m_setRateHz = std::max(1, rateHz);
    m_setConfirmable = confirmable;
    for (int i = 0; i < count; ++i) {
        auto entry = std::make_shared<Entry>();
        entry->resource.path = "obs/" + QByteArray::number(i);
        entry->resource.observable = true;
        entry->resource.attributes = {{"obs", {}}, {"rt", "\"counter\""}};
        entry->inSet = true;
        entry->owner = this;
        m_entries.append(entry);
    }
}

void LibcoapServer::onGet(coap_resource_t *resource, coap_session_t *, const coap_pdu_t *, const coap_string_t *,
                          coap_pdu_t *response)
{
    auto *entry = static_cast<Entry *>(coap_resource_get_userdata(resource));
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    uint8_t buffer[4];
    coap_add_option(response, COAP_OPTION_CONTENT_FORMAT,
                    coap_encode_var_safe(buffer, sizeof(buffer), unsigned(entry->resource.contentFormat)), buffer);
    QByteArray payload = entry->resource.payload;
    if (entry->inSet) {
        payload = QByteArray::number(entry->counter);
        ++entry->owner->m_observableResponses;
    }
    coap_add_data(response, size_t(payload.size()), reinterpret_cast<const uint8_t *>(payload.constData()));
}

bool LibcoapServer::start(quint16 port)
{
    m_port = port;
    coap_startup();
    coap_address_t listen;
    coap_address_init(&listen);
    listen.size = sizeof(listen.addr.sin);
    listen.addr.sin.sin_family = AF_INET;
    listen.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen.addr.sin.sin_port = htons(port);
    m_context = coap_new_context(nullptr);
    if (!m_context || !coap_new_endpoint(m_context, &listen, COAP_PROTO_UDP))
        return false;
    coap_context_set_block_mode(m_context, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
    for (const std::shared_ptr<Entry> &entry : std::as_const(m_entries)) {
        coap_str_const_t *path = coap_new_str_const(reinterpret_cast<const uint8_t *>(entry->resource.path.constData()),
                                                    size_t(entry->resource.path.size()));
        int flags = COAP_RESOURCE_FLAGS_RELEASE_URI;
        // NON_ALWAYS: without the every-fifth CON notification, the server never holds
        // notifications back behind an unacknowledged one (NSTART 1), so losses show.
        if (entry->inSet)
            flags |= m_setConfirmable ? COAP_RESOURCE_FLAGS_NOTIFY_CON : COAP_RESOURCE_FLAGS_NOTIFY_NON_ALWAYS;
        coap_resource_t *resource = coap_resource_init(path, flags);
        coap_register_handler(resource, COAP_REQUEST_GET, &LibcoapServer::onGet);
        coap_resource_set_userdata(resource, entry.get());
        if (entry->resource.observable)
            coap_resource_set_get_observable(resource, 1);
        for (const auto &[name, value] : std::as_const(entry->resource.attributes)) {
            coap_str_const_t *n = coap_new_str_const(reinterpret_cast<const uint8_t *>(name.constData()), size_t(name.size()));
            coap_str_const_t *v = value.isEmpty()
                ? nullptr
                : coap_new_str_const(reinterpret_cast<const uint8_t *>(value.constData()), size_t(value.size()));
            coap_add_attr(resource, n, v, COAP_ATTR_FLAGS_RELEASE_NAME | (v ? COAP_ATTR_FLAGS_RELEASE_VALUE : 0));
        }
        coap_add_resource(m_context, resource);
        entry->handle = resource;
    }
    m_quit = false;
    m_thread = std::thread([this] { run(); });
    return waitForCoapPort(port);
}

void LibcoapServer::run()
{
    using Clock = std::chrono::steady_clock;
    QList<Entry *> set;
    for (const std::shared_ptr<Entry> &entry : std::as_const(m_entries)) {
        if (entry->inSet)
            set.append(entry.get());
    }
    // Changes are spread over 10 ms slices, so the load is even rather than one burst.
    constexpr int sliceMs = 10;
    const int slices = std::max(1, 1000 / m_setRateHz / sliceMs);
    int slice = 0;
    auto next = Clock::now();
    while (!m_quit) {
        const auto now = Clock::now();
        if (now >= next) {
            next += std::chrono::milliseconds(sliceMs);
            if (next < now)
                next = now + std::chrono::milliseconds(sliceMs);
            if (!m_paused) {
                for (qsizetype i = slice; i < set.size(); i += slices) {
                    ++set[i]->counter;
                    ++m_changes;
                    coap_resource_notify_observers(set[i]->handle, nullptr);
                }
            }
            slice = (slice + 1) % slices;
        }
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
        coap_io_process(m_context, uint32_t(std::clamp<long long>(wait, 1, sliceMs)));
    }
    coap_free_context(m_context);
    m_context = nullptr;
}

void LibcoapServer::stop()
{
    if (!m_thread.joinable()) {
        if (m_context) {
            coap_free_context(m_context);
            m_context = nullptr;
        }
        return;
    }
    m_quit = true;
    m_thread.join();
}

} // namespace testsupport
