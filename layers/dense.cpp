#include <minidl/layers/dense.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/matmul.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

DenseOptions normalized(DenseOptions options, const std::string& where) {
  if (options.units <= 0)
    throw_invalid_argument(where, "units", "expected a positive integer", fmt::format("units={}", options.units));
  options.activation = options.activation.validated(where, "activation");
  options.kernel_initializer = options.kernel_initializer.validated(where, "kernel_initializer");
  options.bias_initializer = options.bias_initializer.validated(where, "bias_initializer");
  options.kernel_regularizer = options.kernel_regularizer.validated(where, "kernel_regularizer");
  options.bias_regularizer = options.bias_regularizer.validated(where, "bias_regularizer");
  options.kernel_constraint = options.kernel_constraint.validated(where, "kernel_constraint");
  options.bias_constraint = options.bias_constraint.validated(where, "bias_constraint");
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
  config["activation"] = options_.activation.name();
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = options_.kernel_initializer.get_config();
  config["bias_initializer"] = options_.bias_initializer.get_config();
  config["kernel_regularizer"] = options_.kernel_regularizer.get_config();
  config["bias_regularizer"] = options_.bias_regularizer.get_config();
  if (activity_regularizer()) config["activity_regularizer"] = activity_regularizer().get_config();
  config["kernel_constraint"] = options_.kernel_constraint.get_config();
  config["bias_constraint"] = options_.bias_constraint.get_config();
  return config;
}

}  // namespace minidl::layers

namespace minidl::layers {

std::unique_ptr<Dense> Dense::from_config(const nlohmann::json& config) {
  using Json = nlohmann::json;
  DenseOptions options;
  options.units = config.at("units").get<std::int64_t>();
  if (config.contains("activation") && !config.at("activation").is_null())
    options.activation = config.at("activation").get<std::string>();
  options.use_bias = config.value("use_bias", true);
  if (config.contains("kernel_initializer"))
    options.kernel_initializer = initializers::Initializer::from_config(config.at("kernel_initializer"));
  if (config.contains("bias_initializer"))
    options.bias_initializer = initializers::Initializer::from_config(config.at("bias_initializer"));
  options.kernel_regularizer = regularizers::Regularizer::from_config(config.value("kernel_regularizer", Json()));
  options.bias_regularizer = regularizers::Regularizer::from_config(config.value("bias_regularizer", Json()));
  options.activity_regularizer = regularizers::Regularizer::from_config(config.value("activity_regularizer", Json()));
  options.kernel_constraint = constraints::Constraint::from_config(config.value("kernel_constraint", Json()));
  options.bias_constraint = constraints::Constraint::from_config(config.value("bias_constraint", Json()));
  options.name = config.value("name", std::string());
  options.trainable = config.value("trainable", true);
  if (config.contains("dtype")) {
    const Json& dtype = config.at("dtype");
    options.dtype = dtype.is_string() ? dtype.get<std::string>() : dtype.at("config").at("name").get<std::string>();
  }
  return std::make_unique<Dense>(std::move(options));
}

}  // namespace minidl::layers
