#pragma once

#include "metadata.h"

#include <QExplicitlySharedDataPointer>
#include <QSharedData>

#include <atomic>

namespace thingscape {

namespace detail {
// Where shared metadata objects are charged (a store's): see MetadataRef::chargeTo.
struct MetadataAccount : QSharedData
{
    std::atomic<qint64> bytes{0};
};

struct MetadataBlock : QSharedData
{
    Metadata metadata;
    // The account charged for this object, and with how much (taken off when it goes).
    QExplicitlySharedDataPointer<MetadataAccount> account;
    qint64 cost = 0;

    MetadataBlock() = default;
    explicit MetadataBlock(const Metadata &m)
        : metadata(m)
    {
    }
    explicit MetadataBlock(Metadata &&m)
        : metadata(std::move(m))
    {
    }
    // A copy for writing is charged to no one (until charged again).
    MetadataBlock(const MetadataBlock &other)
        : QSharedData()
        , metadata(other.metadata)
    {
    }
    ~MetadataBlock();
};
} // namespace detail

// A resource's metadata, shared and copy-on-write: one pointer (null: empty). Updates carry
// one instead of an inline Metadata (about 400 bytes), so that connectors hand over updates of
// a quarter of the size and can send one object for every update announced alike (a device's,
// every new MQTT topic's); the store keeps the object it merged, shared by every resource whose
// metadata are the same. Reading never copies; edit() copies only when the object is shared.
// Copies may go to other threads (the count is atomic); an object is only written through a
// reference nobody else holds.
class MetadataRef
{
public:
    MetadataRef() = default;
    MetadataRef(const Metadata &metadata); // NOLINT: implicit on purpose (assigned like a Metadata)
    MetadataRef(Metadata &&metadata);      // NOLINT

    const Metadata &get() const { return d ? d->metadata : empty(); }
    const Metadata &operator*() const { return get(); }
    const Metadata *operator->() const { return &get(); }
    operator const Metadata &() const { return get(); } // NOLINT: read like a Metadata

    // The same object for equal metadata made on this thread lately (a few kinds kept): for
    // connectors that say the same for many updates (every new MQTT topic, a CoAP format).
    static MetadataRef interned(Metadata &&metadata);

    // For writing: a fresh object when there is none or it is shared with anyone.
    Metadata &edit();
    void reset() { d.reset(); }

    bool isEmpty() const { return !d || d->metadata.isEmpty(); }
    bool isNull() const { return !d; }
    // The same object (not just equal metadata).
    bool sharesWith(const MetadataRef &other) const { return d && d == other.d; }
    // The same object, or both empty without one.
    bool isSameObject(const MetadataRef &other) const { return d == other.d; }

    // Charges what this object costs (bytes) to account once, and takes it off when the object
    // goes; an object charged before keeps its first account. Not thread-safe against another
    // chargeTo() of the same object (the store does it, on its thread).
    void chargeTo(detail::MetadataAccount *account, qint64 bytes) const;

    // The same object, or equal metadata.
    friend bool operator==(const MetadataRef &a, const MetadataRef &b)
    {
        return a.d == b.d || a.get() == b.get();
    }
    friend bool operator==(const MetadataRef &a, const Metadata &b) { return a.get() == b; }

private:
    static const Metadata &empty();
    QExplicitlySharedDataPointer<detail::MetadataBlock> d;
};

} // namespace thingscape
