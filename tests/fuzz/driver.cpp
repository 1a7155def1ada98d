// reverie-fuzz driver: a small coverage-guided mutational fuzzer for the targets of target.h,
// linked into each fuzz_<target> executable of the `sanitize` preset (docs/reliability.md).
//
// Coverage: the engine is compiled with GCC's -fsanitize-coverage=trace-pc, which calls
// __sanitizer_cov_trace_pc() at the start of every basic block; this file defines it and keeps
// an AFL-style edge map (64 Ki counters indexed by hash(previous block) ^ hash(this block),
// bucketed 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+). An input that reaches a new (edge, bucket)
// joins the corpus. Mutations: those of the replay test plus splicing two corpus entries.
//
// Failures: AddressSanitizer / UndefinedBehaviorSanitizer reports end the process after the
// death callback saved the input as <out>/crash-<n>; an exception that escapes a target is a
// crash too; an input that runs longer than --timeout seconds is saved as <out>/timeout-<n>.
// Exit status 0 when the time ran out without a failure, 1 otherwise. The last line of stdout
// is a JSON summary: executions, executions per second, corpus size, edges, failures.
//
//   fuzz_<target> --seconds N --out DIR [--timeout S] [--seed K] SEED_DIR...
//   fuzz_<target> FILE...          (replays the files once each: reproduces a saved crash)

#include "mutate.h"
#include "target.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

constexpr std::size_t kMapSize = 1 << 16;
std::array<std::uint8_t, kMapSize> g_map{};
volatile bool g_tracing = false;
thread_local std::uintptr_t g_prev = 0;

} // namespace

extern "C" __attribute__((no_sanitize_address, no_sanitize_undefined)) void __sanitizer_cov_trace_pc() {
    if (!g_tracing) return;
    std::uintptr_t pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    pc = (pc ^ (pc >> 16)) * 0x45d9f3bu;
    const std::uintptr_t cur = (pc ^ (pc >> 16)) & (kMapSize - 1);
    g_map[cur ^ g_prev]++;
    g_prev = cur >> 1;
}

namespace {

namespace fs = std::filesystem;
using reverie::fuzz::Bytes;
using reverie::fuzz::mutate;

std::string g_out;                 // output folder
const Bytes* g_current = nullptr;  // the input being run
int g_failures = 0;

void save(const char* kind) {
    if (!g_current || g_out.empty()) return;
    const std::string path = g_out + "/" + kind + "-" + std::to_string(::getpid()) + "-" + std::to_string(g_failures++);
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(g_current->data(), 1, g_current->size(), f);
        std::fclose(f);
        std::fprintf(stderr, "reverie-fuzz: the input was saved as %s\n", path.c_str());
    }
}

void onDeath() { save("crash"); }

void onAlarm(int) {
    save("timeout");
    static const char msg[] = "reverie-fuzz: an input ran past the time limit\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    std::_Exit(1);
}

int bucket(std::uint8_t n) {
    if (n <= 3) return n;
    if (n < 8) return 4;
    if (n < 16) return 5;
    if (n < 32) return 6;
    if (n < 128) return 7;
    return 8;
}

// Runs one input; true when it reached an edge/bucket never seen.
bool run(const Bytes& input, std::vector<std::uint16_t>& seen, int timeoutSeconds) {
    g_map.fill(0);
    g_prev = 0;
    g_current = &input;
    if (timeoutSeconds > 0) ::alarm(unsigned(timeoutSeconds));
    g_tracing = true;
    try {
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    } catch (const std::exception& e) {
        g_tracing = false;
        std::fprintf(stderr, "reverie-fuzz: the target threw: %s\n", e.what());
        save("crash");
        std::_Exit(1);
    }
    g_tracing = false;
    if (timeoutSeconds > 0) ::alarm(0);
    g_current = nullptr;
    bool fresh = false;
    for (std::size_t i = 0; i < kMapSize; ++i) {
        if (!g_map[i]) continue;
        const auto bit = std::uint16_t(1u << bucket(g_map[i]));
        if (!(seen[i] & bit)) {
            seen[i] |= bit;
            fresh = true;
        }
    }
    return fresh;
}

Bytes readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

int main(int argc, char** argv) {
    double seconds = -1;
    int timeout = 10;
    std::uint64_t seed = 1;
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--seconds") seconds = std::atof(next().c_str());
        else if (a == "--out") g_out = next();
        else if (a == "--timeout") timeout = std::atoi(next().c_str());
        else if (a == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
        else inputs.push_back(a);
    }
    __sanitizer_set_death_callback(onDeath);
    std::signal(SIGALRM, onAlarm);
    std::vector<std::uint16_t> seen(kMapSize, 0);

    if (seconds < 0) { // replay mode
        for (const auto& f : inputs) {
            const Bytes b = readFile(f);
            run(b, seen, timeout);
            std::printf("%s: ok\n", f.c_str());
        }
        return 0;
    }
    if (g_out.empty()) {
        std::fprintf(stderr, "--out DIR is required when fuzzing\n");
        return 2;
    }
    fs::create_directories(g_out + "/corpus");

    std::vector<Bytes> corpus;
    for (const auto& dir : inputs) {
        std::error_code ec;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.file_size() <= (1u << 20)) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& p : files) {
            Bytes b = readFile(p);
            run(b, seen, timeout);
            corpus.push_back(std::move(b)); // every seed stays, new coverage or not
        }
    }
    if (corpus.empty()) corpus.emplace_back();

    std::mt19937_64 rng(seed);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    std::uint64_t execs = 0;
    std::size_t added = 0;
    while (elapsed() < seconds) {
        for (int k = 0; k < 64; ++k) {
            // Favour recent finds: half the picks come from the newest quarter of the corpus.
            const std::size_t n = corpus.size();
            const std::size_t i = (rng() & 1) ? n - 1 - std::size_t(rng() % std::max<std::size_t>(1, n / 4)) : std::size_t(rng() % n);
            Bytes b = mutate(corpus[i], corpus, rng);
            ++execs;
            if (run(b, seen, timeout)) {
                std::ofstream(g_out + "/corpus/" + std::to_string(corpus.size()), std::ios::binary) << b;
                corpus.push_back(std::move(b));
                ++added;
            }
        }
    }
    std::size_t edges = 0;
    for (const auto s : seen) edges += s != 0;
    const double t = elapsed();
    std::printf("{\"execs\": %llu, \"seconds\": %.1f, \"execs_per_s\": %.0f, \"corpus\": %zu, \"added\": %zu, "
                "\"edges\": %zu, \"failures\": %d}\n",
                static_cast<unsigned long long>(execs), t, double(execs) / std::max(t, 1e-9), corpus.size(), added, edges,
                g_failures);
    return g_failures ? 1 : 0;
}
