#include "elidedlabel.h"

#include "model/plaintooltip.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QMenu>

namespace thingscape {

ElidedLabel::ElidedLabel(Qt::TextElideMode mode, QWidget *parent)
    : QLabel(parent)
    , m_mode(mode)
{
    setTextFormat(Qt::PlainText);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    setContextMenuPolicy(Qt::DefaultContextMenu);
}

QString ElidedLabel::visible(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20)
            out += QChar(char16_t(0x2400 + u)); // ␀ … ␟
        else if (u == 0x7f)
            out += QChar(char16_t(0x2421)); // ␡
        else if ((u >= 0x80 && u < 0xa0) || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069)
                 || u == 0x200e || u == 0x200f || u == 0x061c)
            out += QStringLiteral("<U+%1>").arg(int(u), 4, 16, QLatin1Char('0')).toUpper();
        else
            out += c;
    }
    return out;
}

QString ElidedLabel::plainToolTip(const QString &text)
{
    // Control and bidi characters made visible first, then escaped like every peer tooltip.
    return thingscape::plainToolTip(visible(text));
}

void ElidedLabel::setFullText(const QString &text)
{
    if (text == m_full && !m_shown.isNull())
        return;
    m_full = text;
    m_shown = visible(text);
    setToolTip(plainToolTip(text));
    updateGeometry();
    elide();
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QSize hint = QLabel::minimumSizeHint();
    return QSize(fontMetrics().horizontalAdvance(QStringLiteral("MMMM…MMMM")), hint.height());
}

QSize ElidedLabel::sizeHint() const
{
    const QMargins margins = contentsMargins();
    return QSize(fontMetrics().horizontalAdvance(m_shown) + margins.left() + margins.right() + 2 * margin() + 4,
                 QLabel::sizeHint().height());
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    elide();
}

void ElidedLabel::elide()
{
    const int width = contentsRect().width() - 2 * margin();
    const QString elided = fontMetrics().elidedText(m_shown, m_mode, std::max(width, 0));
    if (text() != elided)
        setText(elided);
}

void ElidedLabel::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    menu.addAction(tr("&Copy"), this, [this] { QApplication::clipboard()->setText(m_full); });
    menu.exec(event->globalPos());
}

} // namespace thingscape
