#pragma once
// Telemetry: what a job costs in memory, sampled cheaply from any thread.
//
// - Process memory: resident set size (RSS) and its peak, read from the kernel.
// - LibTorch allocator memory: current and peak bytes held by LibTorch's CPU allocator, seen
//   through a c10::MemoryReportingInfoBase hook. LibTorch reports allocations only to the hook
//   installed on the allocating thread, so installAllocatorHook() must run on the engine thread
//   (the app does so when the thread starts; a test does so on its own thread).
//   When built against a CUDA LibTorch, the CUDA caching allocator's device statistics are read
//   as well.
// All counters are atomics: sample() may be called from the GUI thread while the engine works.

#include <cstdint>
#include <string>

namespace reverie::telemetry {

struct Sample {
    double seconds = 0;             ///< monotonic time of the sample
    std::int64_t rssBytes = 0;      ///< process resident set size
    std::int64_t rssPeakBytes = 0;  ///< peak RSS since process start
    std::int64_t allocBytes = 0;    ///< bytes currently held by LibTorch's CPU allocator (hooked threads)
    std::int64_t allocPeakBytes = 0;///< peak of allocBytes since the last resetPeak()
    std::int64_t deviceAllocBytes = -1;     ///< CUDA: allocated bytes on the current device (-1: no CUDA)
    std::int64_t deviceAllocPeakBytes = -1; ///< CUDA: peak allocated bytes on the current device
};

/// Installs the allocator hook on the calling thread (idempotent per thread). Thread-safe.
void installAllocatorHook();

/// Whether the calling thread has the hook installed.
bool allocatorHookInstalled();

/// Reads every counter. Cheap (one small /proc read), callable from any thread.
Sample sample();

/// Restarts the allocator peak (and the CUDA peak) at the current value, e.g. when a job starts.
void resetPeak();

/// Restarts the process's resident high-water mark (Linux: /proc/self/clear_refs, "5") so that
/// residentPeakBytes() measures one phase of a run; false where the kernel does not allow it.
bool resetResidentPeak();
/// The resident high-water mark since the last resetResidentPeak() (or process start): VmHWM of
/// /proc/self/status, never below the current RSS; 0 where it cannot be read.
std::int64_t residentPeakBytes();

/// Bytes currently allocated according to the hook (also inside sample()).
std::int64_t allocatorBytes();
std::int64_t allocatorPeakBytes();

/// Resident set size of this process, in bytes (0 where it cannot be read).
std::int64_t residentBytes();

} // namespace reverie::telemetry
