#include "train/trainer.h"

#include "runtime/runtime.h"

#include "data/fashion_mnist.h"
#include "data/image_folder.h"
#include "restore/degrade.h"
#include "speech/corpus.h"
#include "speech/enhance.h"
#include "speech/pairs.h"
#include "speech/stft.h"

#include <ATen/ATen.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace reverie::train {

// ---- recipe ---------------------------------------------------------------------------------

std::string Recipe::fromJson(const nlohmann::json& j, Recipe* out) {
    static const std::set<std::string> known = {
        "name", "task", "dataset", "train_limit", "batch", "steps", "lr", "warmup", "weight_decay", "ema_decay",
        "grad_clip", "seed", "checkpoint_every", "log_every", "p_mean", "p_std", "sigma_data", "label_dropout",
        "hflip", "shift", "sigma_min", "sigma_max", "data_dir", "image_size", "channels", "degradations",
        "noise_sigma_min", "noise_sigma_max", "patch_stride", "patch_scales", "net", "classifier",
        "speech_dir", "crop_frames", "test_speaker", "snr_min", "snr_max", "text_encoder"};
    if (!j.is_object()) return "a recipe must be a JSON object";
    for (const auto& [key, _] : j.items())
        if (!known.count(key)) return "unknown recipe key '" + key + "'";
    Recipe r;
    try {
        r.name = j.value("name", r.name);
        r.task = j.value("task", r.task);
        r.dataset = j.value("dataset", r.dataset);
        r.trainLimit = j.value("train_limit", r.trainLimit);
        r.batch = j.value("batch", r.batch);
        r.steps = j.value("steps", r.steps);
        r.lr = j.value("lr", r.lr);
        r.warmup = j.value("warmup", r.warmup);
        r.weightDecay = j.value("weight_decay", r.weightDecay);
        r.emaDecay = j.value("ema_decay", r.emaDecay);
        r.gradClip = j.value("grad_clip", r.gradClip);
        r.seed = j.value("seed", r.seed);
        r.checkpointEvery = j.value("checkpoint_every", r.checkpointEvery);
        r.logEvery = j.value("log_every", r.logEvery);
        r.pMean = j.value("p_mean", r.pMean);
        r.pStd = j.value("p_std", r.pStd);
        r.sigmaData = j.value("sigma_data", r.sigmaData);
        r.labelDropout = j.value("label_dropout", r.labelDropout);
        r.hflip = j.value("hflip", r.hflip);
        r.shift = j.value("shift", r.shift);
        r.sigmaMin = j.value("sigma_min", r.sigmaMin);
        r.sigmaMax = j.value("sigma_max", r.sigmaMax);
        r.dataDir = j.value("data_dir", r.dataDir);
        r.imageSize = j.value("image_size", r.imageSize);
        r.channels = j.value("channels", r.channels);
        r.degradations = j.value("degradations", r.degradations);
        r.noiseSigmaMin = j.value("noise_sigma_min", r.noiseSigmaMin);
        r.noiseSigmaMax = j.value("noise_sigma_max", r.noiseSigmaMax);
        r.patchStride = j.value("patch_stride", r.patchStride);
        r.patchScales = j.value("patch_scales", r.patchScales);
        r.speechDir = j.value("speech_dir", r.speechDir);
        r.cropFrames = j.value("crop_frames", r.cropFrames);
        r.testSpeaker = j.value("test_speaker", r.testSpeaker);
        r.snrMin = j.value("snr_min", r.snrMin);
        r.snrMax = j.value("snr_max", r.snrMax);
    } catch (const nlohmann::json::exception& e) {
        return std::string("recipe: ") + e.what();
    }
    if (j.contains("net")) {
        if (auto why = models::UNetConfig::fromJson(j["net"], &r.net); !why.empty()) return why;
    }
    if (j.contains("classifier")) {
        if (auto why = models::ClassifierConfig::fromJson(j["classifier"], &r.classifier); !why.empty()) return why;
    }
    if (j.contains("text_encoder")) {
        if (auto why = erase::TextEncoderConfig::fromJson(j["text_encoder"], &r.textEncoder); !why.empty()) return why;
    }
    if (r.task != "denoiser" && r.task != "classifier" && r.task != "noise-level" && r.task != "restorer" &&
        r.task != "enhancer" && r.task != "text-denoiser")
        return "unknown task '" + r.task + "' (known: denoiser, classifier, noise-level, restorer, enhancer, text-denoiser)";
    if (r.task == "text-denoiser") {
        if (r.dataset != "fashion-mnist")
            return "the text-denoiser task trains on Fashion-MNIST (its prompts name Fashion-MNIST classes)";
        if (r.net.contextDim != r.textEncoder.dim)
            return "the text-denoiser needs net.context_dim equal to text_encoder.dim (" +
                   std::to_string(r.textEncoder.dim) + ")";
        if (r.net.numClasses != 0) return "the text-denoiser is conditioned on text only: net.num_classes must be 0";
        if (r.net.condChannels != 0) return "the text-denoiser takes no condition image: net.cond_channels must be 0";
    }
    if (r.task == "enhancer") {
        if (r.net.inChannels != 2 || r.net.condChannels != 2 || r.net.outChannels != 2)
            return "the enhancer works on complex spectrograms conditioned on the noisy one: net.in_channels, "
                   "net.cond_channels and net.out_channels must all be 2";
        if (r.cropFrames < 4 || r.cropFrames > 1024 || r.cropFrames % 4 != 0)
            return "crop_frames must be a multiple of 4 between 4 and 1024";
        if (!(r.snrMin <= r.snrMax) || !std::isfinite(r.snrMin) || !std::isfinite(r.snrMax))
            return "need a finite snr_min <= snr_max";
        if (r.testSpeaker.empty()) return "test_speaker must name the held-out speaker";
    }
    for (const auto& d : r.degradations)
        if (!restore::parseDegradation(d)) {
            std::string known;
            for (const auto& id : restore::degradationIds()) known += (known.empty() ? "" : ", ") + id;
            return "unknown degradation '" + d + "' (known: " + known + ")";
        }
    if (r.task == "restorer" && r.net.condChannels != r.net.inChannels)
        return "the restorer is conditioned on μ: net.cond_channels must equal net.in_channels";
    if (!(r.noiseSigmaMin >= 0) || !(r.noiseSigmaMax >= r.noiseSigmaMin)) return "need 0 <= noise_sigma_min <= noise_sigma_max";
    if (r.dataset != "fashion-mnist" && r.dataset != "folder" && r.dataset != "patches" && r.dataset != "speech")
        return "unknown dataset '" + r.dataset + "' (known: fashion-mnist, folder, patches, speech)";
    if ((r.dataset == "speech") != (r.task == "enhancer")) return "the speech dataset goes with the enhancer task (and only it)";
    if ((r.dataset == "folder" || r.dataset == "patches") && r.dataDir.empty())
        return "the " + r.dataset + " dataset needs data_dir";
    if (r.patchStride < 1) return "patch_stride must be at least 1";
    if (r.patchScales < 1 || r.patchScales > 4) return "patch_scales must be between 1 and 4";
    if (r.imageSize < 4 || r.imageSize > 512) return "image_size must be between 4 and 512";
    if (r.channels != 1 && r.channels != 3) return "channels must be 1 or 3";
    if (r.shift < 0 || r.shift > 16) return "shift must be between 0 and 16 pixels";
    if (r.task == "noise-level" && r.classifier.classes != 1)
        return "the noise-level task needs a classifier with \"classes\": 1 (one output: log σ)";
    if (r.task == "classifier" && r.classifier.classes < 2) return "a classifier needs at least 2 classes";
    if (!(r.sigmaMin > 0) || !(r.sigmaMax > r.sigmaMin)) return "need 0 < sigma_min < sigma_max";
    if (r.batch < 1 || r.batch > 4096) return "batch must be between 1 and 4096";
    if (r.steps < 1) return "steps must be at least 1";
    if (!(r.lr > 0) || !std::isfinite(r.lr)) return "lr must be a positive number";
    if (r.warmup < 0) return "warmup must not be negative";
    if (r.emaDecay < 0 || r.emaDecay >= 1) return "ema_decay must be in [0, 1)";
    if (r.checkpointEvery < 1 || r.logEvery < 1) return "checkpoint_every and log_every must be at least 1";
    if (!(r.sigmaData > 0)) return "sigma_data must be positive";
    if (r.labelDropout < 0 || r.labelDropout > 1) return "label_dropout must be in [0, 1]";
    *out = r;
    return {};
}

