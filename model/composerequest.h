#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace thingscape {

// One request as the compose panel builds it, for any URI on any protocol: what is sent, and
// what the history and templates keep. Fields a protocol does not use are ignored by it.
struct ComposeRequest
{
    enum class PayloadFormat {
        Text,
        Json,     // validated, sent as written (compact when pretty-printing is off)
        CborJson, // JSON turned into CBOR
        CborDiag, // CBOR diagnostic notation turned into CBOR
        Hex,      // hex digits, whitespace ignored
        File,     // the file's bytes, read when sent
    };

    QString uri;                      // mqtt://, coap://, http:// (and the secure schemes)
    QString method = QStringLiteral("GET"); // CoAP / HTTP
    QString payloadText;              // as typed (or the file's path for File)
    PayloadFormat format = PayloadFormat::Text;

    // MQTT
    int qos = 0;
    bool retain = false;
    QString contentType;              // MQTT 5 content type; HTTP Content-Type when no header says
    QString responseTopic;            // MQTT 5
    QByteArray correlationData;       // MQTT 5
    QList<QPair<QString, QString>> userProperties; // MQTT 5
    qint64 messageExpirySeconds = 0;  // MQTT 5; 0: none
    bool waitForReply = false;        // MQTT 5: subscribe to responseTopic, wait for the reply

    // CoAP
    bool confirmable = true;
    int accept = -1;                  // -1: none
    int contentFormat = -1;           // -1: none
    QByteArray etag;
    QByteArray ifMatch;
    int observe = -1;                 // -1: none; 0 register, 1 deregister
    int block2Size = 0;               // 0: none; 16..1024
    QList<QPair<int, QByteArray>> coapOptions; // custom options by number, raw values

    // HTTP
    QList<QPair<QByteArray, QByteArray>> headers;

    int timeoutMs = 10000;

    QJsonObject toJson() const;
    // Missing keys keep their defaults; *error on a wrong type.
    static ComposeRequest fromJson(const QJsonObject &json, QString *error = nullptr);
    // One line for lists: "PUT coap://h:5683/a  {"v":1}".
    QString summary() const;

    // The bytes to send, from payloadText in its format; false with *error (naming the format
    // and where it went wrong) on bad input. *contentFormat: the CoAP number the format implies
    // (-1 when it implies none).
    bool encodePayload(QByteArray *out, int *contentFormat, QString *error) const;

    static QString formatName(PayloadFormat format);
    static PayloadFormat formatFromName(const QString &name, bool *ok = nullptr);

    friend bool operator==(const ComposeRequest &, const ComposeRequest &) = default;
};

} // namespace thingscape
