#include "mainwindow.h"

#include "dashboard/dashboardsdock.h"
#include "recordingcontroller.h"

#include "composedock.h"
#include "connectionsdialog.h"
#include "detailsview.h"
#include "gatewaycontroller.h"
#include "resourcetreedock.h"
#include "rulesdock.h"
#include "windowmodels.h"
#include "statusindicators.h"
#include "streamdock.h"
#include "systemsdock.h"
#include "toptalkersdock.h"
#include "treedecorationproxy.h"
#include "uiresources.h"
#include "workspacecontroller.h"
#include "writebox.h"

#include "model/resourcestore.h"
#include "model/talkerstats.h"
#include "model/treestatsproxy.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/composer.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QToolBar>
#include <QUndoStack>

#include <memory>

namespace thingscape {

namespace {

// Adding one rule (a bridge) to the workspace's rules list. Undo takes that rule out of the
// list as it is then, so edits made meanwhile in the rules editor stay.
class AddRuleCommand : public QUndoCommand
{
public:
    AddRuleCommand(Engine *engine, QJsonObject rule, const QString &text)
        : QUndoCommand(text)
        , m_engine(engine)
        , m_rule(std::move(rule))
    {
    }
    void redo() override
    {
        QJsonArray rules = m_engine->rulesJson();
        if (!rules.contains(m_rule)) {
            rules.append(m_rule);
            m_engine->editRules(rules);
        }
    }
    void undo() override
    {
        QJsonArray rules = m_engine->rulesJson();
        for (qsizetype i = rules.size() - 1; i >= 0; --i) {
            if (rules.at(i) == m_rule) {
                rules.removeAt(i);
                m_engine->editRules(rules);
                return;
            }
        }
    }

private:
    Engine *m_engine; // Not owned.
    QJsonObject m_rule;
};

} // namespace

MainWindow::MainWindow(WindowModels *session, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_undoStack(new QUndoStack(this))
    , m_details(new DetailsView(session->store(), session->endpoints(), this))
    , m_treeDock(new ResourceTreeDock(session->store(), session->treeModel(), session->endpoints(), this))
    , m_streamDock(new StreamDock(session->streamModel(), session->endpoints(), this))
    , m_systemsDock(new SystemsDock(session->store(), m_undoStack, this))
    , m_rulesDock(new RulesDock(session->engine(), this))
    , m_status(new StatusIndicators(session, statusBar()))
    , m_workspace(new WorkspaceController(session, this))
{
    initUiResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(appIcon());
    setCentralWidget(m_details);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    addDockWidget(Qt::LeftDockWidgetArea, m_treeDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_streamDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_systemsDock);
    tabifyDockWidget(m_streamDock, m_systemsDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_rulesDock);
    tabifyDockWidget(m_systemsDock, m_rulesDock);
    m_rulesDock->setUndoStack(m_undoStack);
    m_composer = new Composer(session->engine(), this);
    m_composeDock = new ComposeDock(m_composer, session->store(), this);
    addDockWidget(Qt::BottomDockWidgetArea, m_composeDock);
    tabifyDockWidget(m_rulesDock, m_composeDock);
    connect(m_composeDock, &ComposeDock::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    m_talkers = new TalkerStats(session->store(), this);
    if (auto *decoration = m_treeDock->findChild<TreeDecorationProxy *>())
        decoration->setTalkerStats(m_talkers);
    m_treeDock->statsModel()->setTalkerStats(m_talkers);
    m_talkersDock = new TopTalkersDock(m_talkers, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_talkersDock);
    tabifyDockWidget(m_composeDock, m_talkersDock);
    connect(m_talkersDock, &TopTalkersDock::nodeActivated, this, [this](const ResourceId &id) {
        m_treeDock->show();
        m_treeDock->selectResource(id);
    });
    m_streamDock->raise();
    resizeDocks({m_treeDock}, {580}, Qt::Horizontal);
    resizeDocks({m_streamDock}, {280}, Qt::Vertical);

    connect(m_treeDock, &ResourceTreeDock::currentResourceChanged, m_details, &DetailsView::showResource);
    connect(m_treeDock, &ResourceTreeDock::writeRequested, this, [this](const ResourceId &id) {
        m_details->showResource(id);
        m_details->writeBox()->focusEditor();
    });
    connect(m_treeDock, &ResourceTreeDock::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_streamDock, &StreamDock::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_treeDock, &ResourceTreeDock::addToSystemRequested, m_systemsDock, &SystemsDock::addResources);
    connect(m_treeDock, &ResourceTreeDock::newSystemRequested, this, [this](const QList<ResourceId> &ids) {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("New system"), tr("Name:"), QLineEdit::Normal,
                                                   tr("System"), &ok);
        if (ok && !name.trimmed().isEmpty()) {
            m_systemsDock->createSystem(name.trimmed(), ids);
            m_systemsDock->raise();
        }
    });
    connect(m_treeDock, &ResourceTreeDock::newRuleRequested, this, [this](const ResourceId &id, const QString &title) {
        m_rulesDock->show();
        m_rulesDock->raise();
        Engine *engine = m_session->engine();
        m_rulesDock->openEditor(RulesDock::ruleTriggeredBy(id, title, engine->rulesJson()));
    });
    connect(m_treeDock, &ResourceTreeDock::bridgeRequested, this, [this](const ResourceId &from, const ResourceId &to) {
        Engine *engine = m_session->engine();
        const QJsonObject bridge{{QStringLiteral("bridge"), from.toString()}, {QStringLiteral("to"), to.toString()}};
        QJsonArray after = engine->rulesJson();
        after.append(bridge);
        // Checked before it is taken: a list the engine refuses (a duplicate name) stays as it was.
        RuleProblem problem;
        if (!RuleEngine::parse(after, &problem)) {
            const QString message = tr("The bridge was not added: rule problem at %1: %2").arg(problem.pointer(), problem.message);
            statusBar()->showMessage(message, 8000);
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Bridge to"), message, QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("bridgeRefused"));
            box->setTextFormat(Qt::PlainText);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            return;
        }
        m_undoStack->push(new AddRuleCommand(engine, bridge, tr("Bridge %1 → %2").arg(from.toString(), to.toString())));
        m_rulesDock->show();
        m_rulesDock->raise();
        statusBar()->showMessage(tr("Bridge added: %1 → %2").arg(from.toString(), to.toString()), 8000);
    });
    connect(m_session->engine()->rules(), &RuleEngine::notified, this,
            [this](const QString &, const QString &title, const QString &text, qint64) {
                const QString shownTitle = title.isEmpty() ? tr("Thingscape") : title;
                statusBar()->showMessage(tr("%1: %2").arg(shownTitle, text).simplified().left(300), 15000);
                if (!QSystemTrayIcon::isSystemTrayAvailable())
                    return;
                if (!m_tray) {
                    m_tray = new QSystemTrayIcon(appIcon(), this);
                    m_tray->setToolTip(tr("Thingscape"));
                    m_tray->show();
                }
                m_tray->showMessage(shownTitle, text.left(1000), QSystemTrayIcon::Information);
            });
    connect(m_systemsDock, &SystemsDock::systemsChanged, this, [this] {
        m_treeDock->setSystemNames(m_systemsDock->systemNames());
        m_workspace->setSystems(m_systemsDock->systems());
    });
    connect(m_systemsDock, &SystemsDock::resourceActivated, m_treeDock, &ResourceTreeDock::selectResource);
    connect(m_workspace, &WorkspaceController::systemsLoaded, this, [this](const QList<System> &systems) {
        m_systemsDock->setSystems(systems);
        m_treeDock->setSystemNames(m_systemsDock->systemNames());
        m_undoStack->clear();
    });
    connect(m_workspace, &WorkspaceController::stateChanged, this, &MainWindow::updateTitle);
    connect(m_workspace, &WorkspaceController::message, this,
            [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    // Dashboards: a dock of their own, tabbed with the stream and the systems.
    m_dashboardsDock = new DashboardsDock(m_session->engine(), m_undoStack, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_dashboardsDock);
    tabifyDockWidget(m_rulesDock, m_dashboardsDock);
    m_streamDock->raise();
    connect(m_systemsDock, &SystemsDock::dashboardRequested, this, [this](const System &system) {
        m_dashboardsDock->dashboardFromSystem(system);
        m_dashboardsDock->show();
        m_dashboardsDock->raise();
    });
    m_workspace->setLayoutProvider([this] { return saveState(); },
                                   [this](const QByteArray &state) { restoreState(state); });
    m_gateway = new GatewayController(session, statusBar(), this);
    connect(m_gateway, &GatewayController::message, this, [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    createActions();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    auto add = [this](QMenu *menu, const QString &text, const QKeySequence &keys, auto slot) {
        QAction *action = menu->addAction(text);
        action->setShortcut(keys);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *newAction = add(file, tr("&New workspace"), QKeySequence::New, [this] { m_workspace->newWorkspace(); });
    QAction *openAction = add(file, tr("&Open…"), QKeySequence::Open, [this] { m_workspace->openDialog(); });
    QMenu *recent = file->addMenu(tr("Open &recent"));
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        const QStringList files = m_workspace->recentFiles();
        for (const QString &path : files)
            recent->addAction(path, this, [this, path] {
                if (m_workspace->maybeSave())
                    m_workspace->open(path);
            });
        if (files.isEmpty())
            recent->addAction(tr("(none)"))->setEnabled(false);
    });
    QAction *saveAction = add(file, tr("&Save"), QKeySequence::Save, [this] { m_workspace->save(); });
    add(file, tr("Save &as…"), QKeySequence::SaveAs, [this] { m_workspace->saveAsDialog(); });
    file->addSeparator();
    add(file, tr("&Quit"), QKeySequence::Quit, [this] { close(); });

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_undoStack->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_undoStack->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    add(edit, tr("&Find resource"), QKeySequence::Find, [this] {
        m_treeDock->raise();
        m_treeDock->searchField()->setFocus();
        m_treeDock->searchField()->selectAll();
    });
    add(edit, tr("Filter &messages"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), [this] {
        m_streamDock->raise();
        m_streamDock->filterField()->setFocus();
    });

    QMenu *endpoints = menuBar()->addMenu(tr("E&ndpoints"));
    QAction *connections = add(endpoints, tr("&Connections…"), QKeySequence(Qt::CTRL | Qt::Key_K),
                               &MainWindow::openConnections);
    add(endpoints, tr("Connect &all"), QKeySequence(), [this] {
        for (const EndpointConfig &config : m_session->endpoints()->endpoints())
            m_session->endpoints()->connectEndpoint(config.id);
    });
    add(endpoints, tr("&Disconnect all"), QKeySequence(), [this] {
        for (const EndpointConfig &config : m_session->endpoints()->endpoints())
            m_session->endpoints()->disconnectEndpoint(config.id);
    });
    endpoints->addSeparator();
    add(endpoints, tr("&Gateway…"), QKeySequence(), [this] { m_gateway->openDialog(); })->setObjectName(QStringLiteral("gatewayAction"));

    QMenu *resource = menuBar()->addMenu(tr("&Resource"));
    QAction *read = add(resource, tr("&Read now"), QKeySequence(Qt::Key_F5), [this] { m_treeDock->readSelected(); });
    add(resource, tr("&Write…"), QKeySequence(Qt::CTRL | Qt::Key_Return), [this] {
        // From inside the write box it writes; anywhere else it goes there.
        WriteBox *box = m_details->writeBox();
        if (box->isAncestorOf(QApplication::focusWidget()))
            box->submit();
        else
            box->focusEditor();
    });
    // The tree's own actions: one shortcut each, enabled when they apply to the selection.
    resource->addAction(m_treeDock->observeAction());
    resource->addAction(m_treeDock->stopObservingAction());
    resource->addAction(m_treeDock->copyUriAction());
    add(resource, tr("C&lear retained (MQTT)"), QKeySequence(), [this] { m_treeDock->clearRetainedSelected(); });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *treeToggle = m_treeDock->toggleViewAction();
    treeToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_1));
    QAction *streamToggle = m_streamDock->toggleViewAction();
    streamToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_2));
    QAction *systemsToggle = m_systemsDock->toggleViewAction();
    systemsToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_3));
    view->addAction(treeToggle);
    view->addAction(streamToggle);
    view->addAction(systemsToggle);
    QAction *dashboardsToggle = m_dashboardsDock->toggleViewAction();
    dashboardsToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_5));
    view->addAction(dashboardsToggle);

    // Recording: its menu and status-bar field (recordingcontroller.*).
    m_recording = new RecordingController(m_session->engine(), this, statusBar(), [this] { return m_treeDock->currentResource(); });
    menuBar()->addMenu(m_recording->menu());
    QAction *composeToggle = m_composeDock->toggleViewAction();
    composeToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_6));
    view->addAction(composeToggle);
    QAction *talkersToggle = m_talkersDock->toggleViewAction();
    talkersToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_7));
    view->addAction(talkersToggle);
    add(resource, tr("Co&mpose request…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), [this] {
        const ResourceId id = m_details->resourceId();
        m_composeDock->composeFor(id.isValid() ? id.toString() : QString());
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    add(help, tr("&About Thingscape"), QKeySequence(), [this] {
        QMessageBox::about(this, tr("About Thingscape"),
                           tr("Thingscape %1\n\nA desktop manager for systems of things: MQTT, CoAP and "
                              "HTTP / Web of Things.\n\nLicensed under the GNU GPL, version 3 or later.")
                               .arg(QCoreApplication::applicationVersion()));
    });

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(newAction);
    toolbar->addAction(openAction);
    toolbar->addAction(saveAction);
    toolbar->addSeparator();
    toolbar->addAction(connections);
    toolbar->addAction(read);
    toolbar->addSeparator();
    toolbar->addAction(undo);
    toolbar->addAction(redo);
}

void MainWindow::openConnections()
{
    // Endpoint edits mark the workspace dirty themselves; Cancel changes nothing.
    ConnectionsDialog dialog(m_session->endpoints(), m_session->secrets(), this);
    dialog.exec();
}

void MainWindow::updateTitle()
{
    const QString name = m_workspace->displayName();
    setWindowTitle(tr("%1%2 — Thingscape").arg(name, m_workspace->isDirty() ? QStringLiteral(" *") : QString()));
}

void MainWindow::restoreWindowState()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) {
        // The first run: large, but never larger than the screen (1366×768 and 1280×720 too).
        QSize size(1400, 880);
        if (const QScreen *shown = screen())
            size = size.boundedTo(shown->availableGeometry().size());
        resize(size);
    }
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_workspace->maybeSave()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    m_workspace->shutDownCleanly();
    event->accept();
}

} // namespace thingscape
