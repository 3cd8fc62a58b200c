#include "devicemodel.h"

#include <QTime>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace thingscape::sim {

namespace {

// One simulated day per 24 real minutes.
constexpr double kDaySpeed = 60.0;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

} // namespace

DeviceModel::DeviceModel(int index, int count, quint32 seed)
    : m_suffix(count > 1 ? QStringLiteral("-%1").arg(index + 1) : QString())
    , m_rng(seed * 7919u + static_cast<quint32>(index))
{
    const QTime now = QTime::currentTime();
    m_dayHour = now.hour() + now.minute() / 60.0;
    m_roomTemperature = uniform(19.0, 21.0);
    m_setpoint = 21.0;
    m_labTemperature = uniform(18.5, 20.5);
    m_outdoorOffset = gauss(1.0);
    m_plugEnergy = uniform(500.0, 5000.0);
    m_energy = uniform(10000.0, 90000.0);
    m_doorTimer = uniform(5.0, 30.0);
    m_doorBattery = uniform(80.0, 100.0);
    m_co2 = uniform(450.0, 700.0);
    advance(0.0);
}

double DeviceModel::gauss(double sigma)
{
    return std::normal_distribution<double>(0.0, sigma)(m_rng);
}

double DeviceModel::uniform(double low, double high)
{
    return std::uniform_real_distribution<double>(low, high)(m_rng);
}

double DeviceModel::wander(double value, double mean, double tau, double sigma, double dt)
{
    if (dt <= 0.0)
        return value;
    return value + (mean - value) * std::min(1.0, dt / tau) + gauss(sigma * std::sqrt(dt));
}

void DeviceModel::advance(double dt)
{
    m_dayHour = std::fmod(m_dayHour + dt * kDaySpeed / 3600.0, 24.0);
    // Warmest mid-afternoon, coldest before dawn.
    const double daylight = std::sin(kTwoPi * (m_dayHour - 9.0) / 24.0);

    m_outdoorOffset = wander(m_outdoorOffset, 0.0, 600.0, 0.05, dt);
    m_outdoorTemperature = 9.0 + 7.0 * daylight + m_outdoorOffset;
    m_outdoorHumidity = std::clamp(wander(m_outdoorHumidity, 70.0 - 20.0 * daylight, 60.0, 0.3, dt), 15.0, 100.0);
    m_pressure = wander(m_pressure, 1013.0, 900.0, 0.05, dt);

    // Thermostat room: loses heat to the outside, gains it while heating, with hysteresis.
    if (!m_heatingEnabled)
        m_heating = false;
    else if (m_roomTemperature < m_setpoint - 0.3)
        m_heating = true;
    else if (m_roomTemperature > m_setpoint + 0.3)
        m_heating = false;
    m_roomTemperature += dt * ((m_outdoorTemperature - m_roomTemperature) / 1800.0 + (m_heating ? 0.02 : 0.0));
    m_roomNoise = wander(m_roomNoise, 0.0, 20.0, 0.01, dt);

    // Lab room: heated through the radiator valve.
    m_labTemperature += dt * ((m_outdoorTemperature - m_labTemperature) / 1200.0 + m_valve / 100.0 * 0.03);
    m_labNoise = wander(m_labNoise, 0.0, 20.0, 0.01, dt);
    m_labHumidity = std::clamp(wander(m_labHumidity, 42.0 - 4.0 * daylight, 120.0, 0.1, dt), 10.0, 95.0);

    // A fridge on the plug: compressor noise around 60 W while on.
    m_plugPower = m_plugOn ? std::max(0.0, 60.0 + gauss(2.0)) : 0.0;
    m_plugEnergy += m_plugPower * dt / 3600.0;

    // Door: closed for a while (longer at night), then open for a few seconds.
    m_doorTimer -= dt;
    if (m_doorTimer <= 0.0) {
        m_doorOpen = !m_doorOpen;
        if (m_doorOpen) {
            ++m_doorOpenings;
            m_doorBattery = std::max(0.0, m_doorBattery - 0.01);
            m_doorTimer = uniform(3.0, 12.0);
        } else {
            const double mean = daylight > -0.5 ? 30.0 : 90.0;
            m_doorTimer = 8.0 + std::exponential_distribution<double>(1.0 / mean)(m_rng);
        }
    }

    // The house: a base load with an evening peak, plus the plug, light and lamp.
    const double evening = std::exp(-std::pow((m_dayHour - 19.0) / 2.5, 2.0));
    m_baseLoad = wander(m_baseLoad, 250.0 + 900.0 * evening, 30.0, 5.0, dt);
    m_voltage = wander(m_voltage, 230.0, 20.0, 0.3, dt);
    m_power = std::max(5.0, m_baseLoad + m_plugPower + (m_lightOn ? 12.0 : 0.0) + lampPower());
    m_energy += m_power * dt / 3600.0;

    // Air quality: people during the day raise CO2, an open door flushes it.
    const double occupancy = std::clamp(daylight + 0.3, 0.0, 1.0);
    const double co2Target = (m_doorOpen ? 450.0 : 500.0 + 700.0 * occupancy) + m_co2Offset;
    m_co2 = std::max(380.0, wander(m_co2, co2Target, m_doorOpen ? 20.0 : 300.0, 1.5, dt));
    m_pm25 = std::max(0.5, wander(m_pm25, 9.0, 120.0, 0.2, dt));
}

void DeviceModel::setSetpoint(double celsius)
{
    m_setpoint = std::clamp(celsius, 5.0, 30.0);
}

void DeviceModel::setHeatingEnabled(bool enabled)
{
    m_heatingEnabled = enabled;
}

void DeviceModel::setPlugOn(bool on)
{
    m_plugOn = on;
    m_plugPower = on ? 60.0 : 0.0;
}

void DeviceModel::setUpdateInterval(int seconds)
{
    m_updateInterval = std::clamp(seconds, 1, 3600);
}

void DeviceModel::setLightOn(bool on)
{
    m_lightOn = on;
}

void DeviceModel::setValve(int percent)
{
    m_valve = std::clamp(percent, 0, 100);
}

void DeviceModel::setLampOn(bool on)
{
    m_lampOn = on;
}

void DeviceModel::setLampBrightness(int percent)
{
    m_lampBrightness = std::clamp(percent, 0, 100);
}

void DeviceModel::setLampColor(const QString &color)
{
    m_lampColor = color;
}

double DeviceModel::lampPower() const
{
    return m_lampOn ? 0.5 + 8.5 * m_lampBrightness / 100.0 : 0.3;
}

double DeviceModel::calibrate()
{
    // Fresh-air calibration: pretend the sensor drifted and pull it back to 420 ppm outdoors.
    const double offset = std::round(gauss(15.0) * 10.0) / 10.0;
    m_co2Offset = offset;
    return offset;
}

} // namespace thingscape::sim
