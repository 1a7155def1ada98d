#include "train/images.h"

#include "data/image_folder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <vector>

namespace reverie::train {

std::string ImageData::read(SectionReader& s) {
    s.read("dataset", dataset);
    s.read("data_dir", dataDir);
    s.read("image_size", imageSize);
    s.read("channels", channels);
    s.read("patch_stride", patchStride);
    s.read("patch_scales", patchScales);
    s.read("train_limit", trainLimit);
    s.read("hflip", hflip);
    s.read("shift", shift);
    if (dataset != "fashion-mnist" && dataset != "folder" && dataset != "patches")
        return "unknown dataset '" + dataset + "' (known: fashion-mnist, folder, patches)";
    if ((dataset == "folder" || dataset == "patches") && dataDir.empty()) return "the " + dataset + " dataset needs data_dir";
    if (patchStride < 1) return "patch_stride must be at least 1";
    if (patchScales < 1 || patchScales > 4) return "patch_scales must be between 1 and 4";
    if (imageSize < 4 || imageSize > 512) return "image_size must be between 4 and 512";
    if (channels != 1 && channels != 3) return "channels must be 1 or 3";
    if (shift < 0 || shift > 16) return "shift must be between 0 and 16 pixels";
    return {};
}

void ImageData::write(nlohmann::json& j) const {
    j["dataset"] = dataset;
    j["data_dir"] = dataDir;
    j["image_size"] = imageSize;
    j["channels"] = channels;
    j["patch_stride"] = patchStride;
    j["patch_scales"] = patchScales;
    j["train_limit"] = trainLimit;
    j["hflip"] = hflip;
    j["shift"] = shift;
}

Result<data::LabelledImages> loadImages(const ImageData& d) {
    if (d.dataset == "folder") return data::loadImageFolder(d.dataDir, d.imageSize, d.channels, d.trainLimit);
    if (d.dataset == "patches")
        return data::loadImagePatches(d.dataDir, d.imageSize, d.patchStride, d.channels, d.patchScales, d.trainLimit);
    return data::loadFashionMnist(data::Split::Train, data::defaultFashionMnistDir(), d.trainLimit);
}

Result<data::LabelledImages> loadImagesFor(const ImageData& d, int batch, int channels) {
    using R = Result<data::LabelledImages>;
    auto images = loadImages(d);
    if (!images) return images.error();
    if (images.value().size() < batch)
        return R::invalid("the data set has " + std::to_string(images.value().size()) + " images, fewer than one batch of " +
                          std::to_string(batch));
    if (images.value().images.size(1) != channels)
        return R::invalid("the network expects " + std::to_string(channels) + " channel(s), the data has " +
                          std::to_string(images.value().images.size(1)));
    return images;
}

at::Tensor augment(const ImageData& d, const at::Tensor& x, at::Generator& gen) {
    at::Tensor out = x;
    const std::int64_t B = x.size(0);
    if (d.hflip) {
        const auto flip = at::bernoulli(at::full({B}, 0.5), gen).to(at::kBool);
        out = at::where(flip.view({-1, 1, 1, 1}), out.flip({3}), out);
    }
    if (d.shift > 0) {
        // Pad with the background (−1, black) and crop back at a random offset per image.
        const int k = d.shift;
        const auto padded = at::constant_pad_nd(out, {k, k, k, k}, -1.0);
        const auto offsets = at::randint(0, 2 * k + 1, {B, 2}, gen, at::kLong);
        const auto acc = offsets.accessor<std::int64_t, 2>();
        std::vector<at::Tensor> items;
        items.reserve(std::size_t(B));
        const std::int64_t H = out.size(2), W = out.size(3);
        for (std::int64_t i = 0; i < B; ++i)
            items.push_back(padded[i].slice(1, acc[i][0], acc[i][0] + H).slice(2, acc[i][1], acc[i][1] + W));
        out = at::stack(items);
    }
    return out.contiguous();
}

at::Tensor batchIndices(std::uint64_t seed, std::int64_t step, int batch, std::int64_t N) {
    std::vector<at::Tensor> idx;
    std::int64_t need = batch, pos = step * batch;
    while (need > 0) {
        const std::int64_t epoch = pos / N, off = pos % N;
        auto g = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ULL + std::uint64_t(epoch));
        const auto perm = at::randperm(N, g, at::kLong);
        const std::int64_t take = std::min(need, N - off);
        idx.push_back(perm.slice(0, off, off + take));
        need -= take;
        pos += take;
    }
    return at::cat(idx);
}

ImageBatch imageBatch(const ImageData& d, const data::LabelledImages& images, const Recipe& r, std::int64_t step,
                      at::Generator& gen) {
    const auto index = batchIndices(r.seed, step, r.batch, images.size());
    ImageBatch b;
    b.x = augment(d, data::toSigned(images.images.index_select(0, index)), gen);
    b.labels = images.labels.index_select(0, index);
    return b;
}

} // namespace reverie::train
