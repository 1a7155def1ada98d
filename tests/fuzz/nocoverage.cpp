// The `sanitize` preset compiles the parsers with -fsanitize-coverage=trace-pc; executables other
// than the fuzz drivers (the tests) get this no-op hook. driver.cpp defines the real one.
extern "C" __attribute__((weak)) void __sanitizer_cov_trace_pc() {}
