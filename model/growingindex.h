#pragma once

#include <QHashFunctions>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace thingscape {

// A hash index of handles (pointers, or non-zero indices) found by a key the handle itself
// names (a resource's URI, a node's resource), that never stops for a rehash. A QHash grown
// past its capacity moves every entry in the insert that crossed it: 65-420 ms of the GUI
// thread at a million resources. Here the grown table starts empty, and every insert or remove
// moves a few entries of the old one over, so the whole move is spread over the inserts that
// fill the new table; a find looks in both while the move goes on.
//
// Open addressing (linear probing), at most half full, no copy of the key: a slot is one handle
// (8 bytes for a pointer), where a QHash<QString, T *> entry takes about 50.
// KeyOf: a callable (Handle) -> Key, with qHash(Key, seed) and Key == Key. Handle{} is empty;
// the all-ones handle is reserved.
template <typename Handle, typename Key, typename KeyOf>
class GrowingIndex
{
    static_assert(std::is_pointer_v<Handle> || std::is_integral_v<Handle>, "a handle is a pointer or an index");

public:
    // Old slots moved per insert or remove while the table grows: the move is done before the
    // new table is half full (it has twice the slots of the old: a quarter of the new is the
    // old's size, so 2 per insert would just do; 8 leaves room for removals, which also move).
    static constexpr size_t kMovesPerChange = 8;

    explicit GrowingIndex(KeyOf keyOf = KeyOf())
        : m_keyOf(keyOf)
        , m_seed(size_t(QHashSeed::globalSeed()))
    {
    }

    qsizetype size() const { return qsizetype(m_size + m_oldLive); }
    bool isEmpty() const { return size() == 0; }
    bool isGrowing() const { return !m_old.empty(); }
    // Slots held (both tables while growing): for memory accounting.
    // The slots held in memory (a table's capacity, the old one's while it moves over).
    size_t slotCount() const { return m_slots.capacity() + m_old.capacity(); }

    // The handle with that key, or Handle{}.
    Handle find(const Key &key) const
    {
        if (!m_slots.empty()) {
            const size_t mask = m_slots.size() - 1;
            for (size_t i = hashOf(key) & mask;; i = (i + 1) & mask) {
                const Handle h = m_slots[i];
                if (h == Handle{})
                    break;
                if (m_keyOf(h) == key)
                    return h;
            }
        }
        const size_t at = findOld(key);
        return at == kNowhere ? Handle{} : m_old[at];
    }
    bool contains(const Key &key) const { return find(key) != Handle{}; }

    // Adds the handle, or puts it in place of the one with the same key.
    void insert(Handle handle)
    {
        const Key key = m_keyOf(handle);
        // Grown first: a handle in place of one with its key must find that one in the old table.
        if ((m_size + m_oldLive + 1) * 2 > m_slots.size())
            grow();
        if (const size_t at = findOld(key); at != kNowhere) {
            m_old[at] = tombstone();
            --m_oldLive;
        }
        const size_t mask = m_slots.size() - 1;
        size_t i = hashOf(key) & mask;
        for (; m_slots[i] != Handle{}; i = (i + 1) & mask) {
            if (m_keyOf(m_slots[i]) == key) {
                m_slots[i] = handle;
                moveSome();
                return;
            }
        }
        m_slots[i] = handle;
        ++m_size;
        moveSome();
    }

    // Removes the handle with that key; false when there was none.
    bool remove(const Key &key)
    {
        bool removed = false;
        if (const size_t at = findOld(key); at != kNowhere) {
            m_old[at] = tombstone();
            --m_oldLive;
            removed = true;
        } else if (!m_slots.empty()) {
            const size_t mask = m_slots.size() - 1;
            for (size_t i = hashOf(key) & mask; m_slots[i] != Handle{}; i = (i + 1) & mask) {
                if (m_keyOf(m_slots[i]) == key) {
                    eraseAt(i);
                    removed = true;
                    break;
                }
            }
        }
        moveSome();
        return removed;
    }

    void clear()
    {
        release(m_slots);
        release(m_old);
        m_size = 0;
        m_oldLive = 0;
        m_cursor = 0;
    }

    // Room for count handles without growing (a whole rehash now: call it where a pause is fine).
    void reserve(qsizetype count)
    {
        finishMove();
        if (size_t(count) * 2 <= m_slots.size())
            return;
        std::vector<Handle> old;
        old.swap(m_slots);
        m_slots.assign(capacityFor(size_t(count)), Handle{});
        m_size = 0;
        for (const Handle h : old) {
            if (h != Handle{})
                place(h);
        }
    }