nlohmann::json Recipe::toJson() const {
    nlohmann::json j = {{"name", name},           {"task", task},
            {"dataset", dataset},     {"train_limit", trainLimit},
            {"batch", batch},         {"steps", steps},
            {"lr", lr},               {"warmup", warmup},
            {"weight_decay", weightDecay}, {"ema_decay", emaDecay},
            {"grad_clip", gradClip},  {"seed", seed},
            {"checkpoint_every", checkpointEvery}, {"log_every", logEvery},
            {"p_mean", pMean},        {"p_std", pStd},
            {"sigma_data", sigmaData}, {"label_dropout", labelDropout},
            {"hflip", hflip},         {"shift", shift},
            {"sigma_min", sigmaMin},  {"sigma_max", sigmaMax},
            {"data_dir", dataDir},    {"image_size", imageSize},
            {"channels", channels},   {"degradations", degradations},
            {"noise_sigma_min", noiseSigmaMin}, {"noise_sigma_max", noiseSigmaMax},
            {"patch_stride", patchStride}, {"patch_scales", patchScales},
            {"net", net.toJson()},
            {"classifier", classifier.toJson()}};
    if (task == "text-denoiser") j["text_encoder"] = textEncoder.toJson();
    if (task == "enhancer") {
        j["speech_dir"] = speechDir;
        j["crop_frames"] = cropFrames;
        j["test_speaker"] = testSpeaker;
        j["snr_min"] = snrMin;
        j["snr_max"] = snrMax;
    }
    return j;
}

