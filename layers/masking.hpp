#pragma once
// keras.layers.Masking: marks the steps of a sequence whose features all equal mask_value as
// padding. The output is the input with those steps zeroed, carrying a mask (batch, steps) that the
// layers after it honour as Keras's do: recurrent layers skip the masked steps (carrying their
// state over), GlobalAveragePooling1D averages over the kept steps, BatchNormalization's training
// statistics leave them out, and a loss or metric of the model's output ignores them. Layers that
// support masks (Dense, Activation, Dropout, normalization, merging) pass it on; the others drop it.
//   layers::Masking masking({.mask_value = 0.0});
//   Tensor x = masking(padded);             // x.keras_mask(): (batch, steps), 1 where a step is kept
#include <minidl/layers/layer.hpp>

namespace minidl::layers {

struct MaskingOptions {
  double mask_value = 0.0;
  std::string name = "";
  std::string dtype = "float32";
};

class Masking : public Layer {
 public:
  using Options = MaskingOptions;
  explicit Masking(MaskingOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  bool supports_masking() const override { return true; }
  // 1 where any feature (the last axis) differs from mask_value, else 0.
  Tensor compute_mask(const Tensor& inputs, const Tensor& mask) const override;
  nlohmann::json get_config() const override;
  const MaskingOptions& options() const { return options_; }

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  MaskingOptions options_;
};

}  // namespace minidl::layers
