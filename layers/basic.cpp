#include <minidl/layers/basic.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/dropout_mask.hpp>

#include <algorithm>
#include <iterator>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

Activation::Activation(ActivationOptions options)
    : Layer("Activation", options.name, true, parse_dtype(options.dtype, "Activation"), {}),
      activation_(options.activation.validated(where(), "activation")) {}

nlohmann::json Activation::get_config() const {
  auto config = Layer::get_config();
  config["activation"] = activation_.name();
  return config;
}

namespace {

// Keras 3 takes rate 1 too: every value dropped, the output zeros (never 0 / 0).
void check_rate(double rate, const std::string& where) {
  if (!(rate >= 0 && rate <= 1)) throw_invalid_argument(where, "rate", "expected a float in [0, 1]", fmt::format("rate={}", rate));
}

}  // namespace

Tensor dropout_mask(const Shape& noise_shape, double rate, Generator& source, DType dtype) {
  const double keep = 1.0 - rate;
  std::vector<double> mask(static_cast<std::size_t>(element_count(noise_shape)));
  const auto held = source.lock();
  for (auto& value : mask) value = source.uniform() < keep ? 1.0 / keep : 0.0;
  return cast(Tensor(mask, noise_shape), dtype);
}

Dropout::Dropout(DropoutOptions options)
    : Layer("Dropout", options.name, true, parse_dtype(options.dtype, "Dropout"), {}), options_(options) {
  check_rate(options_.rate, where());
  if (options_.seed) track_generator(generator_.emplace(*options_.seed));
}

Tensor Dropout::call(const Tensor& inputs) {
  if (!training() || options_.rate == 0) return inputs;
  return inputs * dropout_mask(inputs.shape(), options_.rate, generator_ ? *generator_ : global_generator(), inputs.dtype());
}

nlohmann::json Dropout::get_config() const {
  auto config = Layer::get_config();
  config["rate"] = options_.rate;
  config["seed"] = options_.seed ? nlohmann::json(*options_.seed) : nlohmann::json(nullptr);
  config["noise_shape"] = nullptr;
  return config;
}

SpatialDropout1D::SpatialDropout1D(SpatialDropout1DOptions options)
    : Layer("SpatialDropout1D", options.name, true, parse_dtype(options.dtype, "SpatialDropout1D"), {}), options_(options) {
  check_rate(options_.rate, where());
  if (options_.seed) track_generator(generator_.emplace(*options_.seed));
}

Tensor SpatialDropout1D::call(const Tensor& inputs) {
  if (!training() || options_.rate == 0) return inputs;
  const Shape& shape = inputs.shape();
  return inputs * dropout_mask({shape[0], 1, shape[2]}, options_.rate, generator_ ? *generator_ : global_generator(),
                               inputs.dtype());
}

nlohmann::json SpatialDropout1D::get_config() const {
  return {{"rate", options_.rate},
          {"seed", options_.seed ? nlohmann::json(*options_.seed) : nlohmann::json(nullptr)},
          {"name", name()},
          {"dtype", dtype_name(dtype())}};
}

Reshape::Reshape(ReshapeOptions options)
    : Layer("Reshape", options.name, true, parse_dtype(options.dtype, "Reshape"), {}),
      target_shape_(std::move(options.target_shape)) {
  const auto unknown = std::count(target_shape_.begin(), target_shape_.end(), -1);
  const bool positive = std::all_of(target_shape_.begin(), target_shape_.end(), [](auto e) { return e > 0 || e == -1; });
  if (unknown > 1 || !positive)
    throw_invalid_argument(where(), "target_shape", "expected positive extents and at most one -1", shape_to_string(target_shape_));
  Shape known;
  std::copy_if(target_shape_.begin(), target_shape_.end(), std::back_inserter(known), [](auto e) { return e != -1; });
  checked_element_count(known, where());
}

Shape Reshape::compute_output_shape(const Shape& input_shape) const {
  if (input_shape.empty()) throw ShapeError(fmt::format("{}: expected an input with a batch axis, received a scalar", where()));
  check_extents(input_shape, where());
  Shape output = {input_shape[0]};
  const std::int64_t per_sample = checked_element_count(Shape(input_shape.begin() + 1, input_shape.end()), where());
  std::int64_t known = 1;
  for (auto extent : target_shape_)
    if (extent != -1) known *= extent;
  for (auto extent : target_shape_) output.push_back(extent == -1 ? (known == 0 ? 0 : per_sample / known) : extent);
  return output;
}

void Reshape::check_input(const Shape& input_shape) const {
  if (input_shape.empty()) throw ShapeError(fmt::format("{}: expected an input with a batch axis, received a scalar", where()));
  const Shape output = compute_output_shape(input_shape);
  if (element_count(output) != element_count(input_shape))
    throw ShapeError(fmt::format("{}: cannot reshape samples of shape {} into target_shape {}", where(),
                                 shape_to_string(Shape(input_shape.begin() + 1, input_shape.end())),
                                 shape_to_string(target_shape_)));
}

Tensor Reshape::call(const Tensor& inputs) { return reshape(inputs, compute_output_shape(inputs.shape())); }

nlohmann::json Reshape::get_config() const {
  auto config = Layer::get_config();
  config["target_shape"] = target_shape_;
  return config;
}

}  // namespace minidl::layers
