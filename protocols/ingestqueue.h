#pragma once

#include "model/update.h"

#include <QObject>
#include <QString>

#include <deque>
#include <functional>

class QTimer;

namespace thingscape {

// Where the endpoint manager's batches wait for the store on the GUI thread. With a slice
// budget set (the window sets one), a batch is applied in slices of about that many ms of the
// GUI thread each (the store and every model that follows it in the same call), one slice per
// event-loop turn, so input and painting get their turn between slices however large a flood
// is. The slice size follows the cost of the last slices (updates per ms of CPU), so a batch of
// value updates goes in one slice and one full of new resources in several, and the share of a
// core the thread got, so a busy machine gets shorter slices rather than longer freezes. Without a budget (the
// default: the command line, tests) a batch is applied whole when it arrives, as before.
//
// A source (a connector) has at most one batch in flight: its next batch is wanted as soon as
// nothing of its own waits ahead of it, so the connector fills the next batch while this one is
// applied; at most two batches of a source wait here.
class IngestQueue : public QObject
{
    Q_OBJECT

public:
    using Apply = std::function<void(const QString &endpointId, const UpdateBatch &updates)>;
    explicit IngestQueue(Apply apply, QObject *parent = nullptr);
    ~IngestQueue() override;

    static constexpr int kDefaultSliceMs = 8;
    // 0: each batch is applied whole as it arrives.
    void setSliceMs(int ms);
    int sliceMs() const { return m_sliceMs; }

    // A batch from source (one connector of endpointId). wanted runs once that source may send
    // its next batch.
    void push(const QString &endpointId, const void *source, const UpdateBatch &updates, std::function<void()> wanted);
    // Drops what waits from source (its connector went): nothing of it reaches the store.
    void dropSource(const void *source);
    // Runs then once everything pushed so far has been applied: now when nothing waits.
    void whenApplied(std::function<void()> then);
    // Updates waiting for the store.
    qsizetype waiting() const { return m_waiting; }
    // The current estimate of how many updates fit a slice.
    qsizetype sliceUpdates() const;

private:
    struct Item
    {
        QString endpointId;
        const void *source = nullptr;
        UpdateBatch updates;
        qsizetype next = 0;          // the first update not yet applied
        std::function<void()> wanted; // run once no earlier item of its source waits
        std::function<void()> then;   // a marker (no updates): run when reached
    };

    void runSlice();
    void wantNext(const void *source);
    bool aheadOf(const void *source, const Item *item) const;

    Apply m_apply;
    std::deque<Item> m_items;
    QTimer *m_timer;
    int m_sliceMs = 0;
    qsizetype m_waiting = 0;
    double m_updatesPerMs = 0; // measured in the GUI thread's CPU time; 0 until the first slice
    double m_cpuShare = 1;     // that thread's CPU time per wall-clock time in the last slices
    bool m_running = false;    // inside runSlice (an apply may push or ask whenApplied)
};

} // namespace thingscape
