#include "base/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "base/telemetry.h"

#include <algorithm>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <mutex>
#include <thread>

namespace reverie::runtime {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool namesBlas(const std::string& path) {
    const std::string l = lower(path);
    return l.find("blas") != std::string::npos || l.find("mkl") != std::string::npos || l.find("blis") != std::string::npos ||
           l.find("atlas") != std::string::npos;
}

// The library that provides `symbol` to this process (what a call from LibTorch binds to), or "".
std::string providerOf(const char* symbol) {
    void* p = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info{};
    if (!p || dladdr(p, &info) == 0 || !info.dli_fname) return {};
    std::error_code ec;
    const auto real = std::filesystem::canonical(info.dli_fname, ec);
    return ec ? std::string(info.dli_fname) : real.string();
}

// Finds the BLAS that matrix products use (LibTorch links it dynamically on Debian, where
// update-alternatives decides whether libblas.so.3 is OpenBLAS or the reference BLAS). First the
// library that provides sgemm_ to this process: OpenBLAS can be mapped (LAPACK links it) while
// another libblas.so.3 earlier in the search order, e.g. through LD_LIBRARY_PATH, answers the
// calls. Otherwise the BLAS libraries mapped into the process.
void detectBlas(Info& out) {
    std::string found = providerOf("sgemm_");
    if (!namesBlas(found)) found.clear(); // e.g. LibTorch's own MKL: decided below
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::string firstMapped;
    while (found.empty() && std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        const std::string path = line.substr(slash);
        const std::string l = lower(path);
        if (l.find("blas") == std::string::npos && l.find("mkl") == std::string::npos &&
            l.find("blis") == std::string::npos)
            continue;
        std::error_code ec;
        const auto real = std::filesystem::canonical(path, ec);
        const std::string candidate = ec ? path : real.string();
        if (lower(candidate).find("openblas") != std::string::npos) {
            found = candidate; // the most informative match
            break;
        }
        if (firstMapped.empty()) firstMapped = candidate;
    }
    if (found.empty()) found = firstMapped;
    out.blasPath = found;
    const std::string l = lower(found);
    if (l.find("openblas") != std::string::npos) {
        out.blas = l.find("pthread") != std::string::npos ? "OpenBLAS (pthread)"
                   : l.find("openmp") != std::string::npos ? "OpenBLAS (OpenMP)"
                                                           : "OpenBLAS";
    } else if (l.find("mkl") != std::string::npos) {
        out.blas = "Intel MKL";
    } else if (l.find("blis") != std::string::npos) {
        out.blas = "BLIS";
    } else if (l.find("atlas") != std::string::npos) {
        out.blas = "ATLAS";
    } else if (!found.empty()) {
        out.blas = "reference BLAS (netlib)";
        out.blasIsReference = true;
    } else if (at::hasMKL()) {
        out.blas = "Intel MKL (linked into LibTorch)";
    } else {
        out.blas = "unknown (no BLAS library is loaded)";
    }
}

} // namespace

int hardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

Info info() {
    Info i;
    i.torchVersion = TORCH_VERSION;
    i.cudaBuilt = at::hasCUDA();
    i.cudaDevices = i.cudaBuilt ? static_cast<int>(torch::cuda::device_count()) : 0;
    i.device = i.cudaDevices > 0 ? "cuda" : "cpu";
    i.threads = at::get_num_threads();
    i.hardwareThreads = hardwareThreads();
    detectBlas(i);
    const std::string par = at::get_parallel_info();
    i.parallelBackend = par.find("OpenMP") != std::string::npos ? "OpenMP" : "native";
    return i;
}

void keepFreedMemory() {
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 128 << 20);
        mallopt(M_MMAP_MAX, 0);
    });
}

int prepareEngineThread(int threads) {
    keepFreedMemory();
    const int n = threads > 0 ? threads : hardwareThreads();
    if (at::get_num_threads() != n) at::set_num_threads(n);
    telemetry::installAllocatorHook();
    return at::get_num_threads();
}

bool deviceUsable(const std::string& device, std::string* why) {
    if (device == "cpu") return true;
    if (device == "cuda") {
        if (!at::hasCUDA()) {
            if (why) *why = "this build of LibTorch has no CUDA support; build against a CUDA LibTorch";
            return false;
        }
        if (torch::cuda::device_count() == 0) {
            if (why) *why = "LibTorch has CUDA support but no GPU is visible";
            return false;
        }
        return true;
    }
    if (why) *why = "unknown device '" + device + "' (use cpu or cuda)";
    return false;
}

} // namespace reverie::runtime
