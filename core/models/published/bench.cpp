#include "models/published/bench.h"

#include "base/telemetry.h"
#include "models/published/load.h"
#include "models/sd/clip_text.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"
#include "models/sd/vae.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace reverie::models::published {

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

template <class F>
Result<double> timed(int repeats, const JobContext& ctx, F&& f) {
    f(); // warm-up: first-call allocations and kernel selection
    std::vector<double> s;
    for (int i = 0; i < repeats; ++i) {
        if (ctx.cancelled()) return Result<double>::cancelled("bench published: cancelled");
        const double t0 = nowSeconds();
        f();
        s.push_back(nowSeconds() - t0);
    }
    return median(s);
}

double mib(std::int64_t bytes) { return double(bytes) / 1048576.0; }

} // namespace

Result<PublishedBenchReport> runPublishedBench(const PublishedBenchParams& p, const JobContext& ctx) {
    using R = Result<PublishedBenchReport>;
    if (p.repeats < 1 || p.frames < 64 || p.frames % 64 != 0 || p.imageSide < 16)
        return R::invalid("bench published: repeats >= 1, frames a multiple of 64, image side >= 16");
    return guarded<PublishedBenchReport>("bench published", [&]() -> R {
        c10::InferenceMode inference;
        nlohmann::json j = {{"bench", "published"}, {"threads", at::get_num_threads()}, {"networks", nlohmann::json::array()}};
        std::ostringstream t;
        char line[256];
        t << "Published networks at full size (random values; batch 1, float32, " << at::get_num_threads()
          << " thread(s))\n";
        auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
        if (p.sgmse) {
            nlohmann::json config;
            auto m = std::dynamic_pointer_cast<NCSNppImpl>(buildDefault(Architecture::SgmseNcsnpp, &config));
            m->eval();
            const auto x = at::randn({1, 4, 256, p.frames}, gen);
            const auto tt = at::full({1}, 0.5f);
            auto s = timed(p.repeats, ctx, [&] { (void)m->forward(x, tt); });
            if (!s) return s.error();
            const double audio = double((p.frames - 1) * 128) / 16000.0; // SGMSE+'s hop 128 at 16 kHz
            const double sec = s.value();
            const double peak = mib(telemetry::sample().rssPeakBytes);
            j["networks"].push_back({{"network", "sgmse_ncsnpp"},
                                     {"parameters", m->parameterCount()},
                                     {"input", {1, 4, 256, p.frames}},
                                     {"audio_seconds", audio},
                                     {"seconds_per_evaluation", sec},
                                     {"peak_rss_mib", peak},
                                     {"rtf_pc_60", 60 * sec / audio},
                                     {"rtf_nfe_5", 5 * sec / audio},
                                     {"rtf_nfe_10", 10 * sec / audio}});
            std::snprintf(line, sizeof line,
                          "SGMSE+ NCSN++     %5.1f M params  [1,4,256,%d] (%.2f s audio): %.3f s/eval, peak RSS %.0f MiB\n"
                          "                  real-time factor: PC 30 steps (60 NFE) %.1f, 10 NFE %.2f, 5 NFE %.2f\n",
                          double(m->parameterCount()) / 1e6, p.frames, audio, sec, peak, 60 * sec / audio,
                          10 * sec / audio, 5 * sec / audio);
            t << line;
        }
        if (p.irsde) {
            auto m = std::dynamic_pointer_cast<ConditionalUNetImpl>(buildDefault(Architecture::IrsdeUNet));
            m->eval();
            const auto x = at::randn({1, 3, p.imageSide, p.imageSide}, gen);
            const auto tt = at::full({1}, 50.0f);
            auto s = timed(p.repeats, ctx, [&] { (void)m->forward(x, x, tt); });
            if (!s) return s.error();
            const double sec = s.value();
            const double peak = mib(telemetry::sample().rssPeakBytes);
            j["networks"].push_back({{"network", "irsde_unet"},
                                     {"parameters", m->parameterCount()},
                                     {"input", {1, 3, p.imageSide, p.imageSide}},
                                     {"seconds_per_evaluation", sec},
                                     {"peak_rss_mib", peak},
                                     {"seconds_per_image_100", 100 * sec},
                                     {"seconds_per_image_10", 10 * sec}});
            std::snprintf(line, sizeof line,
                          "IR-SDE UNet       %5.1f M params  [1,3,%d,%d]: %.3f s/eval, peak RSS %.0f MiB\n"
                          "                  seconds per image: 100 steps %.1f, 10 NFE %.1f\n",
                          double(m->parameterCount()) / 1e6, p.imageSide, p.imageSide, sec, peak, 100 * sec, 10 * sec);
            t << line;
        }
        if (p.precision != "fp32" && p.precision != "bf16")
            return Result<PublishedBenchReport>::invalid("precision must be fp32 or bf16");
        const at::ScalarType dtype = p.precision == "bf16" ? at::kBFloat16 : at::kFloat;
        auto weightMib = [](const torch::nn::Module& m) {
            double bytes = 0;
            for (const auto& t : m.parameters()) bytes += double(t.numel()) * double(t.element_size());
            return bytes / (1024.0 * 1024.0);
        };
        j["precision"] = p.precision;
        if (p.clipText) {
            // SD 1.x's text side: one prompt through the tokenizer, then the ViT-L/14 text tower
            // on [2, 77] (the prompt and the empty prompt of classifier-free guidance).
            sd::ClipTextModel m(sd::ClipTextConfig{});
            m->eval();
            m->to(dtype);
            const std::int64_t params = m->parameterCount();
            auto tok = sd::ClipTokenizer::load();
            if (!tok) return tok.error();
            const std::string prompt = "a highly detailed photograph of a red sports car on a mountain road at sunset";
            at::Tensor ids;
            auto tk = timed(p.repeats, ctx, [&] { ids = tok.value().tokenize({prompt, ""}).ids; });
            if (!tk) return tk.error();
            auto s = timed(p.repeats, ctx, [&] { (void)m->forward(ids); });
            if (!s) return s.error();
            const double peak = mib(telemetry::sample().rssPeakBytes);
            j["networks"].push_back({{"network", "sd1_clip_text"},
                                     {"parameters", params},
                                     {"input", {2, 77}},
                                     {"tokenize_seconds", tk.value()},
                                     {"weight_mib", weightMib(*m)},
                                     {"seconds_per_evaluation", s.value()},
                                     {"peak_rss_mib", peak}});
            std::snprintf(line, sizeof line,
                          "CLIP ViT-L/14 text %5.1f M params  [2,77] (prompt + empty): %.3f s/eval, tokenize %.2f ms, "
                          "peak RSS %.0f MiB\n",
                          double(params) / 1e6, s.value(), 1e3 * tk.value(), peak);
            t << line;
        }
        if (p.sdUnet) {
            // SD 1.x's UNet (859.5 M) on one latent with a 77-token context: 32² is a 256² image,
            // 64² a 512² one (the VAE downsamples by 8). Guided sampling costs two evaluations a step.
            sd::SdUNet m(sd::SdUNetConfig{});
            m->eval();
            m->to(dtype);
            for (int side : p.latentSides) {
                const auto x = at::randn({1, 4, side, side}, gen).to(dtype);
                const auto ctxT = at::randn({1, 77, 768}, gen).to(dtype);
                const auto tt = at::full({1}, 500.0f);
                auto s = timed(p.repeats, ctx, [&] { (void)m->forward(x, tt, ctxT); });
                if (!s) return s.error();
                const double sec = s.value();
                const double peak = mib(telemetry::sample().rssPeakBytes);
                j["networks"].push_back({{"network", "sd1_unet"},
                                         {"parameters", m->parameterCount()},
                                         {"input", {1, 4, side, side}},
                                         {"image_side", 8 * side},
                                         {"weight_mib", weightMib(*m)},
                                         {"seconds_per_evaluation", sec},
                                         {"peak_rss_mib", peak},
                                         {"seconds_per_image_20_guided", 40 * sec}});
                std::snprintf(line, sizeof line,
                              "SD 1.x UNet      %5.1f M params  [1,4,%d,%d] (%d² image): %.3f s/eval, peak RSS %.0f MiB\n"
                              "                  seconds per image: 20 guided steps (40 evaluations) %.0f\n",
                              double(m->parameterCount()) / 1e6, side, side, 8 * side, sec, peak, 40 * sec);
                t << line;
            }
        }
        if (p.sdVae) {
            // SD 1.x's autoencoder: decoding a latent to the image (every generation ends with it)
            // and encoding an image (img2img starts with it).
            sd::SdVae m(sd::SdVaeConfig{});
            m->eval();
            m->to(dtype);
            const std::int64_t params = m->parameterCount();
            for (int side : p.latentSides) {
                const auto z = at::randn({1, 4, side, side}, gen).to(dtype);
                const auto img = (at::rand({1, 3, 8 * side, 8 * side}, gen) * 2 - 1).to(dtype);
                auto dec = timed(p.repeats, ctx, [&] { (void)m->decode(z); });
                if (!dec) return dec.error();
                auto enc = timed(p.repeats, ctx, [&] { (void)m->encode(img); });
                if (!enc) return enc.error();
                const double peak = mib(telemetry::sample().rssPeakBytes);
                j["networks"].push_back({{"network", "sd1_vae"},
                                         {"parameters", params},
                                         {"latent", {1, 4, side, side}},
                                         {"weight_mib", weightMib(*m)},
                                         {"image_side", 8 * side},
                                         {"decode_seconds", dec.value()},
                                         {"encode_seconds", enc.value()},
                                         {"peak_rss_mib", peak}});
                std::snprintf(line, sizeof line,
                              "SD 1.x VAE        %5.1f M params  %d² image: decode %.3f s, encode %.3f s, peak RSS %.0f MiB\n",
                              double(params) / 1e6, 8 * side, dec.value(), enc.value(), peak);
                t << line;
            }
        }
        PublishedBenchReport rep;
        rep.json = j.dump();
        rep.table = t.str();
        return rep;
    });
}

} // namespace reverie::models::published
