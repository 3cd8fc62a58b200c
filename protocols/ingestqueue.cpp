#include "ingestqueue.h"

#include "threadcputime.h"

#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace thingscape {

namespace {

// The first slice of a run, before anything was measured, and the least a slice applies (a
// store batch has a cost of its own: its signal and each model's turn).
constexpr qsizetype kFirstSliceUpdates = 64;
constexpr qsizetype kMinSliceUpdates = 16;
// How fast the estimate follows the last slice (the mix of new resources and values changes).
constexpr double kFollow = 0.3;
// A slice gets at least this share of its budget in CPU time however busy the machine (each
// slice has a fixed cost: the store batch's signal and every model's turn), and the share is
// measured only on slices long enough for the clocks to tell.
constexpr double kMinCpuShare = 0.25;
constexpr double kMinShareSampleMs = 0.5;

} // namespace

IngestQueue::IngestQueue(Apply apply, QObject *parent)
    : QObject(parent)
    , m_apply(std::move(apply))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(0);
    connect(m_timer, &QTimer::timeout, this, &IngestQueue::runSlice);
}

IngestQueue::~IngestQueue() = default;

void IngestQueue::setSliceMs(int ms)
{
    m_sliceMs = std::max(0, ms);
    if (m_sliceMs == 0 && !m_items.empty() && !m_running)
        runSlice();
}

qsizetype IngestQueue::sliceUpdates() const
{
    if (m_updatesPerMs <= 0)
        return kFirstSliceUpdates;
    return std::max(kMinSliceUpdates, qsizetype(m_updatesPerMs * m_sliceMs));
}

bool IngestQueue::aheadOf(const void *source, const Item *item) const
{
    for (const Item &waiting : m_items) {
        if (&waiting == item)
            return false;
        if (waiting.source == source && !waiting.then)
            return true;
    }
    return false;
}

void IngestQueue::push(const QString &endpointId, const void *source, const UpdateBatch &updates,
                       std::function<void()> wanted)
{
    if (updates.isEmpty()) {
        if (wanted)
            wanted();
        return;
    }
    // Without slices, and with nothing waiting, as it always was: applied whole, then the next
    // batch is wanted.
    if (m_sliceMs == 0 && m_items.empty() && !m_running) {
        m_apply(endpointId, updates);
        if (wanted)
            wanted();
        return;
    }
    const bool first = !aheadOf(source, nullptr);
    Item item;
    item.endpointId = endpointId;
    item.source = source;
    item.updates = updates;
    if (!first)
        item.wanted = std::move(wanted);
    m_waiting += updates.size();
    m_items.push_back(std::move(item));
    // The connector fills its next batch while this one is applied.
    if (first && wanted)
        wanted();
    // Nothing else waiting: the first slice goes now, without a turn of delay.
    if (!m_running && !m_timer->isActive())
        runSlice();
}

void IngestQueue::dropSource(const void *source)
{
    // Emptied in place, never erased: a slice may be running (an apply that removed an endpoint).
    for (Item &item : m_items) {
        if (item.source != source || item.then)
            continue;
        m_waiting -= item.updates.size() - std::min(item.next, item.updates.size());
        item.updates = UpdateBatch();
        item.next = 0;
        item.wanted = {};
        item.source = nullptr;
    }
}

void IngestQueue::whenApplied(std::function<void()> then)
{
    if (!then)
        return;
    if (m_items.empty()) {
        then();
        return;
    }
    Item marker;
    marker.then = std::move(then);
    m_items.push_back(std::move(marker));
}

void IngestQueue::wantNext(const void *source)
{
    for (Item &item : m_items) {
        if (item.source == source && !item.then) {
            if (item.wanted)
                std::exchange(item.wanted, {})();
            return;
        }
    }
}

void IngestQueue::runSlice()
{
    if (m_running)
        return;
    m_running = true;
    QElapsedTimer clock;
    clock.start();
    const qint64 budgetNs = qint64(m_sliceMs) * 1'000'000;
    bool applied = false;
    // The front item is only ever removed here; pushes append (a deque keeps references).
    while (!m_items.empty()) {
        Item &head = m_items.front();
        if (head.then) {
            std::function<void()> then = std::move(head.then);
            m_items.pop_front();
            then();
            continue;
        }
        if (head.next >= head.updates.size()) { // applied, or its source went
            const void *source = head.source;
            m_items.pop_front();
            if (source)
                wantNext(source);
            continue;
        }
        const qint64 leftNs = budgetNs - clock.nsecsElapsed();
        if (m_sliceMs > 0 && applied && leftNs <= budgetNs / 8)
            break; // the rest on the next turn
        const qsizetype remaining = head.updates.size() - head.next;
        qsizetype count = remaining;
        if (m_sliceMs > 0) {
            // What fits the wall-clock budget left: the updates per ms of CPU, times the share
            // of a core the thread has been getting.
            const qsizetype fits = m_updatesPerMs > 0 ? qsizetype(m_updatesPerMs * m_cpuShare * double(leftNs) / 1e6)
                                                      : kFirstSliceUpdates;
            count = std::min(remaining, std::max(kMinSliceUpdates, fits));
        }
        const UpdateBatch slice = head.next == 0 && count == head.updates.size() ? head.updates
                                                                                  : head.updates.mid(head.next, count);
        head.next += count;
        m_waiting -= count;
        const QString endpointId = head.endpointId;
        const qint64 cpuBefore = threadCpuNs();
        const qint64 wallBefore = clock.nsecsElapsed();
        m_apply(endpointId, slice);
        applied = true;
        // The cost from the GUI thread's own CPU time, which a busy machine does not change;
        // apart from it, the share of a core the thread got (on a busy machine 8 ms of work
        // took 30-50 ms of wall clock, and the window was that long frozen).
        const double ms = double(threadCpuNs() - cpuBefore) / 1e6;
        const double wallMs = double(clock.nsecsElapsed() - wallBefore) / 1e6;
        if (count >= kMinSliceUpdates && ms > 0) {
            const double rate = double(count) / ms;
            m_updatesPerMs = m_updatesPerMs > 0 ? m_updatesPerMs + kFollow * (rate - m_updatesPerMs) : rate;
        }
        if (wallMs >= kMinShareSampleMs) {
            const double share = std::clamp(ms / wallMs, kMinCpuShare, 1.0);
            m_cpuShare += kFollow * (share - m_cpuShare);
        }
    }
    m_running = false;
    if (!m_items.empty())
        m_timer->start();
}

} // namespace thingscape
