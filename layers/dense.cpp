#include <minidl/layers/dense.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/matmul.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

DenseOptions normalized(DenseOptions options, const std::string& where) {
  if (options.units <= 0)
    throw_invalid_argument(where, "units", "expected a positive integer", fmt::format("units={}", options.units));
  validate_kernel_and_bias(options, where);
  return options;
}

}  // namespace

Dense::Dense(DenseOptions options)
    : Layer("Dense", options.name, options.trainable, parse_dtype(options.dtype, "Dense"), options.activity_regularizer),
      options_(normalized(std::move(options), where())) {
  options_.name = name();
}

void Dense::check_input(const Shape& input_shape) const {
  if (input_shape.size() < 2)
    throw ShapeError(fmt::format("{}: expected an input of rank 2 or more (batch, ..., features), received shape {}", where(),
                                 shape_to_string(input_shape)));
  if (built() && input_shape.back() != input_dim_)
    throw ShapeError(fmt::format("{}: expected axis -1 of the input shape to have value {} (the layer was built for it), "
                                 "received an input of shape {}",
                                 where(), input_dim_, shape_to_string(input_shape)));
}

Shape Dense::compute_output_shape(const Shape& input_shape) const {
  Shape output = input_shape;
  output.back() = options_.units;
  return output;
}

void Dense::build_weights(const Shape& input_shape) {
  input_dim_ = input_shape.back();
  kernel_ = add_weight("kernel", {input_dim_, options_.units}, options_.kernel_initializer, options_.kernel_regularizer,
                       options_.kernel_constraint);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.units}, options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
}

Tensor Dense::call(const Tensor& inputs) {
  Tensor outputs = matmul(inputs, kernel_->value());
  if (bias_) outputs = outputs + bias_->value();
  return options_.activation(outputs);
}

const Tensor& Dense::kernel() const {
  if (!kernel_) throw StateError(fmt::format("{}: the kernel does not exist until the layer is built", where()));
  return kernel_->value();
}

Tensor Dense::bias() const {
  if (!kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built", where()));
  return bias_ ? bias_->value() : Tensor();
}

nlohmann::json Dense::get_config() const {
  auto config = Layer::get_config();
  config["units"] = options_.units;
  write_kernel_and_bias(options_, activity_regularizer(), config);
  // Keras's Dense, unlike its convolutions, names activity_regularizer only when one is set.
  if (!activity_regularizer()) config.erase("activity_regularizer");
  config["quantization_config"] = nullptr;  // Keras 3.15's quantization: not offered, so always none
  return config;
}

}  // namespace minidl::layers

namespace minidl::layers {

std::unique_ptr<Dense> Dense::from_config(const nlohmann::json& config) {
  DenseOptions options;
  options.units = config.at("units").get<std::int64_t>();
  if (config.contains("quantization_config") && !config.at("quantization_config").is_null())
    throw_invalid_argument("Dense.from_config", "quantization_config", "quantization is not supported; expected null",
                           config.at("quantization_config").dump());
  read_kernel_and_bias(config, options);
  return std::make_unique<Dense>(std::move(options));
}

}  // namespace minidl::layers
