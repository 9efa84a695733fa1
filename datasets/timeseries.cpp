// The index arithmetic of Keras 3's timeseries_dataset_from_array
// (keras/src/utils/timeseries_dataset_utils.py): its argument checks, the number of windows
//   end_index − start_index − (sequence_length − 1)·sampling_rate, at most len(targets),
// and the starts 0, sequence_stride, 2·sequence_stride, … below it, offset by start_index.
#include <minidl/datasets/timeseries.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>

#include <algorithm>
#include <atomic>
#include <fmt/format.h>

namespace minidl::datasets {

namespace {

constexpr const char* where = "timeseries_dataset_from_array";

[[noreturn]] void refuse(const char* argument, const std::string& expectation, const std::string& received) {
  throw_invalid_argument(where, argument, expectation, received);
}

// The rows windows start at: first, first + stride, …, count of them. Never a list: a series of
// billions of rows has billions of windows.
struct WindowStarts {
  std::int64_t first = 0, stride = 1, count = 0;
  std::int64_t operator[](std::int64_t k) const { return first + k * stride; }
};

// A random permutation of [0, n), one element at a time in O(1) memory: a four-round Feistel
// network over the smallest even power of two >= n, keyed from the seed, is a bijection of that
// range; values at or above n are mapped again ("cycle walking", under four tries on average)
// until they fall in [0, n), which keeps it a bijection of [0, n).
class RandomPermutation {
 public:
  RandomPermutation(std::uint64_t n, std::uint64_t seed) : n_(n) {
    while ((std::uint64_t{1} << (2 * half_bits_)) < n) ++half_bits_;
    Generator generator(seed);
    for (auto& key : keys_) key = generator.next();
  }
  std::uint64_t operator()(std::uint64_t index) const {
    do index = encrypt(index);
    while (index >= n_);
    return index;
  }

 private:
  // splitmix64's finalizer: every bit of the input reaches every bit of the output.
  static std::uint64_t mix(std::uint64_t value) {
    value ^= value >> 30;
    value *= 0xBF58476D1CE4E5B9ull;
    value ^= value >> 27;
    value *= 0x94D049BB133111EBull;
    return value ^ (value >> 31);
  }
  std::uint64_t encrypt(std::uint64_t value) const {
    const std::uint64_t mask = (std::uint64_t{1} << half_bits_) - 1;
    std::uint64_t left = value >> half_bits_, right = value & mask;
    for (const auto key : keys_) {
      const std::uint64_t next = left ^ (mix(right ^ key) & mask);
      left = right;
      right = next;
    }
    return (left << half_bits_) | right;
  }
  std::uint64_t n_;
  int half_bits_ = 1;
  std::uint64_t keys_[4] = {};
};

class Windows : public Dataset::Node {
 public:
  // Unseeded, the seed is drawn here, on the caller's thread (see Dataset::shuffle).
  Windows(Array data, std::optional<Array> targets, const TimeseriesOptions& options, WindowStarts starts)
      : data_(std::move(data)),
        targets_(std::move(targets)),
        options_(options),
        starts_(starts),
        seed_(options.seed ? *options.seed : global_generator().next()) {}

  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      const Windows& windows;
      std::optional<RandomPermutation> order;
      std::int64_t next_window = 0;
      Pass(const Windows& owner, std::optional<RandomPermutation> permutation) : windows(owner), order(permutation) {}
      std::optional<Element> next() override {
        const std::int64_t total = windows.starts_.count;
        if (next_window == total) return std::nullopt;
        const std::int64_t end = std::min(total, next_window + windows.options_.batch_size.value_or(1));
        std::vector<std::int64_t> rows;
        for (std::int64_t k = next_window; k < end; ++k) rows.push_back(windows.starts_[order ? std::int64_t((*order)(std::uint64_t(k))) : k]);
        Element element{.x = {windows.gather_windows(rows)}, .y = {}};
        if (windows.targets_) element.y.push_back(windows.gather_targets(rows));
        next_window = end;
        return element;
      }
    };
    std::optional<RandomPermutation> permutation;
    if (options_.shuffle) permutation.emplace(std::uint64_t(starts_.count), seed_ * 0x9E3779B97F4A7C15ull + passes_++);
    return std::make_unique<Pass>(*this, permutation);
  }

  std::int64_t cardinality() const override {
    const auto windows = starts_.count;
    const std::int64_t per_element = options_.batch_size.value_or(1);
    return windows / per_element + (windows % per_element != 0);
  }

 private:
  // Shape (windows, …) of `array`'s rows: with the batch axis unless unbatched.
  Shape element_shape(const Array& array, std::int64_t windows, std::optional<std::int64_t> steps) const {
    Shape shape;
    if (options_.batch_size) shape.push_back(windows);
    if (steps) shape.push_back(*steps);
    shape.insert(shape.end(), array.shape().begin() + 1, array.shape().end());
    return shape;
  }

