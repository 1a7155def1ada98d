#include "speech/enhance_bench.h"

#include "speech/audio.h"
#include "speech/corpus.h"
#include "speech/enhance.h"
#include "speech/metrics.h"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace reverie::speech {

std::string EnhanceBenchSetting::label() const {
    if (sampler != "pc" && sampler != "sgmse-pc") return sampler;
    std::string l = sampler;
    char b[64];
    if (snr != 0.5) {
        std::snprintf(b, sizeof b, " snr %g", snr);
        l += b;
    }
    if (correctorSteps != 1) l += correctorSteps == 0 ? " no-corr" : " corr " + std::to_string(correctorSteps);
    if (finalDenoise) l += " +D";
    return l;
}

namespace {

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

bool haveProgram(const std::string& name) {
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command with its output discarded; true when it exited with status 0.
bool runQuiet(const std::string& cmd) {
    const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

// The peer's output aligned with its input and fitted to the clean length: ffmpeg's afftdn and
// anlmdn delay their output (400 and 128 samples here), which SI-SDR would count as distortion.
// The delay is the lag in [0, 2048] with the largest correlation between output and input.
std::vector<float> aligned(const std::vector<float>& out, const std::vector<float>& in, int* lagOut) {
    const std::size_t n = in.size();
    int best = 0;
    double bestC = -1e300;
    for (int lag = 0; lag <= 2048; ++lag) {
        double c = 0;
        for (std::size_t i = 0; i < n && i + std::size_t(lag) < out.size(); ++i) c += double(in[i]) * out[i + std::size_t(lag)];
        if (c > bestC) {
            bestC = c;
            best = lag;
        }
    }
    std::vector<float> y(n, 0.0f);
    for (std::size_t i = 0; i < n && i + std::size_t(best) < out.size(); ++i) y[i] = out[i + std::size_t(best)];
    *lagOut = best;
    return y;
}

// One method's scores on each mixture (nullopt: undefined for that file, e.g. a silent estimate).
struct PerFile {
    double siSdr = 0, estoi = 0;
};
struct MethodScores {
    std::string method;
    int nfe = 0;
    std::vector<std::optional<PerFile>> files;
    double seconds = 0, audio = 0;
    int failures = 0, maxLag = 0; ///< the peers: files they failed on, their largest output delay
};

std::optional<PerFile> score(const std::vector<float>& clean, const std::vector<float>& est) {
    auto a = siSdr(clean, est);
    auto b = estoi(clean, est, 16000);
    if (!a || !b) return std::nullopt;
    return PerFile{a.value(), b.value()};
}

// A mixture's groups: "" (the overall row of the noisy mixtures, rooms kept included), "snr N",
// "family F", with a room share "room" or "dry"; "reverberant" (to be dereverberated) alone.
struct Planned {
    Mixture m;
    std::vector<std::string> groups;
};

std::string fmtSnr(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "snr %g", v);
    return b;
}

// Rows: every group in order of first appearance, every method; gains over the noisy input on
// the same files (a file counts when both the method and the input are defined on it). The JSON
// of one unsharded run; the raw input is what runEnhanceBench measured (see there).
Result<EnhanceBenchResult> summarise(const nlohmann::json& raw) {
    EnhanceBenchResult res;
    const auto& items = raw["items"];
    const auto& methods = raw["methods"];
    std::vector<std::string> groups;
    for (const auto& it : items)
        for (const auto& gj : it["groups"]) {
            const auto g = gj.get<std::string>();
            if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
        }
    std::stable_partition(groups.begin(), groups.end(), [](const std::string& g) { return g.empty(); });
    std::stable_partition(groups.begin() + (groups.empty() || !groups.front().empty() ? 0 : 1), groups.end(),
                          [](const std::string& g) { return g.rfind("snr ", 0) == 0; });
    for (const auto& n : raw["notes"]) res.notes.push_back(n.get<std::string>());
    for (const auto& m : methods) {
        const auto name = m["method"].get<std::string>();
        if (m["failures"].get<int>() > 0)
            res.notes.push_back(name + ": failed on " + std::to_string(m["failures"].get<int>()) +
                                " file(s)");
        if (m["max_lag"].get<int>() > 0)
            res.notes.push_back(name + ": output delayed by up to " +
                                std::to_string(m["max_lag"].get<int>()) +
                                " samples, aligned by cross-correlation with the input");
    }
    for (const auto& g : groups)
        for (std::size_t k = 0; k < methods.size(); ++k) {
            EnhanceBenchRow r;
            r.method = methods[k]["method"].get<std::string>();
            r.nfe = methods[k]["nfe"].get<int>();
            r.group = g;
            double si = 0, es = 0, si0 = 0, es0 = 0;
            for (const auto& it : items) {
                const auto& gs = it["groups"];
                if (std::find(gs.begin(), gs.end(), g) == gs.end()) continue;
                const auto& sc = it["scores"];
                if (k >= sc.size() || sc[k].is_null() || sc[0].is_null()) continue;
                si += sc[k][0].get<double>(), es += sc[k][1].get<double>();
                si0 += sc[0][0].get<double>(), es0 += sc[0][1].get<double>();
                ++r.files;
            }
            if (r.files > 0) {
                r.siSdr = si / r.files, r.estoi = es / r.files;
                r.siSdrGain = r.siSdr - si0 / r.files, r.estoiGain = r.estoi - es0 / r.files;
            }
            const double audio = methods[k]["audio"].get<double>();
            r.rtf = audio > 0 ? methods[k]["seconds"].get<double>() / audio : 0;
            res.rows.push_back(r);
        }
    if (raw.contains("error_by_sigma"))
        for (const auto& e : raw["error_by_sigma"])
            res.errorBySigma.push_back({e["t"].get<double>(), e["sigma"].get<double>(),
                                        e["mse_model"].get<double>(), e["mse_identity"].get<double>(),
                                        e["mse_noisy"].get<double>()});

    std::ostringstream t;
    char line[256];
    t << raw["title"].get<std::string>();
    if (raw.contains("shard"))
        t << " - shard " << raw["shard"]["index"].get<int>() << "/" << raw["shard"]["count"].get<int>()
          << ": " << items.size() << " of them";
    t << '\n';
    std::snprintf(line, sizeof line, "%-18s %-18s %5s %9s %8s %7s %8s %7s\n", "group", "method", "NFE",
                  "SI-SDR", "gain", "ESTOI", "gain", "RTF");
    t << line;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : res.rows) {
        std::snprintf(line, sizeof line, "%-18s %-18s %5d %8.2f %8.2f %7.3f %8.3f %7.3f\n",
                      r.group.empty() ? "all" : r.group.c_str(), r.method.c_str(), r.nfe, r.siSdr,
                      r.siSdrGain, r.estoi, r.estoiGain, r.rtf);
        t << line;
        nlohmann::json j = {{"method", r.method}, {"nfe", r.nfe},
                            {"si_sdr", r.siSdr},  {"si_sdr_gain", r.siSdrGain},
                            {"estoi", r.estoi},   {"estoi_gain", r.estoiGain},
                            {"rtf", r.rtf},       {"files", r.files}};
        if (!r.group.empty()) j["group"] = r.group;
        rows.push_back(j);
    }
    nlohmann::json errors = nlohmann::json::array();
    if (!res.errorBySigma.empty()) {
        std::snprintf(line, sizeof line,
                      "\nThe model's error against the noise level (%d mixtures' first crop; MSE per "
                      "channel):\n%6s %8s %11s %11s %11s %8s\n",
                      raw.value("error_pairs", 0), "t", "sigma", "model", "identity", "noisy y", "model/id");
        t << line;
        for (const auto& e : res.errorBySigma) {
            std::snprintf(line, sizeof line, "%6.3f %8.4f %11.3e %11.3e %11.3e %8.3f\n", e.t, e.sigma,
                          e.mseModel, e.mseIdentity, e.mseNoisy,
                          e.mseIdentity > 0 ? e.mseModel / e.mseIdentity : 0.0);
            t << line;
        }
        errors = raw["error_by_sigma"];
    }
    for (const auto& note : res.notes) t << "note: " << note << '\n';
    res.table = t.str();
    nlohmann::json out{{"bench", "enhance"},
                       {"mixtures", raw["mixtures"]},
                       {"seed", raw["seed"]},
                       {"layout", raw["layout"]},
                       {"split", raw["split"]},
                       {"task", raw["task"]},
                       {"strength", raw["strength"]},
                       {"test_speaker", raw["test_speaker"]},
                       {"seconds_per_mixture", raw["seconds_per_mixture"]},
                       {"rows", rows},
                       {"notes", res.notes}};
    if (!errors.empty()) out["error_by_sigma"] = errors;
    // The settings that made the figures (mixture length, room share, chunk length, ...), so a
    // JSON result can be read, or rerun, without the command line that produced it.
    if (raw.contains("config")) out["config"] = raw["config"];
    if (raw.contains("strength_curve")) out["strength_curve"] = raw["strength_curve"];
    if (raw.contains("strengths")) {
        out["strengths"] = raw["strengths"];
        nlohmann::json per = nlohmann::json::array();
        for (const auto& it : items) {
            nlohmann::json j = {{"groups", it["groups"]}, {"scores", it["scores"]}};
            if (it.contains("coherence"))
                j["coherence"] = it["coherence"], j["input_snr"] = it["input_snr"],
                j["removed_snr"] = it["removed_snr"];
            per.push_back(j);
        }
        out["per_mixture"] = per;
        nlohmann::json names = nlohmann::json::array();
        for (const auto& m : methods) names.push_back(m["method"]);
        out["methods"] = names;
    }
    res.json = out.dump();
    return res;
}
} // namespace

