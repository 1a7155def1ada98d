#pragma once
// Core job plumbing: cancel tokens, progress reports and error values.
//
// A core job is a plain function
//     Result<R> run(const Params&, const JobContext&)
// that knows nothing about threads or screens. The caller (the app's engine thread, the CLI or a
// test) supplies a JobContext: a progress callback and a cancel token. Jobs call
// ctx.checkpoint() before every unit of work (every network evaluation for samplers) and return
// promptly with what they finished once it reports a cancel.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace reverie {

/// A shared, thread-safe stop flag. Copies share the same flag. Any thread may cancel();
/// the job's thread polls cancelled(). Never a plain bool read from two threads.
class CancelToken {
public:
    CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const noexcept { m_flag->store(true, std::memory_order_release); }
    bool cancelled() const noexcept { return m_flag->load(std::memory_order_acquire); }
    void reset() const noexcept { m_flag->store(false, std::memory_order_release); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

/// An 8-bit image in plain memory (row-major, interleaved channels): the only image type that
/// leaves core, so that no tensor ever crosses a thread boundary.
struct ImageU8 {
    int width = 0;
    int height = 0;
    int channels = 0; ///< 1 (grey), 3 (RGB) or 4 (RGBA)
    std::vector<std::uint8_t> pixels;
    bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
};

/// One progress report. Fields that a job does not know stay at their defaults.
struct Progress {
    std::int64_t step = 0;   ///< units of work done so far (1-based once the first unit is done)
    std::int64_t total = 0;  ///< units of work in the whole job (0 = unknown)
    std::int64_t nfe = 0;    ///< network evaluations so far (counted, never estimated)
    double stepSeconds = 0;  ///< wall time of the last step
    std::string message;     ///< short human-readable phase ("matmul 1024x1024")
    std::optional<ImageU8> preview; ///< optional preview image (e.g. x̂_0 during sampling)
    /// Named figures of this step for live curves (e.g. {"loss", 0.031}, {"lr", 2e-4}).
    std::vector<std::pair<std::string, double>> values;
};

using ProgressFn = std::function<void(const Progress&)>;

/// What a job receives from its caller. Cheap to copy.
struct JobContext {
    ProgressFn progress;   ///< may be empty; called on the job's own thread
    CancelToken cancel;

    void report(const Progress& p) const {
        if (progress) progress(p);
    }
    bool cancelled() const { return cancel.cancelled(); }
};

/// The reasons a job can end without a value.
enum class ErrorKind { InvalidInput, Cancelled, Failed };

struct Error {
    ErrorKind kind = ErrorKind::Failed;
    std::string message; ///< a sentence a person can act on
};

/// Either a value or an Error. (std::expected is C++23; GCC 12 lacks it.)
template <typename T>
class Result {
public:
    Result(T value) : m_v(std::move(value)) {}           // NOLINT: implicit on purpose
    Result(Error error) : m_v(std::move(error)) {}       // NOLINT
    static Result cancelled(std::string what = "cancelled") {
        return Error{ErrorKind::Cancelled, std::move(what)};
    }
    static Result invalid(std::string what) { return Error{ErrorKind::InvalidInput, std::move(what)}; }
    static Result failed(std::string what) { return Error{ErrorKind::Failed, std::move(what)}; }

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_v); }
    T& value() & { return std::get<T>(m_v); }
    T&& value() && { return std::get<T>(std::move(m_v)); }
    const Error& error() const { return std::get<Error>(m_v); }
    bool isCancelled() const { return !ok() && error().kind == ErrorKind::Cancelled; }

private:
    std::variant<T, Error> m_v;
};

/// The first line of an exception text (LibTorch appends long C++ backtraces).
std::string firstLine(const std::string& text);

/// Runs fn and turns any exception (c10::Error, cv::Exception, std::exception, anything else)
/// into an Error, so that nothing thrown inside core escapes to a Qt slot or a thread boundary.
/// `what` names the job for the message ("diagnostics: ...").
template <typename T, typename F>
Result<T> guarded(const std::string& what, F&& fn) noexcept {
    try {
        return fn();
    } catch (const std::exception& e) {
        return Result<T>::failed(what + ": " + firstLine(e.what()));
    } catch (...) {
        return Result<T>::failed(what + ": unknown error");
    }
}

/// Monotonic seconds since an arbitrary origin, for step timing.
inline double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

} // namespace reverie
