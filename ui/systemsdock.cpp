#include "systemsdock.h"

#include "treedecorationproxy.h"
#include "uiresources.h"

#include "model/plaintooltip.h"
#include "model/resourcestore.h"

#include <QDateTime>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QListWidget>
#include <QMimeData>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>

namespace thingscape {

namespace {

// Systems are small: an undo step keeps the whole list before and after.
class SystemsSnapshotCommand : public QUndoCommand
{
public:
    SystemsSnapshotCommand(SystemsDock *dock, const QString &text, QList<System> before, QList<System> after)
        : QUndoCommand(text)
        , m_dock(dock)
        , m_before(std::move(before))
        , m_after(std::move(after))
    {
    }
    void undo() override { m_dock->applySnapshot(m_before); }
    void redo() override { m_dock->applySnapshot(m_after); }

private:
    SystemsDock *m_dock; // Not owned.
    QList<System> m_before;
    QList<System> m_after;
};

enum Column {
    NameColumn,
    ValueColumn,
    UnitColumn,
    ProtocolColumn,
    EndpointColumn,
    UpdatedColumn,
    ColumnCount,
};

} // namespace

SystemsDock::SystemsDock(ResourceStore *store, QUndoStack *undoStack, QWidget *parent)
    : QDockWidget(tr("Systems"), parent)
    , m_store(store)
    , m_undoStack(undoStack)
    , m_list(new QListWidget(this))
    , m_table(new QTableWidget(0, ColumnCount, this))
    , m_add(new QToolButton(this))
    , m_rename(new QToolButton(this))
    , m_remove(new QToolButton(this))
    , m_removeResource(new QToolButton(this))
    , m_refreshTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("systemsDock"));
    m_list->setObjectName(QStringLiteral("systemsList"));
    m_list->setAcceptDrops(true);
    m_list->viewport()->installEventFilter(this);
    m_table->setObjectName(QStringLiteral("systemResources"));
    m_table->setAcceptDrops(true);
    m_table->viewport()->installEventFilter(this);
    m_table->setHorizontalHeaderLabels(
        {tr("Resource"), tr("Value"), tr("Unit"), tr("Protocol"), tr("Endpoint"), tr("Updated")});
    m_table->verticalHeader()->hide();
    // Long URIs keep their scheme, host and last level in view.
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    // A system has a few rows: every column fits its content, the value takes the rest.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ValueColumn, QHeaderView::Stretch);

    m_add->setText(tr("&New"));
    m_add->setToolTip(tr("New system"));
    m_rename->setText(tr("Re&name"));
    m_remove->setText(tr("&Delete"));
    m_removeResource->setText(tr("Remove resource"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_rename);
    buttons->addWidget(m_remove);
    auto *toDashboard = new QToolButton(this);
    toDashboard->setObjectName(QStringLiteral("systemToDashboard"));
    toDashboard->setText(tr("Dash&board"));
    toDashboard->setToolTip(tr("A new dashboard with tiles for this system's resources"));
    connect(toDashboard, &QToolButton::clicked, this, [this] {
        for (const System &system : std::as_const(m_systems)) {
            if (system.name == currentSystem())
                Q_EMIT dashboardRequested(system);
        }
    });
    buttons->addWidget(toDashboard);
    buttons->addStretch();
    buttons->addWidget(m_removeResource);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_list);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(buttons);
    layout->addWidget(splitter, 1);
    setWidget(content);

    connect(m_add, &QToolButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("New system"), tr("Name:"), QLineEdit::Normal,
                                                   uniqueName(tr("System")), &ok);
        if (ok && !name.trimmed().isEmpty())
            createSystem(name.trimmed());
    });
    connect(m_rename, &QToolButton::clicked, this, [this] {
        const QString from = currentSystem();
        if (from.isEmpty())
            return;
        bool ok = false;
        const QString to = QInputDialog::getText(this, tr("Rename system"), tr("Name:"), QLineEdit::Normal, from, &ok);
        if (ok && !to.trimmed().isEmpty() && to.trimmed() != from)
            renameSystem(from, to.trimmed());
    });
    connect(m_remove, &QToolButton::clicked, this, [this] {
        if (!currentSystem().isEmpty())
            removeSystem(currentSystem());
    });
    connect(m_removeResource, &QToolButton::clicked, this, [this] {
        QList<ResourceId> ids;
        for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
            if (auto id = ResourceId::parse(m_table->item(index.row(), NameColumn)->data(Qt::UserRole).toString()))
                ids.append(*id);
        }
        if (!ids.isEmpty())
            removeResources(currentSystem(), ids);
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &SystemsDock::refreshTable);
    connect(m_table, &QTableWidget::cellActivated, this, [this](int row, int) {
        if (auto id = ResourceId::parse(m_table->item(row, NameColumn)->data(Qt::UserRole).toString()))
            Q_EMIT resourceActivated(*id);
    });
    // Values in the table follow the store, refreshed at most a few times a second.
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(250);
    connect(m_refreshTimer, &QTimer::timeout, this, &SystemsDock::refreshTable);
    connect(m_store, &ResourceStore::batchApplied, this, [this] {
        if (!m_refreshTimer->isActive() && isVisible())
            m_refreshTimer->start();
    });
    refreshList();
}

