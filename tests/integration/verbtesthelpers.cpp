#include "verbtesthelpers.h"

#include <QFile>
#include <QTest>

namespace verbtest {

QString thingscape()
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape");
}

bool Peers::start(const QString &brokerConfig)
{
    if (testsupport::requireBinary(QStringLiteral("mosquitto"), QStringLiteral("mosquitto")).isEmpty())
        return false;
    if (!QFile::exists(thingscape())) {
        QTest::qFail(qPrintable(thingscape() + QStringLiteral(" is not built")), __FILE__, __LINE__);
        return false;
    }
    if (!dir.isValid() || !broker.start(brokerConfig)) {
        QTest::qFail("no temporary directory or no broker", __FILE__, __LINE__);
        return false;
    }
    return true;
}

QString Peers::writeWorkspace(const QString &name, const QString &prefix, const QString &rules,
                              const QString &endpointUrl) const
{
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(broker.port());
    QString text = QStringLiteral(R"J({
  "thingscape": 1,
  "endpoints": [{"id": "broker", "url": "%1", "filters": ["%2/#"]}],
  "rules": %3
}
)J")
                       .arg(endpointUrl.isEmpty() ? base : endpointUrl, prefix, rules);
    // Rules name their resources under %B: this broker and prefix.
    text.replace(QStringLiteral("%B"), base + QLatin1Char('/') + prefix);
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.toUtf8()) < 0)
        return {};
    return path;
}

} // namespace verbtest
