#include "testsupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUdpSocket>

#include <algorithm>
#include <csignal>
#include <sys/prctl.h>

namespace testsupport {

quint16 freeTcpPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

quint16 freeUdpPort()
{
    QUdpSocket socket;
    socket.bind(QHostAddress::LocalHost, 0);
    return socket.localPort();
}

quint16 freePort()
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer server;
        if (!server.listen(QHostAddress::LocalHost, 0))
            continue;
        const quint16 port = server.serverPort();
        QUdpSocket udp;
        if (udp.bind(QHostAddress::LocalHost, port))
            return port;
    }
    return 0;
}

QString findProgram(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                     QStringLiteral("/usr/local/sbin")});
    return path;
}

bool inCi()
{
    const QByteArray ci = qgetenv("CI").trimmed().toLower();
    return !ci.isEmpty() && ci != "0" && ci != "false" && ci != "no";
}

QString requireBinary(const QString &name, const QString &package)
{
    const QString path = findProgram(name);
    if (!path.isEmpty())
        return path;
    const QString why = package.isEmpty()
        ? QStringLiteral("%1 is not installed").arg(name)
        : QStringLiteral("%1 is not installed (Debian package %2)").arg(name, package);
    if (inCi())
        QTest::qFail(qPrintable(why + QStringLiteral(": under CI every peer must be there")), __FILE__, __LINE__);
    else
        QTest::qSkip(qPrintable(why), __FILE__, __LINE__);
    return {};
}

void dieWithParent(QProcess *process)
{
    process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

namespace {

// /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
bool readStat(qint64 pid, QString *name, char *state, qint64 *parent)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype open = text.indexOf('(');
    const qsizetype close = text.lastIndexOf(')');
    if (open < 0 || close < 0 || close + 2 >= text.size())
        return false;
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    *name = QString::fromUtf8(text.mid(open + 1, close - open - 1));
    *state = fields.value(0).isEmpty() ? '?' : fields.value(0).at(0);
    *parent = fields.value(1).toLongLong();
    return true;
}

} // namespace

QList<qint64> childProcesses(qint64 pid, const QString &name)
{
    QList<qint64> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 child = entry.toLongLong(&ok);
        QString command;
        char state = '?';
        qint64 parent = 0;
        if (ok && readStat(child, &command, &state, &parent) && parent == pid && (name.isEmpty() || command == name))
            children.append(child);
    }
    return children;
}

bool processAlive(qint64 pid)
{
    QString command;
    char state = '?';
    qint64 parent = 0;
    return readStat(pid, &command, &state, &parent) && state != 'Z' && state != 'X';
}

bool waitForTcpPort(quint16 port, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (socket.waitForConnected(200))
            return true;
        QTest::qWait(50);
    }
    return false;
}

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

bool startSubscriber(QProcess *process, quint16 port, const QStringList &args, int timeoutMs)
{
    const QString program = findProgram(QStringLiteral("mosquitto_sub"));
    if (program.isEmpty())
        return false;
    // mosquitto_sub's stdout is block-buffered into a pipe: line-buffer it (coreutils' stdbuf)
    // so its "received SUBACK" shows up when it happens.
    const QString stdbuf = findProgram(QStringLiteral("stdbuf"));
    if (stdbuf.isEmpty())
        return false;
    process->start(stdbuf, QStringList{QStringLiteral("-oL"), program, QStringLiteral("-d"), QStringLiteral("-h"),
                                       QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port)}
                               + args);
    if (!process->waitForStarted(5000))
        return false;
    QDeadlineTimer deadline(timeoutMs);
    // peek(): the output stays for the caller.
    while (!process->peek(1 << 20).contains("received SUBACK")) {
        if (deadline.hasExpired() || process->state() != QProcess::Running)
            return false;
        process->waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
    }
    return true;
}

QByteArray subscriberPayloads(const QByteArray &output)
{
    QByteArray payloads;
    for (const QByteArray &line : output.split('\n')) {
        if (line.startsWith("Client ") || line.startsWith("Subscribed (") || line.isEmpty())
            continue;
        payloads += line + '\n';
    }
    return payloads;
}

Mosquitto::Mosquitto() = default;

Mosquitto::~Mosquitto()
{
    stop();
}

bool Mosquitto::start(const QString &extraConfig, bool defaultListener)
{
    const QString program = findProgram(QStringLiteral("mosquitto"));
    if (program.isEmpty())
        return false;
    m_extraConfig = extraConfig;
    m_defaultListener = defaultListener;
    if (m_port == 0)
        m_port = freeTcpPort();
    QFile config(m_dir.filePath(QStringLiteral("mosquitto.conf")));
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QString text = QStringLiteral("persistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n"
                                  "per_listener_settings false\n");
    if (defaultListener)
        text += QStringLiteral("listener %1 127.0.0.1\nallow_anonymous true\n").arg(m_port);
    text += extraConfig;
    config.write(text.toUtf8());
    config.close();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    dieWithParent(m_process.get());
    m_process->start(program, {QStringLiteral("-c"), config.fileName()});
    if (!m_process->waitForStarted(5000))
        return false;
    if (!defaultListener)
        return true;
    return waitForTcpPort(m_port);
}

bool Mosquitto::startWithPassword(quint16 port, const QString &user, const QString &password)
{
    const QString passwords = m_dir.filePath(QStringLiteral("passwords"));
    QProcess passwd;
    passwd.start(findProgram(QStringLiteral("mosquitto_passwd")),
                 {QStringLiteral("-b"), QStringLiteral("-c"), passwords, user, password});
    if (!passwd.waitForFinished(10000) || passwd.exitStatus() != QProcess::NormalExit || passwd.exitCode() != 0) {
        qWarning("mosquitto_passwd failed: %s", passwd.readAllStandardError().constData());
        return false;
    }
    QFile::setPermissions(passwords, QFile::ReadOwner | QFile::WriteOwner);
    return start(QStringLiteral("user root\nlistener %1 127.0.0.1\nallow_anonymous false\npassword_file %2\n")
                     .arg(port)
                     .arg(passwords),
                 false)
        && waitForTcpPort(port);
}

void Mosquitto::stop()
{
    if (!m_process)
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    m_process.reset();
}

void Mosquitto::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    m_process.reset();
}

bool Mosquitto::restart()
{
    stop();
    return start(m_extraConfig, m_defaultListener);
}

QString Mosquitto::log() const
{
    return m_process ? QString::fromLocal8Bit(m_process->readAll()) : QString();
}

} // namespace testsupport
