#include "payloaddiffview.h"

#include "elidedlabel.h"

#include "model/codecs/jsoncbor.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>

namespace thingscape {

namespace {

QTextCharFormat colour(const QColor &background)
{
    QTextCharFormat format;
    if (background.isValid())
        format.setBackground(background);
    return format;
}

const QColor kAdded(0xd4, 0xf7, 0xd4);
const QColor kRemoved(0xfb, 0xd5, 0xd5);
const QColor kChanged(0xfd, 0xec, 0xc8);

// One line of the payload: its text where it is text (JSON as it came), else the value's own
// short form (hex for binary).
QString preview(const Value &value)
{
    const QByteArray head = value.raw.left(240);
    bool control = false;
    const qsizetype bad = codecs::detail::findInvalidUtf8(head.constData(), head.size(), &control);
    // A multi-byte character cut at the end of the head is not a reason to show hex.
    if ((bad < 0 || bad > head.size() - 4) && !control)
        return ElidedLabel::visible(QString::fromUtf8(head.left(bad < 0 ? head.size() : bad)).simplified());
    return ElidedLabel::visible(value.shortText(120));
}

QString hexBytes(const QByteArray &bytes, int width)
{
    QString text = QString::fromLatin1(bytes.toHex(' '));
    return text.leftJustified(width * 3 - 1, QLatin1Char(' '));
}

} // namespace

PayloadDiffView::PayloadDiffView(QWidget *parent)
    : QWidget(parent)
    , m_table(new QTableWidget(0, 3, this))
    , m_summary(new QLabel(this))
    , m_diff(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("payloadDiffView"));
    m_table->setObjectName(QStringLiteral("payloadsTable"));
    m_table->setHorizontalHeaderLabels({tr("Time"), tr("Size"), tr("Payload")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setToolTip(tr("Select one payload to compare it with the one before, or two to compare them"));
    m_summary->setObjectName(QStringLiteral("payloadDiffSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_diff->setObjectName(QStringLiteral("payloadDiff"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_diff->setFont(mono);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_summary);
    rightLayout->addWidget(m_diff, 1);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &PayloadDiffView::selectionChanged);
}

void PayloadDiffView::setValues(const QList<Value> &newestFirst)
{
    m_values = newestFirst.mid(0, kMaxPayloads);
    if (isVisible())
        rebuild();
    else
        m_stale = true;
}

int PayloadDiffView::rowCount() const
{
    return m_table->rowCount();
}

void PayloadDiffView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale)
        rebuild();
}

void PayloadDiffView::rebuild()
{
    m_stale = false;
    // Keep what the user picked (by time) when new payloads come in.
    QList<qint64> picked;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        const QTableWidgetItem *item = m_table->item(index.row(), 0);
        if (item)
            picked.append(item->data(Qt::UserRole).toLongLong());
    }
    const QSignalBlocker blocker(m_table);
    m_table->clearSelection();
    m_table->setRowCount(int(m_values.size()));
    const QLocale locale;
    for (int row = 0; row < m_values.size(); ++row) {
        const Value &value = m_values.at(row);
        auto *time = new QTableWidgetItem(QDateTime::fromMSecsSinceEpoch(value.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")));
        time->setData(Qt::UserRole, value.timeMs);
        time->setToolTip(QDateTime::fromMSecsSinceEpoch(value.timeMs).toString(Qt::ISODateWithMs));
        auto *size = new QTableWidgetItem(locale.formattedDataSize(value.raw.size(), 1, QLocale::DataSizeTraditionalFormat));
        size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto *text = new QTableWidgetItem(preview(value));
        m_table->setItem(row, 0, time);
        m_table->setItem(row, 1, size);
        m_table->setItem(row, 2, text);
    }
    QList<int> rows;
    for (int row = 0; row < m_values.size(); ++row) {
        if (picked.contains(m_values.at(row).timeMs))
            rows.append(row);
    }
    if (rows.isEmpty() && !m_values.isEmpty())
        rows.append(0);
    for (const int row : std::as_const(rows))
        m_table->selectionModel()->select(m_table->model()->index(row, 0),
                                          QItemSelectionModel::Select | QItemSelectionModel::Rows);
    selectionChanged();
}

void PayloadDiffView::selectionChanged()
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    if (rows.size() >= 2)
        compare(rows.at(0), rows.at(1));
    else if (rows.size() == 1)
        compare(rows.at(0), rows.at(0) + 1);
    else
        compare(-1, -1);
}

void PayloadDiffView::compare(int first, int second)
{
    const int newer = std::min(first, second);
    const int older = std::max(first, second);
    m_diff->clear();
    if (newer < 0 || older >= m_values.size() || newer == older) {
        m_summary->setText(m_values.size() < 2 ? tr("Nothing to compare yet: one payload so far.")
                                               : tr("Select one payload, or two to compare."));
        return;
    }
    const Value &before = m_values.at(older);
    const Value &after = m_values.at(newer);
    const int format = before.contentFormat == after.contentFormat ? before.contentFormat : -1;
    const PayloadDiff::Result result = PayloadDiff::diff(before.raw, after.raw, format);
    const qint64 gap = after.timeMs - before.timeMs;
    m_summary->setText(tr("%1 → %2 (%3 ms later): %4")
                           .arg(QDateTime::fromMSecsSinceEpoch(before.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")),
                                QDateTime::fromMSecsSinceEpoch(after.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")))
                           .arg(gap)
                           .arg(result.summary));
    render(result, m_diff->document());
}

void PayloadDiffView::render(const PayloadDiff::Result &result, QTextDocument *document)
{
    document->clear();
    QTextCursor cursor(document);
    bool first = true;
    auto line = [&cursor, &first](const QString &text, const QColor &background) {
        if (!first)
            cursor.insertBlock();
        first = false;
        cursor.insertText(text, colour(background));
    };
    using Change = PayloadDiff::Change;
    // Caps: the diff of two huge payloads must not freeze the window.
    constexpr int kMaxLines = 5000;
    int shown = 0;
    switch (result.mode) {
    case PayloadDiff::Mode::Json:
        for (const auto &entry : result.json) {
            if (++shown > kMaxLines)
                break;
            switch (entry.change) {
            case Change::Added: line(QStringLiteral("+ %1: %2").arg(entry.pointer, entry.after), kAdded); break;
            case Change::Removed: line(QStringLiteral("- %1: %2").arg(entry.pointer, entry.before), kRemoved); break;
            default:
                line(QStringLiteral("~ %1: %2 → %3").arg(entry.pointer.isEmpty() ? QStringLiteral("/") : entry.pointer,
                                                         entry.before, entry.after),
                     kChanged);
                break;
            }
        }
        if (result.json.isEmpty())
            line(QObject::tr("No differences."), QColor());
        break;
    case PayloadDiff::Mode::Text:
        for (const auto &entry : result.lines) {
            if (++shown > kMaxLines)
                break;
            if (entry.change == Change::Added)
                line(QStringLiteral("+ ") + entry.text, kAdded);
            else if (entry.change == Change::Removed)
                line(QStringLiteral("- ") + entry.text, kRemoved);
            else
                line(QStringLiteral("  ") + entry.text, QColor());
        }
        break;
    case PayloadDiff::Mode::Hex:
        for (const auto &row : result.hex) {
            if (++shown > kMaxLines)
                break;
            const bool differs = row.differs.contains(true);
            const int width = int(row.differs.size());
            line(QStringLiteral("%1  - %2").arg(row.offset, 8, 16, QLatin1Char('0')).arg(hexBytes(row.before, width)),
                 differs ? kRemoved : QColor());
            if (differs)
                line(QStringLiteral("%1  + %2").arg(row.offset, 8, 16, QLatin1Char('0')).arg(hexBytes(row.after, width)), kAdded);
        }
        break;
    }
    if (shown > kMaxLines)
        line(QObject::tr("… (more differences not shown)"), QColor());
}

QString PayloadDiffView::diffText() const
{
    return m_diff->toPlainText();
}

QString PayloadDiffView::summary() const
{
    return m_summary->text();
}

} // namespace thingscape
