#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace thingscape {

class Resource;
struct Value;

// What writing a resource means, read from its metadata and its value: whether it may be
// written at all, and with which editor (an on/off switch with its payloads, a choice of
// values, a number in a range, text). The write box and the history chart both use it.
struct WriteSpec
{
    enum class Editor {
        Number,
        Switch,
        Choice,
        Text,
        Json,
    };

    Editor editor = Editor::Text;
    bool readOnly = false;
    QString readOnlyReason; // why, naming where it says so

    // Switch: what to send, and what the resource reports, for on and off.
    QByteArray onPayload;
    QByteArray offPayload;
    QString onState;
    QString offState;
    int switchFormat = -1; // content format of the payloads (text or JSON)

    // Choice
    QStringList choices;

    // Number
    double minimum = -1e12;
    double maximum = 1e12;
    double step = 0; // 0: none given
    bool integer = false;

    // The value holds until the next one (a state, a switch, a choice, a setpoint): drawn as
    // steps, not as a ramp.
    bool stepped = false;

    static WriteSpec forResource(const Resource &resource);

    // Switch: whether the value says on; false in *known when it says neither.
    bool isOn(const Value &value, bool *known = nullptr) const;
    // The text a value shows in a switch or choice (a bool as true / false, a string as is).
    static QString stateText(const Value &value);
};

} // namespace thingscape
