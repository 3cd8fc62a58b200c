#pragma once

#include "model/endpointconfig.h"

#include <QHash>
#include <QObject>
#include <QStringList>

#include <functional>

namespace QKeychain {
class Job;
}

namespace thingscape {

// Endpoint secrets (password, key password, PSK, bearer token) in the system keyring through
// QtKeychain, under the service "thingscape" and the key "<endpoint id>/<field>". Never on
// disk in plain text: where no keyring answers, secrets live in memory for this session
// only and the caller asks the user for them when connecting (see SecretPrompt).
// Everything is asynchronous; callbacks run on the store's thread and never after the
// store is gone.
class SecretStore : public QObject
{
    Q_OBJECT

public:
    enum class Availability {
        Unknown,     // probe not started
        Probing,
        Available,
        Unavailable, // see unavailableReason()
    };
    Q_ENUM(Availability)

    using DoneCallback = std::function<void(bool ok, const QString &error)>;
    using LoadCallback = std::function<void(const EndpointConfig &config, const QString &error)>;

    explicit SecretStore(QObject *parent = nullptr);
    SecretStore(const QString &service, QObject *parent);
    ~SecretStore() override;

    // The store that lives as a child of owner (made on first use): one per session, so
    // that secrets kept in memory outlive the dialog that asked for them.
    static SecretStore *sharedFor(QObject *owner);

    // The secret fields of EndpointConfig, as used in keyring keys.
    static QStringList secretFields();
    // The sentence the UI shows when there is no keyring.
    static QString unavailableMessage();
    // The secrets the endpoint needs to connect but does not hold (a user name without a
    // password, a PSK identity without a key, an encrypted key file without its password).
    static QStringList missingSecrets(const EndpointConfig &config);
    static QString fieldLabel(const QString &field);
    static QString secretValue(const EndpointConfig &config, const QString &field);
    static void setSecretValue(EndpointConfig &config, const QString &field, const QString &value);

    QString service() const { return m_service; }
    // Probes the keyring once (writes, reads back and deletes a probe entry); later calls
    // answer from the first result. done(available).
    void probe(std::function<void(bool available)> done = {});
    Availability availability() const { return m_availability; }
    bool isAvailable() const { return m_availability == Availability::Available; }
    QString unavailableReason() const { return m_unavailableReason; }

    // Fills the secret fields of a copy of config from the keyring (or the session memory);
    // fields with no stored secret keep the value config had. Waits for the probe.
    void loadSecrets(const EndpointConfig &config, LoadCallback done);
    // Stores the non-empty secret fields and deletes the empty ones.
    void saveSecrets(const EndpointConfig &config, DoneCallback done = {});
    void removeSecrets(const QString &endpointId, DoneCallback done = {});

Q_SIGNALS:
    void availabilityChanged(thingscape::SecretStore::Availability availability);

private:
    struct Batch;

    void whenProbed(std::function<void()> work);
    void finishProbe(bool available, const QString &reason);
    QString keyFor(const QString &endpointId, const QString &field) const;
    void startJob(QKeychain::Job *job, std::function<void(QKeychain::Job *)> done);

    QString m_service;
    Availability m_availability = Availability::Unknown;
    QString m_unavailableReason;
    QList<std::function<void(bool)>> m_probeWaiters;
    QHash<QString, QString> m_memory; // key -> secret, only while no keyring answers
};

} // namespace thingscape
