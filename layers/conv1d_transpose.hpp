#pragma once
// keras.layers.Conv1DTranspose: every argument of the Keras 3 layer, with its name, default and
// meaning. The transpose of Conv1D: it upsamples by strides, as a decoder needs.
//
//   layers::Conv1DTranspose up({.filters = 16, .kernel_size = 4, .strides = 2, .padding = "same"});
//   Tensor y = up(Tensor::rand({4, 25, 32}));   // (4, 50, 16)
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace minidl::layers {

struct Conv1DTransposeOptions {
  // Number of output channels; required, > 0.
  std::int64_t filters = 0;
  // Taps in the kernel; required, > 0.
  std::int64_t kernel_size = 0;
  // The upsampling factor: input step t lands on output step t·strides; > 0. Cannot exceed 1
  // together with dilation_rate.
  std::int64_t strides = 1;
  // "valid" (output length (steps − 1)·strides + dilated span, plus what output_padding adds) or
  // "same" (steps·strides); case-insensitive. "causal" is refused, as in Keras.
  std::string padding = "valid";
  // Extra steps at the end of the output, in [0, strides); unset: Keras's default for the padding.
  std::optional<std::int64_t> output_padding = std::nullopt;
  // "channels_last" (batch, steps, channels) or "channels_first" (batch, channels, steps);
  // unset: config::image_data_format(), resolved at construction.
  std::optional<std::string> data_format = std::nullopt;
  // Spacing between taps; > 0.
  std::int64_t dilation_rate = 1;
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
  // Empty: Keras's automatic name ("conv1d_transpose", "conv1d_transpose_1", ...).
  std::string name = "";
  bool trainable = true;
  // "float32", or "float64" for gradient checks and golden comparisons: the weights' dtype.
  std::string dtype = "float32";
};

class Conv1DTranspose : public Layer {
 public:
  using Options = Conv1DTransposeOptions;
  explicit Conv1DTranspose(Conv1DTransposeOptions options);

  // Keras's output length (it may be 0: "same" with an even kernel, strides 1 and output_padding 0
  // on a single step); (batch, steps, filters) or (batch, filters, steps).
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  static std::unique_ptr<Conv1DTranspose> from_config(const nlohmann::json& config);

  // The options after normalisation (padding lower-cased, data_format resolved).
  const Conv1DTransposeOptions& options() const { return options_; }
  // (kernel_size, filters, input_channels), Keras's layout; throws StateError before build.
  const Tensor& kernel() const;
  // (filters,); undefined when use_bias is false. Throws StateError before build.
  Tensor bias() const;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;

 private:
  bool channels_first() const { return options_.data_format == "channels_first"; }
  std::int64_t output_steps(std::int64_t steps) const;

  Conv1DTransposeOptions options_;
  std::int64_t input_channels_ = 0;
  std::shared_ptr<Variable> kernel_;
  std::shared_ptr<Variable> bias_;
};

}  // namespace minidl::layers
