#include "mqtttesthelpers.h"

#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>

namespace mqtttest {

int publish(quint16 port, const QStringList &args)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedChannels);
    process.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
                  QStringList{QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                              QString::number(port)}
                      + args);
    if (!process.waitForFinished(10000))
        return -1;
    return process.exitCode();
}

QString subscribeOnce(quint16 port, const QStringList &args, int count, int waitSeconds)
{
    QProcess process;
    process.start(testsupport::findProgram(QStringLiteral("mosquitto_sub")),
                  QStringList{QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                              QString::number(port), QStringLiteral("-C"), QString::number(count),
                              QStringLiteral("-W"), QString::number(waitSeconds)}
                      + args);
    process.waitForFinished((waitSeconds + 5) * 1000);
    return QString::fromUtf8(process.readAllStandardOutput());
}

QString uniquePrefix(const QString &name)
{
    return QStringLiteral("tst/%1/%2").arg(name).arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
}

namespace {

bool openssl(const QStringList &args, QString *error)
{
    QProcess process;
    process.start(testsupport::findProgram(QStringLiteral("openssl")), args);
    if (!process.waitForFinished(60000) || process.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed: %2")
                     .arg(args.join(QLatin1Char(' ')), QString::fromLocal8Bit(process.readAllStandardError()));
        return false;
    }
    return true;
}

bool makeCa(const QString &dir, const QString &name, QString *error)
{
    return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                    QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                    QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=%1").arg(name),
                    QStringLiteral("-keyout"), dir + QStringLiteral("/%1.key").arg(name), QStringLiteral("-out"),
                    dir + QStringLiteral("/%1.crt").arg(name)},
                   error);
}

bool makeSigned(const QString &dir, const QString &name, const QString &ca, const QString &extensions, QString *error)
{
    const QString key = dir + QStringLiteral("/%1.key").arg(name);
    const QString csr = dir + QStringLiteral("/%1.csr").arg(name);
    const QString ext = dir + QStringLiteral("/%1.ext").arg(name);
    QFile extFile(ext);
    if (!extFile.open(QIODevice::WriteOnly))
        return false;
    extFile.write(extensions.toUtf8());
    extFile.close();
    return openssl({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                    QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=%1").arg(name),
                    QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr},
                   error)
        && openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr, QStringLiteral("-CA"),
                    dir + QStringLiteral("/%1.crt").arg(ca), QStringLiteral("-CAkey"),
                    dir + QStringLiteral("/%1.key").arg(ca), QStringLiteral("-CAcreateserial"),
                    QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-extfile"), ext,
                    QStringLiteral("-out"), dir + QStringLiteral("/%1.crt").arg(name)},
                   error);
}

} // namespace

TlsFiles makeTlsFiles(const QString &dir)
{
    TlsFiles files;
    QString error;
    const bool ok = makeCa(dir, QStringLiteral("ca"), &error) && makeCa(dir, QStringLiteral("otherca"), &error)
        && makeSigned(dir, QStringLiteral("server"), QStringLiteral("ca"),
                      QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                     "extendedKeyUsage=serverAuth\n"),
                      &error)
        && makeSigned(dir, QStringLiteral("client"), QStringLiteral("ca"),
                      QStringLiteral("extendedKeyUsage=clientAuth\n"), &error);
    if (!ok) {
        files.error = error.isEmpty() ? QStringLiteral("cannot write into %1").arg(dir) : error;
        return files;
    }
    files.caCert = dir + QStringLiteral("/ca.crt");
    files.serverCert = dir + QStringLiteral("/server.crt");
    files.serverKey = dir + QStringLiteral("/server.key");
    files.clientCert = dir + QStringLiteral("/client.crt");
    files.clientKey = dir + QStringLiteral("/client.key");
    files.otherCaCert = dir + QStringLiteral("/otherca.crt");
    return files;
}

} // namespace mqtttest
