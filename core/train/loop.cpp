#include "train/loop.h"

#include "base/io.h"
#include "base/telemetry.h"
#include "models/store.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace reverie::train {
namespace {

struct State {
    torch::nn::Module* module = nullptr;
    std::vector<at::Tensor> ema; ///< EMA of the parameters (buffers such as BatchNorm's are saved as they are)
    std::unique_ptr<torch::optim::AdamW> optimizer;
    at::Generator gen;
    std::int64_t step = 0;
};

std::string recipeText(const Recipe& r, const TrainTask& task) {
    Recipe full = r;
    full.section = task.section();
    return full.toJson().dump();
}

Result<bool> saveCheckpoint(const State& s, const std::string& architecture, const std::string& recipe,
                            const std::string& path) {
    return io::replaceAtomic(path, [&](const std::string& tmp) -> Result<bool> {
        torch::serialize::OutputArchive root, model, optim, ema;
        s.module->save(model);
        s.optimizer->save(optim);
        for (std::size_t i = 0; i < s.ema.size(); ++i) ema.write(std::to_string(i), s.ema[i]);
        root.write("model", model);
        root.write("optimizer", optim);
        root.write("ema", ema);
        root.write("step", at::tensor(s.step));
        root.write("generator", s.gen.get_state());
        root.write("architecture", c10::IValue(architecture));
        root.write("recipe", c10::IValue(recipe));
        root.save_to(tmp);
        return true;
    });
}

Result<bool> resume(State& s, const std::string& architecture, const std::string& ckpt) {
    torch::serialize::InputArchive root;
    root.load_from(ckpt);
    c10::IValue arch;
    const std::string saved = root.try_read("architecture", arch) && arch.isString() ? arch.toStringRef() : "";
    if (saved != architecture)
        return Result<bool>::invalid(ckpt + " is from a different architecture; move it away or use the recipe it was "
                                            "trained with");
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
    return true;
}

// The CSV log keeps the rows up to the resumed step only.
// Drops the log's rows after `step` (a resumed run rewrites them) and torn rows of a killed run.
// Rewritten atomically: a kill during the rewrite leaves the old log, never a truncated one.
Result<bool> trimLog(const std::string& logPath, std::int64_t step) {
    std::string kept = "step,loss,lr,grad_norm,seconds_per_step\n";
    std::ifstream in(logPath);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.rfind("step,", 0) == 0) continue;
        try {
            if (std::count(line.begin(), line.end(), ',') == 4 && std::stoll(line.substr(0, line.find(','))) <= step)
                kept += line + '\n';
        } catch (const std::exception&) {
            // a torn last line from a killed run: drop it
        }
    }
    in.close();
    return io::writeFileAtomic(logPath, kept);
}

void updateEma(State& s, const std::vector<at::Tensor>& params, double decay) {
    torch::NoGradGuard g;
    const double d = std::min(decay, double(s.step + 1) / double(s.step + 10));
    for (std::size_t i = 0; i < params.size(); ++i) s.ema[i].mul_(d).add_(params[i].detach(), 1.0 - d);
}

} // namespace

