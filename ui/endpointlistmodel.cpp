#include "endpointlistmodel.h"

#include "model/plaintooltip.h"

#include <QPainter>
#include <QPixmap>

#include <cmath>

namespace thingscape {

EndpointListModel::EndpointListModel(EndpointManager *manager, QObject *parent)
    : QAbstractListModel(parent)
    , m_manager(manager)
{
    for (const EndpointConfig &config : m_manager->endpoints()) {
        m_rows.insert(config.id, int(m_ids.size()));
        m_ids.append(config.id);
        if (m_manager->status(config.id).state == ConnectorState::BackingOff)
            m_backingOff.insert(config.id);
    }
    connect(m_manager, &EndpointManager::endpointAdded, this, &EndpointListModel::onAdded);
    connect(m_manager, &EndpointManager::endpointRemoved, this, &EndpointListModel::onRemoved);
    connect(m_manager, &EndpointManager::endpointChanged, this, &EndpointListModel::onChanged);
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &EndpointListModel::onTick);
    updateCountdown();
}

EndpointListModel::~EndpointListModel() = default;

int EndpointListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_ids.size());
}

QVariant EndpointListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString &id = m_ids.at(index.row());
    const EndpointConfig config = m_manager->endpoint(id);
    const EndpointManager::Status status = m_manager->status(id);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (role) {
    case Qt::DisplayRole:
        return tr("%1  (%2)\n%3").arg(config.name, config.url.toString(), statusText(status, now));
    case Qt::ToolTipRole: {
        QString tip = tr("%1\n%2\nState: %3").arg(config.name, config.url.toString(), connectorStateName(status.state));
        if (!status.lastError.isEmpty())
            tip += QLatin1Char('\n') + tr("Last error: %1").arg(status.lastError);
        // The name and the error (which may quote a peer) are plain text.
        return plainToolTip(tip);
    }
    case Qt::DecorationRole:
        return stateIcon(status.state);
    case IdRole:
        return id;
    case NameRole:
        return config.name;
    case UrlRole:
        return config.url.toString();
    case StateRole:
        return int(status.state);
    case StateTextRole:
        return connectorStateName(status.state);
    case LastErrorRole:
        return status.lastError;
    case RetryInRole:
        return status.state == ConnectorState::BackingOff ? secondsUntil(status.nextRetry, now) : -1;
    case StatusTextRole:
        return statusText(status, now);
    default:
        return {};
    }
}

QHash<int, QByteArray> EndpointListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "endpointId");
    names.insert(NameRole, "name");
    names.insert(UrlRole, "url");
    names.insert(StateRole, "state");
    names.insert(StateTextRole, "stateText");
    names.insert(LastErrorRole, "lastError");
    names.insert(RetryInRole, "retryIn");
    names.insert(StatusTextRole, "statusText");
    return names;
}

QString EndpointListModel::idAt(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_ids.at(row) : QString();
}

int EndpointListModel::rowOf(const QString &id) const
{
    return m_rows.value(id, -1);
}

int EndpointListModel::secondsUntil(const QDateTime &nextRetry, const QDateTime &now)
{
    if (!nextRetry.isValid())
        return -1;
    const qint64 ms = now.msecsTo(nextRetry);
    return ms <= 0 ? 0 : int((ms + 999) / 1000);
}

QString EndpointListModel::statusText(const EndpointManager::Status &status, const QDateTime &now)
{
    QString text = connectorStateName(status.state);
    if (status.state == ConnectorState::Connected && status.discovering)
        text = tr("%1, discovering").arg(text);
    if (status.state == ConnectorState::BackingOff) {
        const int seconds = secondsUntil(status.nextRetry, now);
        if (seconds > 0)
            text = tr("%1, reconnecting in %n s", nullptr, seconds).arg(text);
        else if (seconds == 0)
            text = tr("%1, reconnecting now").arg(text);
    }
    if (!status.lastError.isEmpty() && status.state != ConnectorState::Connected)
        text = tr("%1: %2").arg(text, status.lastError);
    return text;
}

void EndpointListModel::onAdded(const QString &id)
{
    if (m_rows.contains(id))
        return;
    const int row = int(m_ids.size());
    beginInsertRows({}, row, row);
    m_ids.append(id);
    m_rows.insert(id, row);
    endInsertRows();
    if (m_manager->status(id).state == ConnectorState::BackingOff)
        m_backingOff.insert(id);
    updateCountdown();
}

void EndpointListModel::onRemoved(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_ids.removeAt(row);
    m_rows.remove(id);
    for (int later = row; later < int(m_ids.size()); ++later)
        m_rows[m_ids.at(later)] = later;
    endRemoveRows();
    m_backingOff.remove(id);
    updateCountdown();
}

void EndpointListModel::onChanged(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    const QModelIndex changed = index(row);
    Q_EMIT dataChanged(changed, changed);
    if (m_manager->status(id).state == ConnectorState::BackingOff)
        m_backingOff.insert(id);
    else
        m_backingOff.remove(id);
    updateCountdown();
}

void EndpointListModel::onTick()
{
    for (const QString &id : std::as_const(m_backingOff)) {
        const QModelIndex changed = index(rowOf(id));
        Q_EMIT dataChanged(changed, changed, {Qt::DisplayRole, RetryInRole, StatusTextRole});
    }
    updateCountdown();
}

void EndpointListModel::updateCountdown()
{
    // The timer only runs while something counts down.
    const bool counting = !m_backingOff.isEmpty();
    if (counting && !m_countdown.isActive())
        m_countdown.start();
    else if (!counting)
        m_countdown.stop();
}

QIcon EndpointListModel::stateIcon(ConnectorState state) const
{
    auto it = m_icons.constFind(int(state));
    if (it != m_icons.constEnd())
        return *it;
    QColor color;
    switch (state) {
    case ConnectorState::Connected:
        color = QColor(0x2e, 0x9e, 0x44);
        break;
    case ConnectorState::Connecting:
    case ConnectorState::BackingOff:
        color = QColor(0xe0, 0x9a, 0x10);
        break;
    case ConnectorState::Error:
        color = QColor(0xc8, 0x22, 0x22);
        break;
    case ConnectorState::Disconnected:
        color = QColor(0x9a, 0x9a, 0x9a);
        break;
    }
    QIcon icon;
    for (int size : {16, 24, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(color.darker(130), size / 16.0));
        painter.setBrush(color);
        // A hollow ring while connecting, so the state is not told by colour alone.
        if (state == ConnectorState::Connecting || state == ConnectorState::BackingOff) {
            painter.setBrush(Qt::NoBrush);
            painter.setPen(QPen(color, size / 6.0));
        }
        const qreal margin = size / 5.0;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        painter.end();
        icon.addPixmap(pixmap);
    }
    m_icons.insert(int(state), icon);
    return icon;
}

} // namespace thingscape
