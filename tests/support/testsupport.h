#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace testsupport {

// A TCP / UDP port on 127.0.0.1 that was free a moment ago.
quint16 freeTcpPort();
quint16 freeUdpPort();
// Both TCP and UDP free (for servers that bind both).
quint16 freePort();

// The full path of a program on PATH (also /usr/sbin), or empty.
QString findProgram(const QString &name);

// Whether this run is CI (CI=true / 1): there, every peer the tests need must be installed.
bool inCi();
// The full path of a program a test needs (mosquitto, coap-server-openssl, openssl...). When it
// is missing: under CI a failure (a broken install must not turn the suite green), elsewhere a
// skip. Returns empty then, with the test already marked; use REQUIRE_BINARY to return at once.
QString requireBinary(const QString &name, const QString &package = {});

// Makes the process die with the test, even when the test crashes (Linux PR_SET_PDEATHSIG),
// so no broker or server outlives a failed run. Call before start().
void dieWithParent(QProcess *process);

// Child processes of pid (from /proc), all or only those whose command is name.
QList<qint64> childProcesses(qint64 pid, const QString &name = {});
// Running (not gone, not a zombie).
bool processAlive(qint64 pid);

// Waits (with the event loop running) until something accepts TCP connections on the port.
bool waitForTcpPort(quint16 port, int timeoutMs = 5000);

// Sends a CoAP ping (empty CON) to 127.0.0.1:port until something answers: a CoAP server
// started as a process is serving (no sleep "to let it bind").
bool waitForCoapPort(quint16 port, int timeoutMs = 5000);

// Starts mosquitto_sub (with -d) against 127.0.0.1:port and the extra arguments, and returns
// once the broker acknowledged the subscription (SUBACK): no sleep "to let it subscribe".
bool startSubscriber(QProcess *process, quint16 port, const QStringList &args, int timeoutMs = 10000);
// What such a subscriber printed, without mosquitto_sub's debug lines: the payloads.
QByteArray subscriberPayloads(const QByteArray &output);

// A private mosquitto broker on loopback with a generated config; stopped by the destructor.
class Mosquitto
{
public:
    Mosquitto();
    ~Mosquitto();
    // extraConfig is appended to the generated config (listeners, TLS, passwords).
    bool start(const QString &extraConfig = {}, bool defaultListener = true);
    // A broker on 127.0.0.1:port that lets in only user with password (mosquitto_passwd writes
    // the password file into the broker's directory); true once the port answers.
    bool startWithPassword(quint16 port, const QString &user, const QString &password);
    void stop();
    // SIGKILL: no goodbye to clients, nothing saved that was not saved already.
    void kill();
    // Starts it again on the same port with the same config (and persistence directory).
    bool restart();
    quint16 port() const { return m_port; }
    QString dir() const { return m_dir.path(); }
    QString log() const;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_extraConfig;
    bool m_defaultListener = true;
};

} // namespace testsupport

// In a test function (or initTestCase): the program's path, or the test fails (CI) / skips here.
#define REQUIRE_BINARY(var, name, package)                                                         \
    const QString var = testsupport::requireBinary(QStringLiteral(name), QStringLiteral(package)); \
    if (var.isEmpty())                                                                              \
        return;