    // Calls f(handle) for every handle, in no particular order. f must not change the index.
    template <typename F>
    void forEach(F &&f) const
    {
        for (const Handle h : m_slots) {
            if (h != Handle{})
                f(h);
        }
        for (size_t i = m_cursor; i < m_old.size(); ++i) {
            if (live(m_old[i]))
                f(m_old[i]);
        }
    }

private:
    static constexpr size_t kNowhere = ~size_t(0);
    static constexpr size_t kMinSlots = 64;

    static Handle tombstone()
    {
        if constexpr (std::is_pointer_v<Handle>)
            return reinterpret_cast<Handle>(~std::uintptr_t(0));
        else
            return Handle(~Handle(0));
    }
    static bool live(Handle h) { return h != Handle{} && h != tombstone(); }
    static size_t capacityFor(size_t count)
    {
        size_t n = kMinSlots;
        while (n < count * 2)
            n *= 2;
        return n;
    }

    size_t hashOf(const Key &key) const { return size_t(qHash(key, m_seed)); }

    // Where the key sits in the old table, not yet moved; kNowhere when it does not (moved
    // handles are tombstones there, and the old table takes no inserts, so its chains hold).
    size_t findOld(const Key &key) const
    {
        if (m_old.empty() || m_oldLive == 0)
            return kNowhere;
        const size_t mask = m_old.size() - 1;
        for (size_t i = hashOf(key) & mask;; i = (i + 1) & mask) {
            const Handle h = m_old[i];
            if (h == Handle{})
                return kNowhere;
            if (h != tombstone() && m_keyOf(h) == key)
                return i;
        }
    }

    // Into the new table, known absent and with room.
    void place(Handle handle)
    {
        const size_t mask = m_slots.size() - 1;
        size_t i = hashOf(m_keyOf(handle)) & mask;
        while (m_slots[i] != Handle{})
            i = (i + 1) & mask;
        m_slots[i] = handle;
        ++m_size;
    }

    void grow()
    {
        // A growth that comes before the last move finished (removals kept the old table
        // busy) finishes it first: rare, and no more than the old table's rest.
        finishMove();
        m_old.swap(m_slots);
        m_oldLive = m_size;
        m_size = 0;
        m_cursor = 0;
        m_slots.assign(std::max(kMinSlots, m_old.size() * 2), Handle{});
        if (m_oldLive == 0)
            release(m_old);
    }

    void moveSome()
    {
        if (m_old.empty())
            return;
        const size_t end = std::min(m_old.size(), m_cursor + kMovesPerChange);
        for (; m_cursor < end; ++m_cursor) {
            const Handle h = m_old[m_cursor];
            if (live(h)) {
                m_old[m_cursor] = tombstone();
                --m_oldLive;
                place(h);
            }
        }
        if (m_cursor >= m_old.size() || m_oldLive == 0)
            release(m_old);
    }

    // Frees the table's memory: `table = {}` would only empty it and keep its capacity (the
    // old table, half the new one's size, stayed allocated until the next growth).
    static void release(std::vector<Handle> &table) { std::vector<Handle>().swap(table); }

    void finishMove()
    {
        while (!m_old.empty())
            moveSome();
    }

    // Backward-shift deletion (linear probing keeps its chains without tombstones).
    void eraseAt(size_t hole)
    {
        const size_t mask = m_slots.size() - 1;
        size_t i = hole;
        for (;;) {
            i = (i + 1) & mask;
            const Handle h = m_slots[i];
            if (h == Handle{})
                break;
            const size_t home = hashOf(m_keyOf(h)) & mask;
            // h may fill the hole when its home is not in (hole, i], cyclically.
            const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!stays) {
                m_slots[hole] = h;
                hole = i;
            }
        }
        m_slots[hole] = Handle{};
        --m_size;
    }

    KeyOf m_keyOf;
    size_t m_seed;
    std::vector<Handle> m_slots; // the table inserts go to
    std::vector<Handle> m_old;   // the table before the last growth, while its handles move over
    size_t m_size = 0;           // live handles in m_slots
    size_t m_oldLive = 0;        // live handles still in m_old
    size_t m_cursor = 0;         // m_old's slots before this one have moved
};

} // namespace thingscape
