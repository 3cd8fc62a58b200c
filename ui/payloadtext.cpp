#include "payloadtext.h"

#include "model/codecs/codecs.h"

#include <QCoreApplication>
#include <QStringDecoder>

namespace thingscape::payloadtext {

namespace {

// lupdate does not see plural (%n) strings through this: those call translate() themselves.
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("PayloadText", text, nullptr, n);
}

QString moreNote(qsizetype total)
{
    return QCoreApplication::translate("PayloadText", "\n… (%n byte(s) in all)", nullptr, int(total));
}

} // namespace

QString capped(QString text)
{
    if (text.size() <= kMaxShownChars)
        return text;
    text.truncate(kMaxShownChars);
    return text + tr("\n… (truncated)");
}

QString decodedText(const Value &value)
{
    QString text;
    if (!value.error.isEmpty())
        text = tr("Could not decode: %1\n\n").arg(value.error);
    const bool tooLarge = value.raw.size() > kMaxShownBytes;
    if (tooLarge && (value.kind() == ValueKind::Binary || value.kind() == ValueKind::Error)) {
        Value head = value;
        head.raw = value.raw.left(kMaxShownBytes);
        head.decoded = QCborValue(head.raw);
        head.error = QString();
        text += codecs::prettyText(head) + moreNote(value.raw.size());
    } else {
        text += codecs::prettyText(value);
    }
    return capped(text);
}

QString decodedText(const QByteArray &raw, int contentFormat, qint64 timeMs)
{
    if (raw.size() <= kMaxShownBytes)
        return decodedText(codecs::decode(raw, contentFormat, {}, timeMs));
    // Decoding the whole of it would take as long as it is large: show its start as it came.
    const QByteArray head = raw.left(kMaxShownBytes);
    // Stateful: a multi-byte character cut at the end is pending, not an error.
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8(head);
    const QString body = utf8.hasError() ? codecs::hexView(head) : text;
    const QString intro = QCoreApplication::translate(
        "PayloadText", "Too large to decode here: the first %n byte(s) as they came.\n\n", nullptr, int(head.size()));
    return capped(intro + body + moreNote(raw.size()));
}

QString hexText(const QByteArray &raw)
{
    QString text = codecs::hexView(raw.left(kMaxShownBytes));
    if (raw.size() > kMaxShownBytes)
        text += moreNote(raw.size());
    return text;
}

} // namespace thingscape::payloadtext
