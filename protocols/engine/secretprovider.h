#pragma once

#include "model/endpointconfig.h"

#include <QObject>
#include <QStringList>

#include <functional>

namespace thingscape {

// The answer to one request for an endpoint's secrets.
struct SecretAnswer
{
    enum class Outcome {
        Complete,  // config holds every secret the endpoint needs
        Missing,   // error names the endpoint and each missing secret
        Cancelled, // the user declined to give them: nothing to report
    };

    Outcome outcome = Outcome::Complete;
    EndpointConfig config; // the endpoint with every secret that was found filled in
    QString error;

    bool ok() const { return outcome == Outcome::Complete; }
};

// Where the engine gets the secrets (password, key password, PSK, bearer token) that a
// workspace file never holds. The window asks the keyring and then the user; headless runs
// read a secrets file or the environment (HeadlessSecretProvider).
class SecretProvider : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const SecretAnswer &answer)>;

    explicit SecretProvider(QObject *parent = nullptr);
    ~SecretProvider() override;

    // Fills in the secrets config needs; secrets config already holds are kept. done runs
    // exactly once on this object's thread (possibly before loadSecrets returns), and never
    // after the provider is gone.
    virtual void loadSecrets(const EndpointConfig &config, Callback done) = 0;

    // The secret fields of EndpointConfig by name: password, keyPassword, pskKey, bearerToken
    // (the names the keyring and the secrets file use too).
    static inline const QString kPasswordField = QStringLiteral("password");
    static inline const QString kKeyPasswordField = QStringLiteral("keyPassword");
    static inline const QString kPskKeyField = QStringLiteral("pskKey");
    static inline const QString kBearerTokenField = QStringLiteral("bearerToken");
    static QStringList secretFields();
    static QString secretValue(const EndpointConfig &config, const QString &field);
    static void setSecretValue(EndpointConfig &config, const QString &field, const QString &value);
    static bool sameSecrets(const EndpointConfig &a, const EndpointConfig &b);
    // The secrets the endpoint needs to connect but does not hold (a user name without a
    // password, a PSK identity without a key, an encrypted key file without its password).
    static QStringList missingSecrets(const EndpointConfig &config);
    // Whether connecting may need a secret at all (credentials or secrets configured).
    static bool mayNeedSecrets(const EndpointConfig &config);
    // "endpoint 'Broker' (id broker)": how error messages name an endpoint.
    static QString describeEndpoint(const EndpointConfig &config);
};

} // namespace thingscape
