#pragma once
// keras.layers.Dense: activation(inputs · kernel + bias) over the last axis; kernel (input_dim, units).
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>

namespace minidl::layers {

struct DenseOptions {
  // Output features; required, > 0.
  std::int64_t units = 0;
  ActivationSpec activation = {};
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint bias_constraint = {};
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

class Dense : public Layer {
 public:
  using Options = DenseOptions;
  explicit Dense(DenseOptions options);
  bool supports_masking() const override { return true; }
  // (..., input_dim) → (..., units).
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  // Reads Keras's get_config() of a Dense layer.
  static std::unique_ptr<Dense> from_config(const nlohmann::json& config);
  const DenseOptions& options() const { return options_; }
  const Tensor& kernel() const;
  Tensor bias() const;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  DenseOptions options_;
  std::int64_t input_dim_ = 0;
  std::shared_ptr<Variable> kernel_;
  std::shared_ptr<Variable> bias_;
};

}  // namespace minidl::layers
