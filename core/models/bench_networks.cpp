#include "models/bench_networks.h"

#include "engine/bench_networks.h"
#include "models/conditioned.h"
#include "models/store.h"
#include "models/zoo.h"

#include <ATen/ATen.h>

namespace reverie::models {

Result<std::shared_ptr<const bench::BenchNetworks>> shippedBenchNetworks() {
    using R = Result<std::shared_ptr<const bench::BenchNetworks>>;
    const auto genDir = zoo::find(zoo::kGenerator);
    const auto photoDir = zoo::find(zoo::kPhotoRestorer);
    if (genDir.empty() || photoDir.empty())
        return R::invalid("the shipped networks were not found (set REVERIE_MODELS_DIR)");
    auto gen = loadGeneratorFolder(genDir);
    if (!gen) return gen.error();
    auto photo = loadConditionedFolder(photoDir, "restorer", "a restoration model", 0.25);
    if (!photo) return photo.error();
    auto nets = std::make_shared<bench::BenchNetworks>();
    auto g = gen.value();
    const auto& gc = g->net()->config();
    const int classes = gc.numClasses;
    nets->generative.name = zoo::kGenerator;
    nets->generative.parameters = g->net()->parameterCount(); // the EDM wrapper adds none
    nets->generative.input = {gc.inChannels, gc.imageSize, gc.imageSize};
    nets->generative.fn = [g, classes](const at::Tensor& x, const at::Tensor& sigma,
                                       const at::Tensor&) mutable {
        const auto labels =
            classes > 0
                ? at::arange(x.size(0), at::TensorOptions().dtype(at::kLong).device(x.device())) % classes
                : at::Tensor();
        return g->forward(x.to(at::kFloat), sigma.to(at::kFloat), {}, labels).to(x.scalar_type());
    };
    const auto& pm = photo.value();
    nets->meanReverting.name = zoo::kPhotoRestorer;
    nets->meanReverting.parameters = pm.parameters;
    nets->meanReverting.input = {pm.config.inChannels, pm.config.imageSize, pm.config.imageSize};
    nets->meanReverting.fn =
        residualDenoiser(pm.model, -1, pm.noiseMap() ? noiseMapLevel(25.0, pm.model->sigmaData()) : -1.0);
    return std::shared_ptr<const bench::BenchNetworks>(std::move(nets));
}

} // namespace reverie::models
