#include "resourcestoreslots.h"

namespace thingscape {

ResourceStoreSlots::~ResourceStoreSlots()
{
    clear();
}

Resource *ResourceStoreSlots::create(const ResourceId &id)
{
    quint32 handle = 0;
    if (!m_free.empty()) {
        handle = m_free.back();
        m_free.pop_back();
    } else {
        handle = m_nextHandle++;
    }
    const quint32 slot = handle - 1;
    const size_t blockIndex = slot / kPerBlock;
    if (blockIndex >= m_blocks.size())
        m_blocks.resize(blockIndex + 1);
    std::unique_ptr<Block> &block = m_blocks[blockIndex];
    if (!block)
        block = std::make_unique<Block>();
    Resource *resource = new (block->storage + (slot % kPerBlock) * sizeof(Resource)) Resource(id, handle);
    block->live.set(slot % kPerBlock);
    ++block->liveCount;
    ++m_size;
    return resource;
}

void ResourceStoreSlots::destroy(Resource *resource)
{
    const quint32 handle = resource->key();
    const quint32 slot = handle - 1;
    Block &block = *m_blocks[slot / kPerBlock];
    resource->~Resource();
    block.live.reset(slot % kPerBlock);
    --block.liveCount;
    --m_size;
    if (m_size == 0) {
        clear(); // all gone (a cleared store): nothing kept, handles start again at 1
        return;
    }
    m_free.push_back(handle);
    if (block.liveCount == 0)
        m_blocks[slot / kPerBlock].reset();
}

void ResourceStoreSlots::clear()
{
    forEach([](Resource *resource) { resource->~Resource(); });
    std::vector<std::unique_ptr<Block>>().swap(m_blocks);
    std::vector<quint32>().swap(m_free);
    m_nextHandle = 1;
    m_size = 0;
}

qint64 ResourceStoreSlots::idleBytes() const
{
    qint64 freeSlots = 0;
    qint64 blocks = 0;
    for (const std::unique_ptr<Block> &block : m_blocks) {
        if (block) {
            ++blocks;
            freeSlots += kPerBlock - block->liveCount;
        }
    }
    return freeSlots * qint64(sizeof(Resource)) + blocks * qint64(sizeof(Block) - sizeof(Block::storage))
        + qint64(m_free.capacity() * sizeof(quint32)) + qint64(m_blocks.capacity() * sizeof(void *));
}

} // namespace thingscape
