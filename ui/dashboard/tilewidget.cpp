#include "tilewidget.h"

#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"

#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

namespace thingscape {

TileWidget::TileWidget(const Tile &tile, const TileContext &context, QWidget *parent)
    : QFrame(parent)
    , m_tile(tile)
    , m_context(context)
    , m_title(new QLabel(this))
    , m_menuButton(new QToolButton(this))
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
    m_title->setText(displayTitle());
    m_title->setToolTip(displayTitle());
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
    if (m_tile.title.isEmpty()) {
        m_title->setText(displayTitle());
        m_title->setToolTip(displayTitle());
    }
    draw(nowMs);
}

} // namespace thingscape