  // The windows starting at `rows`, stacked.
  Tensor gather_windows(const std::vector<std::int64_t>& rows) const {
    const std::int64_t length = options_.sequence_length;
    Tensor windows = Tensor::empty(element_shape(data_, std::int64_t(rows.size()), length), data_.dtype());
    dispatch(data_.dtype(), [&]<class T>() {
      for (std::size_t i = 0; i < rows.size(); ++i)
        data_.copy_rows(rows[i], length, options_.sampling_rate, windows.data<T>() + std::int64_t(i) * length * data_.row_size());
    });
    return windows;
  }

  Tensor gather_targets(const std::vector<std::int64_t>& rows) const {
    Tensor targets = Tensor::empty(element_shape(*targets_, std::int64_t(rows.size()), std::nullopt), targets_->dtype());
    dispatch(targets_->dtype(), [&]<class T>() {
      for (std::size_t i = 0; i < rows.size(); ++i)
        targets_->copy_rows(rows[i], 1, 1, targets.data<T>() + std::int64_t(i) * targets_->row_size());
    });
    return targets;
  }

  Array data_;
  std::optional<Array> targets_;
  TimeseriesOptions options_;
  WindowStarts starts_;
  std::uint64_t seed_;
  mutable std::atomic<std::uint64_t> passes_ = 0;
};

WindowStarts window_starts(std::int64_t length, std::optional<std::int64_t> targets_length, const TimeseriesOptions& options) {
  // Keras tests start_index and end_index only when truthy, so 0 passes unchecked.
  if (options.start_index && *options.start_index != 0) {
    if (*options.start_index < 0) refuse("start_index", "expected 0 or greater", std::to_string(*options.start_index));
    if (*options.start_index >= length)
      refuse("start_index", fmt::format("expected it lower than the length of the data ({})", length), std::to_string(*options.start_index));
  }
  if (options.end_index && *options.end_index != 0) {
    if (options.start_index && *options.start_index != 0 && *options.end_index <= *options.start_index)
      refuse("end_index", fmt::format("expected it higher than start_index ({})", *options.start_index), std::to_string(*options.end_index));
    if (*options.end_index >= length)
      refuse("end_index", fmt::format("expected it lower than the length of the data ({})", length), std::to_string(*options.end_index));
    if (*options.end_index <= 0) refuse("end_index", "expected it higher than 0", std::to_string(*options.end_index));
  }
  if (options.end_index && *options.end_index == 0) refuse("end_index", "expected it higher than 0", "0");
  if (options.sampling_rate <= 0) refuse("sampling_rate", "expected it higher than 0", std::to_string(options.sampling_rate));
  if (options.sampling_rate >= length)
    refuse("sampling_rate", fmt::format("expected it lower than the length of the data ({})", length), std::to_string(options.sampling_rate));
  if (options.sequence_stride <= 0) refuse("sequence_stride", "expected it higher than 0", std::to_string(options.sequence_stride));
  if (options.sequence_stride >= length)
    refuse("sequence_stride", fmt::format("expected it lower than the length of the data ({})", length),
           std::to_string(options.sequence_stride));
  if (options.sequence_length < 1) refuse("sequence_length", "expected a positive integer", std::to_string(options.sequence_length));
  if (options.batch_size && *options.batch_size < 1)
    refuse("batch_size", "expected a positive integer or none", std::to_string(*options.batch_size));
  const std::int64_t start = options.start_index.value_or(0), end = options.end_index.value_or(length);
  // Keras yields no window at all here; a window longer than the data is almost always a mistake.
  std::int64_t span = 0;
  if (__builtin_mul_overflow(options.sequence_length - 1, options.sampling_rate, &span) || ++span > end - start)
    refuse("sequence_length",
           fmt::format("expected a window that fits the {} rows of the data in use (rows {} to {}); sequence_length {} at sampling_rate {} "
                       "spans {} rows",
                       end - start, start, end - 1, options.sequence_length, options.sampling_rate,
                       span > 0 ? std::to_string(span) : std::string("more than 2^63")),
           std::to_string(options.sequence_length));
  std::int64_t positions = end - start - (options.sequence_length - 1) * options.sampling_rate;
  if (targets_length) positions = std::min(positions, *targets_length);
  return {.first = start, .stride = options.sequence_stride,
          .count = positions <= 0 ? 0 : (positions - 1) / options.sequence_stride + 1};
}

}  // namespace

std::vector<std::int64_t> timeseries_window_starts(std::int64_t length, std::optional<std::int64_t> targets_length,
                                                   const TimeseriesOptions& options) {
  const WindowStarts starts = window_starts(length, targets_length, options);
  std::vector<std::int64_t> rows;
  for (std::int64_t k = 0; k < starts.count; ++k) rows.push_back(starts[k]);
  return rows;
}

Dataset timeseries_dataset_from_array(const Array& data, const std::optional<Array>& targets, const TimeseriesOptions& options) {
  const WindowStarts starts = window_starts(data.rows(), targets ? std::optional(targets->rows()) : std::nullopt, options);
  if (targets && starts.count > 0 && starts[starts.count - 1] >= targets->rows())
    refuse("targets",
           fmt::format("expected a target for every window: the last window starts at row {}, {} has {} rows", starts[starts.count - 1],
                       targets->name(), targets->rows()),
           shape_to_string(targets->shape()));
  return Dataset(std::make_shared<Windows>(data, targets, options, starts));
}

}  // namespace minidl::datasets
