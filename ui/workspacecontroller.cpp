#include "workspacecontroller.h"

#include "desktopsecretprovider.h"
#include "plainmessagebox.h"
#include "windowmodels.h"

#include "model/resourcetreemodel.h"
#include "protocols/engine/engine.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLockFile>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>
#include <QWidget>

namespace thingscape {

namespace {

const char *const kRecentKey = "workspace/recent";

} // namespace

QString WorkspaceController::stateDirectory()
{
    const QString overridden = qEnvironmentVariable("THINGSCAPE_STATE_DIR");
    QString dir = overridden.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) : overridden;
    QDir().mkpath(dir);
    return dir;
}

WorkspaceController::WorkspaceController(WindowModels *models, QWidget *window)
    : QObject(window)
    , m_engine(models->engine())
    , m_tree(models->treeModel())
    , m_window(window)
    , m_runLock(std::make_unique<QLockFile>(stateDirectory() + QStringLiteral("/running.lock")))
    , m_autosave(new QTimer(this))
{
    // A lock left by a process that is gone means the last run did not end cleanly.
    const bool lockLeftBehind = QFile::exists(stateDirectory() + QStringLiteral("/running.lock"));
    m_runLock->setStaleLockTime(0);
    if (m_runLock->tryLock(0)) {
        m_previousRunCrashed = lockLeftBehind;
    } else if (m_runLock->error() == QLockFile::LockFailedError) {
        // Another instance runs: its recovery file is its own.
        m_previousRunCrashed = false;
    }
    m_autosave->setInterval(kAutosaveIntervalMs);
    connect(m_autosave, &QTimer::timeout, this, [this] {
        if (m_dirty)
            writeRecovery();
    });
    m_autosave->start();
    connect(m_engine, &Engine::changed, this, &WorkspaceController::markDirty);
    connect(m_engine, &Engine::connectFailed, this, [this](const QString &, const QString &error) {
        Q_EMIT message(error);
    });
    // Secrets the keyring does not hold are asked for in this window.
    models->secretProvider()->setPromptParent(window);
}

WorkspaceController::~WorkspaceController() = default;

QString WorkspaceController::path() const
{
    return m_engine->path();
}

QString WorkspaceController::displayName() const
{
    return path().isEmpty() ? tr("Untitled") : QFileInfo(path()).fileName();
}

void WorkspaceController::markDirty()
{
    if (m_dirty)
        return;
    m_dirty = true;
    Q_EMIT stateChanged();
}

void WorkspaceController::setClean()
{
    m_dirty = false;
    Q_EMIT stateChanged();
}

QStringList WorkspaceController::recentFiles() const
{
    QStringList files = QSettings().value(QLatin1String(kRecentKey)).toStringList();
    files.erase(std::remove_if(files.begin(), files.end(), [](const QString &f) { return !QFile::exists(f); }),
                files.end());
    return files;
}

void WorkspaceController::addRecent(const QString &path)
{
    QSettings settings;
    QStringList files = settings.value(QLatin1String(kRecentKey)).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(QLatin1String(kRecentKey), files);
}

void WorkspaceController::setSystems(const QList<System> &systems)
{
    m_engine->setSystems(systems); // marks dirty through Engine::changed when they differ
}

void WorkspaceController::setLayoutProvider(std::function<QByteArray()> save,
                                            std::function<void(const QByteArray &)> restore)
{
    m_saveLayout = std::move(save);
    m_restoreLayout = std::move(restore);
}

QJsonObject WorkspaceController::currentLayout() const
{
    QJsonObject layout = m_engine->layout();
    if (m_saveLayout)
        layout.insert(QStringLiteral("windowState"), QString::fromLatin1(m_saveLayout().toBase64()));
    return layout;
}

Workspace WorkspaceController::snapshot() const
{
    Workspace workspace = m_engine->snapshot();
    workspace.setLayout(currentLayout());
    return workspace;
}

void WorkspaceController::apply(const Workspace &workspace, const QString &path)
{
    {
        // The workspace's endpoints reach the tree as one insert, not one per endpoint.
        ResourceTreeModel::EndpointBatch batch(m_tree);
        m_engine->apply(workspace, path);
    }
    Q_EMIT systemsLoaded(m_engine->systems());
    const QString state = workspace.layout().value(QStringLiteral("windowState")).toString();
    if (!state.isEmpty() && m_restoreLayout)
        m_restoreLayout(QByteArray::fromBase64(state.toLatin1()));
    setClean();
}

void WorkspaceController::newWorkspace()
{
    if (!maybeSave())
        return;
    apply(Workspace(), QString());
}

bool WorkspaceController::open(const QString &path)
{
    QString error;
    const auto workspace = Workspace::load(path, &error);
    if (!workspace) {
        showPlainWarning(m_window, tr("Cannot open workspace"), error);
        Q_EMIT message(error);
        return false;
    }
    if (m_openHandler && m_openHandler(*workspace, path)) {
        addRecent(path);
        return true;
    }
    // Through apply(), not Engine::load(): the systems and the layout go to the window too.
    apply(*workspace, path);
    addRecent(path);
    Q_EMIT message(tr("Opened %1").arg(path));
    return true;
}