Result<EnhanceBenchResult> runEnhanceBench(const EnhanceBenchParams& p, const JobContext& ctx) {
    using R = Result<EnhanceBenchResult>;
    if (p.layout != "speakers" && p.layout != "split") return R::invalid("layout must be speakers or split");
    if (p.split != "test" && p.split != "val") return R::invalid("split must be test or val");
    if (p.reverberant < 0) return R::invalid("the number of reverberant mixtures must not be negative");
    if (!(p.roomShare >= 0 && p.roomShare <= 1)) return R::invalid("the room share must be between 0 and 1");
    if (p.task != "row" && p.task != "auto" && p.task != "denoise" && p.task != "dereverberate")
        return R::invalid("unknown task '" + p.task + "' (row, auto, denoise, dereverberate)");
    CorpusOptions co;
    co.dir = p.speechDir;
    co.layout = p.layout;
    co.testSpeaker = p.testSpeaker;
    co.length = p.length;
    std::vector<NoiseKind> families;
    for (const auto& f : p.families) {
        const auto k = parseNoiseKind(f);
        if (!k) return R::invalid("unknown noise family '" + f + "'");
        families.push_back(*k);
    }
    if (families.empty() && !p.snrBuckets.empty()) {
        families = {p.layout == "split" ? NoiseKind::Recorded : NoiseKind::Music, NoiseKind::White, NoiseKind::Pink,
                    NoiseKind::Brown, NoiseKind::Babble};
        if (p.layout == "split")
            for (auto k : {NoiseKind::Slope, NoiseKind::Tonal, NoiseKind::Impulsive, NoiseKind::Hum}) families.push_back(k);
    }
    if (!families.empty()) co.noises = families;
    auto corpus = Corpus::load(co);
    if (!corpus) return corpus.error();
    const CorpusSplit split = p.split == "val" ? CorpusSplit::Val : CorpusSplit::Test;
    const int n = p.quick ? std::min(p.samples, 4) : p.samples;
    if (n < 1) return R::invalid("bench enhance needs at least one mixture");

    std::vector<EnhanceBenchSetting> settings = p.settings;
    if (settings.empty() && !p.modelDir.empty() && defaultEnhanceSampler(p.modelDir) == kPredictiveSampler) {
        settings = {{kPredictiveSampler, 1}};
    } else if (settings.empty()) {
        if (p.quick) {
            settings = {{kDefaultEnhanceSampler, kDefaultEnhanceNfe}, {"mrs-sde-2-data", 10}, {"pc", 60}};
        } else {
            settings = {{"pc", 60}, {"ode-rk45", 0}};
            for (const char* s : {"mrs-sde-1-data", "mrs-sde-2-data", "mrs-ode-2-data"})
                for (int k : {5, 10, 20}) settings.push_back({s, k});
        }
    }
    if (p.modelDir.empty()) settings.clear();
    auto paramsOf = [&](const EnhanceBenchSetting& st) {
        EnhanceParams ep;
        ep.modelDir = p.modelDir;
        ep.sampler = st.sampler;
        ep.nfe = st.nfe;
        ep.task = p.task == "row" ? "denoise" : p.task;
        ep.snr = st.snr;
        ep.strength = p.strengths.empty() ? p.strength : 1.0;
        ep.strengthCurve = p.strengthCurve;
        ep.chunkFrames = p.chunkFrames;
        ep.overlapFrames = p.overlapFrames;
        ep.correctorSteps = st.correctorSteps;
        ep.finalDenoise = st.finalDenoise;
        ep.rtol = ep.atol = 1e-4; // the bench's RK45 tolerance: 1e-5 costs several hundred NFE here
        return ep;
    };
    for (const auto& st : settings)
        if (auto v = validateEnhance(paramsOf(st)); !v) return v.error();
    bool dereverberates = false;
    if (!settings.empty()) {
        auto info = enhancerInfo(p.modelDir);
        if (!info) return info.error();
        dereverberates = info.value().dereverberates;
    }

    EnhanceBenchResult res;
    // The mixtures: n drawn as the corpus draws them, or n per SNR bucket with the families in
    // turn; then the reverberant ones. Mixture indices never repeat within one bench.
    std::vector<Planned> plan;
    std::uint64_t index = 0;
    if (p.snrBuckets.empty()) {
        for (int i = 0; i < n; ++i) plan.push_back({corpus.value().mixture(split, p.seed, index++), {""}});
    } else {
        for (double snr : p.snrBuckets)
            for (int i = 0; i < n; ++i) {
                const NoiseKind k = families[std::size_t(i) % families.size()];
                // Mixture i is in a room when the running count of roomShare·(i + 1) steps up;
                // its T60 from a golden-ratio sequence over 0.2–1.0 s.
                const bool room = std::floor(p.roomShare * (i + 1)) > std::floor(p.roomShare * i);
                const double t60 = room ? 0.2 + 0.8 * std::fmod(0.5 + 0.6180339887 * i, 1.0) : 0.0;
                std::vector<std::string> groups{"", fmtSnr(snr), "family " + toString(k)};
                if (p.roomShare > 0) groups.push_back(room ? "room" : "dry");
                plan.push_back({corpus.value().mixture(split, p.seed, index++, k, snr, t60, room), groups});
            }
    }
    for (int i = 0; i < p.reverberant; ++i) {
        const double t60 = 0.2 + 0.8 * (double(i) + 0.5) / double(p.reverberant);
        plan.push_back({corpus.value().mixture(split, p.seed, index++, NoiseKind::None, 100.0, t60), {"reverberant"}});
    }
    const double audioSeconds = double(p.length) / 16000.0;
    const std::size_t N = plan.size();

    const Shard& sh = p.shard;
    if (!sh.whole() && p.errorPairs > 0)
        return R::invalid("--error-pairs does not split over shards: run it without --shard");

    std::vector<MethodScores> methods;
    {
        MethodScores in{"noisy", 0, {}, 0, 0};
        for (std::size_t i = 0; i < N; ++i)
            in.files.push_back(sh.owns(i) ? score(plan[i].m.clean, plan[i].m.noisy) : std::nullopt);
        methods.push_back(std::move(in));
    }

    const std::int64_t totalUnits =
        std::int64_t(settings.size() + (p.peers ? 3 : 0)) * std::int64_t(sh.share(N));
    std::int64_t done = 0;
    auto report = [&](const std::string& what) {
        Progress pr;
        pr.step = ++done;
        pr.total = totalUnits;
        pr.message = what;
        ctx.report(pr);
    };

    for (double s : p.strengths)
        if (!(s >= 0 && s <= 1)) return R::invalid("a swept strength must be between 0 and 1");
    std::vector<std::optional<double>> coherence(N), inputSnr(N),
        removedSnr(N); // the first setting's, per mixture
    for (const auto& st : settings) {
        MethodScores ms{st.label(), 0, {}, 0, 0};
        std::vector<MethodScores> swept;
        for (double s : p.strengths) {
            char b[32];
            std::snprintf(b, sizeof b, " s=%g", s);
            swept.push_back({st.label() + b, 0, {}, 0, 0});
        }
        std::int64_t nfe = 0;
        for (std::size_t i = 0; i < N; ++i) {
            if (!sh.owns(i)) {
                ms.files.push_back(std::nullopt);
                for (auto& w : swept) w.files.push_back(std::nullopt);
                continue;
            }
            if (ctx.cancelled()) return R::cancelled("bench enhance: cancelled");
            EnhanceParams ep = paramsOf(st);
            ep.seed = std::uint64_t(i);
            if (p.task == "row" && dereverberates && plan[i].m.t60 > 0 && !plan[i].m.roomKept)
                ep.task = "dereverberate";
            const Audio noisy{plan[i].m.noisy, 16000, "", 0, 0};
            const JobContext inner{{}, ctx.cancel};
            auto r = enhance(ep, noisy, inner);
            if (!r) return r.error();
            nfe = std::max(nfe, r.value().nfe);
            ms.seconds += r.value().seconds;
            ms.audio += audioSeconds;
            if (&st == &settings.front())
                coherence[i] = r.value().coherence, inputSnr[i] = noiseFloorSnrDb(plan[i].m.noisy, 16000),
                removedSnr[i] = r.value().removedSnr;
            if (swept.empty()) {
                ms.files.push_back(score(plan[i].m.clean, r.value().enhanced.samples));
            } else {
                const auto& e = r.value().enhanced.samples;
                const auto& y = plan[i].m.noisy;
                for (std::size_t k = 0; k < swept.size(); ++k) {
                    const double s = ep.task == "dereverberate" ? 1.0 : p.strengths[k];
                    std::vector<float> out(e.size());
                    for (std::size_t j = 0; j < e.size(); ++j)
                        out[j] = float(y[j] + s * (double(e[j]) - y[j]));
                    swept[k].files.push_back(score(plan[i].m.clean, out));
                    swept[k].seconds += r.value().seconds;
                    swept[k].audio += audioSeconds;
                }
            }
            report(ms.method);
        }
        ms.nfe = int(nfe);
        if (swept.empty()) methods.push_back(std::move(ms));
        for (auto& w : swept) {
            w.nfe = int(nfe);
            methods.push_back(std::move(w));
        }
    }

    if (p.errorPairs > 0 && !p.modelDir.empty()) {
        std::vector<std::pair<std::vector<float>, std::vector<float>>> pairs;
        for (std::size_t i = 0; i < N && int(pairs.size()) < p.errorPairs; ++i)
            pairs.emplace_back(plan[i].m.clean, plan[i].m.noisy);
        std::vector<double> times = p.errorTimes;
        if (times.empty())
            for (double t : {0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0}) times.push_back(t);
        auto e = denoiserErrorBySigma(p.modelDir, pairs, times, p.seed, JobContext{{}, ctx.cancel});
        if (!e) return e.error();
        for (const auto& r : e.value())
            res.errorBySigma.push_back({r.t, r.sigma, r.mseModel, r.mseIdentity, r.mseNoisy});
    }

    if (p.peers) {
        std::error_code ec;
        const fs::path tmp = (p.tempDir.empty() ? fs::temp_directory_path(ec) : fs::path(p.tempDir)) /
                             ("reverie-bench-enhance-" + std::to_string(::getpid()));
        fs::create_directories(tmp, ec);
        if (ec) return R::invalid("cannot create " + tmp.string() + ": " + ec.message());
        struct Peer {
            std::string name, program;
            std::function<std::string(const std::string&, const std::string&, const std::string&)> command;
        };
        const std::vector<Peer> peers = {
            {"sox-noisered", "sox",
             [](const std::string& in, const std::string& out, const std::string& prof) {
                 // -R: sox's repeatable mode (its dither is otherwise seeded from the clock)
                 return "sox -R " + quoted(in) + " -n trim 0 0.25 noiseprof " + quoted(prof) + " && sox -R " +
                        quoted(in) + " " + quoted(out) + " noisered " + quoted(prof) + " 0.3";
             }},
            {"ffmpeg-afftdn", "ffmpeg",
             [](const std::string& in, const std::string& out, const std::string&) {
                 return "ffmpeg -nostdin -hide_banner -loglevel error -y -i " + quoted(in) + " -af afftdn " + quoted(out);
             }},
            {"ffmpeg-anlmdn", "ffmpeg",
             [](const std::string& in, const std::string& out, const std::string&) {
                 return "ffmpeg -nostdin -hide_banner -loglevel error -y -i " + quoted(in) + " -af anlmdn " + quoted(out);
             }}};
        std::vector<std::string> inputs;
        for (std::size_t i = 0; i < N; ++i) {
            if (!sh.owns(i)) {
                inputs.emplace_back();
                continue;
            }
            const auto path = (tmp / ("noisy-" + std::to_string(i) + ".wav")).string();
            Audio a{plan[i].m.noisy, 16000, "", 0, 0};
            if (auto s = saveWav(path, a); !s) return s.error(); // 16-bit: what the peers read best (peak <= 0.9)
            inputs.push_back(path);
        }
        for (const auto& peer : peers) {
            if (!haveProgram(peer.program)) {
                res.notes.push_back(peer.name + ": '" + peer.program + "' is not installed (skipped)");
                done += std::int64_t(sh.share(N));
                continue;
            }
            MethodScores ms{peer.name, 0, {}, 0, 0};
            for (std::size_t i = 0; i < N; ++i) {
                if (!sh.owns(i)) {
                    ms.files.push_back(std::nullopt);
                    continue;
                }
                if (ctx.cancelled()) {
                    fs::remove_all(tmp, ec);
                    return R::cancelled("bench enhance: cancelled");
                }
                const auto out = (tmp / (peer.name + "-" + std::to_string(i) + ".wav")).string();
                const auto prof = (tmp / ("profile-" + std::to_string(i))).string();
                const double t0 = nowSeconds();
                const bool ok = runQuiet(peer.command(inputs[i], out, prof));
                const double dt = nowSeconds() - t0;
                auto a = ok ? loadAudio(out, 16000) : Result<Audio>::failed("the command failed");
                if (!a) {
                    ++ms.failures;
                    ms.files.push_back(std::nullopt);
                } else {
                    ms.seconds += dt;
                    ms.audio += audioSeconds;
                    int lag = 0;
                    ms.files.push_back(score(plan[i].m.clean, aligned(a.value().samples, plan[i].m.noisy, &lag)));
                    ms.maxLag = std::max(ms.maxLag, lag);
                }
                report(peer.name);
            }
            methods.push_back(std::move(ms));
        }
        fs::remove_all(tmp, ec);
    }

    char title[256];
    if (p.layout == "split")
        std::snprintf(title, sizeof title, "Speech enhancement, %zu mixtures of the %s split (%.2f s each)",
                      N, p.split.c_str(), audioSeconds);
    else
        std::snprintf(title, sizeof title,
                      "Speech enhancement, %zu held-out mixtures (speaker %s, %.2f s, SNR %g..%g dB)", N,
                      p.testSpeaker.c_str(), audioSeconds, co.snrMin, co.snrMax);
    // The raw result: every owned mixture's scores per method; summarise() turns it (or the merge
    // of all shards' raw results) into the rows and the table.
    nlohmann::json settingsJ = nlohmann::json::array();
    for (const auto& st : settings) settingsJ.push_back({st.label(), st.nfe});
    nlohmann::json raw{{"bench", "enhance"},
                       {"title", title},
                       {"mixtures", N},
                       {"seed", p.seed},
                       {"layout", p.layout},
                       {"split", p.split},
                       {"task", p.task},
                       {"strength", p.strength},
                       {"test_speaker", p.testSpeaker},
                       {"seconds_per_mixture", audioSeconds},
                       {"notes", res.notes},
                       {"config",
                        {{"model", p.modelDir.empty() ? "" : fs::path(p.modelDir).filename().string()},
                         {"quick", p.quick},
                         {"samples", n},
                         {"seed", p.seed},
                         {"length", p.length},
                         {"settings", settingsJ},
                         {"peers", p.peers},
                         {"layout", p.layout},
                         {"split", p.split},
                         {"test_speaker", p.testSpeaker},
                         {"snr_buckets", p.snrBuckets},
                         {"families", p.families},
                         {"reverberant", p.reverberant},
                         {"room_share", p.roomShare},
                         {"chunk_frames", p.chunkFrames},
                         {"overlap_frames", p.overlapFrames},
                         {"task", p.task},
                         {"strength", p.strength},
                         {"strength_curve", p.strengthCurve},
                         {"strengths", p.strengths}}}};
    if (!p.strengths.empty()) raw["strengths"] = p.strengths;
    if (!p.strengthCurve.empty()) raw["strength_curve"] = p.strengthCurve;
    nlohmann::json methodsJ = nlohmann::json::array();
    for (const auto& ms : methods)
        methodsJ.push_back({{"method", ms.method},
                            {"nfe", ms.nfe},
                            {"seconds", ms.seconds},
                            {"audio", ms.audio},
                            {"failures", ms.failures},
                            {"max_lag", ms.maxLag}});
    raw["methods"] = methodsJ;
    nlohmann::json items = nlohmann::json::array();
    for (std::size_t i = 0; i < N; ++i) {
        if (!sh.owns(i)) continue;
        nlohmann::json sc = nlohmann::json::array();
        for (const auto& ms : methods)
            sc.push_back(ms.files[i] ? nlohmann::json{ms.files[i]->siSdr, ms.files[i]->estoi}
                                     : nlohmann::json());
        items.push_back({{"unit", i}, {"groups", plan[i].groups}, {"scores", sc}});
        if (coherence[i])
            items.back()["coherence"] = *coherence[i], items.back()["input_snr"] = *inputSnr[i],
            items.back()["removed_snr"] = *removedSnr[i];
    }
    raw["items"] = items;
    if (!res.errorBySigma.empty()) {
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& e : res.errorBySigma)
            errors.push_back({{"t", e.t},
                              {"sigma", e.sigma},
                              {"mse_model", e.mseModel},
                              {"mse_identity", e.mseIdentity},
                              {"mse_noisy", e.mseNoisy}});
        raw["error_by_sigma"] = errors;
        raw["error_pairs"] = p.errorPairs;
    }
    if (!sh.whole()) raw["shard"] = sh.json();
    auto out = summarise(raw);
    if (out && !sh.whole()) out.value().json = raw.dump(); // a part for `reverie-cli merge`
    return out;
}

