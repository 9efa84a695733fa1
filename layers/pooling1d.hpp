#pragma once
// keras.layers.MaxPooling1D and AveragePooling1D: windows of pool_size steps, every `strides` steps.
#include <minidl/layers/layer.hpp>

#include <optional>

namespace minidl::layers {

struct Pooling1DOptions {
  std::int64_t pool_size = 2;
  // Unset: pool_size (non-overlapping windows), as Keras.
  std::optional<std::int64_t> strides = std::nullopt;
  // "valid" or "same" (TensorFlow's rule: output ceil(steps / strides), the extra pad on the right).
  std::string padding = "valid";
  std::optional<std::string> data_format = std::nullopt;
  std::string name = "";
  std::string dtype = "float32";
};

class Pooling1D : public Layer {
 public:
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  Pooling1D(std::string class_name, Pooling1DOptions options);
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  // The windows of a channels_last input padded with `fill`, stacked on a new last axis:
  // (batch, output_steps, channels, pool_size).
  Tensor windows(const Tensor& steps_last, double fill) const;
  std::pair<std::int64_t, std::int64_t> padding_for(std::int64_t steps) const;
  bool channels_first() const { return data_format_ == "channels_first"; }
  // Swaps the steps and channels axes for channels_first inputs (its own inverse); else the input.
  Tensor steps_last_layout(const Tensor& x) const;

  std::int64_t pool_size_, strides_;
  std::string padding_, data_format_;
};

class MaxPooling1D : public Pooling1D {
 public:
  using Options = Pooling1DOptions;
  explicit MaxPooling1D(Pooling1DOptions options = {});

 protected:
  Tensor call(const Tensor& inputs) override;
};

// With padding "same", a window's mean is over the steps it covers inside the input, excluding
// the padding (Keras's TensorFlow and JAX backends; its torch backend counts a replicated edge).
class AveragePooling1D : public Pooling1D {
 public:
  using Options = Pooling1DOptions;
  explicit AveragePooling1D(Pooling1DOptions options = {});

 protected:
  Tensor call(const Tensor& inputs) override;
};

}  // namespace minidl::layers
