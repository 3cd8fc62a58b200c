#include "valuefieldtree.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QMimeData>

namespace thingscape {

namespace {

// A JSON pointer token (RFC 6901): "~" and "/" escaped.
QString pointerToken(QString key)
{
    key.replace(QLatin1Char('~'), QLatin1String("~0"));
    key.replace(QLatin1Char('/'), QLatin1String("~1"));
    return key;
}

void addChildren(QTreeWidgetItem *parent, const QString &pointer, bool nameable, const QCborValue &value);

// nameable: whether a JSON pointer can name the field (not below a CBOR float or byte-string key).
QTreeWidgetItem *fieldItem(const QString &key, const QString &pointer, bool nameable, const QCborValue &value)
{
    auto *item = new QTreeWidgetItem;
    item->setText(0, key);
    if (value.isMap()) {
        item->setText(1, QCoreApplication::translate("DetailsView", "{%n key(s)}", nullptr, int(value.toMap().size())));
    } else if (value.isArray()) {
        item->setText(1, QCoreApplication::translate("DetailsView", "[%n item(s)]", nullptr, int(value.toArray().size())));
    } else {
        item->setText(1, value.isString() ? value.toString() : value.toDiagnosticNotation());
    }
    if (nameable)
        item->setData(0, ValueFieldTree::PointerRole, pointer);
    else
        item->setFlags(item->flags() & ~Qt::ItemIsDragEnabled);
    addChildren(item, pointer, nameable, value);
    return item;
}

void addChildren(QTreeWidgetItem *parent, const QString &pointer, bool nameable, const QCborValue &value)
{
    const auto below = [&pointer](const QString &token) { return pointer + QLatin1Char('/') + pointerToken(token); };
    if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QCborValue key = it.key();
            const QString shown = key.isString() ? key.toString() : key.toDiagnosticNotation();
            // Integer keys (compact CBOR) are named by their digits; SeriesSource::fieldAt finds them.
            const bool named = key.isString() || key.isInteger();
            const QString token = key.isString() ? key.toString() : QString::number(key.toInteger());
            parent->addChild(fieldItem(shown, below(token), nameable && named, it.value()));
        }
    } else if (value.isArray()) {
        const QCborArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            parent->addChild(fieldItem(QString::number(i), below(QString::number(i)), nameable, array.at(i)));
    }
}

QTreeWidgetItem *findPointer(QTreeWidgetItem *parent, const QString &pointer)
{
    for (int i = 0; i < parent->childCount(); ++i) {
        QTreeWidgetItem *child = parent->child(i);
        const QString own = child->data(0, ValueFieldTree::PointerRole).toString();
        if (own == pointer)
            return child;
        if (!own.isEmpty() && pointer.startsWith(own + QLatin1Char('/'))) {
            if (QTreeWidgetItem *found = findPointer(child, pointer))
                return found;
        }
    }
    return nullptr;
}

} // namespace

ValueFieldTree::ValueFieldTree(QWidget *parent)
    : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("valueTree"));
    setColumnCount(2);
    setHeaderLabels({tr("Key"), tr("Value")});
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setToolTip(tr("Drag a field onto a dashboard for a tile that follows it"));
}

void ValueFieldTree::showValue(const ResourceId &id, const QCborValue &value)
{
    m_id = id;
    clear();
    if (value.isContainer()) {
        addChildren(invisibleRootItem(), QString(), true, value);
        expandToDepth(1);
    } else if (!value.isUndefined()) {
        // The whole value: an empty pointer, which a drop takes as the resource itself.
        addTopLevelItem(fieldItem(tr("value"), QString(), true, value));
    }
    resizeColumnToContents(0);
}

QTreeWidgetItem *ValueFieldTree::itemAt(const QString &pointer) const
{
    return findPointer(invisibleRootItem(), pointer);
}

QMimeData *ValueFieldTree::dragData(const QList<QTreeWidgetItem *> &items) const
{
    return mimeData(items);
}

QStringList ValueFieldTree::mimeTypes() const
{
    return {QString::fromLatin1(kMimeType), QStringLiteral("text/plain")};
}

QMimeData *ValueFieldTree::mimeData(const QList<QTreeWidgetItem *> &items) const
{
    QStringList lines;
    QStringList text;
    for (const QTreeWidgetItem *item : items) {
        const QVariant pointer = item->data(0, PointerRole);
        if (!pointer.isValid() || !m_id.isValid())
            continue;
        lines.append(m_id.toString() + QLatin1Char('\t') + pointer.toString());
        text.append((m_id.toString() + QLatin1Char(' ') + pointer.toString()).trimmed());
    }
    if (lines.isEmpty())
        return nullptr;
    auto *mime = new QMimeData;
    mime->setData(QString::fromLatin1(kMimeType), lines.join(QLatin1Char('\n')).toUtf8());
    mime->setText(text.join(QLatin1Char('\n')));
    return mime;
}

QList<std::pair<ResourceId, QString>> ValueFieldTree::fieldsOf(const QMimeData *mime)
{
    QList<std::pair<ResourceId, QString>> fields;
    if (!mime || !mime->hasFormat(QString::fromLatin1(kMimeType)))
        return fields;
    for (const QString &line : QString::fromUtf8(mime->data(QString::fromLatin1(kMimeType))).split(QLatin1Char('\n'))) {
        const QString uri = line.section(QLatin1Char('\t'), 0, 0);
        const QString pointer = line.section(QLatin1Char('\t'), 1);
        if (pointer.isEmpty() ? false : !pointer.startsWith(QLatin1Char('/')))
            continue;
        if (const auto id = ResourceId::parse(uri); id && !id->isEndpoint())
            fields.append({*id, pointer});
    }
    return fields;
}

} // namespace thingscape
