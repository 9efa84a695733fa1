#pragma once
// Sliding windows over a time series, for forecasting: every `window` consecutive steps become
// one input sample and the `horizon` steps after them its target. Windows never look past their
// targets, so a split by time (split_by_time) leaks no future into the past.
#include <minidl/core/tensor.hpp>

#include <utility>
#include <vector>

namespace minidl::models {

struct WindowOptions {
  std::int64_t window = 0;   // input steps per sample; required, > 0
  std::int64_t horizon = 1;  // target steps after each window, > 0
  std::int64_t stride = 1;   // steps between the starts of consecutive windows, > 0
  // Feature columns that form the target (empty: all of them).
  std::vector<std::int64_t> target_columns = {};
};

// series (steps, features) → x (samples, window, features), y (samples, horizon · target features).
std::pair<Tensor, Tensor> sliding_windows(const Tensor& series, const WindowOptions& options);

// Consecutive, non-overlapping parts of a series (steps first) with the given fractions, in time
// order: split_by_time(series, {0.7, 0.15, 0.15}) → train, validation, test.
std::vector<Tensor> split_by_time(const Tensor& series, const std::vector<double>& fractions);

}  // namespace minidl::models
