#pragma once

#include "tilewidget.h"

class QPlainTextEdit;

namespace thingscape {

// The last N values ("lines", default 50) of the sources, newest last, as plain text.
class LogTile : public TileWidget
{
    Q_OBJECT

public:
    LogTile(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);

    QStringList lines() const { return m_lines; }

protected:
    void draw(qint64 nowMs) override;

private:
    QPlainTextEdit *m_text;
    QStringList m_lines;
};

} // namespace thingscape
