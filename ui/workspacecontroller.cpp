#include "workspacecontroller.h"

#include "plainmessagebox.h"
#include "secretprompt.h"
#include "secretstore.h"
#include "session.h"

#include "protocols/endpointmanager.h"

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

WorkspaceController::WorkspaceController(Session *session, QWidget *window)
    : QObject(window)
    , m_session(session)
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
    connect(m_session->endpoints(), &EndpointManager::endpointAdded, this, &WorkspaceController::markDirty);
    connect(m_session->endpoints(), &EndpointManager::endpointRemoved, this, &WorkspaceController::markDirty);
    connect(m_session->endpoints(), &EndpointManager::endpointConfigChanged, this, &WorkspaceController::markDirty);
}

WorkspaceController::~WorkspaceController() = default;

QString WorkspaceController::displayName() const
{
    return m_path.isEmpty() ? tr("Untitled") : QFileInfo(m_path).fileName();
}

void WorkspaceController::markDirty()
{
    if (m_dirty)
        return;
    m_dirty = true;
    Q_EMIT stateChanged();
}

void WorkspaceController::setClean(const QString &path)
{
    m_path = path;
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
    if (systems == m_systems)
        return;
    m_systems = systems;
    markDirty();
}

void WorkspaceController::setLayoutProvider(std::function<QByteArray()> save,
                                            std::function<void(const QByteArray &)> restore)
{
    m_saveLayout = std::move(save);
    m_restoreLayout = std::move(restore);
}

Workspace WorkspaceController::snapshot() const
{
    Workspace workspace;
    workspace.setEndpoints(m_session->endpoints()->endpoints());
    workspace.setSystems(m_systems);
    workspace.setDashboards(m_dashboards);
    workspace.setRules(m_rules);
    workspace.setExtra(m_extra);
    if (m_saveLayout) {
        QJsonObject layout;
        layout.insert(QStringLiteral("windowState"), QString::fromLatin1(m_saveLayout().toBase64()));
        workspace.setLayout(layout);
    }
    return workspace;
}

void WorkspaceController::apply(const Workspace &workspace, const QString &path)
{
    EndpointManager *endpoints = m_session->endpoints();
    for (const EndpointConfig &config : endpoints->endpoints())
        endpoints->remove(config.id);
    for (const EndpointConfig &config : workspace.endpoints()) {
        const QString id = endpoints->add(config);
        if (!config.autoConnect)
            continue;
        // Workspace files hold no secrets: an endpoint that may need one gets it from the
        // keyring (or asks) before connecting.
        const bool mayNeedSecret = !config.username.isEmpty() || !config.pskIdentity.isEmpty()
            || !config.keyFile.isEmpty() || config.hasSecrets();
        if (mayNeedSecret)
            SecretPrompt::connectEndpoint(endpoints, m_session->secrets(), id, m_window);
        else
            endpoints->connectEndpoint(id);
    }
    m_systems = workspace.systems();
    m_dashboards = workspace.dashboards();
    m_rules = workspace.rules();
    m_extra = workspace.extra();
    Q_EMIT systemsLoaded(m_systems);
    const QString state = workspace.layout().value(QStringLiteral("windowState")).toString();
    if (!state.isEmpty() && m_restoreLayout)
        m_restoreLayout(QByteArray::fromBase64(state.toLatin1()));
    setClean(path);
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
    if (m_path.isEmpty()) {
        saveAsDialog();
        return !m_dirty;
    }
    return saveAs(m_path);
}

bool WorkspaceController::saveAs(const QString &path)
{
    QString error;
    if (!snapshot().save(path, &error)) {
        showPlainWarning(m_window, tr("Cannot save workspace"), error);
        Q_EMIT message(error);
        return false;
    }
    setClean(path);
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
        origin.write(m_path.toUtf8());
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
