#pragma once
// keras.layers.Conv1D: every argument of the Keras 3 layer, with its name, default and meaning.
//
//   layers::Conv1D conv({.filters = 32, .kernel_size = 3, .activation = "relu"});
//   Tensor y = conv(Tensor::rand({4, 10, 128}));   // (4, 8, 32)
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace minidl::layers {

struct Conv1DOptions {
  // Number of output channels; required, > 0, divisible by groups.
  std::int64_t filters = 0;
  // Taps in the convolution window; required, > 0.
  std::int64_t kernel_size = 0;
  // Step between windows; > 0. Cannot exceed 1 together with dilation_rate.
  std::int64_t strides = 1;
  // "valid" (no padding), "same" (output length ceil(steps / strides); an odd total padding puts
  // the extra zero on the right) or "causal" (dilation_rate·(kernel_size − 1) zeros on the left);
  // case-insensitive.
  std::string padding = "valid";
  // "channels_last" (batch, steps, channels) or "channels_first" (batch, channels, steps);
  // unset: config::image_data_format(), resolved at construction.
  std::optional<std::string> data_format = std::nullopt;
  // Spacing between taps; > 0.
  std::int64_t dilation_rate = 1;
  // Channel groups: each block of filters / groups filters sees only its block of channels / groups inputs.
  std::int64_t groups = 1;
  // Applied to the output; none is linear.
  ActivationSpec activation = {};
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  // Applied to the output on each call; its loss is divided by the batch size.
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint bias_constraint = {};
  // Empty: Keras's automatic name ("conv1d", "conv1d_1", ...).
  std::string name = "";
  bool trainable = true;
  // "float32", or "float64" for gradient checks and golden comparisons: the weights' dtype.
  std::string dtype = "float32";
};

class Conv1D : public Layer {
 public:
  using Options = Conv1DOptions;
  explicit Conv1D(Conv1DOptions options);

  // (batch, output_steps, filters) for channels_last, (batch, filters, output_steps) for channels_first.
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  // Reads Keras's get_config() of a Conv1D (ours or Keras's own).
  static std::unique_ptr<Conv1D> from_config(const nlohmann::json& config);

  // The options after normalisation (padding lower-cased, data_format resolved).
  const Conv1DOptions& options() const { return options_; }
  // (kernel_size, input_channels / groups, filters); throws StateError before build.
  const Tensor& kernel() const;
  // (filters,); undefined when use_bias is false. Throws StateError before build.
  Tensor bias() const;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  bool channels_first() const { return options_.data_format == "channels_first"; }

  Conv1DOptions options_;
  std::int64_t input_channels_ = 0;
  std::shared_ptr<Variable> kernel_;
  std::shared_ptr<Variable> bias_;
};

}  // namespace minidl::layers
