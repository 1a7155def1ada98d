#include "tune/continual.h"

#include "data/fashion_mnist.h"
#include "models/classifier.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

namespace reverie::tune {

double averageAccuracy(const std::vector<std::vector<double>>& r) {
    if (r.empty() || r.back().empty()) return 0;
    double s = 0;
    for (double v : r.back()) s += v;
    return s / double(r.back().size());
}

double forgetting(const std::vector<std::vector<double>>& r) {
    const std::size_t T = r.size();
    if (T < 2) return 0;
    double s = 0;
    for (std::size_t j = 0; j + 1 < T; ++j) {
        double best = -1;
        for (std::size_t i = j; i + 1 < T; ++i) best = std::max(best, r[i][j]);
        s += best - r[T - 1][j];
    }
    return s / double(T - 1);
}

namespace {

struct TaskData {
    at::Tensor trainX, trainY, testX, testY; // images in [−1, 1], labels int64
    int a = 0, b = 0;                        // the two classes
};

// Reservoir buffer (Vitter's algorithm R): every example seen so far is in it with equal chance.
struct Buffer {
    int capacity = 0;
    std::int64_t seen = 0;
    at::Tensor x, y, logits;
    int size() const { return x.defined() ? int(x.size(0)) : 0; }
    void add(const at::Tensor& bx, const at::Tensor& by, const at::Tensor& bz, at::Generator& g) {
        for (std::int64_t i = 0; i < bx.size(0); ++i, ++seen) {
            if (size() < capacity) {
                x = x.defined() ? at::cat({x, bx.slice(0, i, i + 1)}) : bx.slice(0, i, i + 1).clone();
                y = y.defined() ? at::cat({y, by.slice(0, i, i + 1)}) : by.slice(0, i, i + 1).clone();
                logits = logits.defined() ? at::cat({logits, bz.slice(0, i, i + 1)})
                                          : bz.slice(0, i, i + 1).clone();
                continue;
            }
            const auto j = at::randint(seen + 1, {1}, g, at::kLong).item<std::int64_t>();
            if (j < capacity) {
                x[j].copy_(bx[i]);
                y[j].copy_(by[i]);
                logits[j].copy_(bz[i]);
            }
        }
    }
    at::Tensor sample(int n, at::Generator& g) const {
        return at::randint(size(), {std::min(n, size())}, g, at::kLong);
    }
};

struct Learner {
    const ContinualParams& p;
    models::Classifier net;
    std::vector<at::Tensor> params;
    std::vector<at::Tensor> fisher, anchor; // EWC / refresh Fisher; EWC anchor θ*
    Buffer buffer;
    at::Generator gen;
    std::string method;
    bool refresh = false;

