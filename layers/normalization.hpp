#pragma once
// keras.layers.LayerNormalization and BatchNormalization.
#include <minidl/layers/layer.hpp>

#include <initializer_list>
#include <memory>
#include <vector>

namespace minidl::layers {

// An axis or a list of axes, kept in the form given: Keras's config writes `-1` and `[-1]` back
// as they came.
class AxisList {
 public:
  AxisList(std::int64_t axis) : axes_{axis}, is_list_(false) {}
  AxisList(std::initializer_list<std::int64_t> axes) : axes_(axes) {}
  AxisList(std::vector<std::int64_t> axes) : axes_(std::move(axes)) {}
  const std::vector<std::int64_t>& axes() const { return axes_; }
  bool is_list() const { return is_list_; }

 private:
  std::vector<std::int64_t> axes_;
  bool is_list_ = true;
};

struct LayerNormalizationOptions {
  // Axes normalized (each sample on its own).
  AxisList axis = -1;
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
  bool supports_masking() const override { return true; }
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
  bool supports_masking() const override { return true; }
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
