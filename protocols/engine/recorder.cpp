#include "recorder.h"

#include "model/eventsubscription.h"
#include "model/resourcestore.h"

namespace thingscape {

namespace {

// Events the recorder may fall behind by before the oldest are dropped (and counted).
constexpr qsizetype kQueueCapacity = 500000;

} // namespace

Recorder::Recorder(ResourceStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_worker(new RecorderWorker)
{
    qRegisterMetaType<RecorderStats>();
    m_thread.setObjectName(QStringLiteral("recorder"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // The worker answers every open() in order: only the answer to the last start() decides.
    connect(m_worker, &RecorderWorker::opened, this, [this](const QString &) {
        if (--m_opensPending > 0)
            return;
        if (m_state == State::Opening)
            setState(State::Recording);
    });
    connect(m_worker, &RecorderWorker::failed, this, [this](const QString &error, bool opening) {
        if (opening && --m_opensPending > 0)
            return;
        m_error = error;
        if (opening)
            setState(m_state == State::Opening ? State::Off : m_state);
        else if (m_state == State::Recording)
            setState(State::Paused);
        Q_EMIT errorOccurred(error);
    });
    connect(m_worker, &RecorderWorker::problem, this, [this](const QString &error) {
        m_error = error;
        Q_EMIT errorOccurred(error);
    });
    connect(m_worker, &RecorderWorker::statsChanged, this, [this](const RecorderStats &stats) {
        if (m_state == State::Off)
            return;
        m_stats = stats;
        Q_EMIT statsChanged();
    });
    // Before the batch's value events reach the worker's queue (the store emits it first).
    connect(m_store, &ResourceStore::batchApplied, this, &Recorder::postMetadata);
    m_thread.start();
}

void Recorder::postMetadata(const StoreBatch &batch)
{
    if (m_state != State::Opening && m_state != State::Recording)
        return;
    QList<RecorderMetadata> metadata;
    metadata.reserve(batch.added.size() + batch.changed.size());
    for (const QList<const Resource *> *resources : {&batch.added, &batch.changed}) {
        for (const Resource *resource : *resources)
            metadata.append({resource->id(), resource->sharedMetadata()});
    }
    // A write is no change of the resource written: its metadata goes with its event all the same.
    for (const Message &message : batch.messages) {
        if (message.direction != Direction::Out)
            continue;
        if (const Resource *resource = m_store->find(message.id))
            metadata.append({resource->id(), resource->sharedMetadata()});
    }
    if (metadata.isEmpty())
        return;
    RecorderWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, metadata = std::move(metadata), lastSeq = m_store->valueEventCount()] { worker->noteMetadata(metadata, lastSeq); },
        Qt::QueuedConnection);
}

Recorder::~Recorder()
{
    stop();
    m_thread.quit();
    m_thread.wait();
}

std::shared_ptr<EventSubscription> Recorder::subscribe()
{
    return m_store->subscribe(QStringLiteral("recorder"), kQueueCapacity);
}

void Recorder::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void Recorder::start(const RecordingConfig &config, const QString &database, const QString &password)
{
    m_config = config;
    m_database = database;
    m_password = password;
    m_error.clear();
    m_stats = {};
    setState(State::Opening);
    ++m_opensPending;
    RecorderWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, config, database, password, subscription = subscribe()] { worker->open(config, database, password, subscription); },
        Qt::QueuedConnection);
}

void Recorder::pause()
{
    if (m_state != State::Recording)
        return;
    QMetaObject::invokeMethod(m_worker, &RecorderWorker::pause, Qt::QueuedConnection);
    setState(State::Paused);
}

void Recorder::resume()
{
    if (m_state != State::Paused)
        return;
    m_error.clear();
    RecorderWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, subscription = subscribe()] { worker->resume(subscription); }, Qt::QueuedConnection);
    setState(State::Recording);
}

void Recorder::stop()
{
    if (m_state == State::Off)
        return;
    if (m_thread.isRunning())
        QMetaObject::invokeMethod(m_worker, &RecorderWorker::close, Qt::BlockingQueuedConnection);
    setState(State::Off);
}

void Recorder::flush()
{
    if (m_state == State::Recording && m_thread.isRunning())
        QMetaObject::invokeMethod(m_worker, &RecorderWorker::flush, Qt::BlockingQueuedConnection);
}

} // namespace thingscape
