#include <minidl/layers/pooling1d.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config.hpp>

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

namespace minidl::layers {

Pooling1D::Pooling1D(std::string class_name, Pooling1DOptions options)
    : Layer(std::move(class_name), options.name, true, parse_dtype(options.dtype, "Pooling1D"), {}),
      pool_size_(options.pool_size),
      strides_(options.strides.value_or(options.pool_size)),
      padding_(options.padding),
      data_format_(options.data_format.value_or(config::image_data_format())) {
  std::transform(padding_.begin(), padding_.end(), padding_.begin(), [](unsigned char c) { return std::tolower(c); });
  std::transform(data_format_.begin(), data_format_.end(), data_format_.begin(), [](unsigned char c) { return std::tolower(c); });
  if (pool_size_ <= 0)
    throw_invalid_argument(where(), "pool_size", "expected a positive integer", fmt::format("pool_size={}", pool_size_));
  if (strides_ <= 0) throw_invalid_argument(where(), "strides", "expected a positive integer", fmt::format("strides={}", strides_));
  // As Conv1D's window: far enough from 2^63 that no step count overflows.
  constexpr std::int64_t largest_span = largest_element_count;
  if (pool_size_ > largest_span || strides_ > largest_span)
    throw_invalid_argument(where(), pool_size_ > largest_span ? "pool_size" : "strides", "expected at most 2^40 steps",
                           fmt::format("pool_size={}, strides={}", pool_size_, strides_));
  if (padding_ != "valid" && padding_ != "same")
    throw_invalid_argument(where(), "padding", "expected one of \"valid\", \"same\"", fmt::format("padding=\"{}\"", padding_));
  if (data_format_ != "channels_last" && data_format_ != "channels_first")
    throw_invalid_argument(where(), "data_format", "expected one of \"channels_last\", \"channels_first\"",
                           fmt::format("data_format=\"{}\"", data_format_));
}

std::pair<std::int64_t, std::int64_t> Pooling1D::padding_for(std::int64_t steps) const {
  if (padding_ == "valid") return {0, 0};
  const std::int64_t output = (steps + strides_ - 1) / strides_;
  const std::int64_t total = std::max<std::int64_t>((output - 1) * strides_ + pool_size_ - steps, 0);
  return {total / 2, total - total / 2};
}

Shape Pooling1D::compute_output_shape(const Shape& input_shape) const {
  require_rank_3(input_shape);
  check_extents(input_shape, where());
  const int time = channels_first() ? 2 : 1;
  const auto [left, right] = padding_for(input_shape[time]);
  const std::int64_t padded = input_shape[time] + left + right;
  Shape output = input_shape;
  output[time] = padded >= pool_size_ ? (padded - pool_size_) / strides_ + 1 : 0;
  return output;
}

void Pooling1D::check_input(const Shape& input_shape) const {
  require_rank_3(input_shape);
  if (compute_output_shape(input_shape)[channels_first() ? 2 : 1] <= 0)
    throw ShapeError(fmt::format("{}: the input is too short: {} steps with pool_size={} and padding=\"{}\" leave no output",
                                 where(), input_shape[channels_first() ? 2 : 1], pool_size_, padding_));
}

Tensor Pooling1D::steps_last_layout(const Tensor& x) const { return channels_first() ? permute(x, {0, 2, 1}) : x; }

Tensor Pooling1D::windows(const Tensor& steps_last, double fill) const {
  const auto [left, right] = padding_for(steps_last.shape()[1]);
  const Tensor padded = left + right > 0 ? pad(steps_last, {{0, 0}, {left, right}, {0, 0}}, fill) : steps_last;
  const std::int64_t output = (padded.shape()[1] - pool_size_) / strides_ + 1;
  std::vector<Tensor> taps;
  for (std::int64_t j = 0; j < pool_size_; ++j) taps.push_back(slice(padded, 1, j, j + (output - 1) * strides_ + 1, strides_));
  return stack(taps, -1);
}

nlohmann::json Pooling1D::get_config() const {
  auto config = Layer::get_config();
  config["pool_size"] = nlohmann::json::array({pool_size_});
  config["padding"] = padding_;
  config["strides"] = nlohmann::json::array({strides_});
  config["data_format"] = data_format_;
  return config;
}

MaxPooling1D::MaxPooling1D(Pooling1DOptions options) : Pooling1D("MaxPooling1D", std::move(options)) {}

Tensor MaxPooling1D::call(const Tensor& inputs) {
  return steps_last_layout(max(windows(steps_last_layout(inputs), -std::numeric_limits<double>::infinity()), {-1}));
}

AveragePooling1D::AveragePooling1D(Pooling1DOptions options) : Pooling1D("AveragePooling1D", std::move(options)) {}

Tensor AveragePooling1D::call(const Tensor& inputs) {
  const Tensor steps_last = steps_last_layout(inputs);
  const Tensor sums = sum(windows(steps_last, 0.0), {-1});
  if (padding_ == "valid") return steps_last_layout(sums / double(pool_size_));
  // How many real steps each window covers: the same windows over a (1, steps, 1) tensor of ones.
  const Tensor covered = sum(windows(Tensor::ones({1, steps_last.shape()[1], 1}, steps_last.dtype()), 0.0), {-1});
  return steps_last_layout(sums / covered);
}

}  // namespace minidl::layers
