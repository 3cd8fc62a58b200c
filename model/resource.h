#pragma once

#include "history.h"
#include "metadataref.h"
#include "resourceid.h"
#include "update.h"

#include <memory>

namespace thingscape {

// One resource, whatever carries it: a URI, metadata, a current value, a history.
// Owned by the ResourceStore (in its slots, see ResourceStoreSlots); pointers stay valid until
// the store removes it.
//
// A compact record: the current value is held once (it is also the history's newest point),
// the history has storage only with more than one value, and the metadata are shared,
// copy-on-write, with every resource that has the same (an MQTT topic's protocol metadata,
// a device's), so a million resources with one value each cost a few hundred bytes apiece.
class Resource
{
public:
    explicit Resource(const ResourceId &id, quint32 key);

    const ResourceId &id() const { return m_id; }
    ResourceId endpoint() const { return m_id.endpoint(); }
    // Its slot in the store: unique among the resources the store holds, given to a new one
    // once this one is removed.
    quint32 key() const { return m_key; }
    const Metadata &metadata() const { return m_metadata.get(); }
    // The same, shared (copying it costs a reference, not the metadata).
    const MetadataRef &sharedMetadata() const { return m_metadata; }
    ResourceState state() const { return m_state; }
    bool hasValue() const { return m_history.hasCurrent(); }
    // The latest value (kept even when the memory budget emptied the history).
    const Value &value() const { return m_history.current(); }
    const History &history() const { return m_history; }
    // When the latest value came (its time): 0 before the first.
    qint64 lastUpdateMs() const { return hasValue() ? value().timeMs : 0; }
    quint64 updateCount() const { return m_updateCount; }
    // Values that came as messages of their own: a SenML record decoded out of a pack is an
    // update, not a message (the pack is).
    quint64 messageCount() const { return m_messageCount; }
    QString title() const; // the metadata title, else the last path segment
    // Whether this resource shares its metadata object with another (for tests and accounting).
    bool sharesMetadataWith(const Resource &other) const { return m_metadata.sharesWith(other.m_metadata); }

private:
    friend class ResourceStore;

    ResourceId m_id;
    MetadataRef m_metadata;
    // The state and key go in the history's tail padding (it ends in two flags): 168 bytes a
    // record instead of 176.
    [[no_unique_address]] History m_history;
    ResourceState m_state = ResourceState::Unknown;
    quint32 m_key;
    quint64 m_updateCount = 0;
    quint64 m_messageCount = 0;
};

} // namespace thingscape
