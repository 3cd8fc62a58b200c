#include "tilewidget.h"

#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"

#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QToolButton>
#include <QVBoxLayout>

namespace thingscape {

TileWidget::TileWidget(const Tile &tile, const TileContext &context, QWidget *parent)
    : QFrame(parent)
    , m_tile(tile)
    , m_context(context)
    , m_title(new QLabel(this))
    , m_menuButton(new QToolButton(this))
    , m_grip(new QLabel(this))
    , m_body(new QVBoxLayout)
{
    setObjectName(QStringLiteral("tile_%1").arg(tile.id));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 6);
    layout->setSpacing(2);
    auto *header = new QHBoxLayout;
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(m_title, 1);
    m_menuButton->setText(QStringLiteral("⋮"));
    m_menuButton->setAutoRaise(true);
    m_menuButton->setPopupMode(QToolButton::InstantPopup);
    m_menuButton->setToolTip(tr("Tile: edit, move, resize, duplicate, remove, export"));
    auto *menu = new QMenu(m_menuButton);
    m_menuButton->setMenu(menu);
    connect(menu, &QMenu::aboutToShow, this, [this, menu] {
        menu->clear();
        const QString id = m_tile.id;
        menu->addAction(tr("Edit…"), this, [this, id] { Q_EMIT editRequested(id); });
        menu->addAction(tr("Duplicate"), this, [this, id] { Q_EMIT duplicateRequested(id); });
        QMenu *move = menu->addMenu(tr("Move"));
        move->addAction(tr("Left"), this, [this, id] { Q_EMIT moveRequested(id, -1, 0); });
        move->addAction(tr("Right"), this, [this, id] { Q_EMIT moveRequested(id, 1, 0); });
        move->addAction(tr("Up"), this, [this, id] { Q_EMIT moveRequested(id, 0, -1); });
        move->addAction(tr("Down"), this, [this, id] { Q_EMIT moveRequested(id, 0, 1); });
        QMenu *size = menu->addMenu(tr("Size"));
        size->addAction(tr("Wider"), this, [this, id] { Q_EMIT resizeRequested(id, 1, 0); });
        size->addAction(tr("Narrower"), this, [this, id] { Q_EMIT resizeRequested(id, -1, 0); });
        size->addAction(tr("Taller"), this, [this, id] { Q_EMIT resizeRequested(id, 0, 1); });
        size->addAction(tr("Shorter"), this, [this, id] { Q_EMIT resizeRequested(id, 0, -1); });
        addMenuActions(menu);
        menu->addSeparator();
        menu->addAction(tr("Remove"), this, [this, id] { Q_EMIT removeRequested(id); });
    });
    header->addWidget(m_menuButton);
    layout->addLayout(header);
    layout->addLayout(m_body, 1);
    showTitle();
    m_title->setObjectName(QStringLiteral("tileTitle"));
    m_title->setCursor(Qt::OpenHandCursor);
    m_title->installEventFilter(this);
    m_grip->setObjectName(QStringLiteral("tileGrip"));
    m_grip->setText(QStringLiteral("◢"));
    m_grip->setCursor(Qt::SizeFDiagCursor);
    m_grip->setToolTip(tr("Drag to resize the tile"));
    m_grip->adjustSize();
    m_grip->installEventFilter(this);
    m_grip->raise();
    setFocusPolicy(Qt::ClickFocus);
}

void TileWidget::showTitle()
{
    m_title->setText(displayTitle());
    m_title->setToolTip(tr("%1\nDrag to move the tile; Ctrl+arrows move it, Ctrl+Shift+arrows resize it").arg(displayTitle()));
}

QWidget *TileWidget::titleHandle() const
{
    return m_title;
}

QWidget *TileWidget::resizeGrip() const
{
    return m_grip;
}

bool TileWidget::eventFilter(QObject *watched, QEvent *event)
{
    const Handle handle = watched == m_grip ? Handle::Grip : Handle::Title;
    if (watched != m_grip && watched != m_title)
        return QFrame::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() != Qt::LeftButton)
            break;
        m_dragging = int(handle);
        setFocus(Qt::MouseFocusReason);
        Q_EMIT handleDragged(m_tile.id, handle, DragPhase::Start, mouse->globalPosition().toPoint());
        return true;
    }
    case QEvent::MouseMove: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (m_dragging != int(handle))
            break;
        Q_EMIT handleDragged(m_tile.id, handle, DragPhase::Move, mouse->globalPosition().toPoint());
        return true;
    }
    case QEvent::MouseButtonRelease: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (m_dragging != int(handle) || mouse->button() != Qt::LeftButton)
            break;
        m_dragging = -1;
        // Last: the dashboard may rebuild (and delete this tile) on the request that follows.
        Q_EMIT handleDragged(m_tile.id, handle, DragPhase::Finish, mouse->globalPosition().toPoint());
        return true;
    }
    case QEvent::KeyPress:
        if (m_dragging == int(handle) && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
            m_dragging = -1;
            Q_EMIT handleDragged(m_tile.id, handle, DragPhase::Cancel, QPoint());
            return true;
        }
        break;
    default:
        break;
    }
    return QFrame::eventFilter(watched, event);
}