void SystemsDock::setSystems(const QList<System> &systems)
{
    m_systems = systems;
    refreshList();
}

QStringList SystemsDock::systemNames() const
{
    QStringList names;
    for (const System &system : m_systems)
        names.append(system.name);
    return names;
}

QString SystemsDock::currentSystem() const
{
    const int row = m_list->currentRow();
    return row >= 0 && row < m_systems.size() ? m_systems.at(row).name : QString();
}

int SystemsDock::indexOf(const QString &name) const
{
    for (int i = 0; i < m_systems.size(); ++i) {
        if (m_systems.at(i).name == name)
            return i;
    }
    return -1;
}

QString SystemsDock::uniqueName(const QString &base) const
{
    QString name = base;
    for (int n = 2; indexOf(name) >= 0; ++n)
        name = QStringLiteral("%1 %2").arg(base).arg(n);
    return name;
}

void SystemsDock::commit(const QString &text, const QList<System> &after)
{
    m_undoStack->push(new SystemsSnapshotCommand(this, text, m_systems, after));
}

void SystemsDock::applySnapshot(const QList<System> &systems)
{
    const QString current = currentSystem();
    m_systems = systems;
    refreshList();
    const int row = indexOf(current);
    if (row >= 0)
        m_list->setCurrentRow(row);
    Q_EMIT systemsChanged();
}

void SystemsDock::addResources(const QString &systemName, const QList<ResourceId> &ids)
{
    QList<System> after = m_systems;
    int index = indexOf(systemName);
    if (index < 0) {
        System system;
        system.name = systemName;
        after.append(system);
        index = int(after.size()) - 1;
    }
    int added = 0;
    for (const ResourceId &id : ids) {
        if (!after[index].resources.contains(id)) {
            after[index].resources.append(id);
            rememberTitle(after[index], id);
            ++added;
        }
    }
    if (added == 0)
        return;
    commit(tr("Add %n resource(s) to %1", nullptr, added).arg(systemName), after);
    m_list->setCurrentRow(index);
}

QString SystemsDock::createSystem(const QString &name, const QList<ResourceId> &ids)
{
    const QString unique = indexOf(name) >= 0 ? uniqueName(name) : name;
    QList<System> after = m_systems;
    System system;
    system.name = unique;
    system.resources = ids;
    for (const ResourceId &id : ids)
        rememberTitle(system, id);
    after.append(system);
    commit(tr("New system %1").arg(unique), after);
    m_list->setCurrentRow(int(m_systems.size()) - 1);
    return unique;
}

void SystemsDock::rememberTitle(System &system, const ResourceId &id) const
{
    const Resource *resource = m_store->find(id);
    if (resource && resource->metadata().title.isSet() && !resource->metadata().title->isEmpty())
        system.titles.insert(id, *resource->metadata().title);
}

void SystemsDock::removeSystem(const QString &name)
{
    const int index = indexOf(name);
    if (index < 0)
        return;
    QList<System> after = m_systems;
    after.removeAt(index);
    commit(tr("Delete system %1").arg(name), after);
}

void SystemsDock::renameSystem(const QString &from, const QString &to)
{
    const int index = indexOf(from);
    if (index < 0 || indexOf(to) >= 0)
        return;
    QList<System> after = m_systems;
    after[index].name = to;
    commit(tr("Rename system %1 to %2").arg(from, to), after);
}

