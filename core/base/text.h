#pragma once
// Small string helpers shared by the domains (typed prompts, names, paths).
//
// Thread rules: plain functions. Failure: none.

#include <cctype>
#include <string>

namespace reverie {

/// The text without leading and trailing white space.
inline std::string trim(const std::string& text) {
    std::size_t a = 0, b = text.size();
    while (a < b && std::isspace(static_cast<unsigned char>(text[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(text[b - 1]))) --b;
    return text.substr(a, b - a);
}

} // namespace reverie
