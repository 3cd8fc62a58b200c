#pragma once

// Helpers shared by the MQTT integration tests and the CLI tests: running the mosquitto
// command-line clients against a test broker, generating TLS material with openssl.

#include <QProcess>
#include <QString>
#include <QStringList>

// Broker configs that read files (passwords, certificates) start with "user root": mosquitto
// started as root drops to the 'mosquitto' user, which cannot enter our private temporary
// directories. For a broker started by anyone else the line has no effect.

namespace mqtttest {

// Runs mosquitto_pub against 127.0.0.1:port with the extra arguments; returns its exit code.
int publish(quint16 port, const QStringList &args);
// Runs mosquitto_sub (-C count -W seconds) and returns what it printed.
QString subscribeOnce(quint16 port, const QStringList &args, int count = 1, int waitSeconds = 5);
// A unique topic prefix per test run, so tests sharing a broker do not see each other.
QString uniquePrefix(const QString &name);

// A CA, a server certificate for 127.0.0.1 / localhost and a client certificate, made with
// openssl in dir; a second, unrelated CA ("other") for the untrusted case.
struct TlsFiles
{
    QString caCert;
    QString serverCert;
    QString serverKey;
    QString clientCert;
    QString clientKey;
    QString otherCaCert;
    QString error;
    bool ok() const { return error.isEmpty(); }
};
TlsFiles makeTlsFiles(const QString &dir);

} // namespace mqtttest
