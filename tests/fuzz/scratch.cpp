#include "target.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

#include <unistd.h>

namespace reverie::fuzz {
namespace {

// /dev/shm when there is one (no disk writes at fuzzing speed), else the temporary folder.
std::filesystem::path scratchDir() {
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec)) return "/dev/shm";
    return std::filesystem::temp_directory_path();
}

struct Scratch {
    std::map<std::string, std::string> paths; // suffix → path
    ~Scratch() {
        for (const auto& [suffix, path] : paths) std::remove(path.c_str());
    }
};

Scratch& scratch() {
    static Scratch s;
    return s;
}

} // namespace

std::string scratchFile(std::string_view bytes, std::string_view suffix) {
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    auto& path = scratch().paths[std::string(suffix)];
    if (path.empty())
        path = (scratchDir() / ("reverie-fuzz-" + std::to_string(::getpid()) + std::string(suffix))).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write the scratch file " + path);
    return path;
}

#ifdef REVERIE_LIBFUZZER
bool registerTarget(const char*, Entry) { return true; }
#endif

} // namespace reverie::fuzz
