#pragma once
// ThreadSanitizer and Qt's queues. Qt is not instrumented, so TSan cannot see the locks that
// order a queued call or a QFuture's result: a value made on one thread and read on another
// through them reads as a race. Under TSan the engine makes each hand-over visible with a lock
// TSan does see: the sending thread holds it while it posts (Sending), the receiving thread
// takes it once when the call or result arrives (arrived()), so everything written before the
// post happens-before everything read after the arrival. Without -fsanitize=thread both are
// empty. (docs/reliability.md, "ThreadSanitizer")

#if defined(__SANITIZE_THREAD__)
#include <mutex>
#endif

namespace reverie::app::handoff {

#if defined(__SANITIZE_THREAD__)
inline std::recursive_mutex g_queue;
/// Held while a call or a result is posted to another thread.
class Sending {
public:
    Sending() : m_lock(g_queue) {}

private:
    std::lock_guard<std::recursive_mutex> m_lock;
};
/// At the start of what was posted: waits until the post is complete.
inline void arrived() { std::lock_guard<std::recursive_mutex> lock(g_queue); }
#else
class Sending {
public:
    Sending() {}
    ~Sending() {} // user-provided: a scope guard, never "unused"
};
inline void arrived() {}
#endif

} // namespace reverie::app::handoff
