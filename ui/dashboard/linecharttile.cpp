#include "linecharttile.h"

#include "model/dashboard/decimation.h"
#include "model/resourcestore.h"
#include "ui/writespec.h"

#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QMenu>
#include <QPainter>
#include <QSaveFile>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

namespace {

constexpr qint64 kWindows[] = {60, 600, 3600, 86400, 0};

QString windowName(qint64 seconds)
{
    switch (seconds) {
    case 60:
        return LineChartTile::tr("1 min");
    case 600:
        return LineChartTile::tr("10 min");
    case 3600:
        return LineChartTile::tr("1 h");
    case 86400:
        return LineChartTile::tr("24 h");
    default:
        return LineChartTile::tr("All");
    }
}

} // namespace

LineChartTile::LineChartTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_surface(ChartSurface::create(this))
    , m_window(new QComboBox(this))
    , m_pause(new QToolButton(this))
    , m_liveButton(new QToolButton(this))
{
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    for (const qint64 seconds : kWindows)
        m_window->addItem(windowName(seconds), seconds);
    m_window->setToolTip(tr("Time window"));
    m_pause->setText(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Stop following new values (the data keep coming)"));
    m_liveButton->setText(tr("Live"));
    m_liveButton->setToolTip(tr("Back to the live window (double-click the chart, or End)"));
    bar->addWidget(m_window);
    bar->addWidget(m_pause);
    bar->addWidget(m_liveButton);
    bar->addStretch(1);
    body()->addLayout(bar);
    body()->addWidget(m_surface, 1);
    m_surface->setMinimumHeight(120);

    const qint64 seconds = tile.options.value(QStringLiteral("window")).toInteger(600);
    m_windowMs = seconds * 1000;
    const int index = m_window->findData(seconds);
    m_window->setCurrentIndex(index >= 0 ? index : 1);
    connect(m_window, &QComboBox::currentIndexChanged, this,
            [this] { setWindowSeconds(m_window->currentData().toLongLong()); });
    connect(m_pause, &QToolButton::toggled, this, &LineChartTile::setPaused);
    connect(m_liveButton, &QToolButton::clicked, this, &LineChartTile::goLive);
    connect(m_surface, &ChartSurface::zoomRequested, this, &LineChartTile::zoom);
    connect(m_surface, &ChartSurface::panRequested, this, &LineChartTile::pan);
    connect(m_surface, &ChartSurface::liveRequested, this, &LineChartTile::goLive);
}

void LineChartTile::setWindowSeconds(qint64 seconds)
{
    m_windowMs = seconds * 1000;
    const int index = m_window->findData(seconds);
    if (index >= 0 && index != m_window->currentIndex())
        m_window->setCurrentIndex(index);
    goLive();
}

void LineChartTile::setPaused(bool paused)
{
    m_paused = paused;
    if (m_pause->isChecked() != paused)
        m_pause->setChecked(paused);
    if (!paused)
        m_live = true;
    redrawNow();
}

void LineChartTile::zoom(qint64 centerMs, double factor)
{
    const qint64 span = std::max<qint64>(1000, qint64(double(m_toMs - m_fromMs) * factor));
    const double before = m_toMs > m_fromMs ? double(centerMs - m_fromMs) / double(m_toMs - m_fromMs) : 0.5;
    m_fromMs = centerMs - qint64(before * double(span));
    m_toMs = m_fromMs + span;
    m_live = false;
    redrawNow();
}

void LineChartTile::pan(double fraction)
{
    const qint64 shift = qint64(double(m_toMs - m_fromMs) * fraction);
    m_fromMs += shift;
    m_toMs += shift;
    m_live = false;
    redrawNow();
}

void LineChartTile::goLive()
{
    m_live = true;
    m_paused = false;
    if (m_pause->isChecked())
        m_pause->setChecked(false);
    redrawNow();
}

void LineChartTile::redrawNow()
{
    refresh(m_lastNowMs > 0 ? std::max(m_lastNowMs, QDateTime::currentMSecsSinceEpoch()) : QDateTime::currentMSecsSinceEpoch(),
            true);
}

void LineChartTile::draw(qint64 nowMs)
{
    m_lastNowMs = nowMs;
    const Tile &t = tile();
    const SeriesSource *source = context().source;
    if (!source)
        return;
    const bool following = m_live && !m_paused;
    if (following) {
        m_toMs = nowMs;
        if (m_windowMs > 0) {
            m_fromMs = nowMs - m_windowMs;
        } else {
            qint64 first = nowMs - 60000;
            for (const TileSource &s : t.sources) {
                const auto all = source->points(s.seriesId(), s.pointer, std::numeric_limits<qint64>::min(), nowMs);
                if (!all.empty())
                    first = std::min(first, all.front().timeMs);
            }
            m_fromMs = first;
        }
    }
    QList<ChartSeriesData> series;
    QStringList units;
    // One min / max pair per two pixels: about one point per pixel reaches the chart, whose own
    // geometry work grows with every point it gets; spikes still survive.
    const int columns = std::max(1, m_surface->plotColumns() / 2);
    for (int i = 0; i < t.sources.size(); ++i) {
        const TileSource &s = t.sources.at(i);
        ChartSeriesData data;
        data.color = seriesColor(i);
        data.unit = sourceUnit(s);
        if (!units.contains(data.unit))
            units.append(data.unit);
        data.axis = std::min<int>(1, int(units.indexOf(data.unit)));
        if (context().store) {
            if (const Resource *resource = context().store->find(s.seriesId()))
                data.stepped = s.pointer.isEmpty() && WriteSpec::forResource(*resource).stepped;
        }
        // A little beyond each side, so lines reach the edges.
        const qint64 margin = (m_toMs - m_fromMs) / 2;
        const auto all = source->points(s.seriesId(), s.pointer, m_fromMs - margin, m_toMs + margin);
        data.points = m_decimate ? decimateMinMax(all, m_fromMs, m_toMs, columns) : all;
        const QString title = sourceTitle(s);
        // The last value at the right edge of the window goes into the legend.
        const auto last = std::upper_bound(all.begin(), all.end(), m_toMs,
                                           [](qint64 time, const SeriesPoint &p) { return time < p.timeMs; });
        data.name = last == all.begin()
                        ? title
                        : QStringLiteral("%1: %2 %3").arg(title, QString::number((last - 1)->value, 'g', 6), data.unit).trimmed();
        series.append(data);
    }
    m_drawn = series;
    m_surface->setData(series, m_fromMs, m_toMs);
}

void LineChartTile::addMenuActions(QMenu *menu)
{
    menu->addSeparator();
    menu->addAction(tr("Export as PNG…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), displayTitle() + QStringLiteral(".png"),
                                                          tr("PNG images (*.png)"));
        if (!path.isEmpty())
            exportPng(path);
    });
    menu->addAction(tr("Export as SVG…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), displayTitle() + QStringLiteral(".svg"),
                                                          tr("SVG images (*.svg)"));
        if (!path.isEmpty())
            exportSvg(path);
    });
    menu->addAction(tr("Export data as CSV…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export chart data"),
                                                          displayTitle() + QStringLiteral(".csv"), tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });
}

