#pragma once
// What LibTorch runs on here, and setting up the thread that owns all LibTorch work.
// No LibTorch types in this header: the app includes it without paying for torch headers.

#include <string>

namespace reverie::runtime {

struct Info {
    std::string torchVersion;   ///< e.g. "1.13.1"
    bool cudaBuilt = false;     ///< this LibTorch was built with CUDA
    int cudaDevices = 0;        ///< CUDA devices visible now
    std::string device;         ///< the device the engine uses: "cpu" or "cuda"
    int threads = 0;            ///< intra-op threads LibTorch uses now
    int hardwareThreads = 0;    ///< logical cores of this machine
    std::string blas;           ///< the BLAS that serves matrix products ("OpenBLAS (pthread)", …)
    std::string blasPath;       ///< the library file, when one is loaded dynamically
    bool blasIsReference = false; ///< the slow reference (netlib) BLAS is in use
    std::string parallelBackend;  ///< OpenMP / native, from LibTorch's parallel info
};

/// Reads the runtime facts. Cheap; any thread.
Info info();

/// Makes the calling thread the engine thread: sets LibTorch's intra-op thread count
/// (threads <= 0: one per core) and installs the allocator telemetry hook on it.
/// Returns the thread count in effect.
int prepareEngineThread(int threads);

/// Keeps freed memory in the process instead of returning it to the system after every tensor
/// (glibc mallopt: trim threshold 1 GiB, top pad 128 MiB, no mmap'd blocks). Networks
/// allocate and free their activations at every evaluation; without this glibc unmaps and
/// re-faults them each time and kernel time can double the wall time (measured on the speech
/// model: real-time factor 0.74 → 0.37 at 5 NFE on 2 threads). glibc caps the mmap threshold at
/// 32 MiB, so blocks above it (the speech U-Net's 128 MiB attention buffers in training) were
/// still mapped and faulted every step (36 % of the training process's time in the kernel);
/// M_MMAP_MAX 0 serves them from the heap as well. Process-wide and idempotent;
/// prepareEngineThread() calls it.
void keepFreedMemory();

/// Logical cores of this machine.
int hardwareThreads();

/// True when device ("cpu" or "cuda") can be used by this build on this machine; otherwise
/// fills why with a sentence for the user.
bool deviceUsable(const std::string& device, std::string* why = nullptr);

} // namespace reverie::runtime
