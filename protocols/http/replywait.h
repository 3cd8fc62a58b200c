#pragma once

#include <QCoro/QCoroTask>

#include <chrono>

class QNetworkReply;

namespace thingscape {

// Resumes once the reply has finished or the timeout (negative: none) has passed; true when it
// finished. Use this, never QCoro 0.8's qCoro(reply).waitForFinished(timeout): that one resumes
// at its timeout and frees its frame while a queued resumption for the reply's finished() may
// already be posted (both due in one event-loop turn on a busy thread), and that resumption
// then runs on the freed frame. Here any number of finished() / timeouts in one turn resume
// the caller exactly once. The caller keeps the reply alive; a reply destroyed meanwhile ends
// the wait (not finished).
QCoro::Task<bool> waitForReply(QNetworkReply *reply, std::chrono::milliseconds timeout);

} // namespace thingscape
