#include "logtile.h"

#include "model/dashboard/seriessource.h"

#include <QDateTime>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

LogTile::LogTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_text(new QPlainTextEdit(this))
{
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_text->setFont(mono);
    body()->addWidget(m_text, 1);
}

void LogTile::draw(qint64)
{
    const Tile &t = tile();
    if (!context().source)
        return;
    const qsizetype count = std::clamp<qsizetype>(t.options.value(QStringLiteral("lines")).toInteger(50), 1, 10000);
    struct Line
    {
        qint64 timeMs;
        QString text;
    };
    std::vector<Line> all;
    for (const TileSource &s : t.sources) {
        const QString name = sourceTitle(s);
        const QList<Value> values = context().source->values(s.seriesId(), std::numeric_limits<qint64>::min(),
                                                             std::numeric_limits<qint64>::max(), count);
        for (const Value &value : values) {
            QString text = value.shortText(120);
            if (!s.pointer.isEmpty()) {
                const QCborValue field = SeriesSource::fieldAt(value.decoded.get(), s.pointer);
                text = field.isString() ? field.toString() : field.toDiagnosticNotation();
            }
            all.push_back({value.timeMs, QDateTime::fromMSecsSinceEpoch(value.timeMs).toString(QStringLiteral("hh:mm:ss.zzz"))
                                             + QLatin1String("  ") + name + QLatin1String("  ") + text});
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const Line &a, const Line &b) { return a.timeMs < b.timeMs; });
    QStringList lines;
    for (size_t i = all.size() > size_t(count) ? all.size() - size_t(count) : 0; i < all.size(); ++i)
        lines.append(all[i].text);
    if (lines == m_lines)
        return;
    m_lines = lines;
    // Plain text always: payloads are never rich text.
    m_text->setPlainText(lines.join(QLatin1Char('\n')));
    m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

} // namespace thingscape
