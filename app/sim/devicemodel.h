#pragma once

#include <QString>

#include <random>

namespace thingscape::sim {

// The physics of one copy of the site: every simulated device's state, advanced in
// small real-time steps. A simulated day passes in 24 real minutes so that the day
// curve is visible in a demo; heating and cooling run in real seconds so that a write
// (a setpoint, a valve) shows its effect within a minute.
class DeviceModel
{
public:
    // index 0 with count 1 gives unsuffixed ids; otherwise ids end in "-index".
    DeviceModel(int index, int count, quint32 seed);

    // Device-id suffix: "" or "-N".
    const QString &suffix() const { return m_suffix; }
    QString id(const QString &base) const { return base + m_suffix; }

    void advance(double seconds);
    double dayHour() const { return m_dayHour; }

    // Thermostat (MQTT, Home Assistant discovery).
    double thermostatTemperature() const { return m_roomTemperature + m_roomNoise; }
    double setpoint() const { return m_setpoint; }
    void setSetpoint(double celsius);
    bool heatingEnabled() const { return m_heatingEnabled; }
    void setHeatingEnabled(bool enabled);
    bool heating() const { return m_heating; }

    // Smart plug (MQTT, Home Assistant discovery).
    bool plugOn() const { return m_plugOn; }
    void setPlugOn(bool on);
    double plugPower() const { return m_plugPower; }
    double plugEnergy() const { return m_plugEnergy; }

    // Weather station (MQTT, Homie).
    double outdoorTemperature() const { return m_outdoorTemperature; }
    double outdoorHumidity() const { return m_outdoorHumidity; }
    double pressure() const { return m_pressure; }
    int updateInterval() const { return m_updateInterval; }
    void setUpdateInterval(int seconds);

    // Door sensor (MQTT, plain JSON; CoAP).
    bool doorOpen() const { return m_doorOpen; }
    int doorOpenings() const { return m_doorOpenings; }
    double doorBattery() const { return m_doorBattery; }

    // Lab room sensors, light and radiator valve (CoAP).
    double labTemperature() const { return m_labTemperature + m_labNoise; }
    double labHumidity() const { return m_labHumidity; }
    bool lightOn() const { return m_lightOn; }
    void setLightOn(bool on);
    int valve() const { return m_valve; }
    void setValve(int percent);

    // Energy meter (CoAP, SenML).
    double voltage() const { return m_voltage; }
    double current() const { return m_power / m_voltage; }
    double power() const { return m_power; }
    double energy() const { return m_energy; }

    // Smart lamp (HTTP, WoT).
    bool lampOn() const { return m_lampOn; }
    void setLampOn(bool on);
    int lampBrightness() const { return m_lampBrightness; }
    void setLampBrightness(int percent);
    const QString &lampColor() const { return m_lampColor; }
    void setLampColor(const QString &color);
    double lampPower() const;

    // Air quality monitor (HTTP, WoT).
    double co2() const { return m_co2; }
    double pm25() const { return m_pm25; }
    double calibrate();   // returns the offset applied

private:
    double gauss(double sigma);
    double uniform(double low, double high);
    // Ornstein-Uhlenbeck step: mean-reverting noise that looks like a real signal.
    double wander(double value, double mean, double tau, double sigma, double dt);

    QString m_suffix;
    std::mt19937 m_rng;
    double m_dayHour = 12.0;

    double m_roomTemperature = 20.0;
    double m_roomNoise = 0.0;
    double m_setpoint = 21.0;
    bool m_heatingEnabled = true;
    bool m_heating = false;

    bool m_plugOn = true;
    double m_plugPower = 0.0;
    double m_plugEnergy = 0.0;

    double m_outdoorTemperature = 10.0;
    double m_outdoorOffset = 0.0;
    double m_outdoorHumidity = 70.0;
    double m_pressure = 1013.0;
    int m_updateInterval = 2;

    bool m_doorOpen = false;
    double m_doorTimer = 0.0;
    int m_doorOpenings = 0;
    double m_doorBattery = 97.0;

    double m_labTemperature = 19.5;
    double m_labNoise = 0.0;
    double m_labHumidity = 42.0;
    bool m_lightOn = false;
    int m_valve = 30;

    double m_voltage = 230.0;
    double m_baseLoad = 300.0;
    double m_power = 300.0;
    double m_energy = 0.0;

    bool m_lampOn = true;
    int m_lampBrightness = 80;
    QString m_lampColor = QStringLiteral("#ffd27f");

    double m_co2 = 600.0;
    double m_co2Offset = 0.0;
    double m_pm25 = 8.0;
};

} // namespace thingscape::sim
