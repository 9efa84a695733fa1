#pragma once
// keras.utils.timeseries_dataset_from_array: sliding windows over a series, cut from the array as
// they are read (a memory-mapped .npy works as well as a tensor).
//   auto windows = datasets::timeseries_dataset_from_array(series, targets, {.sequence_length = 128, .batch_size = 32});
#include <minidl/datasets/array.hpp>
#include <minidl/datasets/dataset.hpp>

#include <optional>

namespace minidl::datasets {

// Keras's arguments after data and targets, in Keras's order, with Keras's defaults.
struct TimeseriesOptions {
  // Steps in each window; required, >= 1.
  std::int64_t sequence_length = 0;
  // Steps between the starts of successive windows; in [1, len(data)).
  std::int64_t sequence_stride = 1;
  // Steps between the rows of one window: window i is data[s, s + r, …, s + (sequence_length − 1)·r]; in [1, len(data)).
  std::int64_t sampling_rate = 1;
  // Windows per element; nothing: one window per element (Keras's None).
  std::optional<std::int64_t> batch_size = 128;
  // Draw the windows in random order rather than in time order.
  bool shuffle = false;
  // Makes the shuffled order reproducible (each pass draws its own from it).
  std::optional<std::uint64_t> seed = std::nullopt;
  // Rows before start_index (exclusive) and from end_index on are not used. Keras's checks hold:
  // start_index in [0, len(data)); end_index in (start_index, len(data)), end_index > 0.
  std::optional<std::int64_t> start_index = std::nullopt;
  std::optional<std::int64_t> end_index = std::nullopt;
};

// Elements: x = {windows (batch, sequence_length, row shape…)} and, with targets,
// y = {targets (batch, target row shape…)}, where the target of the window starting at row s is
// targets[s]. Windows start at start_index + k·sequence_stride for k = 0, 1, … as long as the window
// ends before end_index (and, with targets, k·sequence_stride < len(targets)).
Dataset timeseries_dataset_from_array(const Array& data, const std::optional<Array>& targets, const TimeseriesOptions& options);

// The row each window starts at, in time order (what the function above reads; for tests and users
// who cut windows themselves).
std::vector<std::int64_t> timeseries_window_starts(std::int64_t data_length, std::optional<std::int64_t> targets_length,
                                                   const TimeseriesOptions& options);

}  // namespace minidl::datasets
