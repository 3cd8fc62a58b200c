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
// Open addressing (linear probing), at most 60 % full, no copy of the key: a slot is one handle
// (8 bytes for a pointer), where a QHash<QString, T *> entry takes about 50. A table grows by half
// (any size: a key's home slot is its hash scaled to the size, not masked), so a table of n
// handles holds 1.7-2.5 n slots, where doubling at half full held 2-4 n.
// KeyOf: a callable (Handle) -> Key, with qHash(Key, seed) and Key == Key. Handle{} is empty;
// the all-ones handle is reserved.
template <typename Handle, typename Key, typename KeyOf>
class GrowingIndex
{
    static_assert(std::is_pointer_v<Handle> || std::is_integral_v<Handle>, "a handle is a pointer or an index");

public:
    // Old slots moved per insert or remove while the table grows. The new table has 1.5 times
    // the old's s slots and takes 0.3 s inserts before it grows again, so 4 would just do; but
    // the old table is held until the move is done, and a load that stops mid-move keeps it: at
    // 64 it goes after s / 64 changes (under 3 % of the handles held), and an insert reads at
    // most 64 more keys, never a whole table's.
    static constexpr size_t kMovesPerChange = 64;
    // Fullest a table gets, as a fraction: linear probing's probes grow fast past about 2/3.
    static constexpr size_t kMaxLoadNum = 3;
    static constexpr size_t kMaxLoadDen = 5;

    explicit GrowingIndex(KeyOf keyOf = KeyOf())
        : m_keyOf(keyOf)
        , m_seed(size_t(QHashSeed::globalSeed()))
    {
    }

    qsizetype size() const { return qsizetype(m_size + m_oldLive); }
    bool isEmpty() const { return size() == 0; }
    bool isGrowing() const { return !m_old.empty(); }
    // Slots held (both tables while growing): for memory accounting.
    size_t slotCount() const { return m_slots.size() + m_old.size(); }

    // The handle with that key, or Handle{}.
    Handle find(const Key &key) const
    {
        if (!m_slots.empty()) {
            const size_t n = m_slots.size();
            for (size_t i = homeOf(key, n);; i = next(i, n)) {
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
        if (tooFull(m_size + m_oldLive + 1, m_slots.size()))
            grow();
        if (const size_t at = findOld(key); at != kNowhere) {
            m_old[at] = tombstone();
            --m_oldLive;
        }
        const size_t n = m_slots.size();
        size_t i = homeOf(key, n);
        for (; m_slots[i] != Handle{}; i = next(i, n)) {
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
            const size_t n = m_slots.size();
            for (size_t i = homeOf(key, n); m_slots[i] != Handle{}; i = next(i, n)) {
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
        m_slots = {};
        m_old = {};
        m_size = 0;
        m_oldLive = 0;
        m_cursor = 0;
    }

    // Room for count handles without growing (a whole rehash now: call it where a pause is fine).
    void reserve(qsizetype count)
    {
        finishMove();
        if (!tooFull(size_t(count), m_slots.size()))
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
    static bool tooFull(size_t count, size_t tableSize) { return count * kMaxLoadDen > tableSize * kMaxLoadNum; }
    static size_t grown(size_t tableSize) { return tableSize + tableSize / 2; }
    static size_t capacityFor(size_t count)
    {
        size_t n = kMinSlots;
        while (tooFull(count, n))
            n = grown(n);
        return n;
    }

    // The key's home slot in a table of n: its hash scaled to [0, n) (Lemire's multiply-shift,
    // on the hash's 32 folded bits: qHash mixes them all), so n need not be a power of two.
    size_t homeOf(const Key &key, size_t n) const
    {
        const quint64 h = quint64(qHash(key, m_seed));
        return size_t((quint64(quint32(h ^ (h >> 32))) * quint64(n)) >> 32);
    }
    static size_t next(size_t i, size_t n) { return i + 1 == n ? 0 : i + 1; }

    // Where the key sits in the old table, not yet moved; kNowhere when it does not (moved
    // handles are tombstones there, and the old table takes no inserts, so its chains hold).
    size_t findOld(const Key &key) const
    {
        if (m_old.empty() || m_oldLive == 0)
            return kNowhere;
        const size_t n = m_old.size();
        for (size_t i = homeOf(key, n);; i = next(i, n)) {
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
        const size_t n = m_slots.size();
        size_t i = homeOf(m_keyOf(handle), n);
        while (m_slots[i] != Handle{})
            i = next(i, n);
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
        m_slots.assign(std::max(kMinSlots, grown(m_old.size())), Handle{});
        if (m_oldLive == 0)
            m_old = {};
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
            m_old = {};
    }

    void finishMove()
    {
        while (!m_old.empty())
            moveSome();
    }

    // Backward-shift deletion (linear probing keeps its chains without tombstones).
    void eraseAt(size_t hole)
    {
        const size_t n = m_slots.size();
        size_t i = hole;
        for (;;) {
            i = next(i, n);
            const Handle h = m_slots[i];
            if (h == Handle{})
                break;
            const size_t home = homeOf(m_keyOf(h), n);
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
