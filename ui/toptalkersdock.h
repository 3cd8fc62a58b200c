#pragma once

#include "model/resourceid.h"
#include "model/talkerstats.h"

#include <QDockWidget>

class QComboBox;
class QLabel;
class QTableWidget;
class QTimer;

namespace thingscape {

// "What is flooding the broker": the busiest resources and subtrees (folders, endpoints) by
// message rate or byte rate over the last 10 s, 1 min or 10 min, across endpoints and
// protocols. Redrawn once a second while shown; activating a row jumps to the tree node.
class TopTalkersDock : public QDockWidget
{
    Q_OBJECT

public:
    static constexpr int kRows = 50;

    TopTalkersDock(TalkerStats *stats, QWidget *parent = nullptr);

    // Redraws now (the timer does it once a second while the dock is visible).
    void refresh();
    // The URIs shown, top first (for tests).
    QStringList shownUris() const;
    void setWindow(TalkerStats::Window window);
    void setByBytes(bool byBytes);
    void setKind(TalkerStats::Kind kind);
    // For tests: a fixed "now" (0: the clock).
    void setNowForTesting(qint64 nowMs) { m_fixedNow = nowMs; }

Q_SIGNALS:
    void nodeActivated(const thingscape::ResourceId &id);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    TalkerStats *m_stats; // Not owned.
    QComboBox *m_window;
    QComboBox *m_by;
    QComboBox *m_kind;
    QLabel *m_note;
    QTableWidget *m_table;
    QTimer *m_timer;
    QList<ResourceId> m_shown;
    qint64 m_fixedNow = 0;
};

} // namespace thingscape
