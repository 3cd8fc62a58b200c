#include "fixedsizepool.h"

#include <algorithm>
#include <cassert>
#include <new>

namespace thingscape {

FixedSizePool::FixedSizePool(std::size_t objectSize, std::size_t objectsPerBlock)
    : m_size(std::max(sizeof(void *), (objectSize + alignof(void *) - 1) / alignof(void *) * alignof(void *)))
    , m_perBlock(std::max<std::size_t>(1, objectsPerBlock))
{
}

FixedSizePool::~FixedSizePool()
{
    releaseBlocks();
}

void *FixedSizePool::allocate()
{
#ifndef NDEBUG
    if (m_live == 0)
        m_thread = std::this_thread::get_id();
    assert(m_thread == std::this_thread::get_id() && "FixedSizePool used from two threads");
#endif
    ++m_live;
    if (m_free) {
        void *object = m_free;
        m_free = *static_cast<void **>(object);
        return object;
    }
    if (m_next == m_end) {
        auto *block = static_cast<char *>(::operator new(m_size * m_perBlock));
        m_blocks.push_back(block);
        m_next = block;
        m_end = block + m_size * m_perBlock;
    }
    void *object = m_next;
    m_next += m_size;
    return object;
}

void FixedSizePool::deallocate(void *object) noexcept
{
    if (!object)
        return;
    assert(m_thread == std::this_thread::get_id() && "FixedSizePool used from two threads");
    *static_cast<void **>(object) = m_free;
    m_free = object;
    if (--m_live == 0)
        releaseBlocks();
}

std::size_t FixedSizePool::liveObjects() const
{
    return m_live;
}

std::size_t FixedSizePool::blocks() const
{
    return m_blocks.size();
}

void FixedSizePool::releaseBlocks() noexcept
{
    for (void *block : m_blocks)
        ::operator delete(block);
    m_blocks.clear();
    m_blocks.shrink_to_fit();
    m_free = nullptr;
    m_next = nullptr;
    m_end = nullptr;
}

} // namespace thingscape