void SystemsDock::removeResources(const QString &systemName, const QList<ResourceId> &ids)
{
    const int index = indexOf(systemName);
    if (index < 0)
        return;
    QList<System> after = m_systems;
    for (const ResourceId &id : ids)
        after[index].resources.removeAll(id);
    commit(tr("Remove %n resource(s) from %1", nullptr, int(ids.size())).arg(systemName), after);
}

void SystemsDock::refreshList()
{
    const int row = m_list->currentRow();
    m_list->clear();
    for (const System &system : std::as_const(m_systems)) {
        auto *item = new QListWidgetItem(system.name, m_list);
        item->setToolTip(tr("%n resource(s)", nullptr, int(system.resources.size())));
    }
    if (!m_systems.isEmpty())
        m_list->setCurrentRow(std::clamp(row, 0, int(m_systems.size()) - 1));
    m_rename->setEnabled(!m_systems.isEmpty());
    m_remove->setEnabled(!m_systems.isEmpty());
    refreshTable();
}

void SystemsDock::refreshTable()
{
    const int index = indexOf(currentSystem());
    const QList<ResourceId> ids = index >= 0 ? m_systems.at(index).resources : QList<ResourceId>();
    m_table->setRowCount(int(ids.size()));
    for (int row = 0; row < ids.size(); ++row) {
        const ResourceId &id = ids.at(row);
        const Resource *resource = m_store->find(id);
        auto setCell = [this, row](int column, const QString &text) {
            QTableWidgetItem *item = m_table->item(row, column);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(row, column, item);
            }
            if (item->text() != text)
                item->setText(text);
            return item;
        };
        // Until the resource is there (its endpoint still connecting, or unreachable), its
        // whole topic or path: three rows all called "temperature" say nothing.
        // A title saved in the workspace comes first.
        QString fallback = m_systems.at(index).titles.value(id);
        if (fallback.isEmpty()) {
            fallback = id.protocol() == Protocol::Mqtt ? id.topic() : id.path().mid(1);
            if (!id.query().isEmpty())
                fallback += QLatin1Char('?') + id.query();
        }
        QTableWidgetItem *name = setCell(NameColumn, resource ? resource->title() : fallback);
        name->setData(Qt::UserRole, id.toString());
        // Topics and paths are peer text: never rich text.
        name->setToolTip(plainToolTip(id.toString()));
        name->setIcon(stateIcon(resource ? resource->state() : ResourceState::Unknown));
        setCell(ValueColumn, resource && resource->hasValue() ? resource->value().shortText(120) : tr("(no value)"));
        setCell(UnitColumn, resource ? resource->metadata().unit.valueOr(QString()) : QString());
        setCell(ProtocolColumn, id.scheme())->setIcon(protocolIcon(id.scheme()));
        setCell(EndpointColumn, id.hostPort());
        setCell(UpdatedColumn, resource && resource->lastUpdateMs() > 0
                                   ? QDateTime::fromMSecsSinceEpoch(resource->lastUpdateMs()).toString(QStringLiteral("HH:mm:ss"))
                                   : QString());
    }
    m_removeResource->setEnabled(!ids.isEmpty());
}

bool SystemsDock::eventFilter(QObject *watched, QEvent *event)
{
    const bool onList = watched == m_list->viewport();
    const bool onTable = watched == m_table->viewport();
    if (!onList && !onTable)
        return QDockWidget::eventFilter(watched, event);
    const QString mime = QString::fromLatin1(TreeDecorationProxy::kMimeType);
    if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
        auto *drag = static_cast<QDropEvent *>(event);
        if (drag->mimeData()->hasFormat(mime)) {
            drag->acceptProposedAction();
            return true;
        }
    } else if (event->type() == QEvent::Drop) {
        auto *drop = static_cast<QDropEvent *>(event);
        if (!drop->mimeData()->hasFormat(mime))
            return false;
        QList<ResourceId> ids;
        for (const QString &uri : QString::fromUtf8(drop->mimeData()->data(mime)).split(QLatin1Char('\n'))) {
            if (auto id = ResourceId::parse(uri))
                ids.append(*id);
        }
        QString target = currentSystem();
        if (onList) {
            if (QListWidgetItem *item = m_list->itemAt(drop->position().toPoint()))
                target = item->text();
        }
        if (target.isEmpty())
            createSystem(uniqueName(tr("System")), ids);
        else
            addResources(target, ids);
        drop->acceptProposedAction();
        return true;
    }
    return QDockWidget::eventFilter(watched, event);
}

} // namespace thingscape
