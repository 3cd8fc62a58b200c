#pragma once

#include "model/resourceid.h"

#include <QObject>

#include <functional>

class QAction;
class QLabel;
class QMenu;
class QStatusBar;
class QWidget;

namespace thingscape {

class Engine;
class RecordingExportDialog;

// The window's face of the recorder: a Recording menu (start, pause / resume, stop, history of
// the current resource, export) and a status-bar field with the database's size, rows and rate,
// or the error that paused it. Turning recording on or off changes the workspace's "recording"
// settings; pausing does not.
class RecordingController : public QObject
{
    Q_OBJECT

public:
    RecordingController(Engine *engine, QWidget *window, QStatusBar *statusBar,
                        std::function<ResourceId()> currentResource);

    QMenu *menu() const { return m_menu; }
    QLabel *statusLabel() const { return m_label; }
    QAction *startAction() const { return m_start; }
    QAction *pauseAction() const { return m_pause; }
    QAction *stopAction() const { return m_stop; }
    // The history browser for a resource (the current one when id is invalid).
    void showHistory(const ResourceId &id = {});
    // The export dialog for several resources, those selected in the tree (or the current one)
    // checked; returns it (shown).
    RecordingExportDialog *showExport();
    QAction *exportAction() const { return m_export; }

private:
    void refresh();
    QString database() const;

    Engine *m_engine;  // Not owned.
    QWidget *m_window; // Not owned.
    std::function<ResourceId()> m_currentResource;
    QMenu *m_menu;
    QLabel *m_label;
    QAction *m_start;
    QAction *m_pause;
    QAction *m_stop;
    QAction *m_history;
    QAction *m_export;
};

} // namespace thingscape
