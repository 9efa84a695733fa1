#include <minidl/layers/conv1d.hpp>

#include <minidl/autograd/ops/conv1d.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace minidl::layers {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Validates in Keras's order (BaseConv.__init__), so the first bad argument is the one reported.
Conv1DOptions normalized(Conv1DOptions options, const std::string& where) {
  for (auto [argument, value] : {std::pair{"kernel_size", options.kernel_size}, std::pair{"strides", options.strides},
                                 std::pair{"dilation_rate", options.dilation_rate}})
    if (value <= 0)
      throw_invalid_argument(where, argument, "expected a positive integer", fmt::format("{}={}", argument, value));
  // The dilated window spans dilation_rate·(kernel_size − 1) + 1 steps; keep it far from overflow.
  constexpr std::int64_t largest_span = largest_element_count;
  if ((options.kernel_size - 1) > largest_span / options.dilation_rate || options.strides > largest_span)
    throw_invalid_argument(where,
                           options.strides > largest_span ? "strides"
                           : options.dilation_rate == 1  ? "kernel_size"
                                                         : "dilation_rate",
                           fmt::format("expected a window span and strides below 2^40 steps"),
                           fmt::format("kernel_size={}, dilation_rate={}, strides={}", options.kernel_size,
                                       options.dilation_rate, options.strides));
  options.padding = lower(options.padding);
  if (options.padding != "valid" && options.padding != "same" && options.padding != "causal")
    throw_invalid_argument(where, "padding", "expected one of \"valid\", \"same\", \"causal\"",
                           fmt::format("padding=\"{}\"", options.padding));
  options.data_format = options.data_format ? lower(*options.data_format) : config::image_data_format();
  if (options.data_format != "channels_last" && options.data_format != "channels_first")
    throw_invalid_argument(where, "data_format", "expected one of \"channels_last\", \"channels_first\"",
                           fmt::format("data_format=\"{}\"", *options.data_format));
  validate_kernel_and_bias(options, where);
  if (options.filters <= 0)
    throw_invalid_argument(where, "filters", "expected a strictly positive integer", fmt::format("filters={}", options.filters));
  if (options.groups <= 0)
    throw_invalid_argument(where, "groups", "expected a positive integer", fmt::format("groups={}", options.groups));
  if (options.filters % options.groups != 0)
    throw_invalid_argument(where, "filters", fmt::format("expected a multiple of groups={}", options.groups),
                           fmt::format("filters={}", options.filters));
  if (options.strides > 1 && options.dilation_rate > 1)
    throw_invalid_argument(where, "strides", "strides > 1 is not supported together with dilation_rate > 1",
                           fmt::format("strides={} and dilation_rate={}", options.strides, options.dilation_rate));
  return options;
}

}  // namespace

Conv1D::Conv1D(Conv1DOptions options)
    : Layer("Conv1D", options.name, options.trainable, parse_dtype(options.dtype, "Conv1D"),
            options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

std::pair<std::int64_t, std::int64_t> Conv1D::padding_for(std::int64_t steps) const {
  const std::int64_t span = options_.dilation_rate * (options_.kernel_size - 1) + 1;
  if (options_.padding == "causal") return {span - 1, 0};
  if (options_.padding == "valid") return {0, 0};
  // TensorFlow's SAME rule, which every Keras backend follows.
  const std::int64_t output_steps = (steps + options_.strides - 1) / options_.strides;
  const std::int64_t total = std::max<std::int64_t>((output_steps - 1) * options_.strides + span - steps, 0);
  return {total / 2, total - total / 2};
}

void Conv1D::check_input(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input of rank 3 ({}), received shape {} of rank {}", where(),
                                 channels_first() ? "batch, channels, steps" : "batch, steps, channels",
                                 shape_to_string(input_shape), input_shape.size()));
  const std::int64_t channels = input_shape[channels_first() ? 1 : 2];
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  if (built() && channels != input_channels_)
    throw ShapeError(fmt::format("{}: expected axis {} of the input shape to have value {} (the layer was built for it), "
                                 "received an input of shape {}",
                                 where(), channels_first() ? 1 : -1, input_channels_, shape_to_string(input_shape)));
  if (channels == 0)
    throw ShapeError(fmt::format("{}: expected an input with at least one channel, received shape {}", where(),
                                 shape_to_string(input_shape)));
  if (channels % options_.groups != 0)
    throw ShapeError(fmt::format("{}: the number of input channels must be divisible by groups={}; the input has {} "
                                 "channels (shape {})",
                                 where(), options_.groups, channels, shape_to_string(input_shape)));
  const auto output = compute_output_shape(input_shape);
  if (output[channels_first() ? 2 : 1] <= 0)
    throw ShapeError(fmt::format("{}: the input is too short for the kernel: {} steps with kernel_size={}, "
                                 "dilation_rate={}, strides={} and padding=\"{}\" leave {} output steps",
                                 where(), steps, options_.kernel_size, options_.dilation_rate, options_.strides,
                                 options_.padding, output[channels_first() ? 2 : 1]));
}

Shape Conv1D::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input shape of rank 3, received {}", where(), shape_to_string(input_shape)));
  check_extents(input_shape, where());
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  const auto [left, right] = padding_for(steps);
  const std::int64_t span = options_.dilation_rate * (options_.kernel_size - 1) + 1;
  const std::int64_t padded = steps + left + right;
  // Keras's floor((padded − span) / strides) + 1, with floor division also for a too-short input,
  // whose non-positive length check_input reports.
  const std::int64_t excess = padded - span;
  const std::int64_t output_steps =
      (excess >= 0 ? excess / options_.strides : -((-excess + options_.strides - 1) / options_.strides)) + 1;
  return channels_first() ? Shape{input_shape[0], options_.filters, output_steps}
                          : Shape{input_shape[0], output_steps, options_.filters};
}

void Conv1D::build_weights(const Shape& input_shape) {
  input_channels_ = input_shape[channels_first() ? 1 : 2];
  kernel_ = add_weight("kernel", {options_.kernel_size, input_channels_ / options_.groups, options_.filters},
                       options_.kernel_initializer, options_.kernel_regularizer, options_.kernel_constraint);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer,
                       options_.bias_constraint);
}

Tensor Conv1D::call(const Tensor& inputs) {
  const Tensor steps_last = channels_first() ? permute(inputs, {0, 2, 1}) : inputs;
  const auto [left, right] = padding_for(steps_last.shape()[1]);
  Tensor outputs = conv1d(steps_last, kernel_->value(), bias_ ? bias_->value() : Tensor(),
                          {.strides = options_.strides, .dilation_rate = options_.dilation_rate, .pad_left = left,
                           .pad_right = right, .groups = options_.groups});
  if (channels_first()) outputs = permute(outputs, {0, 2, 1});
  return options_.activation(outputs);
}

const Tensor& Conv1D::kernel() const {
  if (!kernel_) throw StateError(fmt::format("{}: the kernel does not exist until the layer is built (first call or build())", where()));
  return kernel_->value();
}

Tensor Conv1D::bias() const {
  if (!kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built (first call or build())", where()));
  return bias_ ? bias_->value() : Tensor();
}

}  // namespace minidl::layers
