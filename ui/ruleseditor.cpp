#include "ruleseditor.h"

#include "model/rule.h"
#include "model/workspace.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace thingscape {

namespace {

std::pair<int, int> lineAndColumn(const QByteArray &data, int offset)
{
    const QByteArray before = data.left(offset);
    const int line = int(before.count('\n')) + 1;
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    return {line, int(QString::fromUtf8(before.mid(lineStart)).size()) + 1};
}

} // namespace

RulesEditor::RulesEditor(Engine *engine, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_edit(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("rulesEditor"));
    setWindowTitle(tr("Edit rules"));
    m_edit->setObjectName(QStringLiteral("rulesText"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_edit->setTabChangesFocus(false);
    m_status->setObjectName(QStringLiteral("rulesStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("The workspace's \"rules\" list: rules and bridges as JSON (see the README)."), this));
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(760, 520);

    // Checked as typed, a moment after the last key.
    auto *checkTimer = new QTimer(this);
    checkTimer->setSingleShot(true);
    checkTimer->setInterval(250);
    connect(checkTimer, &QTimer::timeout, this, &RulesEditor::check);
    connect(m_edit, &QPlainTextEdit::textChanged, checkTimer, qOverload<>(&QTimer::start));
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &RulesEditor::apply);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    setText(QString::fromUtf8(QJsonDocument(engine->rulesJson()).toJson(QJsonDocument::Indented)));
}

QString RulesEditor::text() const
{
    return m_edit->toPlainText();
}

void RulesEditor::setText(const QString &text)
{
    m_edit->setPlainText(text);
    check();
}

void RulesEditor::check()
{
    const QByteArray data = m_edit->toPlainText().toUtf8();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    QStringList warnings;
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineAndColumn(data, parseError.offset);
        m_problem = tr("line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString());
    } else if (!document.isArray()) {
        m_problem = tr("the rules are a JSON array: [ {...}, {...} ]");
    } else {
        RuleProblem problem;
        const auto rules = RuleEngine::parse(document.array(), &problem);
        if (!rules) {
            // The pointer is from the file's top ("/rules/2/..."); this text is the list itself.
            QStringList where = problem.where.mid(1);
            m_problem = tr("%1: %2").arg(Workspace::locateIn(data, where), problem.message);
        } else {
            m_problem.clear();
            warnings = RuleSet::warnings(*rules);
            m_status->setText(warnings.isEmpty() ? tr("%n rule(s), no problems.", nullptr, int(rules->size()))
                                                 : tr("Warning: %1").arg(warnings.join(QStringLiteral("\nWarning: "))));
        }
    }
    if (!m_problem.isEmpty())
        m_status->setText(m_problem);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(m_problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_problem.isEmpty());
}

bool RulesEditor::apply()
{
    check();
    if (!m_problem.isEmpty())
        return false;
    QString error;
    if (!m_engine->editRules(QJsonDocument::fromJson(m_edit->toPlainText().toUtf8()).array(), &error)) {
        m_status->setText(error);
        return false;
    }
    return true;
}

} // namespace thingscape