std::string Recipe::architecture() const {
    if (task == "classifier") return "classifier " + classifier.toJson().dump();
    if (task == "noise-level") return "noise-level " + classifier.toJson().dump();
    if (task == "restorer") return "restorer " + net.toJson().dump();
    if (task == "enhancer") return "enhancer " + net.toJson().dump();
    if (task == "text-denoiser") return erase::textArchitecture(net, textEncoder);
    return net.toJson().dump();
}

namespace {
Result<Recipe> parseRecipe(const std::string& text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return Result<Recipe>::invalid(where + ": not valid JSON (" + firstLine(e.what()) + ")");
    }
    Recipe r;
    if (auto why = Recipe::fromJson(j, &r); !why.empty()) return Result<Recipe>::invalid(where + ": " + why);
    return r;
}
} // namespace

Result<RecipeInfo> inspectRecipe(const std::string& jsonText) {
    auto r = parseRecipe(jsonText, "recipe");
    if (!r) return r.error();
    return RecipeInfo{r.value().name, r.value().task, r.value().steps, r.value().batch};
}

Result<Summary> runFromText(const std::string& jsonText, const Options& options, const JobContext& ctx) {
    auto r = parseRecipe(jsonText, "recipe");
    if (!r) return r.error();
    return run(r.value(), options, ctx);
}

Result<Recipe> loadRecipe(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Result<Recipe>::invalid(path + ": cannot open the recipe");
    std::stringstream text;
    text << in.rdbuf();
    return parseRecipe(text.str(), path);
}

double learningRate(const Recipe& r, std::int64_t step) {
    if (r.warmup > 0 && step < r.warmup) return r.lr * double(step + 1) / double(r.warmup);
    const double span = double(std::max<std::int64_t>(1, r.steps - r.warmup));
    const double progress = std::clamp(double(step - r.warmup) / span, 0.0, 1.0);
    return r.lr * 0.5 * (1.0 + std::cos(M_PI * progress));
}

// ---- checkpoints ----------------------------------------------------------------------------

