#pragma once
// keras.layers.SeparableConv1D: a depthwise convolution (each channel on its own) followed by a
// pointwise one (kernel 1, mixing channels into filters) — Conv1D's receptive field for a
// fraction of its weights and work. Every argument of the Keras 3 layer, with its name and default.
//
//   layers::SeparableConv1D separable({.filters = 32, .kernel_size = 5, .padding = "same"});
//   Tensor y = separable(Tensor::rand({4, 100, 16}));   // (4, 100, 32)
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace minidl::layers {

struct SeparableConv1DOptions {
  // Output channels of the pointwise convolution; required, > 0.
  std::int64_t filters = 0;
  // Taps in each channel's depthwise kernel; required, > 0.
  std::int64_t kernel_size = 0;
  // Step between windows; > 0. Unlike Conv1D, strides > 1 may go with dilation_rate > 1 (Keras 3.15).
  std::int64_t strides = 1;
  // "valid" or "same" (TensorFlow's rule, as Conv1D); case-insensitive. "causal" is refused, as in Keras.
  std::string padding = "valid";
  // "channels_last" (batch, steps, channels) or "channels_first" (batch, channels, steps);
  // unset: config::image_data_format(), resolved at construction.
  std::optional<std::string> data_format = std::nullopt;
  // Spacing between taps; > 0.
  std::int64_t dilation_rate = 1;
  // Depthwise outputs per input channel, all fed to the pointwise convolution; > 0.
  std::int64_t depth_multiplier = 1;
  // Applied to the output; none is linear.
  ActivationSpec activation = {};
  // The bias is the pointwise convolution's.
  bool use_bias = true;
  initializers::Initializer depthwise_initializer = "glorot_uniform";
  initializers::Initializer pointwise_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer depthwise_regularizer = {};
  regularizers::Regularizer pointwise_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  // Applied to the output on each call; its loss is divided by the batch size.
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint depthwise_constraint = {};
  constraints::Constraint pointwise_constraint = {};
  constraints::Constraint bias_constraint = {};
  // Empty: Keras's automatic name ("separable_conv1d", "separable_conv1d_1", ...).
  std::string name = "";
  bool trainable = true;
  // "float32", or "float64" for gradient checks and golden comparisons: the weights' dtype.
  std::string dtype = "float32";
};

class SeparableConv1D : public Layer {
 public:
  using Options = SeparableConv1DOptions;
  explicit SeparableConv1D(SeparableConv1DOptions options);

  // (batch, output_steps, filters), or channels first.
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  static std::unique_ptr<SeparableConv1D> from_config(const nlohmann::json& config);

  // The options after normalisation (padding lower-cased, data_format resolved).
  const SeparableConv1DOptions& options() const { return options_; }
  // (kernel_size, input_channels, depth_multiplier); throws StateError before build.
  const Tensor& depthwise_kernel() const;
  // (1, input_channels·depth_multiplier, filters); throws StateError before build.
  const Tensor& pointwise_kernel() const;
  // (filters,); undefined when use_bias is false.
  Tensor bias() const;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  bool channels_first() const { return options_.data_format == "channels_first"; }

  SeparableConv1DOptions options_;
  std::int64_t input_channels_ = 0;
  std::shared_ptr<Variable> depthwise_kernel_;
  std::shared_ptr<Variable> pointwise_kernel_;
  std::shared_ptr<Variable> bias_;
};

}  // namespace minidl::layers
