#include <minidl/core/kernels/parallel.hpp>

#include <minidl/core/threads.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <vector>

namespace minidl::kernels {

namespace {

// Threads that stay alive between parallel loops. Starting a thread costs tens of microseconds,
// as much as a whole small convolution, and a training step runs dozens of loops. An idle worker
// spins briefly, so that the next loop of a step finds it awake, then sleeps.
class WorkerPool {
 public:
  // The process's pool, never destroyed: its idle workers end with the process. A forked child
  // has none of its parent's threads, and its copy of the pool's condition variables may count
  // waiters that do not exist there (destroying or notifying them could hang): the child leaves
  // that copy untouched and starts a pool of its own.
  static WorkerPool& instance() {
    static WorkerPool* pool = (pthread_atfork(nullptr, nullptr, [] { forked = true; }), new WorkerPool(nullptr));
    if (forked) {
      forked = false;
      pool = new WorkerPool(pool);
    }
    return *pool;
  }

  // Runs task(thread) on the caller (thread 0) and on up to parts - 1 workers. Once the caller's
  // task returns, a worker that has not started its own is not waited for: the tasks take their
  // work from a common counter, and a worker descheduled by another process on its core would
  // only find the counter spent. Those that started are waited for.
  void run(int parts, const std::function<void(int)>& task) {
    {
      const std::lock_guard lock(mutex_);
      while (int(workers_.size()) < parts - 1) {
        const int index = int(workers_.size()) + 1;
        workers_.emplace_back([this, index] { work(index); });
      }
      task_ = &task;
      parts_ = parts;
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    task(0);
    {
      const std::lock_guard lock(mutex_);
      open_ = false;
    }
    spin_until([&] { return running_.load(std::memory_order_acquire) == 0; });
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return running_.load(std::memory_order_acquire) == 0; });
  }

 private:
  explicit WorkerPool(const WorkerPool* parents) : parents_(parents) {}

  static inline bool forked = false;

  template <class Ready>
  static bool spin_until(Ready ready) {
    constexpr auto spin_time = std::chrono::microseconds(50);
    const auto give_up = std::chrono::steady_clock::now() + spin_time;
    for (int round = 0;; ++round) {
      if (ready()) return true;
      if (round % 64 == 63 && std::chrono::steady_clock::now() > give_up) return false;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  void work(int index) {
    std::uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      const std::function<void(int)>* task = nullptr;
      {
        // The generation, the part count and the task are read together, so that a worker late
        // for one loop joins the next one whole rather than half of each.
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
        seen = generation_.load(std::memory_order_relaxed);
        if (index < parts_ && open_) {
          task = task_;
          running_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (!task) continue;
      (*task)(index);
      if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        const std::lock_guard lock(mutex_);  // the caller may be between its check and its wait
        finished_.notify_one();
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  const std::function<void(int)>* task_ = nullptr;
  int parts_ = 0;
  bool open_ = false;  // whether workers may still start the current task
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> running_{0};  // workers inside the current task
  std::vector<std::jthread> workers_;
  [[maybe_unused]] const WorkerPool* parents_;  // in a forked child, the parent's pool: kept, never touched
};

// Whether this thread runs a part of a parallel region: a parallel_for inside one runs serially.
thread_local bool inside_region = false;

}  // namespace

int parallel_chunks(std::int64_t count, int parts) {
  // Four chunks a thread: a thread that loses its core for a while leaves most of its share to the
  // others, while each chunk stays large enough that taking it costs nothing measurable.
  constexpr int chunks_per_thread = 4;
  if (parts <= 1 || count <= 1 || inside_region) return 1;
  return int(std::min<std::int64_t>(count, std::int64_t{parts} * chunks_per_thread));
}

void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  parallel_for_chunks(count, parts, parallel_chunks(count, parts), body);
}

void parallel_for_chunks(std::int64_t count, int parts, int chunks,
                         const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  if (chunks <= 1 || parts <= 1 || inside_region) {
    body(0, count, 0);
    return;
  }
  // The pool serves one parallel region at a time.
  static std::mutex region;
  const std::lock_guard lock(region);
  const detail::SingleThreadedBlas single_threaded_blas;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(chunks));
  std::atomic<int> next_chunk{0};
  WorkerPool::instance().run(int(std::min<std::int64_t>(parts, count)), [&](int) {
    inside_region = true;
    for (int chunk; (chunk = next_chunk.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      try {
        body(count * chunk / chunks, count * (chunk + 1) / chunks, chunk);
      } catch (...) {
        errors[std::size_t(chunk)] = std::current_exception();
      }
    }
    inside_region = false;
  });
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
}

int worthwhile_parts(std::int64_t count, double flops) {
  // Waking a pooled worker costs a few microseconds: below a couple of megaflops it is not worth it.
  constexpr double smallest_parallel_flops = 2e6;
  if (count < 2 || flops < smallest_parallel_flops) return 1;
  return std::max(1, num_threads());
}

int memory_pass_parts(std::int64_t values) {
  constexpr std::int64_t smallest_part = std::int64_t{1} << 17;
  return values < 2 * smallest_part ? 1 : int(std::clamp<std::int64_t>(values / smallest_part, 1, num_threads()));
}

}  // namespace minidl::kernels
