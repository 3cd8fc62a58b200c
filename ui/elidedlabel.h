#pragma once

#include <QLabel>

namespace thingscape {

// One line of peer text (a URI, a title) that fits any width: elided (in the middle for URIs,
// so host and last segment stay), control and bidi characters shown as visible marks, the
// full text in a plain-text tooltip and on the clipboard from the context menu.
class ElidedLabel : public QLabel
{
    Q_OBJECT

public:
    explicit ElidedLabel(Qt::TextElideMode mode, QWidget *parent = nullptr);

    void setFullText(const QString &text);
    QString fullText() const { return m_full; }
    bool isElided() const { return text() != m_shown; }

    // Peer text made safe for one line: C0 / C1 controls and bidi overrides as visible marks.
    static QString visible(const QString &text);
    // A tooltip that shows text as written (Qt would take "<b>…" as rich text).
    static QString plainToolTip(const QString &text);

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void elide();

    Qt::TextElideMode m_mode;
    QString m_full;  // as given
    QString m_shown; // made visible, not elided
};

} // namespace thingscape
