#pragma once

#include "model/recording/recordingdatabase.h"
#include "model/resourceid.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <deque>
#include <limits>

namespace thingscape {

class EndpointManager;

struct ReplayOptions
{
    ResourceId target;      // an endpoint (mqtt://host:port, coap://..., http://...) the manager knows
    QString prefix;         // put before every topic / path; empty: the original ones
    double speed = 1;       // 1: as recorded, 10: ten times faster, <= 0: as fast as possible
    QStringList uris;       // empty: every resource
    qint64 fromMs = 0;
    qint64 toMs = std::numeric_limits<qint64>::max();
    int qos = 1;            // MQTT: acknowledged, so a finished replay is at the broker
};

// Writes a recorded time range (the messages that came in) back out through an endpoint: MQTT
// publishes to the original topics (or under a prefix), CoAP / HTTP writes to the same paths
// on another server, paced as recorded (scaled by speed) or as fast as the peer acknowledges.
// Reads the recording in pages, so memory stays flat. Lives on the manager's thread.
class Replayer : public QObject
{
    Q_OBJECT

public:
    // db must be open and outlive the replayer; endpoints too.
    Replayer(RecordingDatabase *db, EndpointManager *endpoints, QObject *parent = nullptr);
    ~Replayer() override;

    void start(const ReplayOptions &options);
    void cancel();

    qint64 sent() const { return m_sent; }
    qint64 total() const { return m_total; }
    // Where a recorded resource goes under these options (invalid if it cannot be mapped).
    static ResourceId mapped(const QString &recordedUri, const ReplayOptions &options);

Q_SIGNALS:
    void progress(qint64 sent, qint64 total);
    void finished(bool ok, const QString &error);

private:
    bool fill();
    void pump();
    void finish(bool ok, const QString &error);

    RecordingDatabase *m_db;             // Not owned.
    QPointer<EndpointManager> m_endpoints; // Not owned.
    ReplayOptions m_options;
    std::deque<RecordedMessage> m_queue;
    qint64 m_lastId = 0;
    bool m_exhausted = false;
    qint64 m_total = 0;
    qint64 m_sent = 0;
    int m_inFlight = 0;
    qint64 m_firstTimeMs = -1;
    QElapsedTimer m_clock;
    bool m_done = false;
    bool m_pumpScheduled = false;
};

} // namespace thingscape
