#pragma once

#include "protocols/endpointmanager.h"

#include <QAbstractListModel>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QStringList>
#include <QTimer>

namespace thingscape {

// The endpoints of an EndpointManager as a list: name and URL, a state icon, the state, the
// last error and, while an endpoint waits to reconnect, a countdown refreshed every second.
class EndpointListModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        NameRole,
        UrlRole,
        StateRole,       // ConnectorState as int
        StateTextRole,   // "connected", "waiting to reconnect"...
        LastErrorRole,
        RetryInRole,     // seconds until the next attempt, or -1
        StatusTextRole,  // the second line: state, countdown, last error
    };

    explicit EndpointListModel(EndpointManager *manager, QObject *parent = nullptr);
    ~EndpointListModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString idAt(int row) const;
    int rowOf(const QString &id) const;

    // Seconds until nextRetry, rounded up; -1 when there is no retry planned.
    static int secondsUntil(const QDateTime &nextRetry, const QDateTime &now);
    // "waiting to reconnect, reconnecting in 4 s: connection refused"
    static QString statusText(const EndpointManager::Status &status, const QDateTime &now);

private:
    void onAdded(const QString &id);
    void onRemoved(const QString &id);
    void onChanged(const QString &id);
    void onTick();
    void updateCountdown();
    QIcon stateIcon(ConnectorState state) const;

    EndpointManager *m_manager; // Not owned.
    QStringList m_ids;
    // Both kept current so that adding or changing one endpoint costs O(1), not O(endpoints).
    QHash<QString, int> m_rows; // id -> its row in m_ids
    QSet<QString> m_backingOff;  // ids waiting to reconnect (the countdown runs while any)
    QTimer m_countdown;
    mutable QHash<int, QIcon> m_icons;
};

} // namespace thingscape
