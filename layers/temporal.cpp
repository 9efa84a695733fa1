#include <minidl/layers/temporal.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

// Steps a layer may add: as many as a tensor may hold elements, so that no step count overflows.
constexpr std::int64_t largest_steps = largest_element_count;

}  // namespace

ZeroPadding1D::ZeroPadding1D(ZeroPadding1DOptions options)
    : Layer("ZeroPadding1D", options.name, true, parse_dtype(options.dtype, "ZeroPadding1D"), {}),
      padding_(options.padding),
      data_format_(options.data_format.value_or(config::image_data_format())) {
  if (padding_.first < 0 || padding_.second < 0)
    throw_invalid_argument(where(), "padding", "expected non-negative integers",
                           fmt::format("padding=({}, {})", padding_.first, padding_.second));
  if (padding_.first > largest_steps || padding_.second > largest_steps)
    throw_invalid_argument(where(), "padding", "expected at most 2^40 steps on each side",
                           fmt::format("padding=({}, {})", padding_.first, padding_.second));
  if (data_format_ != "channels_last" && data_format_ != "channels_first")
    throw_invalid_argument(where(), "data_format", "expected one of \"channels_last\", \"channels_first\"",
                           fmt::format("data_format=\"{}\"", data_format_));
}

void ZeroPadding1D::check_input(const Shape& input_shape) const { require_rank_3(input_shape); }

Shape ZeroPadding1D::compute_output_shape(const Shape& input_shape) const {
  require_rank_3(input_shape);
  check_extents(input_shape, where());
  Shape output = input_shape;
  output[data_format_ == "channels_first" ? 2 : 1] += padding_.first + padding_.second;
  return output;
}

Tensor ZeroPadding1D::call(const Tensor& inputs) {
  if (data_format_ == "channels_first") return pad(inputs, {{0, 0}, {0, 0}, padding_});
  return pad(inputs, {{0, 0}, padding_, {0, 0}});
}

nlohmann::json ZeroPadding1D::get_config() const {
  auto config = Layer::get_config();
  config["padding"] = {padding_.first, padding_.second};
  config["data_format"] = data_format_;
  return config;
}

Cropping1D::Cropping1D(Cropping1DOptions options)
    : Layer("Cropping1D", options.name, true, parse_dtype(options.dtype, "Cropping1D"), {}), cropping_(options.cropping) {
  if (cropping_.first < 0 || cropping_.second < 0)
    throw_invalid_argument(where(), "cropping", "expected non-negative integers",
                           fmt::format("cropping=({}, {})", cropping_.first, cropping_.second));
}

void Cropping1D::check_input(const Shape& input_shape) const {
  require_rank_3(input_shape);
  // Compared without adding the croppings, which could overflow.
  if (cropping_.first >= input_shape[1] || cropping_.second >= input_shape[1] - cropping_.first)
    throw ShapeError(fmt::format("{}: cropping ({}, {}) removes every step of an input of shape {}", where(), cropping_.first,
                                 cropping_.second, shape_to_string(input_shape)));
}

Shape Cropping1D::compute_output_shape(const Shape& input_shape) const {
  check_extents(input_shape, where());
  check_input(input_shape);  // so that the croppings, each below the steps, add without overflow
  Shape output = input_shape;
  output[1] -= cropping_.first + cropping_.second;
  return output;
}

Tensor Cropping1D::call(const Tensor& inputs) {
  return slice(inputs, 1, cropping_.first, inputs.shape()[1] - cropping_.second);
}

nlohmann::json Cropping1D::get_config() const {
  auto config = Layer::get_config();
  config["cropping"] = {cropping_.first, cropping_.second};
  return config;
}

UpSampling1D::UpSampling1D(UpSampling1DOptions options)
    : Layer("UpSampling1D", options.name, true, parse_dtype(options.dtype, "UpSampling1D"), {}), size_(options.size) {
  if (size_ <= 0) throw_invalid_argument(where(), "size", "expected a positive integer", fmt::format("size={}", size_));
}

void UpSampling1D::check_input(const Shape& input_shape) const {
  require_rank_3(input_shape);
  // An empty input is held to the same bound: the repeat in between would have extent `size`.
  if (size_ > largest_steps / std::max<std::int64_t>(input_shape[1], 1))
    throw_invalid_argument(where(), "size", fmt::format("expected at most 2^40 output steps for an input of shape {}",
                                                        shape_to_string(input_shape)),
                           fmt::format("size={}", size_));
}

Shape UpSampling1D::compute_output_shape(const Shape& input_shape) const {
  check_extents(input_shape, where());
  check_input(input_shape);  // so that steps · size stays within 2^40
  return {input_shape[0], input_shape[1] * size_, input_shape[2]};
}

Tensor UpSampling1D::call(const Tensor& inputs) {
  const Shape& s = inputs.shape();
  return reshape(broadcast_to(unsqueeze(inputs, 2), {s[0], s[1], size_, s[2]}), compute_output_shape(s));
}

nlohmann::json UpSampling1D::get_config() const {
  auto config = Layer::get_config();
  config["size"] = size_;
  return config;
}

}  // namespace minidl::layers
