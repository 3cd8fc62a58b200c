#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

struct coap_context_t;
struct coap_resource_t;
struct coap_session_t;
struct coap_pdu_t;
struct coap_string_t;

namespace testsupport {

// Sends a CoAP ping (empty CON) to 127.0.0.1:port until something answers.
bool waitForCoapPort(quint16 port, int timeoutMs = 5000);

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

// A CoAP server built with libcoap's server API, running its own context in its own thread:
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
        coap_resource_t *handle = nullptr; // Not owned: belongs to the context.
        qint64 counter = 0;
        bool inSet = false;
        LibcoapServer *owner = nullptr; // Not owned.
    };
    static void onGet(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
                      const coap_string_t *query, coap_pdu_t *response);
    void run();

    QList<std::shared_ptr<Entry>> m_entries;
    int m_setRateHz = 10;
    bool m_setConfirmable = false;
    coap_context_t *m_context = nullptr; // Owned; freed by the server thread.
    std::thread m_thread;
    std::atomic<bool> m_quit{false};
    std::atomic<bool> m_ready{false};
    std::atomic<bool> m_failed{false};
    std::atomic<bool> m_paused{false};
    std::atomic<qint64> m_observableResponses{0};
    std::atomic<qint64> m_changes{0};
    quint16 m_port = 0;
};

} // namespace testsupport
