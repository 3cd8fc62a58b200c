#pragma once

#include <QObject>

class QLabel;
class QStatusBar;
class QTimer;

namespace thingscape {

class WindowModels;

// The permanent status bar figures: endpoints connected / total, resources, and messages per
// second in and out (measured over the last second).
class StatusIndicators : public QObject
{
    Q_OBJECT

public:
    StatusIndicators(WindowModels *session, QStatusBar *bar);

    QString endpointsText() const;
    QString resourcesText() const;
    QString rateText() const;

private:
    void tick();

    WindowModels *m_session; // Not owned.
    QLabel *m_endpoints;
    QLabel *m_resources;
    QLabel *m_rate;
    QTimer *m_timer;
    quint64 m_lastIn = 0;
    quint64 m_lastOut = 0;
    qint64 m_lastTickMs = 0;
};

} // namespace thingscape