Result<Summary> run(const Recipe& recipe, const TaskFactory& factory, const Options& options, const JobContext& ctx) {
    if (options.outDir.empty()) return Result<Summary>::invalid("no output folder given for the checkpoints");
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (ec) return Result<Summary>::invalid("cannot create " + options.outDir + ": " + ec.message());

    return guarded<Summary>("training " + recipe.name, [&]() -> Result<Summary> {
        torch::manual_seed(recipe.seed); // initial weights
        auto made = factory(recipe, TaskData::Load);
        if (!made) return made.error();
        TrainTask& task = *made.value();
        const std::string architecture = task.architecture();
        const std::string recipeJson = recipeText(recipe, task);
        const std::string ckpt = (fs::path(options.outDir) / "checkpoint.pt").string();
        const std::string logPath = (fs::path(options.outDir) / "train_log.csv").string();
        if (auto w = io::writeFileAtomic((fs::path(options.outDir) / "recipe.json").string(),
                                         nlohmann::json::parse(recipeJson).dump(2) + "\n");
            !w)
            return w.error();

        State s;
        s.module = &task.module();
        s.module->train();
        s.optimizer = std::make_unique<torch::optim::AdamW>(
            s.module->parameters(), torch::optim::AdamWOptions(recipe.lr).weight_decay(recipe.weightDecay));
        s.gen = at::make_generator<at::CPUGeneratorImpl>(recipe.seed + 1);
        {
            torch::NoGradGuard g;
            for (const auto& p : s.module->parameters()) s.ema.push_back(p.detach().clone());
        }
        if (options.resume && fs::exists(ckpt)) {
            if (auto r = resume(s, architecture, ckpt); !r) return r.error();
            spdlog::info("training {}: resumed at step {}", recipe.name, s.step);
        }
        if (auto t = trimLog(logPath, s.step); !t) return t.error();
        std::ofstream log(logPath, std::ios::app);

        Summary sum;
        sum.startStep = s.step;
        for (const auto& p : s.module->parameters()) sum.parameters += p.requires_grad() ? p.numel() : 0;
        const double t0 = nowSeconds();
        double lossAcc = 0;
        int lossCount = 0;
        auto params = s.module->parameters();
        const std::int64_t stopAt = options.maxStepsThisRun >= 0
                                        ? std::min(recipe.steps, s.step + options.maxStepsThisRun)
                                        : recipe.steps;
        bool cancelled = false;
        double maxActivationMiB = 0;
        while (s.step < stopAt) {
            if (ctx.cancelled()) {
                cancelled = true;
                break;
            }
            const double ts = nowSeconds();
            // Activation memory of this step: the allocator's peak during forward and backward
            // minus what was held before (weights, gradients, optimiser state), as bench tune
            // measures it (tune/bench.h). Only where the allocator hook is on this thread.
            const bool measure = telemetry::allocatorHookInstalled();
            const std::int64_t held = measure ? telemetry::allocatorBytes() : 0;
            if (measure) telemetry::resetPeak();
            auto loss = task.loss(s.step, s.gen);
            if (!loss) return loss.error();
            const double lr = learningRate(recipe, s.step);
            for (auto& group : s.optimizer->param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            s.optimizer->zero_grad();
            loss.value().backward();
            const double activationMiB =
                measure ? double(telemetry::allocatorPeakBytes() - held) / double(1 << 20) : 0.0;
            maxActivationMiB = std::max(maxActivationMiB, activationMiB);
            const double gradNorm = torch::nn::utils::clip_grad_norm_(params, recipe.gradClip);
            s.optimizer->step();
            updateEma(s, params, recipe.emaDecay);
            ++s.step;
            const double l = loss.value().item<double>();
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
            if (s.step % recipe.checkpointEvery == 0)
                if (auto w = saveCheckpoint(s, architecture, recipeJson, ckpt); !w) return w.error();
            Progress p;
            p.step = s.step;
            p.total = recipe.steps;
            p.stepSeconds = dt;
            char msg[64];
            std::snprintf(msg, sizeof msg, "loss %.4f", l);
            p.message = msg;
            p.values = {{"loss", l}, {"lr", lr}, {"grad_norm", gradNorm}};
            if (measure) {
                p.values.push_back({"activation_mib", activationMiB});
                p.values.push_back({"allocated_mib", double(held) / double(1 << 20)});
            }
            ctx.report(p);
        }
        if (auto w = saveCheckpoint(s, architecture, recipeJson, ckpt); !w) return w.error();
        sum.step = s.step;
        if (auto w = task.checkpointWritten(ckpt, sum); !w) return w.error();
        if (!cancelled && s.step >= recipe.steps) // the recipe's end, not a partial run (maxStepsThisRun)
            if (auto f = task.finish(ckpt, sum, ctx); !f) {
                if (f.error().kind == ErrorKind::Cancelled)
                    return Result<Summary>::cancelled("cancelled during the end-of-run evaluation at step " +
                                                      std::to_string(s.step) + "; the trained checkpoint is written");
                return f.error();
            }
        if (maxActivationMiB > 0) sum.figures.push_back({"peak_activation_mib", maxActivationMiB});
        sum.step = s.step;
        sum.seconds = nowSeconds() - t0;
        sum.secondsPerStep = s.step > sum.startStep ? sum.seconds / double(s.step - sum.startStep) : 0;
        sum.checkpoint = ckpt;
        if (lossCount > 0) sum.loss = lossAcc / lossCount;
        spdlog::info("training {}: step {} of {}, loss {:.4f}, {:.2f} s/step", recipe.name, s.step, recipe.steps,
                     sum.loss, sum.secondsPerStep);
        if (cancelled)
            return Result<Summary>::cancelled("training cancelled at step " + std::to_string(s.step) +
                                              "; checkpoint written, run again to resume");
        return sum;
    });
}

Result<std::int64_t> exportWeights(const std::string& checkpoint, const std::string& out,
                                   const std::function<Result<TaskFactory>(const std::string& task)>& factoryFor) {
    using R = Result<std::int64_t>;
    if (!fs::exists(checkpoint)) return R::invalid(checkpoint + ": no such file");
    return guarded<std::int64_t>("export " + checkpoint, [&]() -> R {
        torch::serialize::InputArchive root;
        root.load_from(checkpoint);
        c10::IValue recipeText;
        if (!root.try_read("recipe", recipeText) || !recipeText.isString())
            return R::invalid(checkpoint + " records no recipe (not a training checkpoint)");
        auto recipe = parseRecipe(recipeText.toStringRef(), checkpoint);
        if (!recipe) return recipe.error();
        auto factory = factoryFor(recipe.value().task);
        if (!factory) return factory.error();
        auto task = factory.value()(recipe.value(), TaskData::Skip);
        if (!task) return R::invalid(checkpoint + ": " + task.error().message);
        const std::string architecture = task.value()->architecture();
        auto& module = task.value()->module();
        if (auto ok = models::loadWeights(module, checkpoint, architecture); !ok) return ok.error();
        Recipe full = recipe.value();
        full.section = task.value()->section();
        return models::saveWeights(module, out, architecture, full.toJson().dump());
    });
}

} // namespace reverie::train
