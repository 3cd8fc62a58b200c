#include "secretstore.h"

#include "protocols/engine/secretprovider.h"

#include <qt6keychain/keychain.h>

#include <QPointer>
#include <QUuid>

#include <memory>

namespace thingscape {

namespace {

bool isBinaryField(const QString &field)
{
    return field == SecretProvider::kPskKeyField;
}

} // namespace

// One load / save / remove: several jobs, one callback once all have finished.
struct SecretStore::Batch
{
    int pending = 0;
    QStringList errors;
    EndpointConfig config;
    std::function<void()> finish;

    void done()
    {
        if (--pending != 0)
            return;
        // Moved out so the batch -> finish -> batch cycle ends with this call.
        const auto callback = std::exchange(finish, nullptr);
        if (callback)
            callback();
    }
};

SecretStore::SecretStore(QObject *parent)
    : SecretStore(QStringLiteral("thingscape"), parent)
{
}

SecretStore::SecretStore(const QString &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{
}

SecretStore::~SecretStore() = default;

SecretStore *SecretStore::sharedFor(QObject *owner)
{
    const QString name = QStringLiteral("thingscape-secret-store");
    if (auto *store = owner->findChild<SecretStore *>(name, Qt::FindDirectChildrenOnly))
        return store;
    auto *store = new SecretStore(owner);
    store->setObjectName(name);
    return store;
}

QStringList SecretStore::secretFields()
{
    return SecretProvider::secretFields();
}

QString SecretStore::unavailableMessage()
{
    return tr("No keyring is available: passwords and keys are kept in memory for this session only, "
              "and you will be asked for them when connecting.");
}

QStringList SecretStore::missingSecrets(const EndpointConfig &config)
{
    return SecretProvider::missingSecrets(config);
}

QString SecretStore::fieldLabel(const QString &field)
{
    if (field == SecretProvider::kPasswordField)
        return tr("Password");
    if (field == SecretProvider::kKeyPasswordField)
        return tr("Private key password");
    if (field == SecretProvider::kPskKeyField)
        return tr("Pre-shared key");
    if (field == SecretProvider::kBearerTokenField)
        return tr("Bearer token");
    return field;
}

QString SecretStore::secretValue(const EndpointConfig &config, const QString &field)
{
    return SecretProvider::secretValue(config, field);
}

void SecretStore::setSecretValue(EndpointConfig &config, const QString &field, const QString &value)
{
    SecretProvider::setSecretValue(config, field, value);
}

QString SecretStore::keyFor(const QString &endpointId, const QString &field) const
{
    return endpointId + QLatin1Char('/') + field;
}

void SecretStore::startJob(QKeychain::Job *job, std::function<void(QKeychain::Job *)> done)
{
    // Jobs have no parent: the libsecret backend calls back into its job with no way to
    // cancel, so a job deleted with the store while running would be used after free. A
    // job deletes itself when it finishes; the context below drops its answer if the store
    // has gone by then.
    // Without a fallback QtKeychain would write secrets to a plain-text settings file.
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *finished) {
        done(finished);
    });
    job->start();
}

void SecretStore::probe(std::function<void(bool)> done)
{
    if (m_availability == Availability::Available || m_availability == Availability::Unavailable) {
        if (done)
            done(isAvailable());
        return;
    }
    if (done)
        m_probeWaiters.append(std::move(done));
    if (m_availability == Availability::Probing)
        return;
    m_availability = Availability::Probing;
    Q_EMIT availabilityChanged(m_availability);

    // A real round trip: some backends accept a write and fail later, or report no error
    // while nothing answers on the bus.
    const QString key = keyFor(QStringLiteral("probe-") + QUuid::createUuid().toString(QUuid::WithoutBraces),
                               QStringLiteral("probe"));
    const QString secret = QUuid::createUuid().toString();
    auto *write = new QKeychain::WritePasswordJob(m_service);
    write->setKey(key);
    write->setTextData(secret);
    startJob(write, [this, key, secret](QKeychain::Job *job) {
        if (job->error() != QKeychain::NoError) {
            finishProbe(false, job->errorString());
            return;
        }
        auto *read = new QKeychain::ReadPasswordJob(m_service);
        read->setKey(key);
        startJob(read, [this, key, secret](QKeychain::Job *job) {
            auto *read = static_cast<QKeychain::ReadPasswordJob *>(job);
            const bool ok = read->error() == QKeychain::NoError && read->textData() == secret;
            const QString reason = read->error() != QKeychain::NoError
                                       ? read->errorString()
                                       : tr("the keyring did not return what was stored");
            auto *remove = new QKeychain::DeletePasswordJob(m_service);
            remove->setKey(key);
            startJob(remove, [this, ok, reason](QKeychain::Job *) { finishProbe(ok, ok ? QString() : reason); });
        });
    });
}

