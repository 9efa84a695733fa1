#include <minidl/layers/conv1d.hpp>

#include <minidl/autograd/ops/conv1d.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/conv_arguments.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <fmt/format.h>

namespace minidl::layers {

namespace {

ConvWindow window_of(const Conv1DOptions& options) {
  return {.kernel_size = options.kernel_size, .strides = options.strides, .dilation_rate = options.dilation_rate};
}

// Validates in Keras's order (BaseConv.__init__), so the first bad argument is the one reported.
Conv1DOptions normalized(Conv1DOptions options, const std::string& where) {
  check_window(window_of(options), where);
  options.padding = checked_padding(options.padding, {"valid", "same", "causal"}, where);
  options.data_format = checked_data_format(options.data_format, where);
  validate_kernel_and_bias(options, where);
  if (options.filters <= 0)
    throw_invalid_argument(where, "filters", "expected a strictly positive integer", fmt::format("filters={}", options.filters));
  if (options.groups <= 0)
    throw_invalid_argument(where, "groups", "expected a positive integer", fmt::format("groups={}", options.groups));
  if (options.filters % options.groups != 0)
    throw_invalid_argument(where, "filters", fmt::format("expected a multiple of groups={}", options.groups),
                           fmt::format("filters={}", options.filters));
  check_strides_with_dilation(window_of(options), where);
  return options;
}

}  // namespace

Conv1D::Conv1D(Conv1DOptions options)
    : Layer("Conv1D", options.name, options.trainable, parse_dtype(options.dtype, "Conv1D"),
            options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

void Conv1D::check_input(const Shape& input_shape) const {
  const std::int64_t channels = checked_input_channels(input_shape, channels_first(), built() ? input_channels_ : 0, where());
  if (channels % options_.groups != 0)
    throw ShapeError(fmt::format("{}: the number of input channels must be divisible by groups={}; the input has {} "
                                 "channels (shape {})",
                                 where(), options_.groups, channels, shape_to_string(input_shape)));
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  check_output_steps(conv_output_steps(options_.padding, window_of(options_), steps), steps, window_of(options_),
                     options_.padding, where());
}

Shape Conv1D::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input shape of rank 3, received {}", where(), shape_to_string(input_shape)));
  check_extents(input_shape, where());
  const std::int64_t output_steps =
      conv_output_steps(options_.padding, window_of(options_), input_shape[channels_first() ? 2 : 1]);
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
  const auto [left, right] = conv_padding(options_.padding, window_of(options_), steps_last.shape()[1]);
  const Conv1dOptions conv_options{.strides = options_.strides, .dilation_rate = options_.dilation_rate, .pad_left = left,
                                   .pad_right = right, .groups = options_.groups};
  // relu, the common case, in the convolution's own pass over y.
  const bool fused_relu = options_.activation.name() == "relu";
  const Tensor bias_value = bias_ ? bias_->value() : Tensor();
  Tensor outputs = (fused_relu ? conv1d_relu : conv1d)(steps_last, kernel_->value(), bias_value, conv_options);
  if (channels_first()) outputs = permute(outputs, {0, 2, 1});
  return fused_relu ? outputs : options_.activation(outputs);
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
