#include <minidl/layers/normalization.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

// The shape a per-feature weight takes to broadcast against an input: the input's extents on
// `axes`, 1 elsewhere.
Shape broadcast_shape(const Shape& input_shape, const std::vector<int>& axes) {
  Shape shape(input_shape.size(), 1);
  for (int axis : axes) shape[axis] = input_shape[axis];
  return shape;
}

template <class Options>
void validate_weights(Options& options, const std::string& where) {
  options.beta_initializer = options.beta_initializer.validated(where, "beta_initializer");
  options.gamma_initializer = options.gamma_initializer.validated(where, "gamma_initializer");
  options.beta_regularizer = options.beta_regularizer.validated(where, "beta_regularizer");
  options.gamma_regularizer = options.gamma_regularizer.validated(where, "gamma_regularizer");
  options.beta_constraint = options.beta_constraint.validated(where, "beta_constraint");
  options.gamma_constraint = options.gamma_constraint.validated(where, "gamma_constraint");
  if (!(options.epsilon > 0))
    throw_invalid_argument(where, "epsilon", "expected a positive float", fmt::format("epsilon={}", options.epsilon));
}

}  // namespace

LayerNormalization::LayerNormalization(LayerNormalizationOptions options)
    : Layer("LayerNormalization", options.name, options.trainable, parse_dtype(options.dtype, "LayerNormalization"), {}),
      options_(std::move(options)) {
  validate_weights(options_, where());
  if (options_.axis.axes().empty()) throw_invalid_argument(where(), "axis", "expected at least one axis", "axis=[]");
}

void LayerNormalization::check_input(const Shape& input_shape) const {
  normalize_axes(options_.axis.axes(), static_cast<int>(input_shape.size()), where());
}

void LayerNormalization::build_weights(const Shape& input_shape) {
  Shape shape;
  for (int axis : normalize_axes(options_.axis.axes(), static_cast<int>(input_shape.size()), where())) shape.push_back(input_shape[axis]);
  if (options_.scale)
    gamma_ = add_weight("gamma", shape, options_.gamma_initializer, options_.gamma_regularizer, options_.gamma_constraint);
  if (options_.center)
    beta_ = add_weight("beta", shape, options_.beta_initializer, options_.beta_regularizer, options_.beta_constraint);
}

Tensor LayerNormalization::call(const Tensor& inputs) {
  const auto axes = normalize_axes(options_.axis.axes(), inputs.ndim(), where());
  const Shape weight_shape = broadcast_shape(inputs.shape(), axes);
  const Tensor centered = inputs - mean(inputs, options_.axis.axes(), true);
  Tensor inverse = 1.0 / sqrt(mean(square(centered), options_.axis.axes(), true) + options_.epsilon);
  if (gamma_) inverse = inverse * reshape(gamma_->value(), weight_shape);
  Tensor outputs = centered * inverse;
  if (beta_) outputs = outputs + reshape(beta_->value(), weight_shape);
  return outputs;
}

nlohmann::json LayerNormalization::get_config() const {
  auto config = Layer::get_config();
  // Keras keeps the axis as given: an integer (the default) or a list.
  config["axis"] = options_.axis.is_list() ? nlohmann::json(options_.axis.axes()) : nlohmann::json(options_.axis.axes()[0]);
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  config["rms_scaling"] = false;
  config["beta_initializer"] = options_.beta_initializer.get_config();
  config["gamma_initializer"] = options_.gamma_initializer.get_config();
  config["beta_regularizer"] = options_.beta_regularizer.get_config();
  config["gamma_regularizer"] = options_.gamma_regularizer.get_config();
  config["beta_constraint"] = options_.beta_constraint.get_config();
  config["gamma_constraint"] = options_.gamma_constraint.get_config();
  return config;
}

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : Layer("BatchNormalization", options.name, options.trainable, parse_dtype(options.dtype, "BatchNormalization"), {}),
      options_(std::move(options)) {
  validate_weights(options_, where());
  options_.moving_mean_initializer = options_.moving_mean_initializer.validated(where(), "moving_mean_initializer");
  options_.moving_variance_initializer =
      options_.moving_variance_initializer.validated(where(), "moving_variance_initializer");
  if (!(options_.momentum >= 0 && options_.momentum <= 1))
    throw_invalid_argument(where(), "momentum", "expected a float in [0, 1]", fmt::format("momentum={}", options_.momentum));
}

