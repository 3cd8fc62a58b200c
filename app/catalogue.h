#pragma once

class QCoreApplication;
class QTranslator;

namespace thingscape {

// Loads Thingscape's own catalogue (compiled in under :/i18n, in the static library
// thingscape_catalogue that both `thingscape` and `thingscape-gui` link) in the user's language,
// falling back to English: its plural forms ("1 update", "5 updates") are a translation too,
// also wanted in the C locale or a language without a translation of its own. Installs it in
// app when it loads; the translator must outlive its use.
bool installCatalogue(QCoreApplication &app, QTranslator &translator);

} // namespace thingscape
