#pragma once

#include "chartsurface.h"
#include "tilewidget.h"

class QComboBox;
class QToolButton;

namespace thingscape {

// Many series from any resources (and fields, SenML records) against time: a live window
// (1 min / 10 min / 1 h / 24 h / all), pause, zoom and pan (wheel, drag, + - arrows), back to
// live (double-click, End), a crosshair, a legend with each series' last value, one value axis
// per unit (two at most), export as PNG / SVG / CSV.
class LineChartTile : public TileWidget
{
    Q_OBJECT

public:
    LineChartTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    bool followsClock() const override { return m_live && !m_paused; }
    ChartSurface *surface() const { return m_surface; }
    bool isLive() const { return m_live && !m_paused; }
    qint64 windowMs() const { return m_windowMs; }
    void setWindowSeconds(qint64 seconds);
    void setPaused(bool paused);
    void zoom(qint64 centerMs, double factor);
    void pan(double fraction);
    void goLive();
    qint64 fromMs() const { return m_fromMs; }
    qint64 toMs() const { return m_toMs; }
    // What was drawn last, for the legend, exports and tests.
    const QList<ChartSeriesData> &drawn() const { return m_drawn; }
    // Decimation on (default) or off (benchmark baseline).
    void setDecimation(bool on) { m_decimate = on; }

    bool exportPng(const QString &path) const;
    bool exportSvg(const QString &path) const;
    bool exportCsv(const QString &path, QString *error = nullptr) const;

protected:
    void draw(qint64 nowMs) override;
    void addMenuActions(QMenu *menu) override;

private:
    void redrawNow();

    ChartSurface *m_surface;
    QComboBox *m_window;
    QToolButton *m_pause;
    QToolButton *m_liveButton;
    QList<ChartSeriesData> m_drawn;
    qint64 m_windowMs = 600000; // 0: everything kept
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
    qint64 m_lastNowMs = 0;
    bool m_live = true;
    bool m_paused = false;
    bool m_decimate = true;
};

} // namespace thingscape