namespace {

struct State {
    std::shared_ptr<torch::nn::Module> module;
    std::vector<at::Tensor> ema; ///< EMA of the parameters (buffers such as BatchNorm's are saved as they are)
    std::unique_ptr<torch::optim::AdamW> optimizer;
    at::Generator gen;
    std::int64_t step = 0;
};

// Writes through a temporary file and a rename, so a checkpoint is never half-written.
void saveCheckpoint(const State& s, const Recipe& r, const std::string& path) {
    torch::serialize::OutputArchive root;
    torch::serialize::OutputArchive model, optim, ema;
    s.module->save(model);
    s.optimizer->save(optim);
    for (std::size_t i = 0; i < s.ema.size(); ++i) ema.write(std::to_string(i), s.ema[i]);
    root.write("model", model);
    root.write("optimizer", optim);
    root.write("ema", ema);
    root.write("step", at::tensor(s.step));
    root.write("generator", s.gen.get_state());
    root.write("architecture", c10::IValue(r.architecture()));
    root.write("recipe", c10::IValue(r.toJson().dump()));
    const std::string tmp = path + ".tmp";
    root.save_to(tmp);
    fs::rename(tmp, path);
}

std::string readArchitecture(torch::serialize::InputArchive& root) {
    c10::IValue arch;
    if (!root.try_read("architecture", arch) || !arch.isString()) return {};
    return arch.toStringRef();
}

// Loads a checkpoint's weights into module and replaces its parameters by the EMA weights.
Result<bool> loadEmaWeights(torch::nn::Module& module, const std::string& path, const std::string& arch) {
    if (!fs::exists(path)) return Result<bool>::invalid(path + ": no such file");
    return guarded<bool>("loading " + path, [&]() -> Result<bool> {
        torch::serialize::InputArchive root;
        root.load_from(path);
        const std::string saved = readArchitecture(root);
        if (saved != arch)
            return Result<bool>::invalid(path + " was saved from a different architecture (" +
                                         (saved.empty() ? "none recorded" : saved) + "), expected " + arch);
        torch::serialize::InputArchive modelArchive;
        root.read("model", modelArchive);
        module.load(modelArchive);
        torch::serialize::InputArchive ema;
        if (root.try_read("ema", ema)) {
            torch::NoGradGuard g;
            auto params = module.parameters();
            for (std::size_t i = 0; i < params.size(); ++i) {
                at::Tensor t;
                ema.read(std::to_string(i), t);
                params[i].copy_(t);
            }
        }
        module.eval();
        return true;
    });
}

} // namespace

Result<std::int64_t> exportWeights(const std::string& checkpoint, const std::string& out) {
    return guarded<std::int64_t>("export " + checkpoint, [&]() -> Result<std::int64_t> {
        if (!fs::exists(checkpoint)) return Result<std::int64_t>::invalid(checkpoint + ": no such file");
        torch::serialize::InputArchive root;
        root.load_from(checkpoint);
        c10::IValue recipeText;
        if (!root.try_read("recipe", recipeText) || !recipeText.isString())
            return Result<std::int64_t>::invalid(checkpoint + " records no recipe (not a training checkpoint)");
        Recipe r;
        if (auto err = Recipe::fromJson(nlohmann::json::parse(recipeText.toStringRef()), &r); !err.empty())
            return Result<std::int64_t>::invalid(checkpoint + ": " + err);
        std::shared_ptr<torch::nn::Module> module;
        if (r.task == "classifier" || r.task == "noise-level") {
            auto m = r.task == "classifier" ? loadClassifier(checkpoint, r.classifier)
                                            : loadNoiseLevel(checkpoint, r.classifier);
            if (!m) return m.error();
            module = m.value().ptr();
        } else if (r.task == "text-denoiser") {
            auto m = erase::loadTextDenoiserWeights(checkpoint, r.net, r.textEncoder, r.sigmaData);
            if (!m) return m.error();
            module = m.value().ptr();
        } else {
            auto m = loadDenoiser(checkpoint, r.net, r.sigmaData, r.task);
            if (!m) return m.error();
            module = m.value().ptr();
        }
        torch::serialize::OutputArchive o, model;
        module->save(model);
        o.write("model", model);
        o.write("architecture", c10::IValue(r.architecture()));
        o.write("recipe", c10::IValue(r.toJson().dump()));
        const std::string tmp = out + ".tmp";
        o.save_to(tmp);
        fs::rename(tmp, out);
        return static_cast<std::int64_t>(fs::file_size(out));
    });
}

Result<models::EdmDenoiser> loadDenoiser(const std::string& path, const models::UNetConfig& expected, double sigmaData,
                                         const std::string& task) {
    models::EdmDenoiser m(expected, sigmaData);
    Recipe r;
    r.task = task;
    r.net = expected;
    auto ok = loadEmaWeights(*m, path, r.architecture());
    if (!ok) return ok.error();
    return m;
}

