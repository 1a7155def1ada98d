#pragma once
// The SDE table shared by the data-driven tests.

#include "engine/sde/sde.h"

#include <QString>
#include <QTest>

#include <memory>

namespace reverie::testing {

enum class SdeId { VE, VP, SubVP, IrDiscrete, IrContinuous, OUVE, SdDiscrete };

inline std::unique_ptr<sde::Sde> makeSde(SdeId id) {
    switch (id) {
    case SdeId::VE: { sde::VeParams p; p.sigmaMax = 20.0; return sde::makeVe(p); }
    case SdeId::VP: return sde::makeVp();
    case SdeId::SubVP: return sde::makeSubVp();
    case SdeId::IrDiscrete: { sde::IrSdeParams p; p.lambda = 0.5; return sde::makeIrSde(p); }
    case SdeId::IrContinuous: { sde::IrSdeParams p; p.lambda = 0.5; p.discrete = false; return sde::makeIrSde(p); }
    case SdeId::OUVE: return sde::makeOuve();
    case SdeId::SdDiscrete: return sde::makeDiscreteVp({sde::scaledLinearAlphasCumprod(), 50});
    }
    return nullptr;
}

inline const char* sdeName(SdeId id) {
    switch (id) {
    case SdeId::VE: return "VE";
    case SdeId::VP: return "VP";
    case SdeId::SubVP: return "subVP";
    case SdeId::IrDiscrete: return "IR-discrete";
    case SdeId::IrContinuous: return "IR-continuous";
    case SdeId::OUVE: return "OUVE";
    case SdeId::SdDiscrete: return "SD-discrete";
    }
    return "?";
}

inline constexpr SdeId kAllSdes[] = {SdeId::VE, SdeId::VP, SdeId::SubVP, SdeId::IrDiscrete, SdeId::IrContinuous, SdeId::OUVE,
                                    SdeId::SdDiscrete};

} // namespace reverie::testing

Q_DECLARE_METATYPE(reverie::testing::SdeId)
