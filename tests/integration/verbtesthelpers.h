#pragma once

// What the tests of the headless verbs (`run`, `serve`) share: the app binary of this build, a
// private mosquitto with a temporary directory, and a workspace file with one MQTT endpoint.

#include "testsupport.h"

#include <QString>
#include <QTemporaryDir>

namespace verbtest {

// The thingscape binary ctest points at (THINGSCAPE_BINARY_DIR).
QString thingscape();

struct Peers
{
    testsupport::Mosquitto broker;
    QTemporaryDir dir;

    // For initTestCase: the binary is built, the directory made and the broker (with
    // brokerConfig) started; false (the test failed or skipped: return) otherwise.
    bool start(const QString &brokerConfig = {});
    // A workspace file `name` in dir with the endpoint "broker" (this broker, or endpointUrl)
    // subscribed to prefix/#, and rules (a JSON array); its path, or empty if it was not written.
    QString writeWorkspace(const QString &name, const QString &prefix, const QString &rules = QStringLiteral("[]"),
                           const QString &endpointUrl = {}) const;
};

} // namespace verbtest
