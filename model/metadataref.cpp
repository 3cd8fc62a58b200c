#include "metadataref.h"

#include <array>

namespace thingscape {

detail::MetadataBlock::~MetadataBlock()
{
    if (account)
        account->bytes.fetch_sub(cost, std::memory_order_relaxed);
}

MetadataRef::MetadataRef(const Metadata &metadata)
{
    if (!metadata.isEmpty())
        d = new detail::MetadataBlock(metadata);
}

MetadataRef::MetadataRef(Metadata &&metadata)
{
    if (!metadata.isEmpty())
        d = new detail::MetadataBlock(std::move(metadata));
}

const Metadata &MetadataRef::empty()
{
    static const Metadata none;
    return none;
}

MetadataRef MetadataRef::interned(Metadata &&metadata)
{
    if (metadata.isEmpty())
        return {};
    // Per thread: no lock, and the objects handed out are only ever read (edit() copies them).
    thread_local std::array<MetadataRef, 8> recent;
    thread_local size_t next = 0;
    for (const MetadataRef &known : recent) {
        if (!known.isNull() && known.get() == metadata)
            return known;
    }
    MetadataRef made(std::move(metadata));
    recent[next] = made;
    next = (next + 1) % recent.size();
    return made;
}

Metadata &MetadataRef::edit()
{
    if (!d)
        d = new detail::MetadataBlock;
    else
        d.detach(); // copies (uncharged) when shared
    if (d->account) {
        // Ours alone now, but about to change: no longer what was charged.
        d->account->bytes.fetch_sub(d->cost, std::memory_order_relaxed);
        d->account.reset();
        d->cost = 0;
    }
    return d->metadata;
}

void MetadataRef::chargeTo(detail::MetadataAccount *account, qint64 bytes) const
{
    if (!d || d->account || !account)
        return;
    d->account = account;
    d->cost = bytes;
    account->bytes.fetch_add(bytes, std::memory_order_relaxed);
}

} // namespace thingscape
