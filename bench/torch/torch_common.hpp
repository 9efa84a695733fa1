// What the libtorch halves of the benchmarks share: how libtorch is set up and how calls are timed.
#pragma once

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace bench_torch {

// `threads` intra-op threads, one inter-op thread, oneDNN on or off; call before any tensor work
// (the inter-op pool can only be sized before it starts, the intra-op count must hold from the
// first warm-up call).
//
// Debian's libtorch calls OpenBLAS for its GEMMs (the convolutions when oneDNN is off), and
// libtorch 1.13's set_num_threads sizes OpenMP but not OpenBLAS's pthread pool, which by default
// takes every core whatever --threads says. One OpenBLAS thread is right for any --threads:
// libtorch already spreads these convolutions over the batch with its own OpenMP pool and calls
// GEMM inside it, so a second pool only oversubscribes the cores (at --threads 2 on two cores, B1
// forward took 6-7 ms with one OpenBLAS thread, 9-18 ms with two). At batch 1 (the streaming
// benchmark) its GEMMs are too small for threads to pay: two OpenBLAS threads left the median
// alone and multiplied the mean by 2-7. Looked up at run time because libblas.so.3 is a Debian
// alternative that need not be OpenBLAS.
inline void set_up_libtorch(int threads, bool onednn) {
  at::set_num_interop_threads(1);
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
  if (onednn && !at::hasMKLDNN()) throw std::runtime_error("--onednn on, but this libtorch was built without oneDNN");
  at::globalContext().setUserEnabledMkldnn(onednn);
}

struct Stats {
  double median_ms, p10_ms, p90_ms;
  size_t repetitions;
};

// The lower of the two closest ranks, the rule the minidl halves use, so that both sides read
// their samples alike.
inline double percentile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
}

// Three warm-up calls, then calls until both `min_repetitions` and `min_seconds` are reached.
// `prepare` runs untimed before every call, warm-up included, so each timed call starts from the
// same state.
template <class Prepare, class Work>
Stats time_calls(long min_repetitions, double min_seconds, Prepare prepare, Work work) {
  constexpr int kWarmupCalls = 3;
  for (int i = 0; i < kWarmupCalls; ++i) {
    prepare();
    work();
  }
  std::vector<double> samples_ms;
  double total_ms = 0.0;
  while (static_cast<long>(samples_ms.size()) < min_repetitions || total_ms < min_seconds * 1e3) {
    prepare();
    const auto start = std::chrono::steady_clock::now();
    work();
    const auto stop = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(stop - start).count();
    samples_ms.push_back(ms);
    total_ms += ms;
  }
  std::sort(samples_ms.begin(), samples_ms.end());
  return {percentile(samples_ms, 0.5), percentile(samples_ms, 0.1), percentile(samples_ms, 0.9), samples_ms.size()};
}

}  // namespace bench_torch
