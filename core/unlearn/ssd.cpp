#include "unlearn/ssd.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <cmath>
#include <string>

namespace reverie::unlearn {

Result<std::vector<at::Tensor>> diagonalFisher(torch::nn::Module& model, const std::vector<SsdBatch>& batches,
                                               const SsdLossFn& loss, const JobContext& ctx) {
    using R = Result<std::vector<at::Tensor>>;
    if (batches.empty()) return R::invalid("no batches to compute the Fisher information over");
    if (!loss) return R::invalid("no loss function");
    return guarded<std::vector<at::Tensor>>("Fisher", [&]() -> R {
        auto params = model.parameters();
        std::vector<at::Tensor> fisher;
        for (const auto& p : params) fisher.push_back(at::zeros_like(p, p.options().requires_grad(false)));
        model.zero_grad();
        for (std::size_t b = 0; b < batches.size(); ++b) {
            if (ctx.cancelled()) return R::cancelled("Fisher: cancelled after " + std::to_string(b) + " batches");
            torch::AutoGradMode on(true);
            const auto l = loss(batches[b]);
            if (!l.defined() || l.numel() != 1) return R::invalid("the loss must be a scalar");
            if (!l.requires_grad()) return R::invalid("the loss does not depend on the model's parameters");
            model.zero_grad();
            l.backward();
            torch::NoGradGuard ng;
            for (std::size_t i = 0; i < params.size(); ++i)
                if (params[i].grad().defined()) fisher[i].add_(params[i].grad().square());
        }
        model.zero_grad();
        for (auto& f : fisher) f.div_(double(batches.size()));
        return fisher;
    });
}

Result<SsdResult> dampen(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& fisherRetain,
                         const std::vector<at::Tensor>& fisherForget, const SsdParams& p) {
    using R = Result<SsdResult>;
    if (!(p.alpha >= 0) || !(p.lambda >= 0) || !std::isfinite(p.alpha) || !std::isfinite(p.lambda))
        return R::invalid("SSD's α and λ must be finite and ≥ 0");
    if (fisherRetain.size() != params.size() || fisherForget.size() != params.size())
        return R::invalid("SSD needs one Fisher tensor per parameter (" + std::to_string(params.size()) +
                          " parameters, " + std::to_string(fisherRetain.size()) + " and " +
                          std::to_string(fisherForget.size()) + " Fisher tensors)");
    return guarded<SsdResult>("SSD", [&]() -> R {
        SsdResult out;
        torch::NoGradGuard ng;
        for (std::size_t i = 0; i < params.size(); ++i) {
            auto theta = params[i];
            if (!fisherRetain[i].sizes().equals(theta.sizes()) || !fisherForget[i].sizes().equals(theta.sizes()))
                return R::invalid("the Fisher of parameter " + std::to_string(i) + " does not have its shape");
            const auto iD = fisherRetain[i].to(theta.device(), at::kDouble);
            const auto iF = fisherForget[i].to(theta.device(), at::kDouble);
            const auto select = iF > iD * p.alpha; // implies I_F > 0
            const auto beta = at::clamp_max(iD * p.lambda / at::where(select, iF, at::ones_like(iF)), 1.0);
            const auto factor = at::where(select, beta, at::ones_like(beta));
            theta.copy_((theta.to(at::kDouble) * factor).to(theta.scalar_type()));
            // Unselected parameters are multiplied by exactly 1 (bit for bit unchanged).
            out.dampened += select.sum().item<std::int64_t>();
            out.total += theta.numel();
        }
        return out;
    });
}

Result<SsdResult> selectiveSynapticDampening(torch::nn::Module& model, const std::vector<SsdBatch>& retain,
                                             const std::vector<SsdBatch>& forget, const SsdLossFn& loss,
                                             const SsdParams& p, const JobContext& ctx) {
    auto iD = diagonalFisher(model, retain, loss, ctx);
    if (!iD) return iD.error();
    auto iF = diagonalFisher(model, forget, loss, ctx);
    if (!iF) return iF.error();
    return dampen(model.parameters(), iD.value(), iF.value(), p);
}

} // namespace reverie::unlearn
