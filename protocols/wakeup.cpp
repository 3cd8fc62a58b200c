#include "wakeup.h"

#include <QTimer>

#include <coroutine>
#include <utility>

namespace thingscape {

class Wakeup::Awaiter
{
public:
    Awaiter(Wakeup *wakeup, std::chrono::milliseconds timeout)
        : m_wakeup(wakeup)
        , m_timeout(timeout)
    {
    }
    // QCoro's await_transform takes awaitables by value: movable until suspended.
    Awaiter(Awaiter &&other) noexcept
        : m_wakeup(std::exchange(other.m_wakeup, nullptr))
        , m_timeout(other.m_timeout)
    {
    }
    Awaiter(const Awaiter &) = delete;
    Awaiter &operator=(const Awaiter &) = delete;
    Awaiter &operator=(Awaiter &&) = delete;

    ~Awaiter()
    {
        detach();
        if (m_timer) {
            m_timer->stop();
            m_timer->disconnect();
            // Possibly inside the timer's own timeout emission.
            m_timer->deleteLater();
        }
    }

    bool await_ready() const noexcept { return false; }

    void await_suspend(std::coroutine_handle<> handle)
    {
        m_handle = handle;
        if (m_wakeup)
            m_wakeup->m_waiting.push_back(this);
        m_timer = new QTimer();
        m_timer->setSingleShot(true);
        QObject::connect(m_timer, &QTimer::timeout, m_timer, [this] { resume(); });
        m_timer->start(m_timeout);
    }

    void await_resume() const noexcept {}

    void detach()
    {
        if (m_wakeup)
            m_wakeup->m_waiting.remove(this);
        m_wakeup = nullptr;
    }

    void forget() { m_wakeup = nullptr; }

    void resume()
    {
        detach();
        if (auto handle = std::exchange(m_handle, {}))
            handle.resume();
    }

private:
    Wakeup *m_wakeup;             // Not owned.
    std::chrono::milliseconds m_timeout;
    std::coroutine_handle<> m_handle;
    QTimer *m_timer = nullptr;    // Owned; deleted later (see the destructor).
};

Wakeup::Wakeup(QObject *parent)
    : QObject(parent)
{
}

Wakeup::~Wakeup()
{
    for (Awaiter *awaiter : m_waiting)
        awaiter->forget();
}

void Wakeup::notify()
{
    if (m_scheduled || m_waiting.empty())
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &Wakeup::resumeAll, Qt::QueuedConnection);
}

void Wakeup::resumeAll()
{
    m_scheduled = false;
    std::list<Awaiter *> waiting;
    waiting.swap(m_waiting);
    for (Awaiter *awaiter : waiting)
        awaiter->forget();
    // A resumed coroutine may destroy this object: touch only the local list from here.
    for (Awaiter *awaiter : waiting)
        awaiter->resume();
}

QCoro::Task<> Wakeup::wait(std::chrono::milliseconds timeout)
{
    co_await Awaiter(this, std::max(timeout, std::chrono::milliseconds(0)));
}

} // namespace thingscape