void SecretStore::finishProbe(bool available, const QString &reason)
{
    m_availability = available ? Availability::Available : Availability::Unavailable;
    m_unavailableReason = reason;
    if (available)
        m_memory.clear();
    const auto waiters = std::exchange(m_probeWaiters, {});
    Q_EMIT availabilityChanged(m_availability);
    for (const auto &waiter : waiters)
        waiter(available);
}

void SecretStore::whenProbed(std::function<void()> work)
{
    probe([work = std::move(work)](bool) { work(); });
}

void SecretStore::loadSecrets(const EndpointConfig &config, LoadCallback done)
{
    whenProbed([this, config, done = std::move(done)]() {
        if (!isAvailable() || config.id.isEmpty()) {
            EndpointConfig filled = config;
            for (const QString &field : secretFields()) {
                const auto it = m_memory.constFind(keyFor(config.id, field));
                if (it != m_memory.constEnd())
                    setSecretValue(filled, field, *it);
            }
            if (done)
                done(filled, {});
            return;
        }
        auto batch = std::make_shared<Batch>();
        batch->config = config;
        batch->pending = int(secretFields().size());
        batch->finish = [batch, done] {
            if (done)
                done(batch->config, batch->errors.join(QStringLiteral("; ")));
        };
        for (const QString &field : secretFields()) {
            auto *read = new QKeychain::ReadPasswordJob(m_service);
            read->setKey(keyFor(config.id, field));
            startJob(read, [batch, field](QKeychain::Job *job) {
                auto *read = static_cast<QKeychain::ReadPasswordJob *>(job);
                if (read->error() == QKeychain::NoError) {
                    if (isBinaryField(field))
                        batch->config.pskKey = read->binaryData();
                    else
                        setSecretValue(batch->config, field, read->textData());
                } else if (read->error() != QKeychain::EntryNotFound) {
                    batch->errors.append(tr("%1: %2").arg(fieldLabel(field), read->errorString()));
                }
                batch->done();
            });
        }
    });
}

void SecretStore::saveSecrets(const EndpointConfig &config, DoneCallback done)
{
    whenProbed([this, config, done = std::move(done)]() {
        if (!isAvailable() || config.id.isEmpty()) {
            for (const QString &field : secretFields()) {
                const QString value = secretValue(config, field);
                if (value.isEmpty())
                    m_memory.remove(keyFor(config.id, field));
                else
                    m_memory.insert(keyFor(config.id, field), value);
            }
            if (done)
                done(true, {});
            return;
        }
        auto batch = std::make_shared<Batch>();
        batch->pending = int(secretFields().size());
        batch->finish = [batch, done] {
            if (done)
                done(batch->errors.isEmpty(), batch->errors.join(QStringLiteral("; ")));
        };
        for (const QString &field : secretFields()) {
            const QString key = keyFor(config.id, field);
            const bool empty = isBinaryField(field) ? config.pskKey.isEmpty() : secretValue(config, field).isEmpty();
            QKeychain::Job *job = nullptr;
            if (empty) {
                job = new QKeychain::DeletePasswordJob(m_service);
            } else {
                auto *write = new QKeychain::WritePasswordJob(m_service);
                if (isBinaryField(field))
                    write->setBinaryData(config.pskKey);
                else
                    write->setTextData(secretValue(config, field));
                job = write;
            }
            job->setKey(key);
            startJob(job, [batch, field, empty](QKeychain::Job *job) {
                // Deleting what was never stored is no failure.
                const bool failed = job->error() != QKeychain::NoError
                                    && !(empty && job->error() == QKeychain::EntryNotFound);
                if (failed)
                    batch->errors.append(tr("%1: %2").arg(fieldLabel(field), job->errorString()));
                batch->done();
            });
        }
    });
}

void SecretStore::removeSecrets(const QString &endpointId, DoneCallback done)
{
    EndpointConfig empty;
    empty.id = endpointId;
    saveSecrets(empty, std::move(done));
}

} // namespace thingscape
