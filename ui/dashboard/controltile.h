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
// "button" (writes option "value" as it is, with option "method" where given; on a WoT action
// it invokes it: option "input" as JSON to the action's form, its output shown). Shows the write's outcome (why it failed, on the tile) and then the value the
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
    // Whether the source is a WoT action (a button invokes it: the action form's method, its
    // output shown as the outcome).
    bool isAction() const;

protected:
    void draw(qint64 nowMs) override;

private:
    void showOutcome(const Result &result);
    // The button: option "input" (JSON, for an action) or "value" (text), with option "method".
    void press();

    QString m_control;
    WriteBox *m_box = nullptr;
    QSlider *m_slider = nullptr;
    QLabel *m_sliderValue = nullptr;
    QPushButton *m_button = nullptr;
    QLabel *m_outcome;
    QLabel *m_reported;
    bool m_boxBound = false;
    bool m_invoking = false; // the last write invoked an action
    double m_sliderScale = 1;
};

} // namespace thingscape
