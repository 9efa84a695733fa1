#pragma once
// Layers that edit the time axis: ZeroPadding1D, Cropping1D, UpSampling1D.
#include <minidl/layers/layer.hpp>

#include <optional>
#include <utility>

namespace minidl::layers {

struct ZeroPadding1DOptions {
  // Zeros added before and after the steps.
  std::pair<std::int64_t, std::int64_t> padding = {1, 1};
  std::optional<std::string> data_format = std::nullopt;
  std::string name = "";
  std::string dtype = "float32";
};

class ZeroPadding1D : public Layer {
 public:
  using Options = ZeroPadding1DOptions;
  explicit ZeroPadding1D(ZeroPadding1DOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  std::pair<std::int64_t, std::int64_t> padding_;
  std::string data_format_;
};

struct Cropping1DOptions {
  // Steps removed from the start and the end (channels_last inputs, as Keras's Cropping1D).
  std::pair<std::int64_t, std::int64_t> cropping = {1, 1};
  std::string name = "";
  std::string dtype = "float32";
};

class Cropping1D : public Layer {
 public:
  using Options = Cropping1DOptions;
  explicit Cropping1D(Cropping1DOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  std::pair<std::int64_t, std::int64_t> cropping_;
};

struct UpSampling1DOptions {
  // Each step repeated `size` times (channels_last inputs, as Keras's UpSampling1D).
  std::int64_t size = 2;
  std::string name = "";
  std::string dtype = "float32";
};

class UpSampling1D : public Layer {
 public:
  using Options = UpSampling1DOptions;
  explicit UpSampling1D(UpSampling1DOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;

 private:
  std::int64_t size_;
};

}  // namespace minidl::layers
