#include "base/paths.h"

namespace fs = std::filesystem;

namespace reverie::runtime {

bool sameFile(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) {
        const bool same = fs::equivalent(a, b, ec);
        if (!ec) return same;
    }
    const auto ca = fs::weakly_canonical(a, ec);
    if (ec) return a.lexically_normal() == b.lexically_normal();
    const auto cb = fs::weakly_canonical(b, ec);
    return !ec && ca == cb;
}

} // namespace reverie::runtime
