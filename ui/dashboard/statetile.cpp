#include "statetile.h"

#include "model/dashboard/seriessource.h"
#include "ui/writespec.h"

#include <QDateTime>
#include <QLabel>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

namespace {

QString stateOf(const Value &value, const QString &pointer)
{
    if (pointer.isEmpty())
        return WriteSpec::stateText(value);
    const QCborValue field = SeriesSource::fieldAt(value.decoded.get(), pointer);
    if (field.isBool())
        return field.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (field.isString())
        return field.toString();
    if (field.isUndefined())
        return {};
    return field.toDiagnosticNotation();
}

QString ageText(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 60)
        return StateTile::tr("%1 s").arg(s);
    if (s < 3600)
        return StateTile::tr("%1 min").arg(s / 60);
    if (s < 86400)
        return StateTile::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return StateTile::tr("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

} // namespace

StateTile::StateTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_state(new QLabel(this))
    , m_since(new QLabel(this))
{
    QFont big = m_state->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    m_state->setFont(big);
    m_state->setTextFormat(Qt::PlainText);
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setAutoFillBackground(true);
    m_state->setMargin(6);
    m_since->setAlignment(Qt::AlignCenter);
    m_since->setTextFormat(Qt::PlainText);
    body()->addStretch(1);
    body()->addWidget(m_state);
    body()->addWidget(m_since);
    body()->addStretch(1);
    m_state->setText(QStringLiteral("–"));
}

QString StateTile::stateText() const
{
    return m_state->text();
}

QString StateTile::sinceText() const
{
    return m_since->text();
}

void StateTile::draw(qint64 nowMs)
{
    const Tile &t = tile();
    if (t.sources.isEmpty() || !context().source)
        return;
    const TileSource &s = t.sources.first();
    const QList<Value> values = context().source->values(s.seriesId(), std::numeric_limits<qint64>::min(),
                                                         std::numeric_limits<qint64>::max(), 100000);
    if (values.isEmpty())
        return;
    const QString state = stateOf(values.last(), s.pointer);
    // Since when: the first of the newest run of equal states.
    m_sinceMs = values.last().timeMs;
    for (qsizetype i = values.size() - 1; i >= 0 && stateOf(values.at(i), s.pointer) == state; --i)
        m_sinceMs = values.at(i).timeMs;
    const QString lower = state.toLower();
    const QJsonObject colors = t.options.value(QStringLiteral("colors")).toObject();
    m_color = QColor(colors.value(state).toString());
    if (!m_color.isValid()) {
        if (lower == QLatin1String("true") || lower == QLatin1String("on") || lower == QLatin1String("open")
            || lower == QLatin1String("online") || lower == QLatin1String("1"))
            m_color = QColor(0x2ca02c);
        else if (lower == QLatin1String("false") || lower == QLatin1String("off") || lower == QLatin1String("closed")
                 || lower == QLatin1String("0"))
            m_color = QColor(0x7f7f7f);
        else if (lower.contains(QLatin1String("alarm")) || lower.contains(QLatin1String("error"))
                 || lower.contains(QLatin1String("fault")))
            m_color = QColor(0xd62728);
        else
            m_color = TileWidget::paletteColor(int(qHash(state) % 10));
    }
    m_state->setText(state.left(40));
    m_state->setToolTip(state);
    QPalette palette = m_state->palette();
    palette.setColor(QPalette::Window, m_color);
    palette.setColor(QPalette::WindowText, m_color.lightnessF() > 0.6 ? Qt::black : Qt::white);
    m_state->setPalette(palette);
    m_since->setText(tr("since %1 (%2)")
                         .arg(QDateTime::fromMSecsSinceEpoch(m_sinceMs).toString(QStringLiteral("hh:mm:ss")),
                              ageText(nowMs - m_sinceMs)));
}

} // namespace thingscape
