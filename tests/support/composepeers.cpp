#include "composepeers.h"

#include "testsupport.h"

namespace testsupport {

bool startMqtt5Subscriber(QProcess *process, quint16 port, const QString &topic, const QString &format)
{
    return startSubscriber(process, port,
                           {QStringLiteral("-V"), QStringLiteral("5"), QStringLiteral("-q"), QStringLiteral("1"),
                            QStringLiteral("-t"), topic, QStringLiteral("-C"), QStringLiteral("1"), QStringLiteral("-F"),
                            format});
}

CoapServerProcess::~CoapServerProcess()
{
    m_process.kill();
    m_process.waitForFinished();
}

bool CoapServerProcess::start(const QString &program, bool verbose)
{
    m_port = freeUdpPort();
    dieWithParent(&m_process);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    QStringList args{QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port)};
    if (verbose)
        args << QStringLiteral("-v") << QStringLiteral("7");
    else
        m_process.setStandardOutputFile(QProcess::nullDevice());
    m_process.start(program, args);
    return m_process.waitForStarted() && waitForCoapPort(m_port);
}

QByteArray CoapServerProcess::log()
{
    m_log += m_process.readAll();
    return m_log;
}

} // namespace testsupport
