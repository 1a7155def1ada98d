#include "base/io.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace reverie::io {
namespace {

bool syncPath(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

std::string temporaryPathFor(const std::string& target) {
    static std::atomic<unsigned> counter{0};
    const fs::path t(target);
    const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
    return (dir / ("." + t.filename().string() + ".reverie-tmp-" + std::to_string(::getpid()) + "-" +
                   std::to_string(counter++)))
        .string();
}

int removeStaleTemporaries(const std::string& target) {
    const fs::path t(target);
    const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
    const std::string prefix = "." + t.filename().string() + ".reverie-tmp-";
    int removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = name.substr(prefix.size()); // "<pid>-<n>"
        const auto dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9) continue;
        long pid = 0;
        for (std::size_t i = 0; i < dash; ++i) {
            if (rest[i] < '0' || rest[i] > '9') {
                pid = 0;
                break;
            }
            pid = pid * 10 + (rest[i] - '0');
        }
        if (pid <= 0 || pid == long(::getpid())) continue; // this process's own writes in flight
        if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue; // alive (or someone else's)
        std::error_code rm;
        if (fs::remove(it->path(), rm)) ++removed;
    }
    return removed;
}

Result<bool> commitTemporary(const std::string& tmp, const std::string& target) {
    std::error_code ec;
    if (!syncPath(tmp, false)) {
        const int err = errno;
        fs::remove(tmp, ec);
        return Result<bool>::failed("cannot write " + target + ": " + std::strerror(err ? err : EIO));
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        std::error_code ignore;
        fs::remove(tmp, ignore);
        return Result<bool>::failed("cannot write " + target + ": " + ec.message());
    }
    const fs::path parent = fs::path(target).has_parent_path() ? fs::path(target).parent_path() : fs::path(".");
    syncPath(parent.string(), true); // best effort: the rename itself is durable on most file systems
    removeStaleTemporaries(target);
    return true;
}

Result<bool> writeFileAtomic(const std::string& path, std::string_view bytes) {
    const std::string tmp = temporaryPathFor(path);
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return Result<bool>::invalid("cannot write " + path + ": " + std::strerror(errno));
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = std::fflush(f) == 0 && ok;
    const int err = errno;
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        std::error_code ec;
        fs::remove(tmp, ec);
        return Result<bool>::failed("cannot write " + path + ": " + std::strerror(err ? err : EIO));
    }
    return commitTemporary(tmp, path);
}

Result<bool> replaceAtomic(const std::string& path, const std::function<Result<bool>(const std::string& tmp)>& write) {
    const std::string tmp = temporaryPathFor(path);
    auto r = guarded<bool>("writing " + path, [&] { return write(tmp); });
    if (!r) {
        std::error_code ec;
        fs::remove(tmp, ec);
        return r;
    }
    return commitTemporary(tmp, path);
}

Result<std::string> readFile(const std::string& path, std::size_t maxBytes) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Result<std::string>::invalid(path + ": no such file");
    const auto size = fs::file_size(path, ec);
    if (ec) return Result<std::string>::invalid(path + ": " + ec.message());
    if (size > maxBytes)
        return Result<std::string>::invalid(path + " is " + std::to_string(size) + " bytes, more than the " +
                                            std::to_string(maxBytes) + " this reader accepts");
    std::ifstream in(path, std::ios::binary);
    if (!in) return Result<std::string>::invalid(path + ": cannot open");
    std::string out(size, '\0');
    in.read(out.data(), std::streamsize(size));
    if (!in) return Result<std::string>::failed(path + ": read error");
    return out;
}

} // namespace reverie::io