void WorkspaceController::openDialog()
{
    if (!maybeSave())
        return;
    const QString dir = QSettings().value(QStringLiteral("workspace/dir"), QDir::homePath()).toString();
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open workspace"), dir,
                                                      tr("Thingscape workspaces (*.thingscape *.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(QStringLiteral("workspace/dir"), QFileInfo(path).absolutePath());
    open(path);
}

bool WorkspaceController::save()
{
    if (path().isEmpty()) {
        saveAsDialog();
        return !m_dirty;
    }
    return saveAs(path());
}

bool WorkspaceController::saveAs(const QString &path)
{
    QString error;
    m_engine->setLayout(currentLayout());
    if (!m_engine->save(path, &error)) {
        showPlainWarning(m_window, tr("Cannot save workspace"), error);
        Q_EMIT message(error);
        return false;
    }
    setClean();
    addRecent(path);
    QFile::remove(recoveryPath());
    Q_EMIT message(tr("Saved %1").arg(path));
    return true;
}

void WorkspaceController::saveAsDialog()
{
    const QString dir = QSettings().value(QStringLiteral("workspace/dir"), QDir::homePath()).toString();
    QString path = QFileDialog::getSaveFileName(m_window, tr("Save workspace"), dir + QStringLiteral("/workspace.thingscape"),
                                                tr("Thingscape workspaces (*.thingscape *.json)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".thingscape");
    QSettings().setValue(QStringLiteral("workspace/dir"), QFileInfo(path).absolutePath());
    saveAs(path);
}

bool WorkspaceController::maybeSave()
{
    if (!m_dirty)
        return true;
    const auto answer = askPlain(m_window, tr("Unsaved changes"),
                                 tr("The workspace %1 has unsaved changes. Save them?").arg(displayName()),
                                 QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save)
        return save();
    return true;
}

QString WorkspaceController::recoveryPath() const
{
    return stateDirectory() + QStringLiteral("/recovery.thingscape");
}

bool WorkspaceController::hasRecovery() const
{
    const bool leftOnPurpose = QFile::exists(recoveryPath() + QStringLiteral(".pending"));
    return (m_previousRunCrashed || leftOnPurpose) && QFile::exists(recoveryPath());
}

void WorkspaceController::shutDownKeepingWork()
{
    if (!m_dirty) {
        shutDownCleanly();
        return;
    }
    // Ended from outside (logout, kill) with unsaved work: keep it for the next start.
    if (writeRecovery()) {
        QFile pending(recoveryPath() + QStringLiteral(".pending"));
        if (pending.open(QIODevice::WriteOnly))
            pending.close();
    }
    m_runLock->unlock();
}

bool WorkspaceController::writeRecovery()
{
    QString error;
    if (!snapshot().save(recoveryPath(), &error)) {
        Q_EMIT message(tr("Autosave failed: %1").arg(error));
        return false;
    }
    QFile origin(recoveryPath() + QStringLiteral(".origin"));
    if (origin.open(QIODevice::WriteOnly | QIODevice::Truncate))
        origin.write(path().toUtf8());
    return true;
}

bool WorkspaceController::recover()
{
    QString error;
    const auto workspace = Workspace::load(recoveryPath(), &error);
    if (!workspace) {
        Q_EMIT message(tr("The recovery file could not be read: %1").arg(error));
        return false;
    }
    QFile origin(recoveryPath() + QStringLiteral(".origin"));
    QString path;
    if (origin.open(QIODevice::ReadOnly))
        path = QString::fromUtf8(origin.readAll());
    apply(*workspace, path);
    m_dirty = true;
    m_previousRunCrashed = false;
    QFile::remove(recoveryPath() + QStringLiteral(".pending"));
    Q_EMIT stateChanged();
    Q_EMIT message(tr("Recovered the unsaved workspace"));
    return true;
}

bool WorkspaceController::offerRecovery()
{
    if (!hasRecovery())
        return false;
    const QDateTime when = QFileInfo(recoveryPath()).lastModified();
    const auto answer = askPlain(
        m_window, tr("Recover workspace"),
        tr("Thingscape did not close cleanly last time. Recover the unsaved workspace autosaved at %1?")
            .arg(QLocale().toString(when, QLocale::ShortFormat)),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (answer != QMessageBox::Yes) {
        m_previousRunCrashed = false;
        QFile::remove(recoveryPath() + QStringLiteral(".pending"));
        return false;
    }
    return recover();
}

void WorkspaceController::shutDownCleanly()
{
    QFile::remove(recoveryPath() + QStringLiteral(".pending"));
    QFile::remove(recoveryPath());
    QFile::remove(recoveryPath() + QStringLiteral(".origin"));
    m_runLock->unlock();
}

} // namespace thingscape
