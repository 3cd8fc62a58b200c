#include "simulator.h"

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>

namespace testsupport {

bool Simulator::start(const QStringList &args)
{
    m_process.setProgram(qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape-sim"));
    m_process.setArguments(QStringList{QStringLiteral("--print-endpoints")} + args);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    dieWithParent(&m_process);
    m_process.start();
    if (!m_process.waitForStarted(5000))
        return false;
    QByteArray line;
    QDeadlineTimer deadline(20000);
    while (!line.contains('\n') && !deadline.hasExpired()) {
        m_process.waitForReadyRead(200);
        line += m_process.readAllStandardOutput();
    }
    const QJsonObject endpoints = QJsonDocument::fromJson(line.left(line.indexOf('\n'))).object();
    mqtt = endpoints.value(QStringLiteral("mqtt")).toString();
    coap = endpoints.value(QStringLiteral("coap")).toString();
    http = endpoints.value(QStringLiteral("http")).toString();
    const auto wanted = [&args](const char *part, const QString &url) {
        return args.contains(QStringLiteral("--no-") + QLatin1String(part)) || !url.isEmpty();
    };
    return wanted("mqtt", mqtt) && wanted("coap", coap) && wanted("http", http);
}

Simulator::~Simulator()
{
    m_process.terminate();
    if (!m_process.waitForFinished(5000))
        m_process.kill();
    m_process.waitForFinished(2000);
}

} // namespace testsupport
