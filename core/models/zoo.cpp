#include "models/zoo.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>

#ifndef REVERIE_RESOURCE_DIR
#define REVERIE_RESOURCE_DIR ""
#endif

namespace reverie::models::zoo {
namespace {
std::mutex g_mutex;
std::string g_exeDir;
} // namespace

void setExecutableDir(const std::string& dir) {
    std::lock_guard lock(g_mutex);
    g_exeDir = dir;
}

std::vector<std::string> searchPath(const std::string& name) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    if (const char* env = std::getenv("REVERIE_MODELS_DIR"); env && *env) out.push_back((fs::path(env) / name).string());
    {
        std::lock_guard lock(g_mutex);
        if (!g_exeDir.empty())
            out.push_back((fs::path(g_exeDir) / ".." / "share" / "reverie" / "models" / name).lexically_normal().string());
    }
    const std::string resources = REVERIE_RESOURCE_DIR;
    if (!resources.empty()) out.push_back((fs::path(resources) / "models" / name).string());
    return out;
}

std::string find(const std::string& name) {
    std::error_code ec;
    for (const auto& dir : searchPath(name))
        if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "weights.pt", ec)) return dir;
    return {};
}

std::string findResource(const std::string& relative) {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    {
        std::lock_guard lock(g_mutex);
        if (!g_exeDir.empty()) candidates.push_back((fs::path(g_exeDir) / ".." / "share" / "reverie" / relative).lexically_normal());
    }
    const std::string resources = REVERIE_RESOURCE_DIR;
    if (!resources.empty()) candidates.push_back(fs::path(resources) / relative);
    std::error_code ec;
    for (const auto& c : candidates)
        if (fs::is_regular_file(c, ec)) return c.string();
    return {};
}

std::string resolve(const std::string& folderOrName, const std::string& fallback) {
    if (folderOrName.empty()) return find(fallback);
    std::error_code ec;
    if (!std::filesystem::is_directory(folderOrName, ec)) {
        if (auto builtin = find(folderOrName); !builtin.empty()) return builtin;
    }
    return folderOrName;
}

} // namespace reverie::models::zoo
