#pragma once

#include <cstddef>
#include <thread>
#include <vector>

namespace thingscape {

// Objects of one size carved from large blocks, without malloc's 8-byte header and 16-byte
// rounding per object: a 56-byte tree row takes 56 bytes, not a 64-byte heap chunk. Freed
// objects are reused; the blocks go back to the heap once no object is left (a workspace closed).
// Not thread-safe, and takes no lock: one thread makes and frees the objects (the tree's rows: the
// GUI thread, where the models live). Debug builds assert it (the thread of the first object since
// the pool was last empty).
class FixedSizePool
{
public:
    explicit FixedSizePool(std::size_t objectSize, std::size_t objectsPerBlock = 4096);
    ~FixedSizePool();
    FixedSizePool(const FixedSizePool &) = delete;
    FixedSizePool &operator=(const FixedSizePool &) = delete;

    void *allocate();
    void deallocate(void *object) noexcept;
    std::size_t liveObjects() const;
    std::size_t blocks() const;

private:
    void releaseBlocks() noexcept;

    const std::size_t m_size;
    const std::size_t m_perBlock;
    std::vector<void *> m_blocks;
    void *m_free = nullptr;   // freed objects, linked through their first word
    char *m_next = nullptr;   // never used yet in the newest block
    char *m_end = nullptr;
    std::size_t m_live = 0;
#ifndef NDEBUG
    std::thread::id m_thread; // debug builds: the one thread allowed while objects are live
#endif
};

} // namespace thingscape
