#include <minidl/layers/separable_conv1d.hpp>

#include <minidl/autograd/ops/conv1d.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/layers/depthwise_options.hpp>

namespace minidl::layers {

using Json = nlohmann::json;

namespace {

// In Keras's order: BaseSeparableConv checks depth_multiplier and filters after the window.
SeparableConv1DOptions normalized(SeparableConv1DOptions options, const std::string& where) {
  validate_depthwise(options, where);
  options.pointwise_initializer = options.pointwise_initializer.validated(where, "pointwise_initializer");
  options.pointwise_regularizer = options.pointwise_regularizer.validated(where, "pointwise_regularizer");
  options.pointwise_constraint = options.pointwise_constraint.validated(where, "pointwise_constraint");
  if (options.filters <= 0)
    throw_invalid_argument(where, "filters", "expected a strictly positive integer", fmt::format("filters={}", options.filters));
  return options;
}

}  // namespace

SeparableConv1D::SeparableConv1D(SeparableConv1DOptions options)
    : Layer("SeparableConv1D", options.name, options.trainable, parse_dtype(options.dtype, "SeparableConv1D"),
            options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

void SeparableConv1D::check_input(const Shape& input_shape) const {
  const std::int64_t channels = checked_input_channels(input_shape, channels_first(), built() ? input_channels_ : 0, where());
  if (options_.depth_multiplier > largest_element_count / channels)
    throw ShapeError(fmt::format("{}: expected at most 2^40 depthwise channels, received an input of shape {} with "
                                 "depth_multiplier={}",
                                 where(), shape_to_string(input_shape), options_.depth_multiplier));
  const std::int64_t steps = input_shape[channels_first() ? 2 : 1];
  check_output_steps(conv_output_steps(options_.padding, depthwise_window(options_), steps), steps,
                     depthwise_window(options_), options_.padding, where());
}

Shape SeparableConv1D::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input shape of rank 3, received {}", where(), shape_to_string(input_shape)));
  check_extents(input_shape, where());
  const std::int64_t steps = conv_output_steps(options_.padding, depthwise_window(options_), input_shape[channels_first() ? 2 : 1]);
  return channels_first() ? Shape{input_shape[0], options_.filters, steps} : Shape{input_shape[0], steps, options_.filters};
}

void SeparableConv1D::build_weights(const Shape& input_shape) {
  input_channels_ = input_shape[channels_first() ? 1 : 2];
  const std::int64_t depthwise_channels = input_channels_ * options_.depth_multiplier;
  depthwise_kernel_ = add_weight("depthwise_kernel", {options_.kernel_size, input_channels_, options_.depth_multiplier},
                                 options_.depthwise_initializer, options_.depthwise_regularizer, options_.depthwise_constraint);
  pointwise_kernel_ = add_weight("pointwise_kernel", {1, depthwise_channels, options_.filters}, options_.pointwise_initializer,
                                 options_.pointwise_regularizer, options_.pointwise_constraint);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer,
                       options_.bias_constraint);
}

Tensor SeparableConv1D::call(const Tensor& inputs) {
  const Tensor steps_last = channels_first() ? permute(inputs, {0, 2, 1}) : inputs;
  const auto [left, right] = conv_padding(options_.padding, depthwise_window(options_), steps_last.shape()[1]);
  const std::int64_t depthwise_channels = input_channels_ * options_.depth_multiplier;
  // The depthwise kernel in conv1d's layout of one channel per group, as DepthwiseConv1D.
  const Tensor depthwise = conv1d(steps_last, reshape(depthwise_kernel_->value(), {options_.kernel_size, 1, depthwise_channels}),
                                  Tensor(),
                                  {.strides = options_.strides, .dilation_rate = options_.dilation_rate, .pad_left = left,
                                   .pad_right = right, .groups = input_channels_});
  Tensor outputs = conv1d(depthwise, pointwise_kernel_->value(), bias_ ? bias_->value() : Tensor());
  if (channels_first()) outputs = permute(outputs, {0, 2, 1});
  return options_.activation(outputs);
}

const Tensor& SeparableConv1D::depthwise_kernel() const {
  if (!depthwise_kernel_)
    throw StateError(fmt::format("{}: the depthwise kernel does not exist until the layer is built (first call or build())", where()));
  return depthwise_kernel_->value();
}

const Tensor& SeparableConv1D::pointwise_kernel() const {
  if (!pointwise_kernel_)
    throw StateError(fmt::format("{}: the pointwise kernel does not exist until the layer is built (first call or build())", where()));
  return pointwise_kernel_->value();
}

Tensor SeparableConv1D::bias() const {
  if (!depthwise_kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built (first call or build())", where()));
  return bias_ ? bias_->value() : Tensor();
}

Json SeparableConv1D::get_config() const {
  Json config = Layer::get_config();
  write_depthwise(options_, activity_regularizer(), config);
  config["filters"] = options_.filters;
  config["pointwise_initializer"] = options_.pointwise_initializer.get_config();
  config["pointwise_regularizer"] = options_.pointwise_regularizer.get_config();
  config["pointwise_constraint"] = options_.pointwise_constraint.get_config();
  return config;
}

std::unique_ptr<SeparableConv1D> SeparableConv1D::from_config(const Json& config) {
  constexpr const char* where = "SeparableConv1D.from_config";
  if (!config.is_object()) throw InvalidArgument(fmt::format("{}: expected a JSON object, received {}", where, config.dump()));
  check_known_arguments(config, where,
                        {"filters", "depth_multiplier", "kernel_size", "strides", "padding", "data_format",
                         "dilation_rate", "activation", "use_bias", "depthwise_initializer", "pointwise_initializer",
                         "bias_initializer", "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                         "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"});
  SeparableConv1DOptions options;
  options.filters = config.at("filters").get<std::int64_t>();
  read_depthwise(config, where, options);
  if (config.contains("pointwise_initializer"))
    options.pointwise_initializer = initializers::Initializer::from_config(config.at("pointwise_initializer"));
  options.pointwise_regularizer = regularizers::Regularizer::from_config(config.value("pointwise_regularizer", Json()));
  options.pointwise_constraint = constraints::Constraint::from_config(config.value("pointwise_constraint", Json()));
  return std::make_unique<SeparableConv1D>(std::move(options));
}

}  // namespace minidl::layers
