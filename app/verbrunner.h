#pragma once

#include "commandline.h"

#include "model/update.h"
#include "protocols/connector.h"

#include <QCoro/QCoroTask>
#include <QObject>

#include <memory>

namespace thingscape {

class ResourceStore;
class Wakeup;

// Runs one command-line verb against any protocol through the Connector interface, on the
// event loop of a QCoreApplication, and prints the outcome.
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
    QCoro::Task<int> discover();
    QCoro::Task<int> get();
    QCoro::Task<int> put();
    QCoro::Task<int> watch();
    void onWatchUpdates(const UpdateBatch &updates);
    int fail(const Result &result);
    void printNotice(const Result &result);
    void finish();

    CliCommand m_command;
    std::unique_ptr<Connector> m_connector;
    std::unique_ptr<ResourceStore> m_store;
    int m_watched = 0;
    Wakeup *m_wakeup; // Owned by this (a child).
};

} // namespace thingscape
