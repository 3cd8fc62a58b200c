#include "resource.h"

namespace thingscape {

Resource::Resource(const ResourceId &id, quint32 key)
    : m_id(id)
    , m_key(key)
{
}

QString Resource::title() const
{
    if (m_metadata.title.isSet() && !m_metadata.title->isEmpty())
        return *m_metadata.title;
    const QStringList segments = m_id.pathSegments();
    return segments.isEmpty() ? m_id.hostPort() : segments.last();
}

} // namespace thingscape
