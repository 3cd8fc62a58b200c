#pragma once

#include "secretprovider.h"

#include <QHash>
#include <QPointer>

namespace thingscape {

// Secrets for runs without a window, looked up per secret field in this order:
//   1. what the endpoint's config already holds;
//   2. the environment: THINGSCAPE_SECRET_<ENDPOINT>_<FIELD>, where <ENDPOINT> is the
//      endpoint id upper-cased with every character outside A-Z and 0-9 turned into '_'
//      and <FIELD> is PASSWORD, KEYPASSWORD, PSKKEY or BEARERTOKEN
//      (id "home-broker", password: THINGSCAPE_SECRET_HOME_BROKER_PASSWORD);
//   3. secrets files (loadFile): one "<endpoint id>/<field>=<value>" per line, fields named
//      password, keyPassword, pskKey, bearerToken; '#' starts a comment line; the value is
//      everything after the first '=' up to the line end;
//   4. a fallback provider (the keyring, where one is reachable), only for what is still
//      missing.
// What is still missing then fails with a message naming the endpoint, the secret and
// where it was looked for.
class HeadlessSecretProvider : public SecretProvider
{
    Q_OBJECT

public:
    explicit HeadlessSecretProvider(QObject *parent = nullptr);
    ~HeadlessSecretProvider() override;

    // Adds the secrets of a file (later files override earlier ones). On failure *error names
    // the file and, for a malformed line, its number; nothing of that file is kept.
    bool loadFile(const QString &path, QString *error = nullptr);
    void setSecret(const QString &endpointId, const QString &field, const QString &value);
    // Asked for what neither the environment nor the files hold. Not owned.
    void setFallback(SecretProvider *fallback);

    // The environment variable that holds an endpoint's secret field.
    static QString environmentVariable(const QString &endpointId, const QString &field);

    void loadSecrets(const EndpointConfig &config, Callback done) override;

private:
    // Fills what the environment and the files hold into the empty secret fields.
    EndpointConfig filled(const EndpointConfig &config) const;
    QString missingMessage(const EndpointConfig &config, const QStringList &missing) const;
    void answer(Callback done, const SecretAnswer &answer);

    QHash<QString, QString> m_secrets; // "<endpoint id>/<field>" -> value
    QStringList m_files;
    QPointer<SecretProvider> m_fallback;
};

} // namespace thingscape
