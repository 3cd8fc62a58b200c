#include "recordingcontroller.h"

#include "historydialog.h"
#include "recordingexportdialog.h"
#include "resourcetreedock.h"

#include "model/recording/recordingconfig.h"
#include "model/value.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/recorder.h"
#include "protocols/engine/secretprovider.h"

#include <QAction>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>
#include <QWidget>

namespace thingscape {

RecordingController::RecordingController(Engine *engine, QWidget *window, QStatusBar *statusBar,
                                         std::function<ResourceId()> currentResource)
    : QObject(window)
    , m_engine(engine)
    , m_window(window)
    , m_currentResource(std::move(currentResource))
    , m_menu(new QMenu(tr("Re&cording"), window))
    , m_label(new QLabel(window))
{
    m_menu->setObjectName(QStringLiteral("recordingMenu"));
    m_label->setObjectName(QStringLiteral("recordingStatus"));
    m_label->setTextFormat(Qt::PlainText);
    m_start = m_menu->addAction(tr("&Start recording"), this, [this] {
        RecordingConfig config = m_engine->recordingConfig();
        config.enabled = true;
        m_engine->setRecordingConfig(config);
        refresh();
    });
    m_pause = m_menu->addAction(tr("&Pause recording"), this, [this] {
        Recorder *recorder = m_engine->recorder();
        if (recorder->state() == Recorder::State::Paused)
            recorder->resume();
        else
            recorder->pause();
    });
    m_stop = m_menu->addAction(tr("S&top recording"), this, [this] {
        RecordingConfig config = m_engine->recordingConfig();
        config.enabled = false;
        m_engine->setRecordingConfig(config);
        refresh();
    });
    m_menu->addSeparator();
    m_history = m_menu->addAction(tr("&History of this resource…"), this, [this] { showHistory(); });
    m_export = m_menu->addAction(tr("&Export…"), this, [this] { showExport(); });
    Recorder *recorder = m_engine->recorder();
    connect(recorder, &Recorder::stateChanged, this, &RecordingController::refresh);
    connect(recorder, &Recorder::statsChanged, this, &RecordingController::refresh);
    connect(recorder, &Recorder::errorOccurred, this, &RecordingController::refresh);
    statusBar->addPermanentWidget(m_label);
    refresh();
}

QString RecordingController::database() const
{
    const QString chosen = m_engine->recorder()->database();
    if (!chosen.isEmpty())
        return chosen;
    const RecordingConfig config = m_engine->recordingConfig();
    return config.database.isEmpty() ? RecordingConfig::defaultPathFor(m_engine->path()) : config.database;
}

namespace {

// The database's errors begin "Recording <database>: …"; after "Recording paused:" the word
// would come twice, so the status bar drops it.
QString withoutRecordingWord(const QString &error)
{
    const QString word = RecordingController::tr("Recording") + QLatin1Char(' ');
    return error.startsWith(word) ? error.mid(word.size()) : error;
}

} // namespace

void RecordingController::refresh()
{
    Recorder *recorder = m_engine->recorder();
    const Recorder::State state = recorder->state();
    const bool on = state == Recorder::State::Recording || state == Recorder::State::Paused || state == Recorder::State::Opening;
    m_start->setEnabled(!on);
    m_pause->setEnabled(state == Recorder::State::Recording || state == Recorder::State::Paused);
    m_pause->setText(state == Recorder::State::Paused ? tr("&Resume recording") : tr("&Pause recording"));
    m_stop->setEnabled(on);
    const RecorderStats &stats = recorder->stats();
    const QLocale locale;
    QString text;
    switch (state) {
    case Recorder::State::Off:
        text = recorder->error().isEmpty() ? QString() : tr("Not recording: %1").arg(withoutRecordingWord(recorder->error()));
        break;
    case Recorder::State::Opening:
        text = tr("Recording: opening…");
        break;
    case Recorder::State::Recording:
        text = tr("● REC %1 · %2 rows · %3/s")
                   .arg(Value::sizeText(std::max<qint64>(0, stats.bytes)), locale.toString(std::max<qint64>(0, stats.rows)),
                        locale.toString(stats.rate, 'f', 0));
        break;
    case Recorder::State::Paused:
        text = recorder->error().isEmpty() ? tr("Recording paused · %1 rows").arg(locale.toString(std::max<qint64>(0, stats.rows)))
                                           : tr("Recording paused: %1").arg(withoutRecordingWord(recorder->error()));
        break;
    }
    m_label->setText(text.left(200));
    m_label->setToolTip(QStringLiteral("%1\n%2").arg(recorder->database(), recorder->error()).trimmed());
    m_label->setVisible(!text.isEmpty());
}

void RecordingController::showHistory(const ResourceId &id)
{
    const ResourceId resource = id.isValid() ? id : m_currentResource();
    if (!resource.isValid()) {
        QMessageBox::information(m_window, tr("History"), tr("Choose a resource in the tree first."));
        return;
    }
    auto *dialog = new HistoryDialog(database(), resource.toString(), m_window, m_engine->recorder()->password());
    dialog->show();
    dialog->query();
}

RecordingExportDialog *RecordingController::showExport()
{
    // The tree's selection comes checked (its current resource when nothing is selected).
    QStringList checked;
    if (const auto *tree = m_window->findChild<ResourceTreeDock *>()) {
        for (const ResourceId &id : tree->selectedResources())
            checked.append(id.toString());
    }
    const ResourceId current = m_currentResource ? m_currentResource() : ResourceId();
    if (checked.isEmpty() && current.isValid())
        checked.append(current.toString());
    auto *dialog = new RecordingExportDialog(database(), m_engine->recorder()->password(), checked, m_window);
    dialog->show();
    return dialog;
}

} // namespace thingscape
