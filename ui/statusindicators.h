#pragma once

#include "model/resourcestore.h"

#include <QObject>

class QLabel;
class QStatusBar;
class QTimer;

namespace thingscape {

class WindowModels;

// The permanent status bar figures: endpoints connected / total, resources, the store's memory
// (its own accounting), and messages per second in and out (measured over the last second),
// and, while ingestion falls behind or a value-event subscriber drops events, how much.
class StatusIndicators : public QObject
{
    Q_OBJECT

public:
    StatusIndicators(WindowModels *session, QStatusBar *bar);

    QString endpointsText() const;
    QString resourcesText() const;
    // "Store: 12.3 MB of 96 MB": what the store counts against its memory budget.
    QString memoryText() const;
    static QString megabytes(qint64 bytes);
    QString rateText() const;
    QString behindLabelText() const;

    // How long "behind" stays in the status bar after the last batch that waited or was merged.
    static constexpr qint64 kBehindShownMs = 10000;
    // "Ingestion behind: 1234 messages merged, waited 3.2 s" (empty while all keeps up).
    static QString behindText(const IngestStats &stats, const QList<SubscriptionInfo> &subscriptions, qint64 nowMs);

private:
    void tick();
    void updateBehind();

    WindowModels *m_session; // Not owned.
    QLabel *m_endpoints;
    QLabel *m_resources;
    QLabel *m_memory;
    QLabel *m_rate;
    QLabel *m_behind;
    QTimer *m_timer;
    quint64 m_lastIn = 0;
    quint64 m_lastOut = 0;
    qint64 m_lastTickMs = 0;
};

} // namespace thingscape