    /// One SGD step; false (and no step) when the loss is not finite: the run has diverged.
    bool learnStep(const at::Tensor& x, const at::Tensor& y, torch::optim::SGD& opt) {
        net->train();
        opt.zero_grad();
        const at::Tensor out = net->forward(x);
        at::Tensor loss = at::cross_entropy_loss(out, y);
        const bool penalised = method == "ewc" && !anchor.empty();
        const bool proximal = penalised && p.ewcProximal; // else the penalty joins the loss
        if (penalised && !proximal) {
            at::Tensor pen = at::zeros({}, at::kFloat);
            for (std::size_t i = 0; i < params.size(); ++i)
                pen = pen + (fisher[i] * (params[i] - anchor[i]).square()).sum();
            loss = loss + p.ewcLambda * pen;
        }
        if ((method == "er" || method == "derpp") && buffer.size() > 0) {
            const auto idx = buffer.sample(p.batch, gen);
            const auto bx = buffer.x.index_select(0, idx), by = buffer.y.index_select(0, idx);
            if (method == "er") {
                loss = loss + at::cross_entropy_loss(net->forward(bx), by);
            } else {
                const auto bz = buffer.logits.index_select(0, idx);
                loss = loss + p.derAlpha * at::mse_loss(net->forward(bx), bz);
                const auto idx2 = buffer.sample(p.batch, gen);
                loss = loss + p.derBeta * at::cross_entropy_loss(net->forward(buffer.x.index_select(0, idx2)),
                                                                 buffer.y.index_select(0, idx2));
            }
        }
        if (!std::isfinite(loss.item<double>())) return false;
        loss.backward();
        if (proximal) {
            // The penalty's step taken implicitly: θ ← argmin ½‖θ − (θ₀ − η g)‖²/η + λ Σ F (θ − θ*)²,
            // i.e. (θ₀ − η g + 2ηλF θ*) / (1 + 2ηλF). The explicit step is the same to first order
            // in ηλF and diverges once 2ηλF > 2; this one holds a stiff weight at θ* instead.
            torch::NoGradGuard off;
            for (std::size_t i = 0; i < params.size(); ++i) {
                if (!params[i].grad().defined()) continue;
                const at::Tensor k = fisher[i] * (2 * p.lr * p.ewcLambda);
                params[i].sub_(params[i].grad(), p.lr).add_(k * anchor[i]).div_(k + 1);
            }
        } else {
            opt.step();
        }
        if (method == "er" || method == "derpp") buffer.add(x, y, out.detach(), gen);
        if (refresh) refreshStep(x, y);
        return true;
    }

    // Unlearn the batch just learned: the ascent direction of its CE, rescaled per tensor to the
    // tensor's norm, preconditioned by (1 + c F)⁻¹, with a little noise (the paper's code).
    void refreshStep(const at::Tensor& x, const at::Tensor& y) {
        net->train();
        // The paper's code takes this step on a copy, so the batch-norm statistics of the network
        // itself are not moved by it: keep them.
        std::vector<at::Tensor> stats;
        for (const auto& b : net->buffers()) stats.push_back(b.clone());
        const at::Tensor loss = at::cross_entropy_loss(net->forward(x), y);
        const auto g = torch::autograd::grad({loss}, params);
        torch::NoGradGuard off;
        {
            auto bufs = net->buffers();
            for (std::size_t i = 0; i < bufs.size(); ++i) bufs[i].copy_(stats[i]);
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            const double gn = g[i].norm().item<double>() + 1e-20;
            const at::Tensor dir = g[i] * (params[i].norm().item<double>() / gn);
            const at::Tensor z = at::randn(params[i].sizes(), gen, at::kFloat);
            const at::Tensor pre = 1.0 / (1.0 + p.refreshC * fisher[i]);
            params[i].add_(pre * (dir + p.refreshNoise * z) * p.refreshDelta);
        }
    }

    // The p-weighted empirical Fisher of the task just learned, from per-example gradients.
    void endTask(const TaskData& t) {
        net->eval();
        std::vector<at::Tensor> fresh;
        for (const auto& w : params) fresh.push_back(at::zeros_like(w));
        const auto n = std::min<std::int64_t>(p.fisherSamples, t.trainX.size(0));
        for (std::int64_t i = 0; i < n; ++i) {
            const at::Tensor logp = at::log_softmax(net->forward(t.trainX.slice(0, i, i + 1)), 1)
                                        .select(1, t.trainY[i].item<std::int64_t>())
                                        .sum();
            const double prob = std::exp(logp.item<double>());
            const auto g = torch::autograd::grad({logp}, params);
            for (std::size_t k = 0; k < params.size(); ++k) fresh[k] += g[k].square() * prob;
        }
        const double decay = method == "ewc" ? p.ewcGamma : p.refreshTau;
        for (std::size_t k = 0; k < params.size(); ++k) fisher[k] = fisher[k] * decay + fresh[k] / double(n);
        anchor.clear();
        for (const auto& w : params) anchor.push_back(w.detach().clone());
    }

