#pragma once

#include <QtGlobal>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace thingscape {

// A tree node's owned, ordered children in one word: empty (null), the only child itself (most
// rows of a deep tree have one child: devN -> metric), or a tagged pointer to a block holding
// the count, the capacity, where rows went stale and the pointers. A std::vector of unique_ptr
// is 24 bytes in the node plus a 32-byte heap block for a single child.
//
// Node must have `int row` (its index among its siblings, set here) and is deleted here.
// Elements are Ref (a plain pointer with get() and ->), so code written for a vector of
// unique_ptr reads the same.
template<typename Node>
class CompactChildren
{
public:
    struct Ref
    {
        Node *node;
        Node *get() const { return node; }
        Node *operator->() const { return node; }
        Node &operator*() const { return *node; }
    };
    using iterator = Ref *;
    using const_iterator = const Ref *;

    CompactChildren() = default;
    CompactChildren(const CompactChildren &) = delete;
    CompactChildren &operator=(const CompactChildren &) = delete;
    ~CompactChildren()
    {
        for (const Ref &child : *this)
            delete child.node;
        freeBlock();
    }

    size_t size() const
    {
        const Block *b = block();
        return b ? b->size : (m_one.node ? 1 : 0);
    }
    bool empty() const { return m_one.node == nullptr; }
    Ref *begin() { return isBlock() ? block()->items() : &m_one; }
    Ref *end() { return begin() + size(); }
    const Ref *begin() const { return isBlock() ? block()->items() : &m_one; }
    const Ref *end() const { return begin() + size(); }
    const Ref *cbegin() const { return begin(); }
    const Ref *cend() const { return end(); }
    const Ref *data() const { return begin(); }
    Ref &operator[](size_t i) { return begin()[i]; }
    const Ref &operator[](size_t i) const { return begin()[i]; }
    const Ref &front() const { return *begin(); }

    void push_back(std::unique_ptr<Node> child) { insert(size(), &child, &child + 1); }
    void insert(const Ref *at, std::unique_ptr<Node> child) { insert(size_t(at - begin()), &child, &child + 1); }
    // Takes [first, last) of unique_ptrs (released) in at position.
    template<typename It>
    void insert(size_t position, It first, It last)
    {
        const auto count = size_t(std::distance(first, last));
        if (count == 0)
            return;
        const size_t old = size();
        if (old == 0 && count == 1) {
            m_one.node = first->release();
            m_one.node->row = 0;
            return;
        }
        reserve(old + count);
        Block *b = block();
        Ref *items = b->items();
        std::memmove(static_cast<void *>(items + position + count), items + position, (old - position) * sizeof(Ref));
        for (size_t i = 0; i < count; ++i, ++first)
            items[position + i].node = first->release();
        b->size = quint32(old + count);
        markStale(position);
    }
    template<typename It>
    void insert(const Ref *at, It first, It last)
    {
        insert(size_t(at - begin()), first, last);
    }
    // Deletes the children in [first, last).
    void erase(const Ref *first, const Ref *last)
    {
        const auto from = size_t(first - begin());
        const auto to = size_t(last - begin());
        for (size_t i = from; i < to; ++i)
            delete begin()[i].node;
        remove(from, to);
    }
    void erase(const Ref *at) { erase(at, at + 1); }
    // Removes one child without deleting it.
    std::unique_ptr<Node> take(size_t row)
    {
        std::unique_ptr<Node> child(begin()[row].node);
        remove(row, row + 1);
        return child;
    }

    // Rows from here on are stale: renumbered on the next refreshRows(), not on every insert
    // (thousands of inserts in the middle would otherwise cost O(children) each).
    void markStale(size_t from)
    {
        if (Block *b = block())
            b->staleFrom = std::min(b->staleFrom, quint32(from));
    }
    void refreshRows()
    {
        Block *b = block();
        if (!b || b->staleFrom == kNotStale)
            return;
        Ref *items = b->items();
        for (size_t i = b->staleFrom; i < b->size; ++i)
            items[i].node->row = int(i);
        b->staleFrom = kNotStale;
    }

private:
    static constexpr quint32 kNotStale = 0xffffffffu;
    struct Block
    {
        quint32 size;
        quint32 capacity;
        quint32 staleFrom;
        quint32 reserved;
        Ref *items() { return reinterpret_cast<Ref *>(this + 1); }
        const Ref *items() const { return reinterpret_cast<const Ref *>(this + 1); }
    };
    static_assert(sizeof(Block) % alignof(Ref) == 0);

    bool isBlock() const { return (reinterpret_cast<quintptr>(m_one.node) & 1) != 0; }
    Block *block() const
    {
        return isBlock() ? reinterpret_cast<Block *>(reinterpret_cast<quintptr>(m_one.node) & ~quintptr(1)) : nullptr;
    }
    void setBlock(Block *b) { m_one.node = b ? reinterpret_cast<Node *>(reinterpret_cast<quintptr>(b) | 1) : nullptr; }
    void freeBlock()
    {
        if (Block *b = block()) {
            ::operator delete(b);
            m_one.node = nullptr;
        }
    }
    void reserve(size_t capacity)
    {
        Block *b = block();
        if (b && b->capacity >= capacity)
            return;
        const size_t old = size();
        const size_t grown = std::max<size_t>({capacity, 4, b ? size_t(b->capacity) * 2 : 0});
        auto *next = static_cast<Block *>(::operator new(sizeof(Block) + grown * sizeof(Ref)));
        next->size = quint32(old);
        next->capacity = quint32(grown);
        next->staleFrom = b ? b->staleFrom : kNotStale;
        next->reserved = 0;
        if (old > 0)
            std::memcpy(static_cast<void *>(next->items()), begin(), old * sizeof(Ref));
        freeBlock();
        setBlock(next);
    }
    // Drops [from, to) from the list (not deleting them); one left goes back in the word.
    void remove(size_t from, size_t to)
    {
        Block *b = block();
        if (!b) {
            if (from < to)
                m_one.node = nullptr;
            return;
        }
        Ref *items = b->items();
        std::memmove(static_cast<void *>(items + from), items + to, (b->size - to) * sizeof(Ref));
        b->size -= quint32(to - from);
        markStale(from);
        if (b->size <= 1) {
            Node *only = b->size == 1 ? items[0].node : nullptr;
            freeBlock();
            m_one.node = only;
            if (only)
                only->row = 0;
        }
    }

    // The only child, or a Block's address with bit 0 set (nodes are at least 2-aligned).
    Ref m_one{nullptr};
};

} // namespace thingscape
