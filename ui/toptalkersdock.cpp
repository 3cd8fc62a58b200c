#include "toptalkersdock.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace thingscape {

namespace {

enum Column {
    NodeColumn,
    KindColumn,
    RateColumn,
    BytesColumn,
    MessagesColumn,
    ResourcesColumn,
    ColumnCount,
};

// A number item that sorts and aligns as a number.
QTableWidgetItem *numberItem(const QString &text, double value)
{
    auto *item = new QTableWidgetItem(text);
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString displayUri(const ResourceId &id)
{
    // Topics and paths decoded, as the tree shows them.
    if (id.isEndpoint())
        return id.endpointUri();
    return id.endpointUri() + (id.protocol() == Protocol::Mqtt ? QStringLiteral("/") + id.topic() : id.path());
}

} // namespace

TopTalkersDock::TopTalkersDock(TalkerStats *stats, QWidget *parent)
    : QDockWidget(tr("Top talkers"), parent)
    , m_stats(stats)
    , m_window(new QComboBox(this))
    , m_by(new QComboBox(this))
    , m_kind(new QComboBox(this))
    , m_note(new QLabel(this))
    , m_table(new QTableWidget(0, ColumnCount, this))
    , m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("topTalkersDock"));
    m_window->setObjectName(QStringLiteral("talkersWindow"));
    m_window->addItem(tr("last 10 s"), int(TalkerStats::Window::TenSeconds));
    m_window->addItem(tr("last minute"), int(TalkerStats::Window::OneMinute));
    m_window->addItem(tr("last 10 minutes"), int(TalkerStats::Window::TenMinutes));
    m_by->setObjectName(QStringLiteral("talkersBy"));
    m_by->addItem(tr("by messages/s"), false);
    m_by->addItem(tr("by bytes/s"), true);
    m_kind->setObjectName(QStringLiteral("talkersKind"));
    m_kind->addItem(tr("Resources and subtrees"), int(TalkerStats::Kind::All));
    m_kind->addItem(tr("Resources"), int(TalkerStats::Kind::Resources));
    m_kind->addItem(tr("Subtrees"), int(TalkerStats::Kind::Subtrees));
    m_note->setTextFormat(Qt::PlainText);
    m_table->setObjectName(QStringLiteral("talkersTable"));
    m_table->setHorizontalHeaderLabels(
        {tr("Resource / subtree"), tr("Kind"), tr("Messages/s"), tr("Bytes/s"), tr("Messages"), tr("Resources")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->horizontalHeader()->setSectionResizeMode(NodeColumn, QHeaderView::Stretch);
    for (int c = KindColumn; c < ColumnCount; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setToolTip(tr("Double-click (or Return) to show it in the tree"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_window);
    bar->addWidget(m_by);
    bar->addWidget(m_kind);
    bar->addWidget(m_note, 1);
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);
    setWidget(content);

    m_timer->setInterval(1000);
    // A tab behind another one is not hidden, only covered: it redraws only while it shows
    // (at a million topics a refresh cost a third of a second of the GUI thread, every second).
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (!visibleRegion().isEmpty())
            refresh();
    });
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible)
            refresh();
    });
    for (QComboBox *combo : {m_window, m_by, m_kind})
        connect(combo, &QComboBox::currentIndexChanged, this, &TopTalkersDock::refresh);
    connect(m_table, &QTableWidget::activated, this, [this](const QModelIndex &index) {
        if (index.row() >= 0 && index.row() < m_shown.size())
            Q_EMIT nodeActivated(m_shown.at(index.row()));
    });
}

void TopTalkersDock::setWindow(TalkerStats::Window window)
{
    m_window->setCurrentIndex(m_window->findData(int(window)));
}

void TopTalkersDock::setByBytes(bool byBytes)
{
    m_by->setCurrentIndex(byBytes ? 1 : 0);
}

void TopTalkersDock::setKind(TalkerStats::Kind kind)
{
    m_kind->setCurrentIndex(m_kind->findData(int(kind)));
}

void TopTalkersDock::showEvent(QShowEvent *event)
{
    QDockWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void TopTalkersDock::hideEvent(QHideEvent *event)
{
    QDockWidget::hideEvent(event);
    m_timer->stop();
}

void TopTalkersDock::refresh()
{
    const qint64 now = m_fixedNow > 0 ? m_fixedNow : QDateTime::currentMSecsSinceEpoch();
    const auto window = TalkerStats::Window(m_window->currentData().toInt());
    const bool byBytes = m_by->currentData().toBool();
    const auto kind = TalkerStats::Kind(m_kind->currentData().toInt());
    const QList<TalkerStats::Stats> top = m_stats->top(window, byBytes, kind, kRows, now);
    // Keep the selected node selected across redraws.
    const int selectedRow = m_table->currentRow();
    const ResourceId selected = selectedRow >= 0 && selectedRow < m_shown.size() ? m_shown.at(selectedRow) : ResourceId();
    m_shown.clear();
    // Sized once after the fill, not per cell: in ResizeToContents each setItem() made the header
    // measure every row again (about 0.5 s a second of the GUI thread at 30,000 topics).
    QHeaderView *header = m_table->horizontalHeader();
    for (int c = KindColumn; c < ColumnCount; ++c)
        header->setSectionResizeMode(c, QHeaderView::Interactive);
    m_table->setRowCount(int(top.size()));
    const QLocale locale;
    int reselect = -1;
    for (int row = 0; row < top.size(); ++row) {
        const TalkerStats::Stats &s = top.at(row);
        m_shown.append(s.id);
        if (s.id == selected)
            reselect = row;
        auto *node = new QTableWidgetItem(displayUri(s.id));
        node->setToolTip(displayUri(s.id));
        const QString kindText = s.id.isEndpoint() ? tr("endpoint") : s.isResource ? tr("resource") : tr("subtree");
        m_table->setItem(row, NodeColumn, node);
        m_table->setItem(row, KindColumn, new QTableWidgetItem(kindText));
        m_table->setItem(row, RateColumn, numberItem(locale.toString(s.messagesPerSecond, 'f', s.messagesPerSecond < 10 ? 2 : 1), s.messagesPerSecond));
        // Below a kilobyte a second the fraction matters (a slow sensor over 10 minutes).
        const QString bytes = s.bytesPerSecond < 1024
            ? tr("%1 B/s").arg(locale.toString(s.bytesPerSecond, 'f', s.bytesPerSecond < 10 ? 2 : 0))
            : locale.formattedDataSize(qint64(s.bytesPerSecond), 1, QLocale::DataSizeTraditionalFormat) + tr("/s");
        m_table->setItem(row, BytesColumn, numberItem(bytes, s.bytesPerSecond));
        m_table->setItem(row, MessagesColumn, numberItem(locale.toString(qulonglong(s.messages)), double(s.messages)));
        m_table->setItem(row, ResourcesColumn, numberItem(locale.toString(s.resources), double(s.resources)));
    }
    for (int c = KindColumn; c < ColumnCount; ++c)
        header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    if (reselect >= 0)
        m_table->setCurrentCell(reselect, 0);
    m_note->setText(top.isEmpty() ? tr("Nothing received in this window.") : QString());
}

QStringList TopTalkersDock::shownUris() const
{
    QStringList uris;
    for (const ResourceId &id : m_shown)
        uris.append(id.toString());
    return uris;
}

} // namespace thingscape
