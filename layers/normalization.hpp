#pragma once
// keras.layers.LayerNormalization and BatchNormalization.
#include <minidl/layers/layer.hpp>

#include <memory>

namespace minidl::layers {

struct LayerNormalizationOptions {
  // Axes normalized (each sample on its own).
  std::vector<std::int64_t> axis = {-1};
  double epsilon = 1e-3;
  bool center = true;  // add beta
  bool scale = true;   // multiply by gamma
  initializers::Initializer beta_initializer = "zeros";
  initializers::Initializer gamma_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

// (x − mean) / √(var + ε) · gamma + beta over `axis`; gamma and beta have the shape of those axes.
class LayerNormalization : public Layer {
 public:
  using Options = LayerNormalizationOptions;
  explicit LayerNormalization(LayerNormalizationOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  LayerNormalizationOptions options_;
  std::shared_ptr<Variable> gamma_, beta_;
};

struct BatchNormalizationOptions {
  // The feature axis, which keeps its own statistics.
  std::int64_t axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::Initializer beta_initializer = "zeros";
  initializers::Initializer gamma_initializer = "ones";
  initializers::Initializer moving_mean_initializer = "zeros";
  initializers::Initializer moving_variance_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

// Training calls normalize with the batch's mean and (biased) variance and move the moving
// statistics: moving = moving·momentum + batch·(1 − momentum). Inference calls use the moving ones.
class BatchNormalization : public Layer {
 public:
  using Options = BatchNormalizationOptions;
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  BatchNormalizationOptions options_;
  std::int64_t features_ = 0;
  std::shared_ptr<Variable> gamma_, beta_, moving_mean_, moving_variance_;
};

}  // namespace minidl::layers
