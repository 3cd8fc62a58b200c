#pragma once

#include <QList>
#include <QString>

class QAbstractProxyModel;
class QIODevice;

namespace thingscape {

class StreamModel;
struct Message;

// Writes rows of the message log as JSON Lines or CSV (RFC 4180), one message per line:
// time (ISO 8601, UTC, ms), direction, protocol, uri, size, payload, ct, info. The payload is
// its UTF-8 text when it is valid UTF-8, else "base64:" and its Base64.
class StreamExporter
{
public:
    enum class Format {
        JsonLines,
        Csv,
    };

    explicit StreamExporter(const StreamModel *model);

    // rows are rows of the model, written in the order given.
    bool exportRows(QIODevice *device, Format format, const QList<int> &rows, QString *error = nullptr) const;
    bool exportAll(QIODevice *device, Format format, QString *error = nullptr) const;
    // The rows a filter proxy over the model shows, in its order.
    bool exportVisible(QIODevice *device, Format format, const QAbstractProxyModel *proxy,
                       QString *error = nullptr) const;

    static QByteArray jsonLine(const Message &message);
    static QByteArray csvHeader();
    static QByteArray csvLine(const Message &message);

private:
    const StreamModel *m_model; // Not owned.
};

} // namespace thingscape
