#include "serveverb.h"

#include "cli.h"
#include "sim/signalwatcher.h"

#include "model/workspace.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/headlesssecretprovider.h"
#include "protocols/gateway/gateway.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#include <cmath>
#include <cstdio>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("serve", text);
}

void printErr(const QString &text)
{
    const QByteArray line = QStringLiteral("thingscape serve: %1\n").arg(text).toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

struct ServeOptions
{
    QString path;
    GatewayOptions gateway;
    bool httpGiven = false;
    QString tokenFile;
    double forSeconds = -1;
};

bool parse(const QStringList &args, ServeOptions *options, QString *error)
{
    for (qsizetype i = 2; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == QLatin1String("--read-only")) {
            options->gateway.readOnly = true;
        } else if (arg == QLatin1String("--http") || arg == QLatin1String("--coap") || arg == QLatin1String("--token-file")
                   || arg == QLatin1String("--for") || arg == QLatin1String("--max-body")) {
            if (i + 1 >= args.size()) {
                *error = tr("%1 needs a value").arg(arg);
                return false;
            }
            const QString value = args.at(++i);
            if (arg == QLatin1String("--http")) {
                if (!GatewayOptions::parseAddress(value, &options->gateway.httpAddress, &options->gateway.httpPort, error))
                    return false;
                options->httpGiven = true;
            } else if (arg == QLatin1String("--coap")) {
                if (!GatewayOptions::parseAddress(value, &options->gateway.coapAddress, &options->gateway.coapPort, error))
                    return false;
                options->gateway.coap = true;
            } else if (arg == QLatin1String("--token-file")) {
                options->tokenFile = value;
            } else if (arg == QLatin1String("--max-body")) {
                bool ok = false;
                options->gateway.maxBodyBytes = value.toLongLong(&ok);
                if (!ok || options->gateway.maxBodyBytes < 1) {
                    *error = tr("--max-body needs a number of bytes, not \"%1\"").arg(value);
                    return false;
                }
            } else {
                bool ok = false;
                options->forSeconds = value.toDouble(&ok);
                if (!ok || !std::isfinite(options->forSeconds) || options->forSeconds < 0) {
                    *error = tr("--for needs a number of seconds, not \"%1\"").arg(value);
                    return false;
                }
            }
        } else if (arg.startsWith(QLatin1String("--"))) {
            *error = tr("unknown option %1").arg(arg);
            return false;
        } else if (options->path.isEmpty()) {
            options->path = arg;
        } else {
            *error = tr("one workspace at a time: \"%1\" is one too many").arg(arg);
            return false;
        }
    }
    if (options->path.isEmpty()) {
        *error = tr("'serve' needs a workspace file");
        return false;
    }
    if (!options->httpGiven) {
        *error = tr("'serve' needs --http ADDRESS:PORT (e.g. --http 127.0.0.1:8080)");
        return false;
    }
    return true;
}

QString readToken(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read the token file '%1': %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return {};
    }
    const QString token = QString::fromUtf8(file.read(4096)).trimmed();
    if (token.isEmpty() || token.contains(QLatin1Char('\n')) || token.contains(QLatin1Char(' ')))
        *error = tr("the token file '%1' must hold one token on one line").arg(QDir::toNativeSeparators(path));
    return token;
}

// Where a generated token is kept (owner-only): beside the other headless secrets, named the
// way HeadlessSecretProvider names a secret ("gateway/bearerToken").
QString storedTokenPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/gateway-secrets");
}

QString storedToken()
{
    QFile file(storedTokenPath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray prefix = "gateway/bearerToken=";
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return QString::fromUtf8(line.mid(prefix.size())).trimmed();
    }
    return {};
}

bool storeToken(const QString &token, QString *error)
{
    const QString path = storedTokenPath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write("gateway/bearerToken=" + token.toUtf8() + '\n');
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

int serveGateway(const QStringList &args)
{
    ServeOptions options;
    QString error;
    if (!parse(args, &options, &error)) {
        printErr(error);
        printErr(tr("usage: thingscape serve WORKSPACE --http ADDR:PORT [--coap ADDR:PORT] [--token-file F] "
                    "[--read-only] [--max-body BYTES] [--for S]"));
        return ExitUsage;
    }
    if (!options.tokenFile.isEmpty()) {
        options.gateway.token = readToken(options.tokenFile, &error);
        if (!error.isEmpty()) {
            printErr(error);
            return ExitUsage;
        }
    } else if (!options.gateway.isLoopbackOnly()) {
        options.gateway.token = qEnvironmentVariable("THINGSCAPE_SECRET_GATEWAY_BEARERTOKEN");
        if (options.gateway.token.isEmpty())
            options.gateway.token = storedToken();
        if (options.gateway.token.isEmpty()) {
            options.gateway.token = Gateway::generateToken();
            if (!storeToken(options.gateway.token, &error)) {
                printErr(tr("cannot keep the generated token in '%1': %2").arg(storedTokenPath(), error));
                return ExitUsage;
            }
            // Printed this once; later runs take it from where it is kept.
            printErr(tr("not on loopback: clients need this bearer token (kept in %1): %2")
                         .arg(QDir::toNativeSeparators(storedTokenPath()), options.gateway.token));
        }
    }
    std::optional<Workspace> workspace = Workspace::load(options.path, &error);
    if (!workspace) {
        printErr(error);
        return ExitUsage;
    }

    Engine engine;
    HeadlessSecretProvider secrets;
    engine.setSecretProvider(&secrets);
    Gateway gateway(&engine);
    if (!gateway.start(options.gateway, &error)) {
        printErr(error);
        return ExitUsage;
    }
    QObject::connect(&engine, &Engine::connectFailed, &engine, [](const QString &id, const QString &why) {
        printErr(tr("endpoint %1: %2").arg(id, why));
    });
    engine.apply(*workspace, options.path);

    QJsonObject ready{{QStringLiteral("http"), gateway.httpUrl()}};
    if (options.gateway.coap)
        ready.insert(QStringLiteral("coap"), gateway.coapUrl());
    const QByteArray line = QJsonDocument(ready).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);

    sim::SignalWatcher watcher;
    QObject::connect(&watcher, &sim::SignalWatcher::terminationRequested, &engine, [] { QCoreApplication::exit(ExitSuccess); });
    if (options.forSeconds >= 0)
        QTimer::singleShot(qint64(std::llround(options.forSeconds * 1000)), &engine, [] { QCoreApplication::exit(ExitSuccess); });
    const int code = QCoreApplication::exec();
    gateway.stop();
    engine.disconnectAll();
    return code;
}

} // namespace thingscape
