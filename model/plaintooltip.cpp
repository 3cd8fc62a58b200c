#include "plaintooltip.h"

namespace thingscape {

QString plainToolTip(const QString &text)
{
    if (text.isEmpty())
        return {};
    // <qt> makes Qt take the whole tooltip as rich text whatever follows; pre-wrap keeps runs
    // of spaces, and the line breaks become <br/>.
    QString escaped = text.toHtmlEscaped();
    escaped.replace(QLatin1Char('\n'), QLatin1String("<br/>"));
    return QStringLiteral("<qt><p style=\"white-space:pre-wrap\">") + escaped + QStringLiteral("</p></qt>");
}

} // namespace thingscape