namespace {
// The classifier and the noise-level estimator share a shape; the recorded task tells them apart.
Result<models::Classifier> loadClassifierShaped(const std::string& path, const models::ClassifierConfig& expected,
                                                const std::string& task) {
    models::Classifier m(expected);
    Recipe r;
    r.task = task;
    r.classifier = expected;
    auto ok = loadEmaWeights(*m, path, r.architecture());
    if (!ok) return ok.error();
    return m;
}
} // namespace

Result<models::Classifier> loadClassifier(const std::string& path, const models::ClassifierConfig& expected) {
    return loadClassifierShaped(path, expected, "classifier");
}

Result<models::Classifier> loadNoiseLevel(const std::string& path, const models::ClassifierConfig& expected) {
    return loadClassifierShaped(path, expected, "noise-level");
}

Result<data::LabelledImages> loadTrainingData(const Recipe& r) {
    if (r.dataset == "folder") return data::loadImageFolder(r.dataDir, r.imageSize, r.channels, r.trainLimit);
    if (r.dataset == "patches")
        return data::loadImagePatches(r.dataDir, r.imageSize, r.patchStride, r.channels, r.patchScales, r.trainLimit);
    return data::loadFashionMnist(data::Split::Train, data::defaultFashionMnistDir(), r.trainLimit);
}

