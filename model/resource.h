#pragma once

#include "history.h"
#include "metadata.h"
#include "resourceid.h"
#include "update.h"

namespace thingscape {

// One resource, whatever carries it: a URI, metadata, a current value, a history.
// Owned by the ResourceStore; pointers stay valid until the store removes it.
class Resource
{
public:
    explicit Resource(const ResourceId &id, quint32 key);

    const ResourceId &id() const { return m_id; }
    ResourceId endpoint() const { return m_id.endpoint(); }
    quint32 key() const { return m_key; }
    const Metadata &metadata() const { return m_metadata; }
    ResourceState state() const { return m_state; }
    bool hasValue() const { return m_hasValue; }
    // The latest value (kept even when the memory budget emptied the history).
    const Value &value() const { return m_current; }
    const History &history() const { return m_history; }
    qint64 lastUpdateMs() const { return m_lastUpdateMs; }
    quint64 updateCount() const { return m_updateCount; }
    // Values that came as messages of their own: a SenML record decoded out of a pack is an
    // update, not a message (the pack is).
    quint64 messageCount() const { return m_messageCount; }
    QString title() const; // the metadata title, else the last path segment

private:
    friend class ResourceStore;

    ResourceId m_id;
    quint32 m_key;
    Metadata m_metadata;
    ResourceState m_state = ResourceState::Unknown;
    Value m_current;
    bool m_hasValue = false;
    History m_history;
    qint64 m_lastUpdateMs = 0;
    quint64 m_updateCount = 0;
    quint64 m_messageCount = 0;
};

} // namespace thingscape
