#include "streamresourceactions.h"

#include "payloaddiffview.h"
#include "streamdock.h"

#include "model/message.h"
#include "model/streamfilterproxymodel.h"
#include "model/streammodel.h"

#include <QAction>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace thingscape {

StreamResourceActions::StreamResourceActions(StreamDock *dock, StreamModel *model)
    : QObject(dock)
    , m_dock(dock)
    , m_model(model)
    , m_onlyThis(new QAction(tr("Show only this resource"), this))
    , m_diff(new QAction(tr("Diff with previous of the same resource"), this))
{
    m_onlyThis->setObjectName(QStringLiteral("streamOnlyThis"));
    m_diff->setObjectName(QStringLiteral("streamDiffPrevious"));
    m_diff->setShortcut(QKeySequence(Qt::Key_D));
    m_diff->setShortcutContext(Qt::WidgetShortcut);
    QTableView *view = dock->view();
    view->addAction(m_onlyThis);
    view->addAction(m_diff);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_onlyThis, &QAction::triggered, this, &StreamResourceActions::toggleOnlyThis);
    connect(m_diff, &QAction::triggered, this, &StreamResourceActions::showDiff);
    connect(view->selectionModel(), &QItemSelectionModel::currentChanged, this, &StreamResourceActions::updateActions);
    updateActions();
}

int StreamResourceActions::selectedRow() const
{
    const QModelIndex index = m_dock->filterModel()->mapToSource(m_dock->view()->currentIndex());
    return index.isValid() ? index.row() : -1;
}

void StreamResourceActions::updateActions()
{
    const bool filtered = !m_dock->filterModel()->resource().isEmpty();
    m_onlyThis->setText(filtered ? tr("Show all resources") : tr("Show only this resource"));
    m_onlyThis->setEnabled(filtered || selectedRow() >= 0);
    m_diff->setEnabled(selectedRow() >= 0);
}

void StreamResourceActions::toggleOnlyThis()
{
    StreamFilterProxyModel *filter = m_dock->filterModel();
    if (!filter->resource().isEmpty()) {
        filter->setResource(QString());
    } else if (const int row = selectedRow(); row >= 0) {
        const QString uri = m_model->resourceUri(row);
        filter->setResource(uri);
        Q_EMIT m_dock->statusMessage(tr("Message stream: only %1").arg(uri));
    }
    updateActions();
}

int StreamResourceActions::previousOfSameResource(const StreamModel *model, int row, int maxScan)
{
    if (row < 0 || row >= model->rowCount())
        return -1;
    // By the URI's text: a row keeps no parsed id (message() parses it).
    const QString uri = model->resourceUri(row);
    const int stop = std::max(0, row - maxScan);
    for (int r = row - 1; r >= stop; --r) {
        if (model->resourceUri(r) == uri)
            return r;
    }
    return -1;
}

std::optional<PayloadDiff::Result> StreamResourceActions::diffSelected(QString *error) const
{
    const int row = selectedRow();
    if (row < 0) {
        *error = tr("Select a message first.");
        return std::nullopt;
    }
    const int previous = previousOfSameResource(m_model, row);
    if (previous < 0) {
        *error = tr("No earlier message of %1 in the stream.").arg(m_model->resourceUri(row));
        return std::nullopt;
    }
    const Message &after = m_model->message(row);
    const Message &before = m_model->message(previous);
    if (after.droppedBytes > 0 || before.droppedBytes > 0) {
        *error = tr("The payload of one of the two messages was let go of for the memory budget.");
        return std::nullopt;
    }
    const int format = before.contentFormat == after.contentFormat ? before.contentFormat : -1;
    return PayloadDiff::diff(before.raw, after.raw, format);
}

void StreamResourceActions::showDiff()
{
    QString error;
    const auto result = diffSelected(&error);
    if (!result) {
        Q_EMIT m_dock->statusMessage(error);
        return;
    }
    const int row = selectedRow();
    const Message &after = m_model->message(row);
    const Message &before = m_model->message(previousOfSameResource(m_model, row));
    auto *dialog = new QDialog(m_dock);
    dialog->setObjectName(QStringLiteral("streamDiffDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Diff: %1").arg(after.id.toString()));
    auto *summary = new QLabel(dialog);
    summary->setTextFormat(Qt::PlainText);
    summary->setWordWrap(true);
    summary->setText(tr("%1\n%2 → %3: %4")
                         .arg(after.id.toString(),
                              QDateTime::fromMSecsSinceEpoch(before.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")),
                              QDateTime::fromMSecsSinceEpoch(after.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")),
                              result->summary));
    auto *text = new QPlainTextEdit(dialog);
    text->setObjectName(QStringLiteral("streamDiffText"));
    text->setReadOnly(true);
    text->setLineWrapMode(QPlainTextEdit::NoWrap);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    PayloadDiffView::render(*result, text->document());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(summary);
    layout->addWidget(text, 1);
    layout->addWidget(buttons);
    dialog->resize(640, 420);
    dialog->show();
}

} // namespace thingscape