at::Tensor augment(const Recipe& r, const at::Tensor& x, at::Generator& gen) {
    at::Tensor out = x;
    const std::int64_t B = x.size(0);
    if (r.hflip) {
        const auto flip = at::bernoulli(at::full({B}, 0.5), gen).to(at::kBool);
        out = at::where(flip.view({-1, 1, 1, 1}), out.flip({3}), out);
    }
    if (r.shift > 0) {
        // Pad with the background (−1, black) and crop back at a random offset per image.
        const int k = r.shift;
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

double accuracy(models::Classifier& model, const at::Tensor& images, const at::Tensor& labels) {
    torch::NoGradGuard g;
    const bool wasTraining = model->is_training();
    model->eval();
    std::int64_t correct = 0;
    const std::int64_t N = images.size(0);
    for (std::int64_t i = 0; i < N; i += 500) {
        const auto x = data::toSigned(images.slice(0, i, std::min(N, i + 500)));
        const auto pred = model(x).argmax(1);
        correct += pred.eq(labels.slice(0, i, std::min(N, i + 500))).sum().item<std::int64_t>();
    }
    model->train(wasTraining);
    return N > 0 ? double(correct) / double(N) : 0.0;
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

// ---- the training loop ----------------------------------------------------------------------

speech::CorpusOptions enhancerCorpusOptions(const Recipe& r) {
    speech::CorpusOptions o;
    o.dir = r.speechDir;
    o.testSpeaker = r.testSpeaker;
    o.trainSpeakers.erase(std::remove(o.trainSpeakers.begin(), o.trainSpeakers.end(), r.testSpeaker),
                          o.trainSpeakers.end());
    if (r.testSpeaker != "ru") o.trainSpeakers.push_back("ru"); // the default test speaker trains instead
    o.length = std::int64_t(r.cropFrames - 1) * speech::SpecParams{}.hop;
    o.snrMin = r.snrMin;
    o.snrMax = r.snrMax;
    return o;
}

Result<std::pair<at::Tensor, at::Tensor>> enhancerBatch(const speech::Corpus& corpus, std::uint64_t seed,
                                                        std::int64_t step, int batch) {
    std::vector<at::Tensor> x0, mu;
    for (int i = 0; i < batch; ++i) {
        const auto m = corpus.mixture(speech::CorpusSplit::Train, seed, std::uint64_t(step) * std::uint64_t(batch) + std::uint64_t(i));
        auto p = speech::trainingPair(m.clean, m.noisy);
        if (!p) return p.error();
        x0.push_back(p.value().first);
        mu.push_back(p.value().second);
    }
    return std::make_pair(at::stack(x0), at::stack(mu));
}

at::Tensor edmLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                   const at::Tensor& labels) {
    const auto s4 = sigma.view({-1, 1, 1, 1});
    const double sd = model->sigmaData();
    const auto weight = (s4 * s4 + sd * sd) / (s4 * sd).pow(2);
    const auto denoised = model->forward(x0 + s4 * z, sigma, at::Tensor(), labels);
    return (weight * (denoised - x0).pow(2)).mean();
}

at::Tensor restorerLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& mu, const at::Tensor& sigma,
                        const at::Tensor& z) {
    const auto s4 = sigma.view({-1, 1, 1, 1});
    const double sd = model->sigmaData();
    const auto weight = (s4 * s4 + sd * sd) / (s4 * sd).pow(2);
    const auto y0 = x0 - mu;
    const auto denoised = model->forward(y0 + s4 * z, sigma, mu);
    return (weight * (denoised - y0).pow(2)).mean();
}

Result<Summary> run(const Recipe& recipe, const Options& options, const JobContext& ctx) {
    if (options.outDir.empty()) return Result<Summary>::invalid("no output folder given for the checkpoints");
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (ec) return Result<Summary>::invalid("cannot create " + options.outDir + ": " + ec.message());

    // The enhancer mixes its speech on the fly (no image data set).
    const bool enhancer = recipe.task == "enhancer";
    auto data = enhancer ? Result<data::LabelledImages>(data::LabelledImages{}) : loadTrainingData(recipe);
    if (!data) return data.error();
    const auto& images = data.value().images;
    const auto& labels = data.value().labels;
    const std::int64_t N = data.value().size();
    if (!enhancer && N < recipe.batch)
        return Result<Summary>::invalid("the data set has " + std::to_string(N) + " images, fewer than one batch of " +
                                        std::to_string(recipe.batch));
    const bool classifierShaped = recipe.task == "classifier" || recipe.task == "noise-level";
    const int netChannels = classifierShaped ? recipe.classifier.inChannels : recipe.net.inChannels;
    if (!enhancer && netChannels != images.size(1))
        return Result<Summary>::invalid("the network expects " + std::to_string(netChannels) +
                                        " channel(s), the data has " + std::to_string(images.size(1)));
    std::optional<speech::Corpus> corpus;
    if (enhancer) {
        runtime::keepFreedMemory(); // the step's activations are freed and reallocated every step
        auto c = speech::Corpus::load(enhancerCorpusOptions(recipe));
        if (!c) return c.error();
        corpus = c.value();
    }

    return guarded<Summary>("training " + recipe.name, [&]() -> Result<Summary> {
        const std::string ckpt = (fs::path(options.outDir) / "checkpoint.pt").string();
        const std::string logPath = (fs::path(options.outDir) / "train_log.csv").string();
        {
            std::ofstream rj((fs::path(options.outDir) / "recipe.json").string());
            rj << recipe.toJson().dump(2) << '\n';
        }

        torch::manual_seed(recipe.seed); // initial weights
        const bool classify = recipe.task == "classifier";
        const bool noiseLevel = recipe.task == "noise-level";
        const bool restorer = recipe.task == "restorer";
        std::vector<restore::Degradation> pool;
        for (const auto& d : recipe.degradations) pool.push_back(*restore::parseDegradation(d));
        if (pool.empty()) pool = restore::allDegradations();
        restore::DegradeRanges ranges;
        ranges.noiseSigmaMin = recipe.noiseSigmaMin;
        ranges.noiseSigmaMax = recipe.noiseSigmaMax;
        State s;
        const bool textTask = recipe.task == "text-denoiser";
        models::EdmDenoiser denoiser{nullptr};
        models::Classifier classifier{nullptr};
        erase::TextDenoiser textModel{nullptr};
        if (classify || noiseLevel) {
            classifier = models::Classifier(recipe.classifier);
            s.module = classifier.ptr();
        } else if (textTask) {
            textModel = erase::TextDenoiser(recipe.net, recipe.textEncoder, recipe.sigmaData);
            s.module = textModel.ptr();
        } else {
            denoiser = models::EdmDenoiser(recipe.net, recipe.sigmaData);
            s.module = denoiser.ptr();
        }
        s.module->train();
        s.optimizer = std::make_unique<torch::optim::AdamW>(
            s.module->parameters(), torch::optim::AdamWOptions(recipe.lr).weight_decay(recipe.weightDecay));
        s.gen = at::make_generator<at::CPUGeneratorImpl>(recipe.seed + 1);
        {
            torch::NoGradGuard g;
            for (const auto& p : s.module->parameters()) s.ema.push_back(p.detach().clone());
        }

        if (options.resume && fs::exists(ckpt)) {
            torch::serialize::InputArchive root;
            root.load_from(ckpt);
            const std::string arch = readArchitecture(root);
            if (arch != recipe.architecture())
                return Result<Summary>::invalid(ckpt + " is from a different architecture; move it away or use "
                                                       "the recipe it was trained with");
            torch::serialize::InputArchive model, optim, ema;
            root.read("model", model);
            s.module->load(model);
            root.read("optimizer", optim);
            s.optimizer->load(optim);
            root.read("ema", ema);
            for (std::size_t i = 0; i < s.ema.size(); ++i) ema.read(std::to_string(i), s.ema[i]);
            at::Tensor step, gen;
            root.read("step", step);
            root.read("generator", gen);
            s.step = step.item<std::int64_t>();
            s.gen.set_state(gen);
            spdlog::info("training {}: resumed at step {}", recipe.name, s.step);
        }

        // The CSV log keeps the rows up to the resumed step only.
        {
            std::vector<std::string> kept;
            std::ifstream in(logPath);
            std::string line;
            while (std::getline(in, line)) {
                if (line.rfind("step,", 0) == 0) continue;
                if (std::stoll(line.substr(0, line.find(','))) <= s.step) kept.push_back(line);
            }
            in.close();
            std::ofstream out(logPath, std::ios::trunc);
            out << "step,loss,lr,grad_norm,seconds_per_step\n";
            for (const auto& l : kept) out << l << '\n';
        }
        std::ofstream log(logPath, std::ios::app);

        Summary sum;
        sum.startStep = s.step;
        for (const auto& p : s.module->parameters()) sum.parameters += p.numel();
        const double t0 = nowSeconds();
        double lossAcc = 0;
        int lossCount = 0;
        auto params = s.module->parameters();
        const std::int64_t stopAt = options.maxStepsThisRun >= 0
                                        ? std::min(recipe.steps, s.step + options.maxStepsThisRun)
                                        : recipe.steps;
        bool cancelled = false;
        while (s.step < stopAt) {
            if (ctx.cancelled()) {
                cancelled = true;
                break;
            }
            const double ts = nowSeconds();
            at::Tensor x0, y;
            if (!enhancer) {
                const auto index = batchIndices(recipe.seed, s.step, recipe.batch, N);
                x0 = data::toSigned(images.index_select(0, index));
                y = labels.index_select(0, index);
                x0 = augment(recipe, x0, s.gen);
            }
            at::Tensor loss;
            if (enhancer) {
                auto pair = enhancerBatch(*corpus, recipe.seed, s.step, recipe.batch);
                if (!pair) return pair.error();
                x0 = pair.value().first;
                const auto n = at::randn({recipe.batch}, s.gen);
                const auto sigma = (n * recipe.pStd + recipe.pMean).exp();
                const auto z = at::randn(x0.sizes(), s.gen);
                loss = restorerLoss(denoiser, x0, pair.value().second, sigma, z);
            } else if (classify) {
                loss = at::cross_entropy_loss(classifier(x0), y);
            } else if (noiseLevel) {
                const double lo = std::log(recipe.sigmaMin), hi = std::log(recipe.sigmaMax);
                const auto sigma = (at::rand({recipe.batch}, s.gen) * (hi - lo) + lo).exp();
                const auto xt = x0 + sigma.view({-1, 1, 1, 1}) * at::randn(x0.sizes(), s.gen);
                loss = (models::noiseLevelOutput(classifier, xt) - models::noiseLevelTarget(xt, sigma)).pow(2).mean();
            } else if (restorer) {
                const auto mu = restore::degradeMixed(x0, pool, s.gen, ranges).mu;
                const auto n = at::randn({recipe.batch}, s.gen);
                const auto sigma = (n * recipe.pStd + recipe.pMean).exp();
                const auto z = at::randn(x0.sizes(), s.gen);
                loss = restorerLoss(denoiser, x0, mu, sigma, z);
            } else if (textTask) {
                // Each item's class → one of its training prompts; dropped to "" for CFG.
                const auto drop = at::bernoulli(at::full({recipe.batch}, recipe.labelDropout), s.gen).to(at::kBool);
                const auto dropAcc = drop.accessor<bool, 1>();
                const auto yAcc = y.accessor<std::int64_t, 1>();
                std::vector<std::string> prompts;
                prompts.reserve(std::size_t(recipe.batch));
                for (std::int64_t i = 0; i < recipe.batch; ++i)
                    prompts.push_back(dropAcc[i] ? std::string()
                                                 : erase::text::trainingPrompt(int(yAcc[i]), recipe.seed, s.step, i));
                auto ids = erase::tokenIds(prompts);
                if (!ids) return ids.error();
                const auto n = at::randn({recipe.batch}, s.gen);
                const auto sigma = (n * recipe.pStd + recipe.pMean).exp();
                const auto z = at::randn(x0.sizes(), s.gen);
                loss = erase::textEdmLoss(textModel, x0, sigma, z, ids.value());
            } else {
                at::Tensor lab;
                if (recipe.net.numClasses > 0) {
                    const auto drop = at::bernoulli(at::full({recipe.batch}, recipe.labelDropout), s.gen).to(at::kBool);
                    lab = at::where(drop, at::full_like(y, recipe.net.numClasses), y);
                }
                const auto n = at::randn({recipe.batch}, s.gen);
                const auto sigma = (n * recipe.pStd + recipe.pMean).exp();
                const auto z = at::randn(x0.sizes(), s.gen);
                loss = edmLoss(denoiser, x0, sigma, z, lab);
            }

            const double lr = learningRate(recipe, s.step);
            for (auto& group : s.optimizer->param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            s.optimizer->zero_grad();
            loss.backward();
            const double gradNorm = torch::nn::utils::clip_grad_norm_(params, recipe.gradClip);
            s.optimizer->step();
            {
                torch::NoGradGuard g;
                const double d = std::min(recipe.emaDecay, double(s.step + 1) / double(s.step + 10));
                for (std::size_t i = 0; i < params.size(); ++i) s.ema[i].mul_(d).add_(params[i].detach(), 1.0 - d);
            }
            ++s.step;
            const double l = loss.item<double>();
            if (!std::isfinite(l))
                return Result<Summary>::failed("the loss became " + std::to_string(l) + " at step " +
                                               std::to_string(s.step) + "; lower lr or grad_clip (last checkpoint kept)");
            lossAcc += l;
            ++lossCount;
            const double dt = nowSeconds() - ts;
            if (s.step % recipe.logEvery == 0 || s.step == stopAt) {
                sum.loss = lossAcc / lossCount;
                log << s.step << ',' << sum.loss << ',' << lr << ',' << gradNorm << ',' << dt << '\n';
                log.flush();
                lossAcc = 0;
                lossCount = 0;
            }
            if (s.step % recipe.checkpointEvery == 0) saveCheckpoint(s, recipe, ckpt);
            Progress p;
            p.step = s.step;
            p.total = recipe.steps;
            p.stepSeconds = dt;
            char msg[64];
            std::snprintf(msg, sizeof msg, "loss %.4f", l);
            p.message = msg;
            p.values = {{"loss", l}, {"lr", lr}, {"grad_norm", gradNorm}};
            ctx.report(p);
        }
        saveCheckpoint(s, recipe, ckpt);
        if (classify && !cancelled && recipe.dataset == "fashion-mnist") {
            auto test = data::loadFashionMnist(data::Split::Test);
            if (!test) return test.error();
            auto ema = loadClassifier(ckpt, recipe.classifier);
            if (!ema) return ema.error();
            sum.testAccuracy = accuracy(ema.value(), test.value().images, test.value().labels);
            spdlog::info("training {}: test accuracy {:.4f}", recipe.name, sum.testAccuracy);
        }
        sum.step = s.step;
        sum.seconds = nowSeconds() - t0;
        sum.secondsPerStep = s.step > sum.startStep ? sum.seconds / double(s.step - sum.startStep) : 0;
        sum.checkpoint = ckpt;
        if (lossCount > 0) sum.loss = lossAcc / lossCount;
        spdlog::info("training {}: step {} of {}, loss {:.4f}, {:.2f} s/step", recipe.name, s.step, recipe.steps,
                     sum.loss, sum.secondsPerStep);
        if (cancelled) return Result<Summary>::cancelled("training cancelled at step " + std::to_string(s.step) +
                                                         "; checkpoint written, run again to resume");
        return sum;
    });
}

} // namespace reverie::train
