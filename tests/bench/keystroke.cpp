#include "keystroke.h"

#include "benchstats.h"

namespace bench {

Keystroke medians(const std::vector<Keystroke> &rounds)
{
    const auto of = [&rounds](double Keystroke::*field) {
        std::vector<double> values;
        for (const Keystroke &round : rounds)
            values.push_back(round.*field);
        return median(values);
    };
    return {of(&Keystroke::first), of(&Keystroke::done), of(&Keystroke::stall), of(&Keystroke::cpuStall),
            of(&Keystroke::cpu)};
}

} // namespace bench
