#include "linkmetadata.h"

#include <QJsonArray>

#include <algorithm>

namespace thingscape {

namespace {

// Attributes Metadata has fields for; the rest go to extra.
bool isKnownAttribute(const QString &name)
{
    static const QStringList known = {QStringLiteral("rt"),     QStringLiteral("if"),    QStringLiteral("ct"),
                                      QStringLiteral("obs"),    QStringLiteral("sz"),    QStringLiteral("title"),
                                      QStringLiteral("anchor"), QStringLiteral("title*"), QStringLiteral("rel")};
    return known.contains(name);
}

} // namespace

Metadata metadataFromLink(const codecs::Link &link)
{
    Metadata metadata;
    const MetaSource source = MetaSource::LinkFormat;
    if (!link.resourceTypes.isEmpty())
        metadata.resourceTypes.set(link.resourceTypes, source);
    if (!link.interfaces.isEmpty()) {
        metadata.interfaces.set(link.interfaces, source);
        // CoRE interfaces (draft-ietf-core-interfaces): sensors and read-only parameters
        // cannot be written; actuators, parameters and read-write resources can.
        const auto has = [&link](const char *name) { return link.interfaces.contains(QLatin1String(name)); };
        if (has("core.s") || has("core.rp"))
            metadata.writable.set(false, source);
        else if (has("core.a") || has("core.p") || has("core.rw"))
            metadata.writable.set(true, source);
    }
    if (!link.contentFormats.isEmpty())
        metadata.contentFormat.set(link.contentFormats.constFirst(), source);
    metadata.observable.set(link.observable, source);
    if (link.size)
        metadata.size.set(*link.size, source);
    const QString title = link.titleStar.isEmpty() ? link.title : link.titleStar;
    if (!title.isEmpty())
        metadata.title.set(title, source);
    if (link.contentFormats.size() > 1) {
        QJsonArray formats;
        for (int format : link.contentFormats)
            formats.append(format);
        metadata.extra.insert(QStringLiteral("ct"), formats);
    }
    if (!link.rel.isEmpty())
        metadata.extra.insert(QStringLiteral("rel"), link.rel.join(QLatin1Char(' ')));
    const QStringList keys = link.attributes.uniqueKeys();
    for (const QString &key : keys) {
        if (isKnownAttribute(key))
            continue;
        QStringList values = link.attributes.values(key);
        std::reverse(values.begin(), values.end()); // QMultiMap lists the newest first
        metadata.extra.insert(key, values.join(QLatin1Char(' ')));
    }
    if (!metadata.extra.isEmpty())
        metadata.extraSource = source;
    return metadata;
}

} // namespace thingscape
