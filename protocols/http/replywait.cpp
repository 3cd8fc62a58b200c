#include "replywait.h"

#include "protocols/wakeup.h"

#include <QDeadlineTimer>
#include <QNetworkReply>
#include <QPointer>

namespace thingscape {

QCoro::Task<bool> waitForReply(QNetworkReply *reply, std::chrono::milliseconds timeout)
{
    QPointer<QNetworkReply> guard(reply);
    if (!guard || guard->isFinished())
        co_return bool(guard);
    Wakeup wakeup;
    // Context &wakeup: the connections end with this frame, whatever is still queued for it.
    QObject::connect(reply, &QNetworkReply::finished, &wakeup, &Wakeup::notify);
    QObject::connect(reply, &QObject::destroyed, &wakeup, &Wakeup::notify);
    const QDeadlineTimer deadline = timeout.count() < 0 ? QDeadlineTimer(QDeadlineTimer::Forever)
                                                        : QDeadlineTimer(timeout);
    while (guard && !guard->isFinished() && !deadline.hasExpired()) {
        const std::chrono::milliseconds left = deadline.isForever()
            ? std::chrono::milliseconds(std::chrono::hours(1))
            : std::chrono::milliseconds(std::max<qint64>(1, deadline.remainingTime()));
        co_await wakeup.wait(left);
    }
    co_return guard && guard->isFinished();
}

} // namespace thingscape
