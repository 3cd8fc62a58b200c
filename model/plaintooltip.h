#pragma once

#include <QString>

namespace thingscape {

// A tooltip that shows the text as it is. Qt renders a tooltip as rich text when its first line
// looks like HTML ("<b>", "&lt;"), so peer text there (a topic, an endpoint name, an HTTP query,
// a decode error quoting a payload) would be interpreted. The result is always rich text with
// the text escaped and its line breaks kept; an empty text stays empty (no tooltip).
QString plainToolTip(const QString &text);

} // namespace thingscape
