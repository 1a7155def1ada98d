#pragma once
// Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files, gzip-compressed), and the
// IDX reader under it.
//
// Thread rules: plain functions; any thread. Failure: everything is validated: a missing package,
// a wrong magic number or a truncated file is an error value naming the file and the problem.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::data {

enum class Split { Train, Test };

/// Images and their labels.
struct LabelledImages {
    at::Tensor images; ///< uint8 [N, 1, H, W], 0..255
    at::Tensor labels; ///< int64 [N]
    int classes = 0;
    std::vector<std::string> classNames; ///< index = label (empty when the source has none)
    /// Whole images of different sizes, uint8 [C, H, W] each (the "crops" dataset; `images` and
    /// `labels` stay empty then).
    std::vector<at::Tensor> whole;
    std::int64_t size() const { return labels.defined() ? labels.size(0) : std::int64_t(whole.size()); }
};

/// $REVERIE_FASHION_MNIST_DIR if set, else /usr/share/datasets/fashion-mnist.
std::string defaultFashionMnistDir();

/// The ten class names, index = label.
const std::vector<std::string>& fashionMnistClassNames();

/// Reads an IDX image file (magic 0x803, uint8, N×H×W) and its label file (magic 0x801), plain
/// or gzip-compressed. limit >= 0 reads only the first `limit` items.
Result<LabelledImages> readIdxPair(const std::string& imagesPath, const std::string& labelsPath,
                                   std::int64_t limit = -1);

/// Loads a split (train: 60 000, test: 10 000 images of 28×28).
Result<LabelledImages> loadFashionMnist(Split split, const std::string& dir = defaultFashionMnistDir(),
                                        std::int64_t limit = -1);

/// uint8 [N,C,H,W] in 0..255 → float in [−1, 1].
at::Tensor toSigned(const at::Tensor& images);
/// float in [−1, 1] → uint8 0..255 (clamped, rounded).
at::Tensor toBytes(const at::Tensor& signedImages);

} // namespace reverie::data
