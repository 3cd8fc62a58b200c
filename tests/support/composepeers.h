#pragma once

// Peers the Compose tests (the composer's and the dock's) start the same way: a subscriber
// that shows the MQTT 5 properties a publish carried, and libcoap's example server whose debug
// log shows the options a request carried.

#include <QByteArray>
#include <QProcess>
#include <QString>

namespace testsupport {

// mosquitto_sub -V 5 on topic for one QoS 1 message, printed with format (-F, e.g. "%C|%R|%p");
// true once it is subscribed.
bool startMqtt5Subscriber(QProcess *process, quint16 port, const QString &topic, const QString &format);

// coap-server-openssl on 127.0.0.1 and a free UDP port; it dies with the test.
class CoapServerProcess
{
public:
    ~CoapServerProcess();
    // verbose: its debug log (-v 7) is kept for log(). True once the port answers.
    bool start(const QString &program, bool verbose = false);
    quint16 port() const { return m_port; }
    // What the server logged so far (each request with its options).
    QByteArray log();

private:
    QProcess m_process;
    QByteArray m_log;
    quint16 m_port = 0;
};

} // namespace testsupport
