#include "resourceuriedit.h"

#include "treedecorationproxy.h"

#include <QCompleter>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>

namespace thingscape {

namespace {

QString droppedUri(const QMimeData *mime)
{
    const QString type = QString::fromLatin1(TreeDecorationProxy::kMimeType);
    if (!mime || !mime->hasFormat(type))
        return {};
    // The tree drags one URI per line: a field takes the first.
    return QString::fromUtf8(mime->data(type)).section(QLatin1Char('\n'), 0, 0).trimmed();
}

} // namespace

ResourceUriEdit::ResourceUriEdit(QAbstractItemModel *knownUris, QWidget *parent)
    : QLineEdit(parent)
{
    setAcceptDrops(true);
    setPlaceholderText(tr("mqtt://host:1883/topic, coap://host/path, http://host/… (or drag from the tree)"));
    setClearButtonEnabled(true);
    if (knownUris) {
        auto *completer = new QCompleter(knownUris, this);
        completer->setCaseSensitivity(Qt::CaseInsensitive);
        completer->setFilterMode(Qt::MatchContains);
        completer->setModelSorting(QCompleter::CaseSensitivelySortedModel);
        setCompleter(completer);
        // Picking a completion is an edit too (textEdited does not see it).
        connect(completer, qOverload<const QString &>(&QCompleter::activated), this, [this](const QString &uri) {
            Q_EMIT edited(uri);
        });
    }
    connect(this, &QLineEdit::textEdited, this, &ResourceUriEdit::edited);
}

void ResourceUriEdit::dragEnterEvent(QDragEnterEvent *event)
{
    if (!droppedUri(event->mimeData()).isEmpty())
        event->acceptProposedAction();
    else
        QLineEdit::dragEnterEvent(event);
}

void ResourceUriEdit::dragMoveEvent(QDragMoveEvent *event)
{
    if (!droppedUri(event->mimeData()).isEmpty())
        event->acceptProposedAction();
    else
        QLineEdit::dragMoveEvent(event);
}

void ResourceUriEdit::dropEvent(QDropEvent *event)
{
    const QString uri = droppedUri(event->mimeData());
    if (uri.isEmpty()) {
        QLineEdit::dropEvent(event);
        return;
    }
    event->acceptProposedAction();
    setText(uri);
    setFocus(Qt::OtherFocusReason);
    Q_EMIT edited(uri);
}

} // namespace thingscape
