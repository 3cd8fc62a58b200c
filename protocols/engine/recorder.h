#pragma once

#include "recorderworker.h"

#include <QObject>
#include <QThread>

namespace thingscape {

class ResourceStore;
struct StoreBatch;

// Records the store's value events into a database (SQLite or PostgreSQL) on its own thread,
// in batched transactions (a killed process loses at most the last batch period). Off,
// recording or paused; a failure to open leaves it off with error(), a failure to write (a
// full disk) pauses it with error() until resume(). Never blocks the thread it lives on,
// except stop() and the destructor, which wait for the last batch.
class Recorder : public QObject
{
    Q_OBJECT

public:
    enum class State {
        Off,
        Opening,
        Recording,
        Paused,
    };
    Q_ENUM(State)

    explicit Recorder(ResourceStore *store, QObject *parent = nullptr);
    ~Recorder() override;

    // database: a resolved SQLite path or PostgreSQL connection string; password for it.
    void start(const RecordingConfig &config, const QString &database, const QString &password = {});
    void pause();
    void resume();
    void stop();
    // Commits what the store has handed over so far (for a clean exit; tests).
    void flush();

    State state() const { return m_state; }
    QString error() const { return m_error; }
    RecordingConfig config() const { return m_config; }
    QString database() const { return m_database; }
    // The password start() was given (PostgreSQL, from the secret store), for readers of the
    // same database such as the history browser.
    QString password() const { return m_password; }
    const RecorderStats &stats() const { return m_stats; }

Q_SIGNALS:
    void stateChanged(thingscape::Recorder::State state);
    // Opening or writing failed (error() says why), or something else went wrong.
    void errorOccurred(const QString &error);
    void statsChanged();

private:
    void setState(State state);
    // Hands the worker the metadata of what a store batch added or changed.
    void postMetadata(const StoreBatch &batch);

    std::shared_ptr<EventSubscription> subscribe();

    ResourceStore *m_store; // Not owned; outlives the recorder.
    QThread m_thread;
    RecorderWorker *m_worker; // Owned; lives on m_thread, deleted when it finishes.
    RecordingConfig m_config;
    QString m_database;
    QString m_password;
    State m_state = State::Off;
    QString m_error;
    RecorderStats m_stats;
    int m_opensPending = 0; // start()s the worker has not answered yet
};

} // namespace thingscape
