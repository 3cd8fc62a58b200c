#include "tst_coap_server.h"

#include "testsupport.h"

#include "protocols/coap/coapserver.h"

#include <QDeadlineTimer>
#include <QThread>
#include <QTimer>
#include <QHostAddress>
#include <QTest>
#include <QUdpSocket>


namespace testsupport {

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
        m_entries.append(entry);
    }
}

bool LibcoapServer::start(quint16 port)
{
    m_port = port;
    auto *server = new thingscape::CoapServer;
    for (const std::shared_ptr<Entry> &entry : std::as_const(m_entries)) {
        thingscape::CoapResourceOptions options;
        options.attributes = entry->resource.attributes;
        options.observable = entry->resource.observable;
        // NON_ALWAYS: without the every-fifth CON notification, the server never holds
        // notifications back behind an unacknowledged one (NSTART 1), so losses show.
        if (entry->inSet)
            options.notify = m_setConfirmable ? thingscape::CoapResourceOptions::Notify::Con
                                              : thingscape::CoapResourceOptions::Notify::NonAlways;
        Entry *raw = entry.get();
        options.handlers[thingscape::CoapMethod::Get] = [this, raw](const thingscape::CoapServerRequest &) {
            thingscape::CoapServerReply reply;
            reply.contentFormat = raw->resource.contentFormat;
            reply.payload = raw->resource.payload;
            if (raw->inSet) {
                reply.payload = QByteArray::number(raw->counter);
                ++m_observableResponses;
            }
            return reply;
        };
        server->addResource(entry->resource.path, options);
    }
    m_thread = std::make_unique<QThread>();
    server->moveToThread(m_thread.get());
    m_thread->start();
    m_server = server;
    bool listening = false;
    QMetaObject::invokeMethod(
        server,
        [this, server, port, &listening] {
            QString error;
            listening = server->listen(QHostAddress::LocalHost, port, &error);
            if (!listening) {
                qWarning("LibcoapServer: %s", qPrintable(error));
                return;
            }
            // Changes are spread over 10 ms slices, so the load is even rather than one burst.
            auto *ticker = new QTimer(server);
            ticker->setTimerType(Qt::PreciseTimer);
            ticker->setInterval(10);
            QObject::connect(ticker, &QTimer::timeout, server, [this] { tick(); });
            ticker->start();
        },
        Qt::BlockingQueuedConnection);
    return listening && waitForCoapPort(port);
}

void LibcoapServer::tick()
{
    constexpr int sliceMs = 10;
    const int slices = std::max(1, 1000 / m_setRateHz / sliceMs);
    if (!m_paused) {
        qsizetype index = 0;
        for (const std::shared_ptr<Entry> &entry : std::as_const(m_entries)) {
            if (!entry->inSet)
                continue;
            if (index++ % slices != m_slice)
                continue;
            ++entry->counter;
            ++m_changes;
            m_server->notifyObservers(entry->resource.path);
        }
    }
    m_slice = (m_slice + 1) % slices;
}

