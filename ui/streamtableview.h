#pragma once

#include <QTableView>

namespace thingscape {

class BoundedRate;

// The message stream's table: rows of one height (no per-row size hint, no text layout to
// measure) and at most one relayout and repaint per kMinLayoutIntervalMs however fast rows
// arrive and go (at thousands of messages per second every batch used to lay out and paint
// the visible rows again: 30 % of the window's CPU). Cell text is cut before it is elided, so
// a long payload summary costs the same as a short one.
class StreamTableView : public QTableView
{
    Q_OBJECT

public:
    static constexpr int kMinLayoutIntervalMs = 100;
    static constexpr int kMaxCellChars = 512;

    explicit StreamTableView(QWidget *parent = nullptr);

    void doItemsLayout() override;
    // kMinLayoutIntervalMs unless set (tests set it long, to see the deferral without timing).
    void setMinLayoutInterval(int ms);
    // Layouts done and put off since construction (for tests and benchmarks).
    quint64 layoutCount() const;
    quint64 deferredLayoutCount() const;

private:
    BoundedRate *m_layoutRate;
};

} // namespace thingscape
