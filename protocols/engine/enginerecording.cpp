// Engine's recording half: kept apart from engine.cpp, which many hands edit.
#include "engine.h"

#include "recorder.h"
#include "secretprovider.h"

#include "model/recording/recordingconfig.h"
#include "model/resourcestore.h"

#include <QCoreApplication>
#include <QUrl>

namespace thingscape {

namespace {

const QString kRecordingKey = QStringLiteral("recording");

// The user named in a PostgreSQL connection string, and whether it carries a password.
QString postgresUser(const QString &database, bool *hasPassword)
{
    if (database.contains(QLatin1String("://"))) {
        const QUrl url(database);
        *hasPassword = !url.password().isEmpty();
        return url.userName();
    }
    QString user;
    *hasPassword = false;
    for (const QString &item : database.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (item.startsWith(QLatin1String("user=")))
            user = item.mid(5);
        else if (item.startsWith(QLatin1String("password=")))
            *hasPassword = true;
    }
    return user;
}

} // namespace

Recorder *Engine::recorder()
{
    if (!m_recorder)
        m_recorder = std::make_unique<Recorder>(m_store.get());
    return m_recorder.get();
}

RecordingConfig Engine::recordingConfig() const
{
    return RecordingConfig::fromJson(m_extra.value(kRecordingKey).toObject());
}

void Engine::setRecordingConfig(const RecordingConfig &config)
{
    if (config == recordingConfig() && m_extra.contains(kRecordingKey))
        return;
    m_extra.insert(kRecordingKey, config.toJson());
    applyRecording();
    Q_EMIT changed();
}

void Engine::applyRecording()
{
    if (!m_extra.contains(kRecordingKey)) {
        if (m_recorder)
            m_recorder->stop();
        return;
    }
    const RecordingConfig config = recordingConfig();
    if (!config.enabled) {
        if (m_recorder)
            m_recorder->stop();
        return;
    }
    QString error;
    if (!startRecording(config, &error)) {
        recorder();
        Q_EMIT m_recorder->errorOccurred(error);
    }
}

bool Engine::startRecording(const RecordingConfig &config, QString *error)
{
    QString why;
    if (!config.validate(&why)) {
        if (error)
            *error = why;
        return false;
    }
    Recorder *rec = recorder();
    rec->stop();
    const QString database = config.database.isEmpty() ? RecordingConfig::defaultPathFor(m_path) : config.database;
    bool hasPassword = false;
    const QString user = config.isPostgres() ? postgresUser(database, &hasPassword) : QString();
    if (user.isEmpty() || hasPassword || !m_secrets) {
        rec->start(config, database);
        return true;
    }
    EndpointConfig secretsFor;
    secretsFor.id = kRecordingKey;
    secretsFor.name = QCoreApplication::translate("recording", "the recording database");
    secretsFor.username = user;
    QPointer<Recorder> guard = rec;
    m_secrets->loadSecrets(secretsFor, [guard, config, database](const SecretAnswer &answer) {
        // Without a password, the server may still let us in (trust, peer, .pgpass).
        if (guard)
            guard->start(config, database, answer.config.password);
    });
    return true;
}

void Engine::stopRecording()
{
    if (m_recorder)
        m_recorder->stop();
}

} // namespace thingscape
