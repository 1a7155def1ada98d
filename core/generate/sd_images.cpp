#include "generate/sd_images.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace reverie::generate::detail {

/// The cheap preview: a fixed linear map from SD 1.x's four latent channels to RGB (the
/// community's "approx cheap" coefficients), applied to x̂₀ of item 0 at latent resolution.
ImageU8 latentPreview(const at::Tensor& latent) {
    static const double kCoef[4][3] = {
        {0.298, 0.207, 0.208}, {0.187, 0.286, 0.173}, {-0.158, 0.189, 0.264}, {-0.184, -0.271, -0.473}};
    const at::Tensor z = latent[0].detach().to(at::kFloat).cpu();
    ImageU8 img;
    if (z.size(0) != 4) return img;
    const at::Tensor coef =
        at::tensor(std::vector<float>{float(kCoef[0][0]), float(kCoef[0][1]), float(kCoef[0][2]),
                                      float(kCoef[1][0]), float(kCoef[1][1]), float(kCoef[1][2]),
                                      float(kCoef[2][0]), float(kCoef[2][1]), float(kCoef[2][2]),
                                      float(kCoef[3][0]), float(kCoef[3][1]), float(kCoef[3][2])})
            .view({4, 3});
    const at::Tensor rgb = at::einsum("chw,cr->hwr", {z, coef});
    const at::Tensor bytes = ((rgb + 1.0) * 127.5).round().clamp(0, 255).to(at::kByte).contiguous();
    img.height = int(bytes.size(0));
    img.width = int(bytes.size(1));
    img.channels = 3;
    img.pixels.assign(bytes.data_ptr<std::uint8_t>(), bytes.data_ptr<std::uint8_t>() + bytes.numel());
    return img;
}

/// A start image as the VAE's input: [1, 3, H, W] in [−1, 1].
at::Tensor fromRgb(const ImageU8& img) {
    const int c = img.channels;
    at::Tensor t =
        at::from_blob(const_cast<std::uint8_t*>(img.pixels.data()), {img.height, img.width, c}, at::kByte)
            .to(at::kFloat);
    if (c == 1) t = t.expand({img.height, img.width, 3});
    if (c == 4) t = t.narrow(2, 0, 3);
    return (t.permute({2, 0, 1}).unsqueeze(0) / 127.5 - 1.0).contiguous();
}

ImageU8 toRgb(const at::Tensor& image /* [1, 3, H, W] in [−1, 1] */) {
    const at::Tensor b = ((image[0].to(at::kCPU, at::kFloat).clamp(-1, 1) + 1.0) * 127.5)
                             .round()
                             .to(at::kByte)
                             .permute({1, 2, 0})
                             .contiguous();
    ImageU8 img;
    img.height = int(b.size(0));
    img.width = int(b.size(1));
    img.channels = 3;
    img.pixels.assign(b.data_ptr<std::uint8_t>(), b.data_ptr<std::uint8_t>() + b.numel());
    return img;
}

} // namespace reverie::generate::detail
