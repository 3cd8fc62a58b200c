#pragma once

#include "commandline.h"
#include "lineprinter.h"

#include "model/update.h"
#include "protocols/connector.h"

#include <QCoro/QCoroTask>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>
#include <map>

namespace thingscape {

class Engine;
class EndpointManager;
class ResourceStore;
class Wakeup;

// Runs one command-line verb against any protocol through the engine's EndpointManager (the
// same path the window uses), on the event loop of a QCoreApplication, and prints
// the outcome. The verb's --timeout is one deadline for connecting and the operation.
class VerbRunner : public QObject
{
    Q_OBJECT

public:
    explicit VerbRunner(const CliCommand &command, QObject *parent = nullptr);
    ~VerbRunner() override;

    // Runs the verb, then exits the application's event loop with the exit code.
    QCoro::Task<> runAndExit();
    QCoro::Task<int> run();

    static int exitCodeFor(ErrorKind kind);

private:
    // Starts an EndpointManager call and waits for its callback, at most until the deadline;
    // nullopt when the deadline passed first, or enough() said so first.
    template<typename R>
    QCoro::Task<std::optional<R>> await(const std::function<void(std::function<void(const R &)>)> &start,
                                        QDeadlineTimer deadline, const std::function<bool()> &enough = {});

    QCoro::Task<int> discover();
    QCoro::Task<int> get();
    QCoro::Task<int> put(const QByteArray &payload, int contentFormat);
    QCoro::Task<int> watch();
    void onUpdates(const QString &endpointId, const UpdateBatch &updates);
    void collect(const Update &update);
    struct Found;
    QByteArray formatFound(const QString &uri, const Found &found) const;
    int printFound();
    void onEndpointChanged(const QString &endpointId);
    // The connectors go first (on their thread), then the store they fed.
    void releaseEngine();
    int fail(const Result &result);
    int timedOut(const QString &what);
    void printNotice(const Result &result);
    // The deadline of the verb as a whole (--timeout), or forever.
    QDeadlineTimer verbDeadline() const;

    CliCommand m_command;
    // The same GUI-free engine the window, `run` and `serve` use, with one endpoint.
    std::unique_ptr<Engine> m_engine;
    ResourceStore *m_store = nullptr;     // Owned by m_engine.
    EndpointManager *m_manager = nullptr; // Owned by m_engine.
    QString m_endpointId;
    QElapsedTimer m_clock;
    QDeadlineTimer m_deadline; // --timeout, from the start of the verb; else forever
    // What discovery found, kept compactly (no store, no model): raw bytes, decoded when printed.
    struct Found
    {
        QByteArray raw;
        qint64 timeMs = 0;
        int contentFormat = ContentFormat::Unknown;
        Protocol protocol = Protocol::Mqtt;
        bool hasValue = false;
        std::optional<bool> retained;
        bool observable = false;
        std::unique_ptr<Value> value;   // a value the connector already decoded (or oversize)
        std::unique_ptr<Metadata> meta; // anything beyond retained / observable
        QByteArray line;                // as printed
    };
    // A found URI and where its text past the verb's own "scheme://host:port/" starts (0 for
    // another endpoint's): two URIs that both have that prefix compare past it. The order is
    // the URIs' own (QString's); a million topics cost some twenty million comparisons.
    struct FoundKey
    {
        QString uri;
        qsizetype skip = 0;
        bool operator<(const FoundKey &other) const;
    };
    FoundKey foundKey(const QString &uri) const;
    std::map<FoundKey, Found> m_found; // by URI, the order printed
    QString m_endpointPrefix;          // "scheme://host:port/" of the verb's URL
    bool m_collecting = false;
    // Empty but for the flags of the metadata collect() compares: equal to it means the
    // metadata says only what every MQTT message does (no copy of it per topic).
    Metadata m_flagsOnly;
    LinePrinter m_printer;
    int m_watched = 0;
    bool m_watching = false;
    bool m_wasConnected = false; // watch: to tell an outage and a reconnect apart
    bool m_outage = false;
    bool m_gaveUp = false;
    Wakeup *m_wakeup; // Owned by this (a child).
};

} // namespace thingscape
