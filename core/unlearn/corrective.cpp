#include "unlearn/corrective.h"

#include "data/fashion_mnist.h"
#include "unlearn/ssd.h"
#include "models/store.h"
#include "models/classifier.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>

namespace reverie::unlearn {

namespace {

constexpr double kPi = 3.14159265358979323846;

at::Tensor stamp(at::Tensor images, int patch) {
    // images: uint8 [N, 1, H, W]; a patch × patch square of 255 in the bottom-right corner.
    auto out = images.clone();
    const auto h = out.size(2), w = out.size(3);
    out.narrow(2, h - patch, patch).narrow(3, w - patch, patch).fill_(255);
    return out;
}

struct TrainSet {
    at::Tensor images;            ///< uint8 [N, 1, 28, 28], clean
    at::Tensor labels;            ///< int64 [N], true labels
    std::vector<char> poisoned;   ///< per image
};

/// The stored form of sample i: triggered and relabelled when poisoned.
std::pair<at::Tensor, std::int64_t> storedSample(const TrainSet& d, std::int64_t i, int patch, int target) {
    auto x = d.images[i].unsqueeze(0);
    std::int64_t y = d.labels[i].item<std::int64_t>();
    if (d.poisoned[std::size_t(i)]) {
        x = stamp(x, patch);
        y = target;
    }
    return {x, y};
}

double accuracy(models::Classifier& net, const at::Tensor& images, const at::Tensor& labels) {
    c10::InferenceMode inference;
    net->eval();
    std::int64_t right = 0;
    for (std::int64_t s = 0; s < images.size(0); s += 1000) {
        const auto n = std::min<std::int64_t>(1000, images.size(0) - s);
        const auto logits = net->forward(data::toSigned(images.narrow(0, s, n)));
        right += logits.argmax(1).eq(labels.narrow(0, s, n)).sum().item<std::int64_t>();
    }
    return images.size(0) > 0 ? double(right) / double(images.size(0)) : 0.0;
}

double share(models::Classifier& net, const at::Tensor& images, std::int64_t cls) {
    c10::InferenceMode inference;
    net->eval();
    std::int64_t hits = 0;
    for (std::int64_t s = 0; s < images.size(0); s += 1000) {
        const auto n = std::min<std::int64_t>(1000, images.size(0) - s);
        hits += net->forward(data::toSigned(images.narrow(0, s, n))).argmax(1).eq(cls).sum().item<std::int64_t>();
    }
    return images.size(0) > 0 ? double(hits) / double(images.size(0)) : 0.0;
}

/// Trains a classifier from scratch on the stored training set without the `excluded` samples.
Result<models::Classifier> train(const CorrectiveParams& p, const models::ClassifierConfig& config, const TrainSet& d,
                                 const std::vector<char>& excluded, std::uint64_t seed, const std::string& what,
                                 const JobContext& ctx) {
    using R = Result<models::Classifier>;
    torch::manual_seed(seed);
    models::Classifier net(config);
    torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(p.lr).weight_decay(p.weightDecay));
    std::vector<std::int64_t> pool;
    for (std::int64_t i = 0; i < d.images.size(0); ++i)
        if (!excluded[std::size_t(i)]) pool.push_back(i);
    if (pool.empty()) return R::invalid("nothing left to train on");
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    std::bernoulli_distribution flip(0.5);
    const auto poisonFlags = at::from_blob(const_cast<char*>(d.poisoned.data()), {std::int64_t(d.poisoned.size())},
                                           at::kChar).to(at::kBool);
    for (int step = 0; step < p.steps; ++step) {
        if (ctx.cancelled()) return R::cancelled(what + ": cancelled at step " + std::to_string(step));
        std::vector<std::int64_t> idx(std::size_t(p.batch));
        std::vector<std::int64_t> flips;
        for (std::size_t k = 0; k < idx.size(); ++k) {
            idx[k] = std::int64_t(pool[pick(rng)]);
            if (flip(rng)) flips.push_back(std::int64_t(k));
        }
        const auto ix = at::tensor(idx, at::kLong);
        auto x = d.images.index_select(0, ix).clone();
        auto y = d.labels.index_select(0, ix).clone();
        if (!flips.empty()) {
            const auto fx = at::tensor(flips, at::kLong);
            x.index_copy_(0, fx, x.index_select(0, fx).flip({3}));
        }
        // The trigger goes on after the augmentation, so it always sits in the same corner.
        const auto bad = poisonFlags.index_select(0, ix);
        if (bad.any().item<bool>()) {
            const auto bi = bad.nonzero().squeeze(1);
            x.index_copy_(0, bi, stamp(x.index_select(0, bi), p.patch));
            y.index_fill_(0, bi, std::int64_t(p.targetClass));
        }
        const double warm = p.warmup > 0 ? std::min(1.0, double(step + 1) / p.warmup) : 1.0;
        const double lr = p.lr * warm * 0.5 * (1 + std::cos(kPi * double(step) / double(p.steps)));
        for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        net->train();
        opt.zero_grad();
        const auto loss = torch::nn::functional::cross_entropy(net->forward(data::toSigned(x)), y);
        loss.backward();
        opt.step();
        if (step % 50 == 0 || step + 1 == p.steps) {
            Progress pr;
            pr.step = step + 1;
            pr.total = p.steps;
            pr.values = {{"loss", loss.item<double>()}};
            pr.message = what;
            ctx.report(pr);
        }
    }
    net->eval();
    return net;
}

std::string pct(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%5.1f%%", 100 * v);
    return b;
}

} // namespace

