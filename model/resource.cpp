#include "resource.h"

namespace thingscape {

Resource::Resource(const ResourceId &id, quint32 key)
    : m_id(id)
    , m_key(key)
{
}

QString Resource::title() const
{
    const Metadata &meta = metadata();
    if (meta.title.isSet() && !meta.title->isEmpty())
        return *meta.title;
    const QString &path = m_id.path();
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    if (slash >= 0 && slash + 1 < path.size())
        return path.mid(slash + 1);
    const QStringList segments = m_id.pathSegments();
    return segments.isEmpty() ? m_id.hostPort() : segments.last();
}

} // namespace thingscape