    std::pair<double, double> accuracy(const TaskData& t) {
        torch::NoGradGuard off;
        net->eval();
        const at::Tensor out = net->forward(t.testX);
        const double cil = out.argmax(1).eq(t.testY).to(at::kDouble).mean().item<double>();
        const at::Tensor two = at::stack({out.select(1, t.a), out.select(1, t.b)}, 1);
        const at::Tensor pick =
            at::where(two.argmax(1).eq(0), at::full_like(t.testY, t.a), at::full_like(t.testY, t.b));
        const double til = pick.eq(t.testY).to(at::kDouble).mean().item<double>();
        return {cil, til};
    }
};

} // namespace

Result<std::vector<ContinualRun>> runContinual(const ContinualParams& p, const JobContext& ctx) {
    using R = Result<std::vector<ContinualRun>>;
    if (p.tasks < 1 || p.tasks > 5) return R::invalid("tasks must be 1..5 (Split Fashion-MNIST has five)");
    if (p.stepsPerTask < 1 || p.batch < 1 || !(p.lr > 0))
        return R::invalid("steps, batch and lr must be positive");
    if (p.refresh.empty() || p.methods.empty()) return R::invalid("no method to run");
    if (!(p.ewcLambda >= 0) || !std::isfinite(p.ewcLambda))
        return R::invalid("EWC's λ must be a finite number >= 0");
    for (const auto& m : p.methods)
        if (m != "finetune" && m != "ewc" && m != "er" && m != "derpp")
            return R::invalid("unknown continual-learning method '" + m +
                              "' (known: finetune, ewc, er, derpp)");
    const std::string dir = p.dataDir.empty() ? data::defaultFashionMnistDir() : p.dataDir;
    auto train = data::loadFashionMnist(data::Split::Train, dir);
    if (!train) return train.error();
    auto test = data::loadFashionMnist(data::Split::Test, dir);
    if (!test) return test.error();
    return guarded<std::vector<ContinualRun>>("continual learning", [&]() -> R {
        c10::InferenceMode normal(false);
        torch::AutoGradMode on(true);
        std::vector<TaskData> tasks;
        for (int t = 0; t < p.tasks; ++t) {
            TaskData d;
            d.a = 2 * t;
            d.b = 2 * t + 1;
            auto pick = [&](const data::LabelledImages& s, std::int64_t limit) {
                const auto idx = (s.labels.eq(d.a) | s.labels.eq(d.b)).nonzero().squeeze(1);
                const auto use =
                    limit > 0 ? idx.slice(0, 0, std::min<std::int64_t>(limit, idx.size(0))) : idx;
                return std::pair{data::toSigned(s.images.index_select(0, use)),
                                 s.labels.index_select(0, use).to(at::kLong)};
            };
            std::tie(d.trainX, d.trainY) = pick(train.value(), -1);
            std::tie(d.testX, d.testY) = pick(test.value(), p.testPerTask);
            tasks.push_back(std::move(d));
        }
        std::vector<ContinualRun> runs;
        for (const auto& method : p.methods)
            for (bool refresh : p.refresh) {
                const double t0 = nowSeconds();
                torch::manual_seed(p.seed);
                Learner L{p,  models::Classifier(models::ClassifierConfig{}),       {},     {},     {},
                          {}, at::make_generator<at::CPUGeneratorImpl>(p.seed + 1), method, refresh};
                L.params = L.net->parameters();
                for (const auto& w : L.params) L.fisher.push_back(at::zeros_like(w));
                L.buffer.capacity = p.bufferSize;
                torch::optim::SGD opt(L.params, torch::optim::SGDOptions(p.lr));
                ContinualRun run;
                run.method = method;
                run.refresh = refresh;
                for (int t = 0; t < p.tasks; ++t) {
                    const auto& d = tasks[std::size_t(t)];
                    const auto order = at::randperm(d.trainX.size(0), L.gen, at::kLong);
                    for (int s = 0; s < p.stepsPerTask && run.diverged.empty(); ++s) {
                        if (ctx.cancelled()) return R::cancelled("continual learning: cancelled");
                        const std::int64_t from = (std::int64_t(s) * p.batch) % d.trainX.size(0);
                        const auto idx = order.slice(0, from, std::min(from + p.batch, d.trainX.size(0)));
                        // A diverged run stops learning; its rows still record what it answers.
                        if (!L.learnStep(d.trainX.index_select(0, idx), d.trainY.index_select(0, idx), opt))
                            run.diverged =
                                "task " + std::to_string(t + 1) + ", step " + std::to_string(s + 1);
                    }
                    if ((method == "ewc" || refresh) && run.diverged.empty()) L.endTask(d);
                    std::vector<double> cil, til;
                    for (int j = 0; j < p.tasks; ++j) {
                        const auto [c, k] = L.accuracy(tasks[std::size_t(j)]);
                        cil.push_back(c);
                        til.push_back(k);
                    }
                    run.classIl.push_back(cil);
                    run.taskIl.push_back(til);
                    Progress pr;
                    pr.step = t + 1;
                    pr.total = p.tasks;
                    pr.message = method + (refresh ? "+refresh" : "") + " task " + std::to_string(t + 1);
                    double c = 0, k = 0;
                    for (int j = 0; j <= t; ++j) c += cil[std::size_t(j)], k += til[std::size_t(j)];
                    pr.values = {{"class_il", c / (t + 1)}, {"task_il", k / (t + 1)}};
                    for (int j = 0; j <= t; ++j) {
                        pr.values.emplace_back("class_il_" + std::to_string(j), cil[std::size_t(j)]);
                        pr.values.emplace_back("task_il_" + std::to_string(j), til[std::size_t(j)]);
                    }
                    ctx.report(pr);
                }
                // The metrics see only the tasks trained so far in each row (columns j ≤ i).
                auto seenOnly = [&](const std::vector<std::vector<double>>& m) {
                    std::vector<std::vector<double>> out;
                    for (std::size_t i = 0; i < m.size(); ++i)
                        out.push_back(std::vector<double>(m[i].begin(), m[i].begin() + long(i) + 1));
                    // forgetting() reads r[i][j] for j ≤ i only; averageAccuracy reads the last row.
                    return out;
                };
                const auto c = seenOnly(run.classIl), k = seenOnly(run.taskIl);
                run.averageClassIl = averageAccuracy(c);
                run.forgettingClassIl = forgetting(c);
                run.averageTaskIl = averageAccuracy(k);
                run.forgettingTaskIl = forgetting(k);
                run.seconds = nowSeconds() - t0;
                runs.push_back(run);
            }
        return runs;
    });
}

Result<ContinualReport> runContinualBench(const ContinualParams& p, const JobContext& ctx) {
    if (p.seeds < 1 || p.seeds > 50) return Result<ContinualReport>::invalid("seeds must lie in 1…50");
    // figures[k][r]: seed k, run r: class-IL average, class-IL forgetting, task-IL average, task-IL forgetting.
    std::vector<std::vector<std::array<double, 4>>> figures;
    ContinualReport rep;
    for (int k = 0; k < p.seeds; ++k) {
        ContinualParams q = p;
        q.seed = p.seed + std::uint64_t(k);
        auto r = runContinual(q, ctx);
        if (!r) return r.error();
        if (k == 0) rep.runs = r.value(), rep.divergedSeeds.assign(r.value().size(), 0);
        for (std::size_t i = 0; i < r.value().size(); ++i)
            rep.divergedSeeds[i] += !r.value()[i].diverged.empty();
        std::vector<std::array<double, 4>> f;
        for (const auto& run : r.value())
            f.push_back({run.averageClassIl, run.forgettingClassIl, run.averageTaskIl, run.forgettingTaskIl});
        figures.push_back(std::move(f));
    }
    const std::size_t R = rep.runs.size();
    rep.mean.assign(R, {});
    rep.std.assign(R, {});
    for (std::size_t r = 0; r < R; ++r)
        for (int m = 0; m < 4; ++m) {
            double sum = 0;
            for (const auto& f : figures) sum += f[r][std::size_t(m)];
            const double mean = sum / double(figures.size());
            double ss = 0;
            for (const auto& f : figures) ss += (f[r][std::size_t(m)] - mean) * (f[r][std::size_t(m)] - mean);
            rep.mean[r][std::size_t(m)] = mean;
            rep.std[r][std::size_t(m)] =
                figures.size() > 1 ? std::sqrt(ss / double(figures.size() - 1)) : 0.0;
        }
    nlohmann::json j;
    j["bench"] = "continual";
    j["tasks"] = p.tasks;
    j["steps_per_task"] = p.stepsPerTask;
    j["batch"] = p.batch;
    j["lr"] = p.lr;
    j["buffer"] = p.bufferSize;
    j["seeds"] = p.seeds;
    j["ewc_lambda"] = p.ewcLambda;
    j["ewc_proximal"] = p.ewcProximal;
    j["first_seed"] = p.seed;
    std::ostringstream t;
    t << "Split Fashion-MNIST, " << p.tasks << " tasks × " << p.stepsPerTask << " steps of " << p.batch
      << " (SGD lr " << p.lr << "), buffer " << p.bufferSize << ", EWC λ " << p.ewcLambda
      << (p.ewcProximal ? " (proximal)" : " (explicit step)") << "; accuracy in %"
      << (p.seeds > 1 ? ", mean ± std over " + std::to_string(p.seeds) + " seeds" : std::string()) << "\n"
      << "| method | refresh | class-IL avg | class-IL forgetting | task-IL avg | task-IL forgetting | s |\n"
      << "|---|---|---|---|---|---|---|\n";
    auto cell = [&](std::size_t r, int m) {
        char b[48];
        if (p.seeds > 1)
            std::snprintf(b, sizeof b, "%.1f ± %.1f", 100 * rep.mean[r][std::size_t(m)],
                          100 * rep.std[r][std::size_t(m)]);
        else
            std::snprintf(b, sizeof b, "%.1f", 100 * rep.mean[r][std::size_t(m)]);
        return std::string(b);
    };
    static const char* const kKeys[4] = {"class_il_average", "class_il_forgetting", "task_il_average",
                                         "task_il_forgetting"};
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t r = 0; r < R; ++r) {
        const auto& run = rep.runs[r];
        std::string name = run.method;
        if (rep.divergedSeeds[r] > 0)
            name += p.seeds > 1 ? " (diverged in " + std::to_string(rep.divergedSeeds[r]) + " of " +
                                      std::to_string(p.seeds) + " seeds)"
                                : " (diverged: " + run.diverged + ")";
        t << "| " << name << " | " << (run.refresh ? "yes" : "no") << " | " << cell(r, 0) << " | "
          << cell(r, 1) << " | " << cell(r, 2) << " | " << cell(r, 3) << " | " << std::lround(run.seconds)
          << " |\n";
        nlohmann::json row{{"method", run.method},
                           {"refresh", run.refresh},
                           {"class_il_matrix", run.classIl},
                           {"task_il_matrix", run.taskIl},
                           {"seconds", run.seconds}};
        if (!run.diverged.empty()) row["diverged"] = run.diverged;
        row["diverged_seeds"] = rep.divergedSeeds[r];
        for (int m = 0; m < 4; ++m) {
            row[kKeys[m]] = rep.mean[r][std::size_t(m)];
            row[std::string(kKeys[m]) + "_std"] = rep.std[r][std::size_t(m)];
            nlohmann::json per = nlohmann::json::array();
            for (const auto& f : figures) per.push_back(f[r][std::size_t(m)]);
            row[std::string(kKeys[m]) + "_per_seed"] = per;
        }
        rows.push_back(row);
    }
    j["runs"] = rows;
    rep.json = j.dump();
    rep.table = t.str();
    return rep;
}

} // namespace reverie::tune
