#include "speech/enhance_bench.h"

#include "speech/audio.h"
#include "speech/corpus.h"
#include "speech/enhance.h"
#include "speech/metrics.h"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>

namespace fs = std::filesystem;

namespace reverie::speech {

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

struct Scores {
    double siSdr = 0, estoi = 0;
    int files = 0;
    double seconds = 0, audio = 0;
};

void add(Scores& s, const std::vector<float>& clean, const std::vector<float>& est) {
    auto a = siSdr(clean, est);
    auto b = estoi(clean, est, 16000);
    if (!a || !b) return; // undefined for this file (e.g. a silent estimate): not counted
    s.siSdr += a.value();
    s.estoi += b.value();
    ++s.files;
}

} // namespace

Result<EnhanceBenchResult> runEnhanceBench(const EnhanceBenchParams& p, const JobContext& ctx) {
    using R = Result<EnhanceBenchResult>;
    CorpusOptions co;
    co.dir = p.speechDir;
    co.testSpeaker = p.testSpeaker;
    co.length = p.length;
    auto corpus = Corpus::load(co);
    if (!corpus) return corpus.error();
    const int n = p.quick ? std::min(p.samples, 4) : p.samples;
    if (n < 1) return R::invalid("bench enhance needs at least one mixture");

    std::vector<EnhanceBenchSetting> settings = p.settings;
    if (settings.empty()) {
        if (p.quick) {
            settings = {{kDefaultEnhanceSampler, kDefaultEnhanceNfe}, {"mrs-sde-2-data", 10}, {"pc", 60}};
        } else {
            settings = {{"pc", 60}, {"ode-rk45", 0}};
            for (const char* s : {"mrs-sde-1-data", "mrs-sde-2-data", "mrs-ode-2-data"})
                for (int k : {5, 10, 20}) settings.push_back({s, k});
        }
    }
    if (p.modelDir.empty()) settings.clear();
    for (const auto& st : settings) {
        EnhanceParams ep;
        ep.sampler = st.sampler;
        ep.nfe = st.nfe;
        if (auto v = validateEnhance(ep); !v) return v.error();
    }

    EnhanceBenchResult res;
    std::vector<Mixture> mixtures;
    for (int i = 0; i < n; ++i) mixtures.push_back(corpus.value().mixture(CorpusSplit::Test, p.seed, std::uint64_t(i)));
    const double audioSeconds = double(p.length) / 16000.0;

    Scores input;
    for (const auto& m : mixtures) add(input, m.clean, m.noisy);
    auto row = [&](const std::string& method, int nfe, const Scores& s) {
        EnhanceBenchRow r;
        r.method = method;
        r.nfe = nfe;
        r.files = s.files;
        if (s.files > 0) {
            r.siSdr = s.siSdr / s.files;
            r.estoi = s.estoi / s.files;
        }
        r.siSdrGain = r.siSdr - (input.files ? input.siSdr / input.files : 0);
        r.estoiGain = r.estoi - (input.files ? input.estoi / input.files : 0);
        r.rtf = s.audio > 0 ? s.seconds / s.audio : 0;
        res.rows.push_back(r);
    };
    row("noisy", 0, input);

    const std::int64_t totalUnits = std::int64_t(settings.size()) * n + (p.peers ? 3 * n : 0);
    std::int64_t done = 0;
    auto report = [&](const std::string& what) {
        Progress pr;
        pr.step = ++done;
        pr.total = totalUnits;
        pr.message = what;
        ctx.report(pr);
    };

    for (const auto& st : settings) {
        Scores s;
        std::int64_t nfe = 0;
        for (int i = 0; i < n; ++i) {
            if (ctx.cancelled()) return R::cancelled("bench enhance: cancelled");
            EnhanceParams ep;
            ep.modelDir = p.modelDir;
            ep.sampler = st.sampler;
            ep.nfe = st.nfe;
            ep.seed = std::uint64_t(i);
            ep.rtol = ep.atol = 1e-4; // the bench's RK45 tolerance: 1e-5 costs several hundred NFE here
            const Audio noisy{mixtures[std::size_t(i)].noisy, 16000, "", 0, 0};
            const JobContext inner{{}, ctx.cancel};
            auto r = enhance(ep, noisy, inner);
            if (!r) return r.error();
            nfe = std::max(nfe, r.value().nfe);
            s.seconds += r.value().seconds;
            s.audio += audioSeconds;
            add(s, mixtures[std::size_t(i)].clean, r.value().enhanced.samples);
            report(st.sampler);
        }
        row(st.sampler, int(nfe), s);
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
                 return "sox " + quoted(in) + " -n trim 0 0.25 noiseprof " + quoted(prof) + " && sox " + quoted(in) + " " +
                        quoted(out) + " noisered " + quoted(prof) + " 0.3";
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
        for (int i = 0; i < n; ++i) {
            const auto path = (tmp / ("noisy-" + std::to_string(i) + ".wav")).string();
            Audio a{mixtures[std::size_t(i)].noisy, 16000, "", 0, 0};
            if (auto s = saveWav(path, a); !s) return s.error(); // 16-bit: what the peers read best (peak <= 0.9)
            inputs.push_back(path);
        }
        for (const auto& peer : peers) {
            if (!haveProgram(peer.program)) {
                res.notes.push_back(peer.name + ": '" + peer.program + "' is not installed (skipped)");
                done += n;
                continue;
            }
            Scores s;
            int failures = 0, maxLag = 0;
            for (int i = 0; i < n; ++i) {
                if (ctx.cancelled()) {
                    fs::remove_all(tmp, ec);
                    return R::cancelled("bench enhance: cancelled");
                }
                const auto out = (tmp / (peer.name + "-" + std::to_string(i) + ".wav")).string();
                const auto prof = (tmp / ("profile-" + std::to_string(i))).string();
                const double t0 = nowSeconds();
                const bool ok = runQuiet(peer.command(inputs[std::size_t(i)], out, prof));
                const double dt = nowSeconds() - t0;
                auto a = ok ? loadAudio(out, 16000) : Result<Audio>::failed("the command failed");
                if (!a) {
                    ++failures;
                } else {
                    s.seconds += dt;
                    s.audio += audioSeconds;
                    int lag = 0;
                    add(s, mixtures[std::size_t(i)].clean, aligned(a.value().samples, mixtures[std::size_t(i)].noisy, &lag));
                    maxLag = std::max(maxLag, lag);
                }
                report(peer.name);
            }
            if (failures > 0) res.notes.push_back(peer.name + ": failed on " + std::to_string(failures) + " file(s)");
            if (maxLag > 0)
                res.notes.push_back(peer.name + ": output delayed by up to " + std::to_string(maxLag) +
                                    " samples, aligned by cross-correlation with the input");
            if (s.files > 0) row(peer.name, 0, s);
        }
        fs::remove_all(tmp, ec);
    }

    std::ostringstream t;
    char line[256];
    std::snprintf(line, sizeof line, "Speech enhancement, %d held-out mixtures (speaker %s, %.2f s, SNR %g..%g dB)\n", n,
                  p.testSpeaker.c_str(), audioSeconds, co.snrMin, co.snrMax);
    t << line;
    std::snprintf(line, sizeof line, "%-18s %5s %9s %8s %7s %8s %7s\n", "method", "NFE", "SI-SDR", "gain", "ESTOI", "gain",
                  "RTF");
    t << line;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : res.rows) {
        std::snprintf(line, sizeof line, "%-18s %5d %8.2f %8.2f %7.3f %8.3f %7.3f\n", r.method.c_str(), r.nfe, r.siSdr,
                      r.siSdrGain, r.estoi, r.estoiGain, r.rtf);
        t << line;
        rows.push_back({{"method", r.method}, {"nfe", r.nfe}, {"si_sdr", r.siSdr}, {"si_sdr_gain", r.siSdrGain},
                        {"estoi", r.estoi}, {"estoi_gain", r.estoiGain}, {"rtf", r.rtf}, {"files", r.files}});
    }
    for (const auto& note : res.notes) t << "note: " << note << '\n';
    res.table = t.str();
    res.json = nlohmann::json{{"bench", "enhance"},   {"mixtures", n},   {"seed", p.seed},
                              {"test_speaker", p.testSpeaker}, {"seconds_per_mixture", audioSeconds},
                              {"rows", rows},         {"notes", res.notes}}
                   .dump();
    return res;
}

} // namespace reverie::speech