Result<CorrectiveReport> runCorrectiveBench(const CorrectiveParams& p, const JobContext& ctx) {
    using R = Result<CorrectiveReport>;
    if (p.targetClass < 0 || p.targetClass > 9) return R::invalid("the target class must be between 0 and 9");
    if (!(p.poisonShare > 0 && p.poisonShare < 0.5)) return R::invalid("the poisoned share must be in (0, 0.5)");
    if (p.patch < 1 || p.patch > 8) return R::invalid("the trigger patch must be 1 to 8 pixels");
    if (p.steps < 1 || p.batch < 1 || !(p.lr > 0)) return R::invalid("training needs steps, batch and lr > 0");
    for (double f : p.identified)
        if (!(f > 0 && f <= 1)) return R::invalid("identified fractions must be in (0, 1]");
    if (p.ssdBatches.empty()) return R::invalid("SSD needs at least one minibatch size");
    for (int bs : p.ssdBatches)
        if (bs < 1) return R::invalid("SSD's minibatch sizes must be >= 1");
    const std::string dir = p.dataDir.empty() ? data::defaultFashionMnistDir() : p.dataDir;
    auto trainData = data::loadFashionMnist(data::Split::Train, dir, p.trainImages);
    if (!trainData) return trainData.error();
    auto testData = data::loadFashionMnist(data::Split::Test, dir, p.testImages);
    if (!testData) return testData.error();

    return guarded<CorrectiveReport>("corrective unlearning", [&]() -> R {
        CorrectiveReport rep;
        TrainSet d{trainData.value().images, trainData.value().labels, {}};
        const auto n = d.images.size(0);
        d.poisoned.assign(std::size_t(n), 0);
        // Poison a fixed random share of the images of the other classes.
        std::vector<std::int64_t> candidates;
        const auto lab = d.labels.accessor<std::int64_t, 1>();
        for (std::int64_t i = 0; i < n; ++i)
            if (lab[i] != p.targetClass) candidates.push_back(i);
        std::mt19937_64 rng(p.seed);
        std::shuffle(candidates.begin(), candidates.end(), rng);
        const auto count = std::min<std::int64_t>(std::int64_t(candidates.size()), std::llround(p.poisonShare * double(n)));
        if (count < 1) return R::invalid("the poisoned share leaves no poisoned image");
        std::vector<std::int64_t> poisonOrder(candidates.begin(), candidates.begin() + count); // identification order
        for (auto i : poisonOrder) d.poisoned[std::size_t(i)] = 1;
        rep.poisoned = count;

        // Test images: clean, and triggered (target class left out).
        const auto testImages = testData.value().images, testLabels = testData.value().labels;
        const auto keep = testLabels.ne(p.targetClass).nonzero().squeeze(1);
        const auto trigImages = stamp(testImages.index_select(0, keep), p.patch);
        const auto trigLabels = testLabels.index_select(0, keep);
        auto measure = [&](models::Classifier& net, const std::string& method, double fraction) {
            CorrectiveRow r;
            r.method = method;
            r.identified = fraction;
            r.cleanAccuracy = accuracy(net, testImages, testLabels);
            r.triggeredAccuracy = accuracy(net, trigImages, trigLabels);
            r.attackSuccess = share(net, trigImages, p.targetClass);
            return r;
        };

        // The shipped classifier's architecture when it is given (its defaults otherwise: the same).
        models::ClassifierConfig config;
        if (!p.shippedClassifierDir.empty()) {
            auto shipped = models::loadClassifierFolder(p.shippedClassifierDir);
            if (!shipped) return shipped.error();
            config = shipped.value()->config();
            rep.rows.push_back(measure(shipped.value(), "shipped", 0));
        }

        const double t0 = nowSeconds();
        auto poisoned = train(p, config, d, std::vector<char>(std::size_t(n), 0), p.seed + 1, "training on the poisoned set", ctx);
        if (!poisoned) return poisoned.error();
        auto net = poisoned.value();
        auto row = measure(net, "poisoned", 0);
        row.seconds = nowSeconds() - t0;
        rep.rows.push_back(row);

        // SSD (unlearn/ssd.h) as the reference runs it: for each identified fraction, I_D over the
        // retain set = the stored training data minus the identified samples (unidentified poison
        // stays in it, as it would for a user), I_F over the identified samples, both the mean over
        // minibatches of the squared gradient of the minibatch's mean loss.
        const auto loss = [&](const SsdBatch& b) {
            return torch::nn::functional::cross_entropy(net->forward(b.input), b.target);
        };
        auto batchesOf = [&](const std::vector<std::int64_t>& idx, int bs) {
            std::vector<SsdBatch> out;
            for (std::size_t s = 0; s < idx.size(); s += std::size_t(bs)) {
                const auto e = std::min(idx.size(), s + std::size_t(bs));
                std::vector<at::Tensor> xs;
                std::vector<std::int64_t> ys;
                for (auto k = s; k < e; ++k) {
                    auto [x, y] = storedSample(d, idx[k], p.patch, p.targetClass);
                    xs.push_back(x);
                    ys.push_back(y);
                }
                out.push_back(SsdBatch{data::toSigned(at::cat(xs)), at::tensor(ys, at::kLong)});
            }
            return out;
        };
        std::vector<std::int64_t> shuffled(static_cast<std::size_t>(n));
        std::iota(shuffled.begin(), shuffled.end(), 0);
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        std::vector<at::Tensor> saved;
        for (const auto& t : net->parameters()) saved.push_back(t.detach().clone());
        auto reset = [&] {
            torch::NoGradGuard ng;
            auto params = net->parameters();
            for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
        };

        for (double f : p.identified) {
            const auto known = std::max<std::int64_t>(1, std::llround(f * double(count)));
            std::vector<char> identified(std::size_t(n), 0);
            std::vector<std::int64_t> forgetIdx(poisonOrder.begin(), poisonOrder.begin() + known), retainIdx;
            for (auto i : forgetIdx) identified[std::size_t(i)] = 1;
            for (auto i : shuffled)
                if (!identified[std::size_t(i)] && (p.retainSamples <= 0 || std::int64_t(retainIdx.size()) < p.retainSamples))
                    retainIdx.push_back(i);
            for (int bs : p.ssdBatches) {
                reset();
                net->eval();
                const double ts = nowSeconds();
                auto fisherD = diagonalFisher(*net, batchesOf(retainIdx, bs), loss, ctx);
                if (!fisherD) return fisherD.error();
                auto fisherF = diagonalFisher(*net, batchesOf(forgetIdx, bs), loss, ctx);
                if (!fisherF) return fisherF.error();
                SsdParams sp;
                sp.alpha = p.alpha;
                sp.lambda = p.lambda;
                auto damp = dampen(net->parameters(), fisherD.value(), fisherF.value(), sp);
                if (!damp) return damp.error();
                auto r = measure(net, "ssd", f);
                r.dampened = damp.value().dampened;
                r.ssdBatch = bs;
                r.seconds = nowSeconds() - ts;
                rep.rows.push_back(r);
            }
            reset();

            if (p.retrain) {
                const double tr = nowSeconds();
                auto re = train(p, config, d, identified, p.seed + 1, "retraining without the identified samples", ctx);
                if (!re) return re.error();
                auto rr = measure(re.value(), "retrain", f);
                rr.seconds = nowSeconds() - tr;
                rep.rows.push_back(rr);
            }
        }

        nlohmann::json rows = nlohmann::json::array();
        std::string table = "Corrective unlearning: " + std::to_string(count) + " of " + std::to_string(n) +
                            " training images poisoned (" + std::to_string(p.patch) + "x" + std::to_string(p.patch) +
                            " trigger -> class " + std::to_string(p.targetClass) + "), " + std::to_string(p.steps) +
                            " steps x " + std::to_string(p.batch) + "\n";
        table += "method     identified  clean acc  triggered acc  attack success  dampened  seconds\n";
        table += "(ssd/N: SSD with importances over minibatches of N; retain set = training data minus the identified)\n";
        for (const auto& r : rep.rows) {
            char line[200];
            const auto method = r.ssdBatch > 0 ? r.method + "/" + std::to_string(r.ssdBatch) : r.method;
            std::snprintf(line, sizeof line, "%-10s %9s  %9s  %13s  %14s  %8lld  %7.1f\n", method.c_str(),
                          r.identified > 0 ? pct(r.identified).c_str() : "-", pct(r.cleanAccuracy).c_str(),
                          pct(r.triggeredAccuracy).c_str(), pct(r.attackSuccess).c_str(), (long long)r.dampened, r.seconds);
            table += line;
            rows.push_back({{"method", r.method}, {"identified", r.identified}, {"clean_accuracy", r.cleanAccuracy},
                            {"triggered_accuracy", r.triggeredAccuracy}, {"attack_success", r.attackSuccess},
                            {"dampened", r.dampened}, {"ssd_batch", r.ssdBatch}, {"seconds", r.seconds}});
        }
        rep.table = table;
        rep.json = nlohmann::json{{"bench", "unlearn"},
                                  {"poisoned", count},
                                  {"train_images", n},
                                  {"target_class", p.targetClass},
                                  {"patch", p.patch},
                                  {"steps", p.steps},
                                  {"batch", p.batch},
                                  {"alpha", p.alpha},
                                  {"lambda", p.lambda},
                                  {"retain_samples", p.retainSamples},
                                  {"ssd_batches", p.ssdBatches},
                                  {"rows", rows}}
                       .dump();
        return rep;
    });
}

} // namespace reverie::unlearn