Result<EnhanceBenchResult> mergeEnhanceBench(std::vector<nlohmann::json> parts) {
    using R = Result<EnhanceBenchResult>;
    return guarded<EnhanceBenchResult>("merge bench enhance", [&]() -> R {
        auto m = mergeParts(std::move(parts), "items");
        if (!m) return m.error();
        nlohmann::json& raw = m.value().merged;
        if (raw["items"].size() != raw["mixtures"].get<std::size_t>())
            return R::invalid("merge: the parts hold " + std::to_string(raw["items"].size()) + " of " +
                              raw["mixtures"].dump() + " mixtures");
        nlohmann::json notes = nlohmann::json::array();
        for (const auto& part : m.value().parts) {
            if (part["methods"].size() != raw["methods"].size())
                return R::invalid(
                    "merge: the parts scored different methods (a peer missing on one machine?)");
            for (const auto& n : part["notes"])
                if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
            if (&part == &m.value().parts.front()) continue;
            for (std::size_t m = 0; m < raw["methods"].size(); ++m) {
                auto& a = raw["methods"][m];
                const auto& b = part["methods"][m];
                if (a["method"] != b["method"])
                    return R::invalid("merge: the parts scored different methods");
                a["nfe"] = std::max(a["nfe"].get<int>(), b["nfe"].get<int>());
                a["seconds"] = a["seconds"].get<double>() + b["seconds"].get<double>();
                a["audio"] = a["audio"].get<double>() + b["audio"].get<double>();
                a["failures"] = a["failures"].get<int>() + b["failures"].get<int>();
                a["max_lag"] = std::max(a["max_lag"].get<int>(), b["max_lag"].get<int>());
            }
        }
        raw["notes"] = notes;
        return summarise(raw);
    });
}

} // namespace reverie::speech
