#include <minidl/layers/depthwise_conv1d.hpp>

#include <minidl/autograd/ops/conv1d.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/layers/depthwise_options.hpp>

namespace minidl::layers {

using Json = nlohmann::json;

namespace {

DepthwiseConv1DOptions normalized(DepthwiseConv1DOptions options, const std::string& where) {
  validate_depthwise(options, where);
  return options;
}

}  // namespace

DepthwiseConv1D::DepthwiseConv1D(DepthwiseConv1DOptions options)
    : Layer("DepthwiseConv1D", options.name, options.trainable, parse_dtype(options.dtype, "DepthwiseConv1D"),
            options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

void DepthwiseConv1D::check_input(const Shape& input_shape) const {
  checked_input_channels(input_shape, channels_first(), built() ? input_channels_ : 0, where());
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  check_output_steps(conv_output_steps(options_.padding, depthwise_window(options_), steps), steps,
                     depthwise_window(options_), options_.padding, where());
  check_extents(compute_output_shape(input_shape), where());
}

Shape DepthwiseConv1D::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input shape of rank 3, received {}", where(), shape_to_string(input_shape)));
  check_extents(input_shape, where());
  const std::int64_t steps = conv_output_steps(options_.padding, depthwise_window(options_), input_shape[channels_first() ? 2 : 1]);
  const std::int64_t input_channels = input_shape[channels_first() ? 1 : 2];
  if (input_channels > 0 && options_.depth_multiplier > largest_element_count / input_channels)
    throw ShapeError(fmt::format("{}: expected at most 2^40 output channels, received an input of shape {} with "
                                 "depth_multiplier={}",
                                 where(), shape_to_string(input_shape), options_.depth_multiplier));
  const std::int64_t channels = input_channels * options_.depth_multiplier;
  return channels_first() ? Shape{input_shape[0], channels, steps} : Shape{input_shape[0], steps, channels};
}

void DepthwiseConv1D::build_weights(const Shape& input_shape) {
  input_channels_ = input_shape[channels_first() ? 1 : 2];
  kernel_ = add_weight("kernel", {options_.kernel_size, input_channels_, options_.depth_multiplier},
                       options_.depthwise_initializer, options_.depthwise_regularizer, options_.depthwise_constraint);
  if (options_.use_bias)
    bias_ = add_weight("bias", {input_channels_ * options_.depth_multiplier}, options_.bias_initializer,
                       options_.bias_regularizer, options_.bias_constraint);
}

Tensor DepthwiseConv1D::call(const Tensor& inputs) {
  const Tensor steps_last = channels_first() ? permute(inputs, {0, 2, 1}) : inputs;
  const auto [left, right] = conv_padding(options_.padding, depthwise_window(options_), steps_last.shape()[1]);
  // Keras's (k, channels, m) kernel is, element for element, conv1d's kernel of one channel per
  // group with output channel c·m + j: (k, 1, channels·m).
  const Tensor grouped_kernel = reshape(kernel_->value(), {options_.kernel_size, 1, input_channels_ * options_.depth_multiplier});
  Tensor outputs = conv1d(steps_last, grouped_kernel, bias_ ? bias_->value() : Tensor(),
                          {.strides = options_.strides, .dilation_rate = options_.dilation_rate, .pad_left = left,
                           .pad_right = right, .groups = input_channels_});
  if (channels_first()) outputs = permute(outputs, {0, 2, 1});
  return options_.activation(outputs);
}

const Tensor& DepthwiseConv1D::kernel() const {
  if (!kernel_) throw StateError(fmt::format("{}: the kernel does not exist until the layer is built (first call or build())", where()));
  return kernel_->value();
}

Tensor DepthwiseConv1D::bias() const {
  if (!kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built (first call or build())", where()));
  return bias_ ? bias_->value() : Tensor();
}

Json DepthwiseConv1D::get_config() const {
  Json config = Layer::get_config();
  write_depthwise(options_, activity_regularizer(), config);
  return config;
}

std::unique_ptr<DepthwiseConv1D> DepthwiseConv1D::from_config(const Json& config) {
  constexpr const char* where = "DepthwiseConv1D.from_config";
  if (!config.is_object()) throw InvalidArgument(fmt::format("{}: expected a JSON object, received {}", where, config.dump()));
  check_known_arguments(config, where,
                        {"depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                         "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
                         "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"});
  DepthwiseConv1DOptions options;
  read_depthwise(config, where, options);
  return std::make_unique<DepthwiseConv1D>(std::move(options));
}

}  // namespace minidl::layers
