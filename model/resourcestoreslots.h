#pragma once

#include "resource.h"

#include <bitset>
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace thingscape {

// The store's resource records, side by side in blocks, each named by its handle (its slot + 1,
// never 0), which is the record's key(). A record costs its size and no heap block of its own
// (a 168-byte record took a 192-byte malloc chunk), and a handle finds its record without an
// index. A removed record's slot goes to the next new one; a block whose records are all gone
// is given back (and made again when one of its slots is taken). Records never move: pointers
// stay valid until the record is destroyed. One thread (the store's).
class ResourceStoreSlots
{
public:
    // 512 records (86 KiB) a block: under glibc's mmap threshold, a small store wastes little.
    static constexpr quint32 kPerBlock = 512;

    ResourceStoreSlots() = default;
    ~ResourceStoreSlots();
    ResourceStoreSlots(const ResourceStoreSlots &) = delete;
    ResourceStoreSlots &operator=(const ResourceStoreSlots &) = delete;

    // A new record for id in a free slot (its key() is the slot's handle).
    Resource *create(const ResourceId &id);
    // Destroys the record and frees its slot for the next create().
    void destroy(Resource *resource);
    // Destroys every record and gives every block back.
    void clear();

    // The live record with that handle, or null (a free slot, a block given back, 0).
    Resource *find(quint32 handle) const
    {
        const quint32 slot = handle - 1; // 0 wraps past every block
        const size_t block = slot / kPerBlock;
        if (block >= m_blocks.size() || !m_blocks[block] || !m_blocks[block]->live.test(slot % kPerBlock))
            return nullptr;
        return m_blocks[block]->at(slot % kPerBlock);
    }
    // The record with that handle, known live (an index's handle).
    Resource *at(quint32 handle) const { return m_blocks[(handle - 1) / kPerBlock]->at((handle - 1) % kPerBlock); }

    qsizetype size() const { return m_size; }
    // Bytes held beyond the live records themselves: free slots in the blocks held, and the
    // list of free handles (for the store's accounting).
    qint64 idleBytes() const;

    // Calls f(resource) for every live record, by handle. f must not create or destroy.
    template <typename F>
    void forEach(F &&f) const
    {
        for (const std::unique_ptr<Block> &block : m_blocks) {
            if (!block || block->liveCount == 0)
                continue;
            for (quint32 i = 0; i < kPerBlock; ++i) {
                if (block->live.test(i))
                    f(block->at(i));
            }
        }
    }

private:
    struct Block
    {
        alignas(Resource) std::byte storage[kPerBlock * sizeof(Resource)];
        std::bitset<kPerBlock> live;
        quint32 liveCount = 0;

        Resource *at(quint32 i) { return std::launder(reinterpret_cast<Resource *>(storage + i * sizeof(Resource))); }
    };

    std::vector<std::unique_ptr<Block>> m_blocks; // null: given back, all its slots free
    std::vector<quint32> m_free;                  // free handles below m_nextHandle, the next one last
    quint32 m_nextHandle = 1;                     // no slot from here on was ever taken
    qsizetype m_size = 0;
};

} // namespace thingscape
