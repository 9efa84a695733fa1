#pragma once
// Layers without weights that reduce or reshape the time axis: Flatten and the global poolings.
#include <minidl/layers/layer.hpp>

#include <optional>

namespace minidl::layers {

struct FlattenOptions {
  // channels_first inputs are moved to channels_last before flattening, as Keras does.
  std::optional<std::string> data_format = std::nullopt;
  std::string name = "";
  std::string dtype = "float32";
};

// (batch, d1, d2, ...) → (batch, d1·d2·...).
class Flatten : public Layer {
 public:
  using Options = FlattenOptions;
  explicit Flatten(FlattenOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  std::string data_format_;
};

struct GlobalPooling1DOptions {
  // Which axis is time: 1 for channels_last (batch, steps, features), 2 for channels_first.
  std::optional<std::string> data_format = std::nullopt;
  // Keep the time axis with extent 1.
  bool keepdims = false;
  std::string name = "";
  std::string dtype = "float32";
};

// Mean (GlobalAveragePooling1D) or maximum (GlobalMaxPooling1D) over the time axis.
class GlobalPooling1D : public Layer {
 public:
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  GlobalPooling1D(std::string class_name, GlobalPooling1DOptions options);
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  std::int64_t time_axis() const { return data_format_ == "channels_first" ? 2 : 1; }
  bool keepdims() const { return keepdims_; }

 private:
  std::string data_format_;
  bool keepdims_;
};

class GlobalAveragePooling1D : public GlobalPooling1D {
 public:
  using Options = GlobalPooling1DOptions;
  explicit GlobalAveragePooling1D(GlobalPooling1DOptions options = {});
  // Averages over the steps a mask keeps (Keras's); its output carries no mask.
  bool supports_masking() const override { return true; }
  Tensor compute_mask(const Tensor&, const Tensor&) const override { return Tensor(); }

 protected:
  Tensor call(const Tensor& inputs) override;
};

class GlobalMaxPooling1D : public GlobalPooling1D {
 public:
  using Options = GlobalPooling1DOptions;
  explicit GlobalMaxPooling1D(GlobalPooling1DOptions options = {});

 protected:
  Tensor call(const Tensor& inputs) override;
};

}  // namespace minidl::layers
