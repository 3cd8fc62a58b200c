#pragma once

#include "tilewidget.h"

#include "protocols/connector.h"

class QLabel;
class QPushButton;
class QSlider;

namespace thingscape {

class WriteBox;

// Writes a resource through the endpoint manager: option "control" picks "auto" (the editor
// that fits the resource: a switch, a spin box with its range, a choice, text), "slider", or
// "button" (writes option "value" as it is, with option "method" where given: POST invokes a
// WoT action). Shows the write's outcome (why it failed, on the tile) and then the value the
// device reports, not what was asked.
class ControlTile : public TileWidget
{
    Q_OBJECT

public:
    ControlTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    QString control() const { return m_control; }
    WriteBox *writeBox() const { return m_box; }
    QSlider *slider() const { return m_slider; }
    QPushButton *button() const { return m_button; }
    QString outcomeText() const;
    QString reportedText() const;
    // Sends payload as the tile would (tests press the tile's own widgets instead where they can).
    void write(const QByteArray &payload, const WriteOptions &options);

protected:
    void draw(qint64 nowMs) override;

private:
    void showOutcome(const Result &result);

    QString m_control;
    WriteBox *m_box = nullptr;
    QSlider *m_slider = nullptr;
    QLabel *m_sliderValue = nullptr;
    QPushButton *m_button = nullptr;
    QLabel *m_outcome;
    QLabel *m_reported;
    bool m_boxBound = false;
    double m_sliderScale = 1;
};

} // namespace thingscape
