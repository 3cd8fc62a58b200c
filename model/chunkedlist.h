#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace thingscape {

// An append-only list in chunks of ChunkSize elements: elements never move (references stay
// valid), growth never copies, and a chunk is one malloc block. std::deque does the same in
// 512-byte blocks, so for millions of small records it pays a malloc header every few records
// and a map of a pointer a block (about 3 % plus the map's doublings).
template <typename T, std::size_t ChunkSize>
class ChunkedList
{
public:
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    T &operator[](std::size_t i) { return *std::launder(reinterpret_cast<T *>(slot(i))); }
    const T &operator[](std::size_t i) const { return *std::launder(reinterpret_cast<const T *>(slot(i))); }

    template <typename... Args>
    T &emplace_back(Args &&...args)
    {
        if (m_size == m_chunks.size() * ChunkSize)
            m_chunks.push_back(std::make_unique_for_overwrite<Slot[]>(ChunkSize));
        T *made = new (slot(m_size)) T(std::forward<Args>(args)...);
        ++m_size;
        return *made;
    }

    ~ChunkedList()
    {
        for (std::size_t i = 0; i < m_size; ++i)
            (*this)[i].~T();
    }
    ChunkedList() = default;
    ChunkedList(const ChunkedList &) = delete;
    ChunkedList &operator=(const ChunkedList &) = delete;

    // Calls f(element) for each, in order.
    template <typename F>
    void forEach(F &&f)
    {
        for (std::size_t i = 0; i < m_size; ++i)
            f((*this)[i]);
    }
    template <typename F>
    void forEach(F &&f) const
    {
        for (std::size_t i = 0; i < m_size; ++i)
            f((*this)[i]);
    }

private:
    // Raw storage: a chunk's elements are made one by one as they are appended.
    struct alignas(T) Slot
    {
        unsigned char bytes[sizeof(T)];
    };
    Slot *slot(std::size_t i) const { return &m_chunks[i / ChunkSize][i % ChunkSize]; }

    std::vector<std::unique_ptr<Slot[]>> m_chunks;
    std::size_t m_size = 0;
};

} // namespace thingscape
