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
    s.read("max_side", maxSide);
    s.read("crop_zoom", cropZoom);
    s.read("classes", classes);
    if (dataset != "fashion-mnist" && dataset != "folder" && dataset != "patches" && dataset != "crops")
        return "unknown dataset '" + dataset + "' (known: fashion-mnist, folder, patches, crops)";
    if (dataset != "fashion-mnist" && dataDir.empty()) return "the " + dataset + " dataset needs data_dir";
    if (maxSide < 64 || maxSide > 8192) return "max_side must be between 64 and 8192";
    if (cropZoom < 1 || cropZoom > 4) return "crop_zoom must be between 1 and 4";
    if (patchStride < 1) return "patch_stride must be at least 1";
    if (patchScales < 1 || patchScales > 4) return "patch_scales must be between 1 and 4";
    if (imageSize < 4 || imageSize > 512) return "image_size must be between 4 and 512";
    if (channels != 1 && channels != 3) return "channels must be 1 or 3";
    if (shift < 0 || shift > 16) return "shift must be between 0 and 16 pixels";
    if (!classes.empty() && dataset == "crops") return "classes cannot select from the crops dataset (it has no labels)";
    for (int c : classes)
        if (c < 0) return "classes: labels are 0 or more";
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
    if (!classes.empty()) j["classes"] = classes;
    if (dataset == "crops") {
        j["max_side"] = maxSide;
        j["crop_zoom"] = cropZoom;
    }
}

namespace {
// Keeps the images whose label is in `classes`; a message when none is left.
Result<data::LabelledImages> keepClasses(Result<data::LabelledImages> loaded, const std::vector<int>& classes) {
    if (!loaded || classes.empty()) return loaded;
    auto d = std::move(loaded).value();
    for (int c : classes)
        if (d.classes > 0 && c >= d.classes)
            return Result<data::LabelledImages>::invalid("classes: label " + std::to_string(c) + " does not exist (the data has " +
                                                         std::to_string(d.classes) + " classes)");
    auto keep = at::zeros_like(d.labels, at::kBool);
    for (int c : classes) keep = keep.logical_or(d.labels.eq(c));
    const auto idx = keep.nonzero().view({-1});
    if (idx.numel() == 0) return Result<data::LabelledImages>::invalid("classes: no image has one of the chosen labels");
    d.images = d.images.index_select(0, idx).contiguous();
    d.labels = d.labels.index_select(0, idx).contiguous();
    return d;
}
Result<data::LabelledImages> loadAll(const ImageData& d);
} // namespace

Result<data::LabelledImages> loadImages(const ImageData& d) { return keepClasses(loadAll(d), d.classes); }

namespace {
Result<data::LabelledImages> loadAll(const ImageData& d) {
    if (d.dataset == "folder") return data::loadImageFolder(d.dataDir, d.imageSize, d.channels, d.trainLimit);
    if (d.dataset == "patches")
        return data::loadImagePatches(d.dataDir, d.imageSize, d.patchStride, d.channels, d.patchScales, d.trainLimit);
    if (d.dataset == "crops") return data::loadWholeImages(d.dataDir, d.channels, d.maxSide, d.imageSize * d.cropZoom);
    return data::loadFashionMnist(data::Split::Train, data::defaultFashionMnistDir(), d.trainLimit);
}
} // namespace

Result<data::LabelledImages> loadImagesFor(const ImageData& d, int batch, int channels) {
    using R = Result<data::LabelledImages>;
    auto images = loadImages(d);
    if (!images) return images.error();
    if (d.dataset == "crops") {
        if (images.value().whole.front().size(0) != channels)
            return R::invalid("the network expects " + std::to_string(channels) + " channel(s), the photos have " +
                              std::to_string(images.value().whole.front().size(0)));
        return images;
    }
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

namespace {
// A batch of random crops of the whole photos, drawn from gen (see ImageData "crops").
at::Tensor randomCrops(const ImageData& d, const std::vector<at::Tensor>& photos, int batch, at::Generator& gen) {
    const auto pick = at::randint(0, std::int64_t(photos.size()), {batch}, gen, at::kLong);
    const auto zoom = at::randint(1, d.cropZoom + 1, {batch}, gen, at::kLong);
    const auto where = at::rand({batch, 2}, gen, at::kDouble);
    const auto pickA = pick.accessor<std::int64_t, 1>();
    const auto zoomA = zoom.accessor<std::int64_t, 1>();
    const auto whereA = where.accessor<double, 2>();
    std::vector<at::Tensor> items;
    items.reserve(std::size_t(batch));
    for (int i = 0; i < batch; ++i) {
        const auto& photo = photos[std::size_t(pickA[i])];
        const std::int64_t H = photo.size(1), W = photo.size(2);
        std::int64_t k = zoomA[i];
        while (k > 1 && d.imageSize * k > std::min(H, W)) --k;
        const std::int64_t c = d.imageSize * k;
        const auto top = std::int64_t(whereA[i][0] * double(H - c + 1));
        const auto left = std::int64_t(whereA[i][1] * double(W - c + 1));
        auto crop = photo.slice(1, top, top + c).slice(2, left, left + c).to(at::kFloat).unsqueeze(0);
        if (k > 1) crop = at::avg_pool2d(crop, {k, k});
        items.push_back(crop.squeeze(0) / 127.5 - 1.0);
    }
    return at::stack(items);
}
} // namespace

ImageBatch imageBatch(const ImageData& d, const data::LabelledImages& images, const Recipe& r, std::int64_t step,
                      at::Generator& gen) {
    if (d.dataset == "crops") {
        ImageBatch b;
        b.x = augment(d, randomCrops(d, images.whole, r.batch, gen), gen);
        b.labels = at::zeros({r.batch}, at::kLong);
        return b;
    }
    const auto index = batchIndices(r.seed, step, r.batch, images.size());
    ImageBatch b;
    b.x = augment(d, data::toSigned(images.images.index_select(0, index)), gen);
    b.labels = images.labels.index_select(0, index);
    return b;
}

} // namespace reverie::train
