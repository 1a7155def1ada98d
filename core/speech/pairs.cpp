#include "speech/pairs.h"

#include <ATen/ATen.h>

namespace reverie::speech {

at::Tensor toChannels(const at::Tensor& spec) {
    TORCH_CHECK(spec.defined() && spec.is_complex() && spec.dim() >= 2, "speech::toChannels: expected a complex [.., F, N]");
    // view_as_real gives [.., F, N, 2]; the channel axis goes before F.
    return at::view_as_real(spec.to(at::kComplexFloat)).movedim(-1, -3).contiguous();
}

at::Tensor fromChannels(const at::Tensor& x) {
    TORCH_CHECK(x.defined() && !x.is_complex() && x.dim() >= 3 && x.size(-3) == 2,
                "speech::fromChannels: expected a real [.., 2, F, N]");
    return at::view_as_complex(x.to(at::kFloat).movedim(-3, -1).contiguous());
}

Result<std::pair<at::Tensor, at::Tensor>> trainingPair(const std::vector<float>& clean, const std::vector<float>& noisy,
                                                       const SpecParams& p) {
    using R = Result<std::pair<at::Tensor, at::Tensor>>;
    if (clean.size() != noisy.size())
        return R::invalid("clean and noisy differ in length (" + std::to_string(clean.size()) + " and " +
                          std::to_string(noisy.size()) + " samples)");
    auto mu = toSpec(noisy, p);
    if (!mu) return mu.error();
    auto x0 = toSpec(clean, mu.value().normFactor, p);
    if (!x0) return x0.error();
    const std::int64_t frames = mu.value().frames;
    return guarded<std::pair<at::Tensor, at::Tensor>>("training pair", [&]() -> R {
        return std::make_pair(toChannels(x0.value().spec.narrow(-1, 0, frames)),
                              toChannels(mu.value().spec.narrow(-1, 0, frames)));
    });
}

} // namespace reverie::speech
