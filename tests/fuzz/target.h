#pragma once
// One fuzz target = one function of (bytes, size) that feeds an untrusted-input parser and
// returns 0. It must never crash, hang, leak or throw, whatever the bytes; a parser's refusal
// (an error Result) is the expected outcome for most inputs.
//
// The same source builds two ways (docs/reliability.md):
//  - REVERIE_LIBFUZZER (the `sanitize` preset): one executable per target with libFuzzer's entry
//    point (so libFuzzer or AFL++ can drive it too) and our coverage-guided driver (driver.cpp),
//    over an engine built with AddressSanitizer and UndefinedBehaviorSanitizer; tests/fuzz/run.sh
//    runs each for a bounded time from its seeds.
//  - otherwise (every normal build): the targets register themselves with tst_fuzz_replay, which
//    replays the seeds, every file under tests/fuzz/regressions/<target>/ (inputs that once
//    crashed) and a fixed set of mutations of the seeds, so a regression fails the ordinary tests.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace reverie::fuzz {

using Entry = int (*)(const std::uint8_t* data, std::size_t size);
/// Registers a target for the replay test (no-op under libFuzzer). Returns true.
bool registerTarget(const char* name, Entry entry);

/// Writes the bytes to a private temporary file (for parsers that read a path) and returns its
/// path; the file is rewritten on every call and removed at exit. `suffix` keeps an extension.
std::string scratchFile(std::string_view bytes, std::string_view suffix);

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

} // namespace reverie::fuzz

#ifdef REVERIE_LIBFUZZER
#define REVERIE_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define REVERIE_FUZZ_TARGET(name)                                                                          \
    static int reverieFuzz_##name(const std::uint8_t* data, std::size_t size);                          \
    [[maybe_unused]] static const bool reverieFuzzRegistered_##name =                                      \
        ::reverie::fuzz::registerTarget(#name, &reverieFuzz_##name);                                     \
    static int reverieFuzz_##name(const std::uint8_t* data, std::size_t size)
#endif
