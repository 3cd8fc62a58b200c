#include "simulator.h"

#include "testsupport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <csignal>
#include <cstdio>

namespace testsupport {

bool Simulator::start(const QStringList &args)
{
    // ctest names the build directory; run by hand, a test or bench binary sits two levels
    // below it (build/tests/bench/...). A bench run by hand once failed with no word of why.
    QString binaryDir = qEnvironmentVariable("THINGSCAPE_BINARY_DIR");
    if (binaryDir.isEmpty())
        binaryDir = QCoreApplication::applicationDirPath() + QStringLiteral("/../..");
    const QString program = QDir::cleanPath(binaryDir + QStringLiteral("/app/thingscape-sim"));
    if (!QFileInfo(program).isExecutable()) {
        std::fprintf(stderr, "thingscape-sim not found at %s: set THINGSCAPE_BINARY_DIR to the build directory\n",
                     qPrintable(program));
        return false;
    }
    m_process.setProgram(program);
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

QJsonObject Simulator::hold(int timeoutMs)
{
    if (m_process.state() != QProcess::Running || ::kill(pid_t(m_process.processId()), SIGUSR1) != 0)
        return {};
    QByteArray line;
    QDeadlineTimer deadline(timeoutMs);
    while (!line.contains('\n') && !deadline.hasExpired()) {
        m_process.waitForReadyRead(200);
        line += m_process.readAllStandardOutput();
    }
    return QJsonDocument::fromJson(line.left(line.indexOf('\n'))).object().value(QStringLiteral("held")).toObject();
}

Simulator::~Simulator()
{
    m_process.terminate();
    if (!m_process.waitForFinished(5000))
        m_process.kill();
    m_process.waitForFinished(2000);
}

} // namespace testsupport
