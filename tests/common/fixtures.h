#pragma once
// Shared by the test programs: the check that a Result is ok (with its message when it is not),
// and tiny models written into temporary model folders.

#include "base/job.h"
#include "models/classifier.h"
#include "models/store.h"
#include "models/textmodel.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

/// QVERIFY that a reverie::Result holds a value; on failure the test prints the error's message.
#define VERIFY_OK(result)                                                                                             \
    do {                                                                                                               \
        const auto& verifyOkResult_ = (result);                                                                        \
        QVERIFY2(verifyOkResult_.ok(), verifyOkResult_.ok() ? "" : verifyOkResult_.error().message.c_str());          \
    } while (false)

namespace reverie::testing {

/// The U-Net of the tiny text-conditional model (context 64 = the default text encoder's width).
inline models::UNetConfig tinyTextNet() {
    models::UNetConfig c;
    c.baseChannels = 16;
    c.channelMult = {1, 2};
    c.resBlocks = 1;
    c.attnResolutions = {14};
    c.embDim = 32;
    c.contextDim = 64;
    return c;
}

/// A random model whose cross-attention matters (the output projections start at zero).
inline models::TextDenoiser randomTextModel(std::uint64_t seed) {
    at::manual_seed(seed);
    models::TextDenoiser m(tinyTextNet());
    at::NoGradGuard g;
    for (auto& p : m->parameters()) p.add_(at::randn(p.sizes()) * 0.05);
    m->eval();
    return m;
}

/// randomTextModel(seed) saved as a model folder.
inline bool writeTinyTextModel(const std::string& dir, std::uint64_t seed) {
    auto m = randomTextModel(seed);
    return models::saveTextModel(m, dir, nlohmann::json::object()).ok();
}

/// A tiny untrained classifier folder (kind "classifier"), seeded.
inline bool writeTinyClassifier(const std::string& dir, std::uint64_t seed = 3) {
    models::ClassifierConfig c;
    c.width = 8;
    c.features = 16;
    at::manual_seed(seed);
    models::Classifier net(c);
    std::filesystem::create_directories(dir);
    if (!models::saveWeights(*net, dir + "/weights.pt", models::architectureTag("classifier", c.toJson())).ok())
        return false;
    std::ofstream(dir + "/card.json") << nlohmann::json{{"kind", "classifier"}, {"architecture", c.toJson()}}.dump();
    return true;
}

} // namespace reverie::testing
