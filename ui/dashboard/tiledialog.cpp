#include "tiledialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace thingscape {

TileDialog::TileDialog(const Tile &tile, int columns, QWidget *parent)
    : QDialog(parent)
    , m_original(tile)
    , m_result(tile)
    , m_columns(columns)
    , m_title(new QLineEdit(tile.title, this))
    , m_kind(new QComboBox(this))
    , m_sources(new QPlainTextEdit(sourcesText(tile.sources), this))
    , m_options(new QPlainTextEdit(this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Edit tile"));
    setObjectName(QStringLiteral("tileDialog"));
    const std::pair<TileKind, QString> kinds[] = {
        {TileKind::LineChart, tr("Line chart")}, {TileKind::Gauge, tr("Gauge")},         {TileKind::Value, tr("Value")},
        {TileKind::State, tr("State")},          {TileKind::LastSeen, tr("Last seen")}, {TileKind::Control, tr("Control")},
        {TileKind::Log, tr("Log")},
    };
    for (const auto &[kind, name] : kinds)
        m_kind->addItem(name, tileKindName(kind));
    m_kind->setCurrentIndex(m_kind->findData(tileKindName(tile.kind)));
    m_options->setPlainText(QString::fromUtf8(QJsonDocument(tile.options).toJson(QJsonDocument::Indented)));
    m_sources->setPlaceholderText(tr("One a line: URI, URI /json/pointer, or URI record=NAME"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Title:"), m_title);
    form->addRow(tr("Kind:"), m_kind);
    form->addRow(tr("Sources:"), m_sources);
    form->addRow(tr("Options (JSON):"), m_options);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    connect(m_title, &QLineEdit::textChanged, this, &TileDialog::validate);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &TileDialog::validate);
    connect(m_sources, &QPlainTextEdit::textChanged, this, &TileDialog::validate);
    connect(m_options, &QPlainTextEdit::textChanged, this, &TileDialog::validate);
    resize(560, 420);
    validate();
}

QString TileDialog::sourcesText(const QList<TileSource> &sources)
{
    QStringList lines;
    for (const TileSource &source : sources) {
        QString line = source.resource.toString();
        if (!source.pointer.isEmpty())
            line += QLatin1Char(' ') + source.pointer;
        if (!source.record.isEmpty())
            line += QStringLiteral(" record=") + source.record;
        lines.append(line);
    }
    return lines.join(QLatin1Char('\n'));
}

void TileDialog::validate()
{
    // The edited tile goes through the same parser as the workspace file.
    QJsonObject json = m_original.toJson();
    json.insert(QStringLiteral("title"), m_title->text());
    json.insert(QStringLiteral("kind"), m_kind->currentData().toString());
    QJsonArray sources;
    const QJsonArray oldSources = json.value(QStringLiteral("sources")).toArray();
    const QStringList lines = m_sources->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QStringList parts = lines.at(i).simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (parts.isEmpty())
            continue;
        // Labels and colours of sources kept in place survive the edit.
        QJsonObject source = i < oldSources.size() ? oldSources.at(i).toObject() : QJsonObject();
        if (source.value(QStringLiteral("resource")).toString() != parts.first()) {
            source.remove(QStringLiteral("label"));
            source.remove(QStringLiteral("color"));
        }
        source.insert(QStringLiteral("resource"), parts.first());
        source.remove(QStringLiteral("pointer"));
        source.remove(QStringLiteral("record"));
        for (const QString &part : parts.mid(1)) {
            if (part.startsWith(QLatin1String("record=")))
                source.insert(QStringLiteral("record"), part.mid(7));
            else
                source.insert(QStringLiteral("pointer"), part);
        }
        sources.append(source);
    }
    json.insert(QStringLiteral("sources"), sources);
    QJsonParseError error;
    const QString optionsText = m_options->toPlainText().trimmed();
    const QJsonDocument options = QJsonDocument::fromJson(optionsText.isEmpty() ? QByteArray("{}") : optionsText.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !options.isObject()) {
        m_problem = error.error != QJsonParseError::NoError ? tr("Options: %1 at character %2").arg(error.errorString()).arg(error.offset)
                                                            : tr("Options must be a JSON object.");
    } else {
        json.insert(QStringLiteral("options"), options.object());
        QJsonObject dashboard{{QStringLiteral("name"), QStringLiteral("edit")},
                              {QStringLiteral("columns"), m_columns},
                              {QStringLiteral("tiles"), QJsonArray{json}}};
        DashboardProblem problem;
        const auto parsed = Dashboard::parseList(QJsonArray{dashboard}, &problem);
        if (parsed) {
            m_problem.clear();
            m_result = parsed->first().tiles.first();
        } else {
            // Sources are lines here: their index counts from 1.
            const QStringList inTile = problem.where.mid(4);
            QString where = inTile.join(QLatin1Char('/'));
            if (inTile.value(0) == QLatin1String("sources") && inTile.size() > 1)
                where = tr("source line %1").arg(inTile.at(1).toInt() + 1);
            m_problem = where.isEmpty() ? problem.message : tr("%1: %2").arg(where, problem.message);
        }
    }
    m_message->setText(m_problem);
    m_ok->setEnabled(m_problem.isEmpty());
}

} // namespace thingscape
