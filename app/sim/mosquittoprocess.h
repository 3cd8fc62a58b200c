#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QProcess;
class QTcpSocket;
class QTemporaryDir;
class QTimer;

namespace thingscape::sim {

// A private mosquitto broker on 127.0.0.1 with a generated config in a temporary
// directory; the destructor stops it and removes the directory.
class MosquittoProcess : public QObject
{
    Q_OBJECT

public:
    explicit MosquittoProcess(QObject *parent = nullptr);
    ~MosquittoProcess() override;

    // mosquitto on PATH or in /usr/sbin, or empty.
    static QString findProgram();

    // Non-blocking: emits ready() once the listener accepts connections, or failed().
    void start(quint16 port);
    quint16 port() const { return m_port; }
    QString directory() const;

signals:
    void ready();
    void failed(const QString &reason);

private:
    void launch();
    void probe();
    void onFinished();
    void stop();

    QString m_program;
    quint16 m_requestedPort = 0;
    quint16 m_port = 0;
    int m_attempts = 0;
    bool m_ready = false;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<QTcpSocket> m_probe;
    std::unique_ptr<QTimer> m_probeTimer;
};

} // namespace thingscape::sim
