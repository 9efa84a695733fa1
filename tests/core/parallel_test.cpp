// The kernels' parallel loop: threads take chunks of the work as they come free, and sums over
// chunks are added in chunk order, so that a result never depends on which thread was quicker.
#include <doctest/doctest.h>
#include <minidl/core/kernels/parallel.hpp>
#include <minidl/minidl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace minidl;
using kernels::parallel_chunks;
using kernels::parallel_for;
using kernels::parallel_sum;

namespace {

// Keeps one core busy for its lifetime, as another process on the machine would.
class BusyNeighbour {
 public:
  BusyNeighbour()
      : thread_([this] {
          while (!stop_.load(std::memory_order_relaxed)) spins_.fetch_add(1, std::memory_order_relaxed);
        }) {}
  ~BusyNeighbour() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> spins_{0};
  std::thread thread_;
};

class ThreadCount {
 public:
  explicit ThreadCount(int threads) : saved_(num_threads()) { set_num_threads(threads); }
  ~ThreadCount() { set_num_threads(saved_); }

 private:
  int saved_;
};

}  // namespace

TEST_CASE("parallel_for runs every chunk once, each over its own slice of the range") {
  const ThreadCount two(2);
  for (const std::int64_t count : {2, 3, 7, 8, 32, 1000}) {
    CAPTURE(count);
    const int chunks = parallel_chunks(count, 2);
    CHECK(chunks == std::min<std::int64_t>(count, 8));
    std::mutex mutex;
    std::set<std::tuple<int, std::int64_t, std::int64_t>> seen;
    std::vector<int> visits(std::size_t(count), 0);
    parallel_for(count, 2, [&](std::int64_t first, std::int64_t last, int chunk) {
      const std::lock_guard lock(mutex);
      CHECK(seen.emplace(chunk, first, last).second);
      for (std::int64_t i = first; i < last; ++i) ++visits[std::size_t(i)];
    });
    CHECK(int(seen.size()) == chunks);
    for (const auto& [chunk, first, last] : seen) {
      CHECK(first == count * chunk / chunks);
      CHECK(last == count * (chunk + 1) / chunks);
    }
    CHECK(std::count(visits.begin(), visits.end(), 1) == count);
  }
}

TEST_CASE("parallel_for with one part, or inside another loop, is one plain call") {
  const ThreadCount two(2);
  CHECK(parallel_chunks(100, 1) == 1);
  int calls = 0;
  parallel_for(100, 1, [&](std::int64_t first, std::int64_t last, int chunk) {
    ++calls;
    CHECK(first == 0);
    CHECK(last == 100);
    CHECK(chunk == 0);
  });
  CHECK(calls == 1);
  std::atomic<int> inner_calls{0}, inner_chunks_seen{0}, whole_ranges{0};
  parallel_for(4, 2, [&](std::int64_t, std::int64_t, int) {
    inner_chunks_seen += parallel_chunks(100, 2);
    parallel_for(100, 2, [&](std::int64_t first, std::int64_t last, int) {
      if (first == 0 && last == 100) ++whole_ranges;
      ++inner_calls;
    });
  });
  CHECK(inner_chunks_seen == 4);
  CHECK(whole_ranges == 4);
  CHECK(inner_calls == 4);
}

TEST_CASE("parallel_for rethrows the error of the first chunk that failed, after every chunk ran") {
  const ThreadCount two(2);
  std::atomic<int> ran{0};
  try {
    parallel_for(32, 2, [&](std::int64_t, std::int64_t, int chunk) {
      ++ran;
      if (chunk == 5) throw std::runtime_error("chunk 5");
      if (chunk == 3) throw std::runtime_error("chunk 3");
    });
    FAIL("no exception");
  } catch (const std::runtime_error& error) {
    CHECK(std::string(error.what()) == "chunk 3");
  }
  CHECK(ran == parallel_chunks(32, 2));
}

TEST_CASE("parallel_sum adds its chunks in chunk order, whichever thread took them, with a core kept busy") {
  const ThreadCount two(2);
  // Float values of very different sizes, so that any other order of the chunk sums rounds differently.
  const std::int64_t count = 4096;
  std::vector<float> values(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) values[std::size_t(i)] = float(i % 7 == 0 ? 1e7 + double(i) : 0.37 * double(i % 13));
  const int chunks = parallel_chunks(count, 2);
  REQUIRE(chunks > 2);
  float expected = 0;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    float sum = chunk == 0 ? expected : 0.0f;
    for (std::int64_t i = count * chunk / chunks; i < count * (chunk + 1) / chunks; ++i) sum += values[std::size_t(i)];
    expected = chunk == 0 ? sum : expected + sum;
  }
  const auto sum_values = [&] {
    float total = -1;
    parallel_sum(&total, 1, count, 2, [&](std::int64_t first, std::int64_t last, float* sums) {
      for (std::int64_t i = first; i < last; ++i) sums[0] += values[std::size_t(i)];
      // Uneven chunk times, so that the threads take the chunks in changing turns.
      if ((first / 7) % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(first % 200));
    });
    return total;
  };
  for (int round = 0; round < 20; ++round) REQUIRE(sum_values() == expected);
  const BusyNeighbour neighbour;
  for (int round = 0; round < 20; ++round) REQUIRE(sum_values() == expected);
}
