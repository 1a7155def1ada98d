#include "base/job.h"

namespace reverie {

std::string firstLine(const std::string& text) {
    const auto end = text.find('\n');
    std::string line = end == std::string::npos ? text : text.substr(0, end);
    // LibTorch prefixes some messages with the source location in brackets; keep the sentence.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    return line.empty() ? std::string("error without a message") : line;
}

} // namespace reverie
