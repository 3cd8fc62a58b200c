#include "uiresources.h"

#include <QHash>

static void initResourcesOutsideNamespace()
{
    Q_INIT_RESOURCE(resources);
}

namespace thingscape {

void initUiResources()
{
    static bool done = false;
    if (!done) {
        initResourcesOutsideNamespace();
        done = true;
    }
}

namespace {

QIcon cachedIcon(const QString &name)
{
    static QHash<QString, QIcon> cache;
    auto it = cache.find(name);
    if (it == cache.end())
        it = cache.insert(name, QIcon(QStringLiteral(":/icons/%1.svg").arg(name)));
    return *it;
}

} // namespace

QIcon appIcon()
{
    return cachedIcon(QStringLiteral("thingscape"));
}

QIcon protocolIcon(const QString &protocol)
{
    if (protocol.startsWith(QLatin1String("mqtt")))
        return cachedIcon(QStringLiteral("protocol-mqtt"));
    if (protocol.startsWith(QLatin1String("coap")))
        return cachedIcon(QStringLiteral("protocol-coap"));
    return cachedIcon(QStringLiteral("protocol-http"));
}

QIcon stateIcon(ResourceState state)
{
    switch (state) {
    case ResourceState::Online:
        return cachedIcon(QStringLiteral("state-online"));
    case ResourceState::Stale:
        return cachedIcon(QStringLiteral("state-stale"));
    case ResourceState::Offline:
        return cachedIcon(QStringLiteral("state-offline"));
    case ResourceState::Error:
        return cachedIcon(QStringLiteral("state-error"));
    case ResourceState::Unknown:
        break;
    }
    return cachedIcon(QStringLiteral("state-unknown"));
}

} // namespace thingscape
