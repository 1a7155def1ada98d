#include "base/telemetry.h"

#include "base/job.h"

#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>

#if defined(REVERIE_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>

namespace reverie::telemetry {
namespace {

std::atomic<std::int64_t> g_current{0};
std::atomic<std::int64_t> g_peak{0};

// The parameter types of reportMemoryUsage changed between LibTorch 1.x (int64_t) and 2.x
// (size_t): take them from the base class so that one override compiles against both.
template <typename> struct ReportArgs;
template <typename C, typename R, typename P, typename A, typename T, typename V, typename D>
struct ReportArgs<R (C::*)(P, A, T, V, D)> {
    using Alloc = A;
    using Total = T;
};
using Args = ReportArgs<decltype(&c10::MemoryReportingInfoBase::reportMemoryUsage)>;

class AllocatorHook final : public c10::MemoryReportingInfoBase {
public:
    void reportMemoryUsage(void* /*ptr*/, Args::Alloc allocSize, Args::Total /*totalAllocated*/,
                           Args::Total /*totalReserved*/, c10::Device device) override {
        if (!device.is_cpu()) return; // device memory comes from the CUDA allocator's own stats
        const auto now = g_current.fetch_add(static_cast<std::int64_t>(allocSize)) +
                         static_cast<std::int64_t>(allocSize);
        auto peak = g_peak.load(std::memory_order_relaxed);
        while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
        }
    }
    bool memoryProfilingEnabled() const override { return true; }
};

thread_local bool t_installed = false;

} // namespace

void installAllocatorHook() {
    if (t_installed) return;
    // One hook object per thread; it lives as long as the thread's debug-info stack.
    c10::ThreadLocalDebugInfo::_push(c10::DebugInfoKind::PROFILER_STATE,
                                     std::make_shared<AllocatorHook>());
    t_installed = true;
}

bool allocatorHookInstalled() { return t_installed; }

std::int64_t allocatorBytes() { return g_current.load(); }
std::int64_t allocatorPeakBytes() { return g_peak.load(); }

std::int64_t residentBytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long pages = 0, resident = 0;
    const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    if (n != 2) return 0;
    return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

bool resetResidentPeak() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    const bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

std::int64_t residentPeakBytes() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    std::fclose(f);
    if (kib < 0) return 0;
    return std::max<std::int64_t>(std::int64_t(kib) * 1024, residentBytes());
}

void resetPeak() {
    g_peak.store(g_current.load());
#if defined(REVERIE_WITH_CUDA)
    if (c10::cuda::device_count() > 0)
        c10::cuda::CUDACachingAllocator::resetPeakStats(c10::cuda::current_device());
#endif
}

Sample sample() {
    Sample s;
    s.seconds = nowSeconds();
    s.rssBytes = residentBytes();
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) s.rssPeakBytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
    // The kernel folds per-thread RSS counters into the high-water mark lazily: never report a
    // peak below what we see now.
    s.rssPeakBytes = std::max(s.rssPeakBytes, s.rssBytes);
    s.allocBytes = g_current.load();
    s.allocPeakBytes = g_peak.load();
#if defined(REVERIE_WITH_CUDA)
    if (c10::cuda::device_count() > 0) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::cuda::current_device());
        // StatType moved between namespaces across LibTorch 2.x releases; AGGREGATE is index 0 in all.
        constexpr std::size_t agg = 0;
        s.deviceAllocBytes = stats.allocated_bytes[agg].current;
        s.deviceAllocPeakBytes = stats.allocated_bytes[agg].peak;
    }
#endif
    return s;
}

} // namespace reverie::telemetry
