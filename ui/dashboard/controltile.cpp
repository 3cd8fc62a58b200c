#include "controltile.h"

#include "tilefactory.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "ui/writebox.h"
#include "ui/writespec.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace thingscape {

ControlTile::ControlTile(const Tile &tile, const TileContext &context, QWidget *parent)
    : TileWidget(tile, context, parent)
    , m_control(tile.options.value(QStringLiteral("control")).toString(QStringLiteral("auto")))
    , m_outcome(new QLabel(this))
    , m_reported(new QLabel(this))
{
    m_outcome->setTextFormat(Qt::PlainText);
    m_outcome->setWordWrap(true);
    m_reported->setTextFormat(Qt::PlainText);
    m_reported->setWordWrap(true);
    if (m_control == QLatin1String("button")) {
        m_button = new QPushButton(tile.options.value(QStringLiteral("label")).toString(tr("Send")), this);
        m_button->setObjectName(QStringLiteral("tileButton"));
        connect(m_button, &QPushButton::clicked, this, &ControlTile::press);
        body()->addWidget(m_button);
    } else if (m_control == QLatin1String("slider")) {
        auto *row = new QHBoxLayout;
        m_slider = new QSlider(Qt::Horizontal, this);
        m_sliderValue = new QLabel(this);
        row->addWidget(m_slider, 1);
        row->addWidget(m_sliderValue);
        body()->addLayout(row);
        connect(m_slider, &QSlider::valueChanged, this,
                [this](int v) { m_sliderValue->setText(QString::number(v * m_sliderScale, 'g', 6)); });
        connect(m_slider, &QSlider::sliderReleased, this, [this] {
            write(QByteArray::number(m_slider->value() * m_sliderScale, 'g', 10), WriteOptions());
        });
    } else {
        m_box = new WriteBox(this);
        connect(m_box, &WriteBox::writeRequested, this,
                [this](const ResourceId &, const QByteArray &payload, const WriteOptions &options) { write(payload, options); });
        body()->addWidget(m_box);
    }
    body()->addWidget(m_outcome);
    body()->addWidget(m_reported);
    body()->addStretch(1);
}

QString ControlTile::outcomeText() const
{
    return m_outcome->text();
}

QString ControlTile::reportedText() const
{
    return m_reported->text();
}

bool ControlTile::isAction() const
{
    if (tile().sources.isEmpty() || !context().store)
        return false;
    return TileFactory::isAction(context().store->find(tile().sources.first().seriesId()));
}

void ControlTile::press()
{
    const QJsonObject &options = tile().options;
    WriteOptions writeOptions;
    // Empty for a WoT action: the connector takes the method of the action's form (POST).
    writeOptions.method = options.value(QStringLiteral("method")).toString();
    QByteArray payload;
    if (options.contains(QStringLiteral("input"))) {
        // An action's input (any JSON value), sent as JSON.
        const QJsonValue input = options.value(QStringLiteral("input"));
        payload = QJsonDocument(QJsonArray{input}).toJson(QJsonDocument::Compact);
        payload = payload.mid(1, payload.size() - 2);
        writeOptions.contentFormat = ContentFormat::Json;
    } else {
        payload = options.value(QStringLiteral("value")).toString().toUtf8();
    }
    m_invoking = isAction();
    write(payload, writeOptions);
}

void ControlTile::write(const QByteArray &payload, const WriteOptions &options)
{
    if (tile().sources.isEmpty() || !context().endpoints) {
        m_outcome->setText(tr("Nothing to write to."));
        return;
    }
    m_outcome->setText(tr("Writing…"));
    QPointer<ControlTile> self = this;
    context().endpoints->write(tile().sources.first().seriesId(), payload, options, [self](const Result &result) {
        if (self)
            self->showOutcome(result);
    });
}

void ControlTile::showOutcome(const Result &result)
{
    if (m_box)
        m_box->showResult(result);
    QPalette palette = m_outcome->palette();
    palette.setColor(QPalette::WindowText, result.ok() ? palette.color(QPalette::Text) : QColor(0xd62728));
    m_outcome->setPalette(palette);
    if (m_invoking)
        m_outcome->setText(result.ok() ? tr("Invoked.") : tr("Invocation failed: %1").arg(result.error));
    else
        m_outcome->setText(result.ok() ? (result.notice.isEmpty() ? tr("Written.") : tr("Written: %1").arg(result.notice))
                                       : tr("Write failed: %1").arg(result.error));
}

void ControlTile::draw(qint64)
{
    if (tile().sources.isEmpty() || !context().store)
        return;
    const Resource *resource = context().store->find(tile().sources.first().seriesId());
    if (!resource)
        return;
    if (m_box) {
        if (!m_boxBound) {
            m_box->setResource(resource);
            m_boxBound = true;
        } else {
            m_box->updateFrom(resource);
        }
    }
    if (m_slider) {
        const WriteSpec spec = WriteSpec::forResource(*resource);
        const double min = tile().options.value(QStringLiteral("min")).toDouble(spec.minimum > -1e12 ? spec.minimum : 0);
        const double max = tile().options.value(QStringLiteral("max")).toDouble(spec.maximum < 1e12 ? spec.maximum : 100);
        const double step = tile().options.value(QStringLiteral("step")).toDouble(spec.step > 0 ? spec.step : 1);
        m_sliderScale = step > 0 ? step : 1;
        m_slider->setRange(int(std::floor(min / m_sliderScale)), int(std::ceil(max / m_sliderScale)));
        bool ok = false;
        const double value = resource->hasValue() ? resource->value().toDouble(&ok) : 0;
        if (ok && !m_slider->isSliderDown())
            m_slider->setValue(int(std::lround(value / m_sliderScale)));
    }
    const bool action = TileFactory::isAction(resource);
    if (m_button && action && !tile().options.contains(QStringLiteral("label")))
        m_button->setText(tr("Invoke %1").arg(resource->title()));
    // An action has no state: what it reports is the output of its last invocation.
    if (resource->hasValue())
        m_reported->setText((action ? tr("Output: %1 at %2") : tr("Reported: %1 at %2"))
                                .arg(resource->value().shortText(40),
                                     QDateTime::fromMSecsSinceEpoch(resource->lastUpdateMs()).toString(QStringLiteral("hh:mm:ss"))));
}

} // namespace thingscape
