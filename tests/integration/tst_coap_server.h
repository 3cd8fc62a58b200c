#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUdpSocket>

#include "testsupport.h"

#include <atomic>
#include <memory>

class QThread;

namespace thingscape {
class CoapServer;
}

namespace testsupport {

// waitForCoapPort() is in testsupport.h.

// One of libcoap's example programs (coap-server-openssl, coap-rd-openssl) on a loopback port;
// stopped by the destructor.
class CoapServerProcess
{
public:
    CoapServerProcess() = default;
    ~CoapServerProcess();
    // args may contain %PORT%; the UDP port is probed before returning.
    bool start(const QString &program, const QStringList &args, quint16 port);
    void kill();
    bool restart();
    quint16 port() const { return m_port; }
    QString output() const;

private:
    std::unique_ptr<QProcess> m_process;
    QString m_program;
    QStringList m_args;
    quint16 m_port = 0;
};

// A CoAP server (thingscape::CoapServer, the one the simulator and the gateway use) running
// in its own thread with its own event loop:
// fixed resources (with link attributes, for /.well-known/core) and sets of observable
// resources that change at a fixed rate. For resource-directory lookup fixtures and the
// observe benchmark.
class LibcoapServer
{
public:
    struct Resource
    {
        QByteArray path;          // without the leading '/'
        QByteArray payload;
        int contentFormat = 0;
        QList<QPair<QByteArray, QByteArray>> attributes; // value as it appears in link-format
        bool observable = false;
    };

    LibcoapServer();
    ~LibcoapServer();

    void addResource(const Resource &resource);
    // count resources obs/0 .. obs/<count-1>, each changing rateHz times a second.
    void addObservableSet(int count, int rateHz, bool confirmable = false);
    bool start(quint16 port);
    void stop();
    // Changes stop (notifications end); the server keeps answering.
    void pauseChanges(bool paused) { m_paused = paused; }
    quint16 port() const { return m_port; }
    // Responses built for the observable set (registrations and notifications).
    qint64 observableResponses() const { return m_observableResponses; }
    qint64 changes() const { return m_changes; }

private:
    struct Entry
    {
        Resource resource;
        qint64 counter = 0;
        bool inSet = false;
    };
    void tick();

    QList<std::shared_ptr<Entry>> m_entries;
    int m_setRateHz = 10;
    bool m_setConfirmable = false;
    std::unique_ptr<QThread> m_thread;
    thingscape::CoapServer *m_server = nullptr; // Owned; lives and dies in m_thread.
    int m_slice = 0;
    std::atomic<bool> m_paused{false};
    std::atomic<qint64> m_observableResponses{0};
    std::atomic<qint64> m_changes{0};
    quint16 m_port = 0;
};

// A hand-made CoAP server for block-wise transfers (RFC 7959) that libcoap would never send:
// it answers every request with the Block2 block asked for (blockSize bytes of 'x'), saying
// "more" until totalBlocks (0: forever), each answer held back delayMs. Runs on the
// calling thread's event loop.
class Block2Peer : public QObject
{
    Q_OBJECT

public:
    Block2Peer(int totalBlocks, int blockSize, int delayMs, bool announceSize = false);
    bool start();
    quint16 port() const { return m_socket.localPort(); }
    int requests() const { return m_requests; }
    // The Uri-Path / Uri-Query options of the last request answered.
    QList<QByteArray> lastUriPath() const { return m_lastPath; }
    QList<QByteArray> lastUriQuery() const { return m_lastQuery; }

private:
    void readPending();
    void answer(const QHostAddress &peer, quint16 port, const QByteArray &request);

    QUdpSocket m_socket;
    int m_totalBlocks;
    int m_blockSize;
    int m_delayMs;
    bool m_announceSize;
    int m_requests = 0;
    QList<QByteArray> m_lastPath;
    QList<QByteArray> m_lastQuery;
};

} // namespace testsupport
