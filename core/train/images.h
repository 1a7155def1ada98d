#pragma once
// The image data every image task trains on, read from a task section: Fashion-MNIST's train
// split ("fashion-mnist"), a folder of images ("folder": data_dir, image_size, channels;
// sub-folders are classes; data/image_folder.h), patches of the large photographs in a folder
// ("patches": image_size = patch size, patch_stride, patch_scales), or random crops of whole photos
// below a folder ("crops": every step draws, per item, a photo, a zoom 1..crop_zoom (a crop of
// image_size·zoom pixels averaged down), and a position; the photos are kept in memory, their long
// side shrunk to max_side). Augmentation (random
// horizontal flips, shifts by up to `shift` pixels with the background filled) draws from the
// loop's checkpointed generator, so a resumed run sees exactly the batches of a straight one.
//
// Thread rules: plain values and functions. Failure: messages name the key or the folder.

#include "base/job.h"
#include "data/fashion_mnist.h"
#include "train/recipe.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::train {

struct ImageData {
    std::string dataset = "fashion-mnist"; ///< "fashion-mnist", "folder" or "patches"
    std::string dataDir;                   ///< folder/patches: the root
    int imageSize = 28;                    ///< folder: resized to this; patches: the patch size
    int channels = 1;                      ///< folder/patches: 1 (grey) or 3 (RGB)
    int patchStride = 16;                  ///< patches: grid step
    int patchScales = 1;                   ///< patches: full resolution and this many − 1 halvings
    std::int64_t trainLimit = -1;          ///< only the first N training images (-1: all)
    bool hflip = false;
    int shift = 0;                         ///< pixels, each axis
    int maxSide = 1024;                    ///< crops: photos are shrunk to this long side first
    int cropZoom = 2;                      ///< crops: the largest zoom-out factor (1 = none)
    std::vector<int> classes;              ///< keep only images of these labels (empty: all); e.g.
                                           ///< pretraining with classes held out (tune/task.h)

    /// Reads the keys above from a section; returns a message for a bad value ("" = fine).
    std::string read(SectionReader& s);
    void write(nlohmann::json& section) const;
};

/// Loads the training images (uint8 [N, C, H, W]) and labels.
Result<data::LabelledImages> loadImages(const ImageData& d);

/// loadImages(), checked to hold at least one batch of images with the network's channel count.
Result<data::LabelledImages> loadImagesFor(const ImageData& d, int batch, int channels);

/// Applies flips and shifts to a batch in [−1, 1], drawing from gen.
at::Tensor augment(const ImageData& d, const at::Tensor& x, at::Generator& gen);

/// The training-set indices of a step's batch: consecutive entries of the epoch's random
/// permutation, a function of (seed, epoch) alone — so resuming needs no data state.
at::Tensor batchIndices(std::uint64_t seed, std::int64_t step, int batch, std::int64_t datasetSize);

/// A step's batch as signed floats [−1, 1], augmented, with its labels.
struct ImageBatch {
    at::Tensor x;
    at::Tensor labels;
};
ImageBatch imageBatch(const ImageData& d, const data::LabelledImages& images, const Recipe& r, std::int64_t step,
                      at::Generator& gen);

} // namespace reverie::train