void TileWidget::resizeEvent(QResizeEvent *event)
{
    QFrame::resizeEvent(event);
    m_grip->move(width() - m_grip->width() - 1, height() - m_grip->height() - 1);
    m_grip->raise();
}

void TileWidget::keyPressEvent(QKeyEvent *event)
{
    if (m_dragging >= 0 && event->key() == Qt::Key_Escape) {
        const Handle handle = Handle(m_dragging);
        m_dragging = -1;
        Q_EMIT handleDragged(m_tile.id, handle, DragPhase::Cancel, QPoint());
        return;
    }
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QFrame::keyPressEvent(event);
        return;
    }
    int dx = 0;
    int dy = 0;
    switch (event->key()) {
    case Qt::Key_Left:
        dx = -1;
        break;
    case Qt::Key_Right:
        dx = 1;
        break;
    case Qt::Key_Up:
        dy = -1;
        break;
    case Qt::Key_Down:
        dy = 1;
        break;
    default:
        QFrame::keyPressEvent(event);
        return;
    }
    // Queued: the dashboard rebuilds its tiles on the request, this one too.
    const bool resize = event->modifiers() & Qt::ShiftModifier;
    const QString id = m_tile.id;
    QMetaObject::invokeMethod(
        this,
        [this, resize, id, dx, dy] {
            if (resize)
                Q_EMIT resizeRequested(id, dx, dy);
            else
                Q_EMIT moveRequested(id, dx, dy);
        },
        Qt::QueuedConnection);
}

void TileWidget::addMenuActions(QMenu *)
{
}

QString TileWidget::sourceTitle(const TileSource &source) const
{
    if (!source.label.isEmpty())
        return source.label;
    QString title;
    if (m_context.store) {
        if (const Resource *resource = m_context.store->find(source.seriesId()))
            title = resource->title();
    }
    if (title.isEmpty())
        title = source.seriesId().pathSegments().value(source.seriesId().pathSegments().size() - 1);
    if (!source.pointer.isEmpty())
        title += source.pointer;
    return title;
}

QString TileWidget::sourceUnit(const TileSource &source) const
{
    if (!m_context.store)
        return {};
    const Resource *resource = m_context.store->find(source.seriesId());
    return resource ? resource->metadata().unit.valueOr(QString()) : QString();
}

QString TileWidget::displayTitle() const
{
    if (!m_tile.title.isEmpty())
        return m_tile.title;
    return m_tile.sources.isEmpty() ? tileKindName(m_tile.kind) : sourceTitle(m_tile.sources.first());
}

QColor TileWidget::paletteColor(int index)
{
    static const QColor colors[] = {QColor(0x1f77b4), QColor(0xd62728), QColor(0x2ca02c), QColor(0xff7f0e),
                                    QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x17becf),
                                    QColor(0x7f7f7f), QColor(0xbcbd22)};
    return colors[index % int(std::size(colors))];
}

QColor TileWidget::seriesColor(int index) const
{
    const QColor own(m_tile.sources.value(index).color);
    return own.isValid() ? own : paletteColor(index);
}

quint64 TileWidget::sourcesRevision() const
{
    quint64 revision = 0;
    if (!m_context.source)
        return revision;
    for (const TileSource &source : m_tile.sources)
        revision = revision * 1000003ull + m_context.source->revision(source.seriesId()) + 1;
    return revision;
}

void TileWidget::refresh(qint64 nowMs, bool force)
{
    const quint64 revision = sourcesRevision();
    // Unchanged data: only a tile that moves with time draws again, and once a second is enough.
    if (!force && revision == m_drawnRevision && (!followsClock() || nowMs - m_drawnAtMs < 1000))
        return;
    m_drawnRevision = revision;
    m_drawnAtMs = nowMs;
    if (m_tile.title.isEmpty())
        showTitle();
    draw(nowMs);
}

} // namespace thingscape
