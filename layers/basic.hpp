#pragma once
// Small layers without weights: Activation, Dropout, Reshape.
#include <minidl/core/random.hpp>
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <optional>

namespace minidl::layers {

struct ActivationOptions {
  ActivationSpec activation = {};
  std::string name = "";
  std::string dtype = "float32";
};

// keras.layers.Activation: applies an activation to its input.
class Activation : public Layer {
 public:
  using Options = ActivationOptions;
  explicit Activation(ActivationOptions options = {});
  bool supports_masking() const override { return true; }
  const ActivationSpec& activation() const { return activation_; }
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape&) const override {}
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override { return activation_(inputs); }

 private:
  ActivationSpec activation_;
};

struct DropoutOptions {
  // Fraction of the inputs zeroed in training calls, in [0, 1].
  double rate = 0.0;
  std::optional<std::uint64_t> seed = std::nullopt;
  std::string name = "";
  std::string dtype = "float32";
};

// keras.layers.Dropout: in training calls zeroes each input with probability rate and scales the
// rest by 1 / (1 − rate); otherwise the identity.
class Dropout : public Layer {
 public:
  using Options = DropoutOptions;
  explicit Dropout(DropoutOptions options = {});
  bool supports_masking() const override { return true; }
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape&) const override {}
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  DropoutOptions options_;
  std::optional<Generator> generator_;  // seeded: a reproducible stream of masks
};

struct SpatialDropout1DOptions {
  // Fraction of the channels zeroed (whole, at every step) in training calls, in [0, 1].
  double rate = 0.0;
  std::optional<std::uint64_t> seed = std::nullopt;
  std::string name = "";
  std::string dtype = "float32";
};

// keras.layers.SpatialDropout1D: Dropout of whole channels. In training calls each (sample,
// channel) pair is zeroed at every step with probability rate, and kept ones are scaled by
// 1 / (1 − rate); otherwise the identity. Between convolutions, where neighbouring steps are
// correlated, dropping single values hardly regularizes. Input (batch, steps, channels).
class SpatialDropout1D : public Layer {
 public:
  using Options = SpatialDropout1DOptions;
  explicit SpatialDropout1D(SpatialDropout1DOptions options = {});
  bool supports_masking() const override { return true; }
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  // Keras's four keys: rate, seed, name and dtype (a plain string; Keras takes no trainable here).
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override { require_rank_3(input_shape); }
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  SpatialDropout1DOptions options_;
  std::optional<Generator> generator_;
};

struct ReshapeOptions {
  // The shape of each sample (batch axis excluded); one entry may be -1.
  Shape target_shape;
  std::string name = "";
  std::string dtype = "float32";
};

// keras.layers.Reshape.
class Reshape : public Layer {
 public:
  using Options = ReshapeOptions;
  explicit Reshape(ReshapeOptions options);
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  Shape target_shape_;
};

}  // namespace minidl::layers