bool LineChartTile::exportPng(const QString &path) const
{
    return m_surface->grab().save(path, "PNG");
}

bool LineChartTile::exportSvg(const QString &path) const
{
    // Written by hand (Qt Svg is not among the dependencies): the drawn series as polylines in
    // a frame with the time range and the units.
    const int width = std::max(200, m_surface->width());
    const int height = std::max(120, m_surface->height());
    const int left = 50;
    const int right = width - 50;
    const int top = 10;
    const int bottom = height - 40;
    double lo[2] = {INFINITY, INFINITY};
    double hi[2] = {-INFINITY, -INFINITY};
    for (const ChartSeriesData &data : m_drawn) {
        for (const SeriesPoint &p : data.points) {
            lo[data.axis] = std::min(lo[data.axis], p.value);
            hi[data.axis] = std::max(hi[data.axis], p.value);
        }
    }
    QString svg;
    QTextStream out(&svg);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
        << width << ' ' << height << "\">\n"
        << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"white\"/>\n"
        << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << right - left << "\" height=\"" << bottom - top
        << "\" fill=\"none\" stroke=\"#888\"/>\n";
    auto escape = [](QString text) { return text.toHtmlEscaped(); };
    const qint64 span = std::max<qint64>(1, m_toMs - m_fromMs);
    int legendY = height - 24;
    int legendX = left;
    for (const ChartSeriesData &data : m_drawn) {
        const int a = data.axis;
        const double range = hi[a] > lo[a] ? hi[a] - lo[a] : 1.0;
        out << "<polyline fill=\"none\" stroke=\"" << data.color.name() << "\" stroke-width=\"1.5\" points=\"";
        for (const SeriesPoint &p : data.points) {
            if (p.timeMs < m_fromMs || p.timeMs > m_toMs)
                continue;
            const double x = left + double(right - left) * double(p.timeMs - m_fromMs) / double(span);
            const double y = bottom - double(bottom - top) * (p.value - lo[a]) / range;
            out << QString::number(x, 'f', 1) << ',' << QString::number(y, 'f', 1) << ' ';
        }
        out << "\"/>\n";
        out << "<text x=\"" << legendX << "\" y=\"" << legendY << "\" font-size=\"11\" fill=\"" << data.color.name() << "\">"
            << escape(data.name) << "</text>\n";
        legendX += 12 + 7 * int(data.name.size());
    }
    for (int a = 0; a < 2; ++a) {
        if (!std::isfinite(lo[a]))
            continue;
        const int x = a == 0 ? 4 : right + 4;
        out << "<text x=\"" << x << "\" y=\"" << top + 10 << "\" font-size=\"10\">" << QString::number(hi[a], 'g', 5) << "</text>\n"
            << "<text x=\"" << x << "\" y=\"" << bottom << "\" font-size=\"10\">" << QString::number(lo[a], 'g', 5) << "</text>\n";
    }
    out << "<text x=\"" << left << "\" y=\"" << bottom + 14 << "\" font-size=\"10\">"
        << QDateTime::fromMSecsSinceEpoch(m_fromMs).toString(Qt::ISODate) << "</text>\n"
        << "<text x=\"" << right << "\" y=\"" << bottom + 14 << "\" font-size=\"10\" text-anchor=\"end\">"
        << QDateTime::fromMSecsSinceEpoch(m_toMs).toString(Qt::ISODate) << "</text>\n"
        << "</svg>\n";
    out.flush();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(svg.toUtf8());
    return file.commit();
}

bool LineChartTile::exportCsv(const QString &path, QString *error) const
{
    // Every point of the window, not the decimated ones: one row per point.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    QByteArray csv = "time,series,value,unit\n";
    auto quote = [](const QString &text) {
        QString q = text;
        q.replace(QLatin1Char('"'), QLatin1String("\"\""));
        return QLatin1Char('"') + q + QLatin1Char('"');
    };
    const Tile &t = tile();
    for (int i = 0; i < t.sources.size(); ++i) {
        const TileSource &s = t.sources.at(i);
        if (!context().source)
            break;
        const QString name = s.seriesId().toString() + s.pointer;
        const QString unit = sourceUnit(s);
        for (const SeriesPoint &p : context().source->points(s.seriesId(), s.pointer, m_fromMs, m_toMs)) {
            csv += QDateTime::fromMSecsSinceEpoch(p.timeMs, Qt::UTC).toString(Qt::ISODateWithMs).toUtf8() + ','
                   + quote(name).toUtf8() + ',' + QByteArray::number(p.value, 'g', 17) + ',' + quote(unit).toUtf8() + '\n';
        }
    }
    file.write(csv);
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace thingscape
