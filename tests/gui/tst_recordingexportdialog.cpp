// Recording → Export…: several resources of a real recording (the window's recorder on SQLite)
// exported through the `export` verb's exporter off the GUI thread; the file's content checked;
// a cancel leaves no file and an existing one untouched; the choices remembered in QSettings.

#include "model/codecs/codecs.h"
#include "model/recording/recordingconfig.h"
#include "model/recording/recordingexport.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/recorder.h"
#include "protocols/engine/secretprovider.h"
#include "ui/mainwindow.h"
#include "ui/recordingcontroller.h"
#include "ui/recordingexportdialog.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace thingscape;

namespace {

const QString kBroker = QStringLiteral("mqtt://127.0.0.1:1883/");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestRecordingExportDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportTwoResourcesThenCancel();

private:
    QTemporaryDir m_settingsDir;
};

void TestRecordingExportDialog::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestRecordingExportDialog::exportTwoResourcesThenCancel()
{
    // Given a window recording three resources: a/temp and b/temp 3 values each, c/noise 6,000
    QTemporaryDir dir;
    WindowModels session;
    MainWindow window{&session};
    QAbstractItemModelTester tester{session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest};
    window.resize(1366, 768);
    window.show();
    Engine *engine = session.engine();
    RecordingConfig config;
    config.enabled = true;
    config.database = dir.filePath(QStringLiteral("export.sqlite"));
    config.batchMs = 50;
    engine->setRecordingConfig(config);
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto update = [&](const QString &topic, const QByteArray &payload, qint64 timeMs) {
        Update u;
        u.id = *ResourceId::parse(kBroker + topic);
        u.value = codecs::decode(payload, ContentFormat::Text, {}, timeMs);
        return u;
    };
    for (int i = 0; i < 3; ++i) {
        session.store()->ingest({update(QStringLiteral("a/temp"), QByteArray::number(10 + i), now - 10000 + i),
                                 update(QStringLiteral("b/temp"), QByteArray::number(20 + i), now - 5000 + i)});
    }
    constexpr int kNoise = 6000;
    for (int batch = 0; batch < kNoise / 1000; ++batch) {
        QList<Update> updates;
        for (int i = 0; i < 1000; ++i)
            updates.append(update(QStringLiteral("c/noise"), "n" + QByteArray::number(batch * 1000 + i), now - 1000));
        session.store()->ingest(updates);
    }
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->stats().rows, qint64(6 + kNoise), 60000);

    // And a/temp and b/temp selected in the tree
    auto *tree = window.findChild<ResourceTreeDock *>();
    QVERIFY(tree);
    const ResourceId a = *ResourceId::parse(kBroker + QStringLiteral("a/temp"));
    const ResourceId b = *ResourceId::parse(kBroker + QStringLiteral("b/temp"));
    QTRY_VERIFY_WITH_TIMEOUT(session.treeModel()->indexForId(a).isValid() && session.treeModel()->indexForId(b).isValid(), 30000);
    tree->selectResource(b);
    const QModelIndex bRow = tree->view()->currentIndex();
    QVERIFY(bRow.isValid());
    tree->selectResource(a);
    tree->view()->selectionModel()->select(bRow, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(tree->selectedResources().size(), 2);

    // When Recording → Export… is chosen, the dialog lists the three resources off the GUI thread
    RecordingController *recording = window.recording();
    QVERIFY(recording->menu()->actions().contains(recording->exportAction()));
    recording->exportAction()->trigger();
    auto *dialog = window.findChild<RecordingExportDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    new QAbstractItemModelTester(dialog->resourceList()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest, dialog);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->resourceList()->model()->rowCount(), 3, 30000);
    // With the tree's two selected resources checked
    QCOMPARE(dialog->checkedResources(), (QStringList{a.toString(), b.toString()}));
    dialog->setShownChecked(false);
    QVERIFY(dialog->checkedResources().isEmpty());
    QVERIFY(!dialog->exportButton()->isEnabled());

    // And the filter "temp" (any case) shows two, which are checked; JSON Lines into a file
    dialog->filterEdit()->setText(QStringLiteral("TEMP"));
    QCOMPARE(dialog->resourceList()->model()->rowCount(), 2);
    dialog->setShownChecked(true);
    dialog->filterEdit()->clear();
    QCOMPARE(dialog->resourceList()->model()->rowCount(), 3);
    QCOMPARE(dialog->checkedResources(), (QStringList{kBroker + QStringLiteral("a/temp"), kBroker + QStringLiteral("b/temp")}));
    dialog->formatBox()->setCurrentIndex(dialog->formatBox()->findData(QStringLiteral("jsonl")));
    const QString jsonl = dir.filePath(QStringLiteral("two.jsonl"));
    dialog->pathEdit()->setText(dir.filePath(QStringLiteral("two.csv")));
    dialog->formatBox()->setCurrentIndex(dialog->formatBox()->findData(QStringLiteral("csv")));
    dialog->formatBox()->setCurrentIndex(dialog->formatBox()->findData(QStringLiteral("jsonl")));
    QCOMPARE(dialog->pathEdit()->text(), jsonl); // The suffix follows the format.
    dialog->wholeRecordingBox()->setChecked(true);
    QVERIFY(dialog->exportButton()->isEnabled());
    dialog->grab().save(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", dir.path()) + QStringLiteral("/recording-export.png"));

    // Then Export writes their six messages and nothing of c/noise
    QSignalSpy finished(dialog, &RecordingExportDialog::finished);
    QTest::mouseClick(dialog->exportButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY(dialog->statusLabel()->text().contains(QLatin1String("Exported 6 ")));
    QCOMPARE(dialog->progressBar()->value(), dialog->progressBar()->maximum());
    const QList<QByteArray> lines = readAll(jsonl).trimmed().split('\n');
    QCOMPARE(lines.size(), 6);
    QStringList seen;
    for (const QByteArray &line : lines) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        seen.append(object.value(QStringLiteral("resource")).toString().mid(kBroker.size()) + QLatin1Char('=')
                    + object.value(QStringLiteral("payload")).toString());
    }
    seen.sort();
    QCOMPARE(seen, (QStringList{QStringLiteral("a/temp=10"), QStringLiteral("a/temp=11"), QStringLiteral("a/temp=12"),
                                QStringLiteral("b/temp=20"), QStringLiteral("b/temp=21"), QStringLiteral("b/temp=22")}));

    // And the `export` verb, the same exporter, writes the same bytes
    const QString verbFile = dir.filePath(QStringLiteral("verb.jsonl"));
    QProcess verb;
    verb.start(qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape"),
               {QStringLiteral("export"), config.database, QStringLiteral("--resource"), kBroker + QStringLiteral("a/temp"),
                QStringLiteral("--resource"), kBroker + QStringLiteral("b/temp"), QStringLiteral("--format"),
                QStringLiteral("jsonl"), QStringLiteral("--output"), verbFile});
    QVERIFY2(verb.waitForFinished(60000), qPrintable(verb.errorString()));
    QVERIFY2(verb.exitCode() == 0, verb.readAllStandardError().constData());
    QCOMPARE(readAll(verbFile), readAll(jsonl));

    // And a range that holds only b's values exports only them (as CSV)
    dialog->wholeRecordingBox()->setChecked(false);
    dialog->fromEdit()->setDateTime(QDateTime::fromMSecsSinceEpoch(now - 7000));
    dialog->toEdit()->setDateTime(QDateTime::fromMSecsSinceEpoch(now - 3000));
    dialog->formatBox()->setCurrentIndex(dialog->formatBox()->findData(QStringLiteral("csv")));
    const QString csv = dir.filePath(QStringLiteral("two.csv"));
    QCOMPARE(dialog->pathEdit()->text(), csv);
    dialog->startExport();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    const QList<QByteArray> csvLines = readAll(csv).trimmed().split('\n');
    QCOMPARE(csvLines.size(), 4);
    QVERIFY(csvLines.at(1).contains(",mqtt://127.0.0.1:1883/b/temp,in,"));
    QVERIFY(csvLines.at(3).endsWith(",22,text,22"));

    // When all of c/noise goes to a file that exists and is cancelled at once
    const QString noise = dir.filePath(QStringLiteral("noise.csv"));
    {
        QFile old(noise);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("an older file\n");
    }
    dialog->wholeRecordingBox()->setChecked(true);
    dialog->setShownChecked(false);
    dialog->filterEdit()->setText(QStringLiteral("noise"));
    dialog->setShownChecked(true);
    QCOMPARE(dialog->checkedResources(), QStringList{kBroker + QStringLiteral("c/noise")});
    dialog->pathEdit()->setText(noise);
    dialog->startExport();
    QVERIFY(dialog->isExporting());
    QVERIFY(!dialog->exportButton()->isEnabled());
    dialog->cancelExport();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);
    // Then (unless the worker had written every row before the cancel reached it) the export
    // says it was cancelled and the older file is as it was; either way no partial or temporary
    // file is left beside it
    const bool cancelled = !finished.at(2).at(0).toBool();
    if (cancelled) {
        QVERIFY(finished.at(2).at(1).toString().contains(QLatin1String("cancelled")));
        QCOMPARE(readAll(noise), QByteArray("an older file\n"));
        QCOMPARE(dialog->progressBar()->value(), 0);
    } else {
        qInfo("the export finished before the cancel reached it");
        QCOMPARE(readAll(noise).trimmed().split('\n').size(), kNoise + 1);
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).filter(QStringLiteral("noise")), QStringList{QStringLiteral("noise.csv")});
    QVERIFY(dialog->exportButton()->isEnabled());

    // And the shared exporter itself: a cancel at any point, even after the last row, leaves no
    // file (deterministic, without the race above)
    const QString never = dir.filePath(QStringLiteral("never.csv"));
    RecordingExportOptions options;
    options.uris = {kBroker + QStringLiteral("a/temp")};
    QString error;
    int calls = 0;
    QVERIFY(!RecordingExport::toFile(config.database, {}, options, never, [&](qint64 done, qint64 total) {
        ++calls;
        return done < total; // false only on the final call, after every row is written
    }, &error));
    QCOMPARE(calls, 1);
    QCOMPARE(error, QStringLiteral("cancelled"));
    QVERIFY(!QFile::exists(never));
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("never*")}, QDir::Files), QStringList());

    // When the dialog opens again, it remembers the format, the file and the range choice
    dialog->close();
    QTRY_VERIFY(!window.findChild<RecordingExportDialog *>());
    RecordingExportDialog *again = recording->showExport();
    QCOMPARE(again->formatBox()->currentData().toString(), QStringLiteral("csv"));
    QCOMPARE(again->pathEdit()->text(), noise);
    QVERIFY(again->wholeRecordingBox()->isChecked());
    QTRY_COMPARE_WITH_TIMEOUT(again->resourceList()->model()->rowCount(), 3, 30000);
    again->close();
}

QTEST_MAIN(TestRecordingExportDialog)
#include "tst_recordingexportdialog.moc"