void BatchNormalization::check_input(const Shape& input_shape) const {
  const int axis = normalize_axis(options_.axis, static_cast<int>(input_shape.size()), where());
  if (built() && input_shape[axis] != features_)
    throw ShapeError(fmt::format("{}: expected axis {} of the input shape to have value {} (the layer was built for it), "
                                 "received an input of shape {}",
                                 where(), options_.axis, features_, shape_to_string(input_shape)));
}

void BatchNormalization::build_weights(const Shape& input_shape) {
  features_ = input_shape[normalize_axis(options_.axis, static_cast<int>(input_shape.size()), where())];
  const Shape shape = {features_};
  if (options_.scale)
    gamma_ = add_weight("gamma", shape, options_.gamma_initializer, options_.gamma_regularizer, options_.gamma_constraint);
  if (options_.center)
    beta_ = add_weight("beta", shape, options_.beta_initializer, options_.beta_regularizer, options_.beta_constraint);
  moving_mean_ = add_weight("moving_mean", shape, options_.moving_mean_initializer, {}, {}, false);
  moving_variance_ = add_weight("moving_variance", shape, options_.moving_variance_initializer, {}, {}, false);
}

Tensor BatchNormalization::call(const Tensor& inputs) {
  const int feature_axis = normalize_axis(options_.axis, inputs.ndim(), where());
  std::vector<std::int64_t> reduced;
  for (int axis = 0; axis < inputs.ndim(); ++axis)
    if (axis != feature_axis) reduced.push_back(axis);
  const Shape weight_shape = broadcast_shape(inputs.shape(), {feature_axis});
  Tensor center, variance;
  if (training() && input_mask().defined()) {
    // Keras's masked moments: over the kept steps only, each sum divided by (count + 1e-7).
    if (input_mask().ndim() != inputs.ndim() - 1 || input_mask().shape() != Shape(inputs.shape().begin(), inputs.shape().end() - 1))
      throw ShapeError(fmt::format("{}: the input's mask should have the input's shape without its last axis, received mask shape {} "
                                   "for an input of shape {}",
                                   where(), shape_to_string(input_mask().shape()), shape_to_string(inputs.shape())));
    const Tensor kept = broadcast_to(unsqueeze(input_mask(), -1), inputs.shape());
    const Tensor count = sum(kept, reduced, true) + 1e-7;
    center = sum(inputs * kept, reduced, true) / count;
    variance = sum(square((inputs - center) * kept), reduced, true) / count;
  } else if (training()) {
    center = mean(inputs, reduced, true);
    variance = mean(square(inputs - center), reduced, true);
  }
  if (training()) {
    NoGradGuard no_grad;
    const double momentum = options_.momentum;
    moving_mean_->assign(moving_mean_->value() * momentum + reshape(center, {features_}) * (1.0 - momentum));
    moving_variance_->assign(moving_variance_->value() * momentum + reshape(variance, {features_}) * (1.0 - momentum));
  } else {
    center = reshape(moving_mean_->value(), weight_shape);
    variance = reshape(moving_variance_->value(), weight_shape);
  }
  Tensor inverse = 1.0 / sqrt(variance + options_.epsilon);
  if (gamma_) inverse = inverse * reshape(gamma_->value(), weight_shape);
  Tensor outputs = (inputs - center) * inverse;
  if (beta_) outputs = outputs + reshape(beta_->value(), weight_shape);
  return outputs;
}

nlohmann::json BatchNormalization::get_config() const {
  auto config = Layer::get_config();
  config["axis"] = options_.axis;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  config["beta_initializer"] = options_.beta_initializer.get_config();
  config["gamma_initializer"] = options_.gamma_initializer.get_config();
  config["moving_mean_initializer"] = options_.moving_mean_initializer.get_config();
  config["moving_variance_initializer"] = options_.moving_variance_initializer.get_config();
  config["beta_regularizer"] = options_.beta_regularizer.get_config();
  config["gamma_regularizer"] = options_.gamma_regularizer.get_config();
  config["beta_constraint"] = options_.beta_constraint.get_config();
  config["gamma_constraint"] = options_.gamma_constraint.get_config();
  // Batch renormalization and cross-device synchronization are not offered.
  config["synchronized"] = false;
  config["renorm"] = false;
  config["renorm_clipping"] = nullptr;
  config["renorm_momentum"] = 0.99;
  return config;
}

}  // namespace minidl::layers