void LibcoapServer::stop()
{
    if (!m_thread)
        return;
    thingscape::CoapServer *server = std::exchange(m_server, nullptr);
    QMetaObject::invokeMethod(server, [server] { delete server; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    m_thread.reset();
}

namespace {

// RFC 7252 3.1: a delta or length nibble of 13 / 14 takes one / two more bytes.
bool readExtended(const QByteArray &pdu, qsizetype *pos, int nibble, int *value)
{
    if (nibble < 13) {
        *value = nibble;
        return true;
    }
    if (nibble == 13 && *pos < pdu.size()) {
        *value = 13 + quint8(pdu[(*pos)++]);
        return true;
    }
    if (nibble == 14 && *pos + 1 < pdu.size()) {
        *value = 269 + (quint8(pdu[*pos]) << 8) + quint8(pdu[*pos + 1]);
        *pos += 2;
        return true;
    }
    return false;
}

void appendOption(QByteArray *pdu, int *last, int number, quint32 value)
{
    QByteArray bytes;
    while (value) {
        bytes.prepend(char(value & 0xff));
        value >>= 8;
    }
    const int delta = number - *last;
    if (delta < 13) {
        pdu->append(char((delta << 4) | bytes.size()));
    } else {
        pdu->append(char((13 << 4) | bytes.size()));
        pdu->append(char(delta - 13));
    }
    pdu->append(bytes);
    *last = number;
}

} // namespace

Block2Peer::Block2Peer(int totalBlocks, int blockSize, int delayMs, bool announceSize)
    : m_totalBlocks(totalBlocks)
    , m_blockSize(blockSize)
    , m_delayMs(delayMs)
    , m_announceSize(announceSize)
{
    connect(&m_socket, &QUdpSocket::readyRead, this, &Block2Peer::readPending);
}

bool Block2Peer::start()
{
    return m_socket.bind(QHostAddress::LocalHost, 0);
}

void Block2Peer::readPending()
{
    while (m_socket.hasPendingDatagrams()) {
        QHostAddress peer;
        quint16 port = 0;
        QByteArray datagram(qsizetype(m_socket.pendingDatagramSize()), Qt::Uninitialized);
        const qint64 size = m_socket.readDatagram(datagram.data(), datagram.size(), &peer, &port);
        if (size < 4)
            continue;
        datagram.truncate(size);
        ++m_requests;
        if (m_delayMs > 0)
            QTimer::singleShot(m_delayMs, this, [this, peer, port, datagram] { answer(peer, port, datagram); });
        else
            answer(peer, port, datagram);
    }
}

void Block2Peer::answer(const QHostAddress &peer, quint16 port, const QByteArray &request)
{
    const int type = (quint8(request[0]) >> 4) & 0x3;
    const int tokenLength = quint8(request[0]) & 0x0f;
    if ((quint8(request[1]) >> 5) != 0 || quint8(request[1]) == 0)
        return; // not a request (an ACK or a RST of ours)
    const QByteArray token = request.mid(4, tokenLength);
    qsizetype pos = 4 + tokenLength;
    int number = 0;
    quint32 num = 0;
    m_lastPath.clear();
    m_lastQuery.clear();
    while (pos < request.size() && quint8(request[pos]) != 0xff) {
        const int byte = quint8(request[pos++]);
        int delta = 0;
        int length = 0;
        if (!readExtended(request, &pos, byte >> 4, &delta) || !readExtended(request, &pos, byte & 0x0f, &length))
            return;
        number += delta;
        if (number == 23) { // Block2: which block the client wants
            num = 0;
            for (int i = 0; i < length && pos + i < request.size(); ++i)
                num = (num << 8) | quint8(request[pos + i]);
            num >>= 4;
        }
        if (number == 11)
            m_lastPath.append(request.mid(pos, length));
        else if (number == 15)
            m_lastQuery.append(request.mid(pos, length));
        pos += length;
    }
    int szx = 0;
    while ((16 << szx) < m_blockSize && szx < 6)
        ++szx;
    const bool more = m_totalBlocks == 0 || int(num) + 1 < m_totalBlocks;
    QByteArray pdu;
    // Piggybacked on the ACK of a CON, else a NON.
    pdu.append(char(0x40 | ((type == 0 ? 2 : 1) << 4) | tokenLength));
    pdu.append(char(0x45)); // 2.05 Content
    pdu.append(request.mid(2, 2));
    pdu.append(token);
    int last = 0;
    appendOption(&pdu, &last, 12, 0); // Content-Format: text/plain
    appendOption(&pdu, &last, 23, (num << 4) | (more ? 8u : 0u) | quint32(szx));
    if (m_announceSize && m_totalBlocks > 0)
        appendOption(&pdu, &last, 28, quint32(m_totalBlocks * m_blockSize)); // Size2
    pdu.append(char(0xff));
    pdu.append(QByteArray(16 << szx, 'x'));
    m_socket.writeDatagram(pdu, peer, port);
}

} // namespace testsupport
