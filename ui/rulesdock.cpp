#include "rulesdock.h"

#include "elidedlabel.h"
#include "ruleseditor.h"
#include "ruletraceview.h"

#include "model/resourceid.h"
#include "model/rulelistmodel.h"
#include "model/ruletrace.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one

#include <QCheckBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace thingscape {

namespace {

constexpr int kMaxShownChars = 200;

} // namespace

RulesDock::RulesDock(Engine *engine, QWidget *parent)
    : QDockWidget(tr("Rules"), parent)
    , m_engine(engine)
    , m_model(new RuleListModel(this))
    , m_table(new QTableView(this))
    , m_traces(new RuleTraceView(engine->rules(), this))
    , m_dryRun(new QCheckBox(tr("&Dry run (evaluate and trace, don't act)"), this))
    , m_notice(new QLabel(this))
    , m_lastNotice(new ElidedLabel(Qt::ElideRight, this))
{
    setObjectName(QStringLiteral("rulesDock"));
    m_table->setObjectName(QStringLiteral("rulesTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(RuleListModel::LastErrorColumn, QHeaderView::Stretch);

    m_notice->setTextFormat(Qt::PlainText);
    m_notice->setWordWrap(true);
    m_notice->setObjectName(QStringLiteral("rulesNotice"));
    m_notice->hide();
    m_lastNotice->setObjectName(QStringLiteral("rulesLastNotice"));
    m_lastNotice->hide();

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_traces);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *edit = new QPushButton(tr("&Edit rules…"), this);
    edit->setObjectName(QStringLiteral("editRules"));
    connect(edit, &QPushButton::clicked, this, [this] { openEditor(); });
    auto *top = new QHBoxLayout;
    top->addWidget(edit);
    top->addWidget(m_dryRun);
    top->addWidget(m_lastNotice, 1);
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_notice);
    layout->addWidget(splitter, 1);
    setWidget(content);

    RuleEngine *rules = engine->rules();
    m_dryRun->setChecked(rules->isDryRun());
    connect(m_dryRun, &QCheckBox::toggled, rules, &RuleEngine::setDryRun);
    connect(rules, &RuleEngine::dryRunChanged, m_dryRun, [this](bool on) {
        const QSignalBlocker blocker(m_dryRun);
        m_dryRun->setChecked(on);
    });
    connect(m_model, &RuleListModel::enableRequested, engine, &Engine::setRuleEnabled);
    connect(rules, &RuleEngine::rulesChanged, this, &RulesDock::reload);
    connect(rules, &RuleEngine::statusChanged, this, [this, rules](const QString &id) {
        m_model->updateStatus(rules->status(id));
        updateNotice();
    });
    connect(rules, &RuleEngine::notified, this,
            [this](const QString &ruleId, const QString &title, const QString &text, qint64 timeMs) {
                const QString what = title.isEmpty() ? text : tr("%1: %2").arg(title, text);
                const QString line = tr("Last notice (%1, %2): %3")
                                         .arg(ruleId, QDateTime::fromMSecsSinceEpoch(timeMs).toString(QStringLiteral("HH:mm:ss")),
                                              what.left(kMaxShownChars * 5));
                // Elided to the dock's width; the whole notice in its tooltip.
                m_lastNotice->setFullText(line);
                m_lastNotice->show();
            });
    connect(engine, &Engine::rulesRejected, this, &RulesDock::updateNotice);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RulesDock::showTraces);
    reload();
}

QString RulesDock::selectedRule() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? m_model->status(current.row()).id : QString();
}

void RulesDock::selectRule(const QString &ruleId)
{
    const int row = m_model->rowOf(ruleId);
    if (row >= 0)
        m_table->selectRow(row);
}

RulesEditor *RulesDock::openEditor(const QJsonObject &appended)
{
    auto *editor = new RulesEditor(m_engine, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    editor->setWindowUndoStack(m_undoStack);
    if (!appended.isEmpty()) {
        QJsonArray rules = m_engine->rulesJson();
        rules.append(appended);
        editor->setText(QString::fromUtf8(QJsonDocument(rules).toJson(QJsonDocument::Indented)));
        // The new rule is the last one: show it, ready to edit.
        editor->selectRule(int(rules.size()) - 1);
        if (auto *text = editor->findChild<QPlainTextEdit *>(QStringLiteral("rulesText"))) {
            text->moveCursor(QTextCursor::End);
            text->ensureCursorVisible();
            text->setFocus();
        }
    }
    editor->open();
    return editor;
}

QJsonObject RulesDock::ruleTriggeredBy(const ResourceId &id, const QString &title, const QJsonArray &existing)
{
    QSet<QString> taken;
    for (const QJsonValue &rule : existing) {
        const QJsonObject object = rule.toObject();
        taken.insert(object.value(QLatin1String("id")).toString(object.value(QLatin1String("name")).toString()));
    }
    const QString base = tr("when %1 changes").arg(title);
    QString name = base;
    for (int n = 2; taken.contains(name); ++n)
        name = QStringLiteral("%1 (%2)").arg(base).arg(n);
    // The title as a JavaScript string literal (JSON's string syntax is one).
    QString literal = QString::fromUtf8(QJsonDocument(QJsonArray{title + QStringLiteral(": ")}).toJson(QJsonDocument::Compact));
    literal = literal.mid(1, literal.size() - 2);
    return QJsonObject{
        {QStringLiteral("name"), name},
        {QStringLiteral("enabled"), false},
        {QStringLiteral("mode"), QStringLiteral("single")},
        {QStringLiteral("triggers"), QJsonArray{QJsonObject{{QStringLiteral("resource"), id.toString()}}}},
        {QStringLiteral("actions"), QJsonArray{QJsonObject{{QStringLiteral("log"), literal + QStringLiteral(" + value")}}}},
    };
}

QString RulesDock::lastNotice() const
{
    return m_lastNotice->fullText();
}

void RulesDock::reload()
{
    const QString selected = selectedRule();
    m_model->setStatuses(m_engine->rules()->statuses());
    if (!selected.isEmpty())
        selectRule(selected);
    else if (m_model->rowCount() > 0)
        m_table->selectRow(0);
    showTraces();
    updateNotice();
}

void RulesDock::updateNotice()
{
    QStringList lines;
    if (!m_engine->rulesProblem().isEmpty())
        lines.append(tr("The rules were not started: %1").arg(m_engine->rulesProblem()));
    for (const QString &warning : m_engine->rules()->warnings())
        lines.append(tr("Warning: %1").arg(warning));
    m_notice->setText(lines.join(QLatin1Char('\n')));
    m_notice->setVisible(!lines.isEmpty());
}

void RulesDock::showTraces()
{
    m_traces->setRule(selectedRule());
}

} // namespace thingscape
