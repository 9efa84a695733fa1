#pragma once
// keras.layers.DepthwiseConv1D: each input channel convolved with its own depth_multiplier
// kernels, never mixed with the others — a fraction of Conv1D's weights and work, for small and
// fast audio and sensor models. Every argument of the Keras 3 layer, with its name and default.
//
//   layers::DepthwiseConv1D depthwise({.kernel_size = 5, .padding = "same", .depth_multiplier = 2});
//   Tensor y = depthwise(Tensor::rand({4, 100, 16}));   // (4, 100, 32)
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace minidl::layers {

struct DepthwiseConv1DOptions {
  // Taps in each channel's kernel; required, > 0.
  std::int64_t kernel_size = 0;
  // Step between windows; > 0. Unlike Conv1D, strides > 1 may go with dilation_rate > 1 (Keras 3.15).
  std::int64_t strides = 1;
  // "valid" or "same" (TensorFlow's rule, as Conv1D); case-insensitive. "causal" is refused, as in Keras.
  std::string padding = "valid";
  // Output channels per input channel: input channel c feeds outputs c·depth_multiplier + m; > 0.
  std::int64_t depth_multiplier = 1;
  // "channels_last" (batch, steps, channels) or "channels_first" (batch, channels, steps);
  // unset: config::image_data_format(), resolved at construction.
  std::optional<std::string> data_format = std::nullopt;
  // Spacing between taps; > 0.
  std::int64_t dilation_rate = 1;
  // Applied to the output; none is linear.
  ActivationSpec activation = {};
  bool use_bias = true;
  initializers::Initializer depthwise_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer depthwise_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  // Applied to the output on each call; its loss is divided by the batch size.
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint depthwise_constraint = {};
  constraints::Constraint bias_constraint = {};
  // Empty: Keras's automatic name ("depthwise_conv1d", "depthwise_conv1d_1", ...).
  std::string name = "";
  bool trainable = true;
  // "float32", or "float64" for gradient checks and golden comparisons: the weights' dtype.
  std::string dtype = "float32";
};

class DepthwiseConv1D : public Layer {
 public:
  using Options = DepthwiseConv1DOptions;
  explicit DepthwiseConv1D(DepthwiseConv1DOptions options);

  // (batch, output_steps, channels·depth_multiplier), or channels first.
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  static std::unique_ptr<DepthwiseConv1D> from_config(const nlohmann::json& config);

  // The options after normalisation (padding lower-cased, data_format resolved).
  const DepthwiseConv1DOptions& options() const { return options_; }
  // (kernel_size, input_channels, depth_multiplier), Keras's layout (weight "kernel"); throws
  // StateError before build.
  const Tensor& kernel() const;
  // (input_channels·depth_multiplier,); undefined when use_bias is false.
  Tensor bias() const;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  bool channels_first() const { return options_.data_format == "channels_first"; }

  DepthwiseConv1DOptions options_;
  std::int64_t input_channels_ = 0;
  std::shared_ptr<Variable> kernel_;
  std::shared_ptr<Variable> bias_;
};

}  // namespace minidl::layers
