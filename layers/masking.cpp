#include <minidl/layers/masking.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

Masking::Masking(MaskingOptions options)
    : Layer("Masking", options.name, true, parse_dtype(options.dtype, "Masking"), {}), options_(std::move(options)) {
  options_.name = name();
}

void Masking::check_input(const Shape& input_shape) const {
  if (input_shape.size() < 2)
    throw ShapeError(fmt::format("{}: expected an input of rank 2 or more (the last axis holds the features), received shape {}", where(),
                                 shape_to_string(input_shape)));
}

Tensor Masking::compute_mask(const Tensor& inputs, const Tensor&) const {
  const NoGradGuard constant;
  return max(not_equal(inputs.detach(), Tensor::scalar(options_.mask_value, inputs.dtype())), {-1});
}

Tensor Masking::call(const Tensor& inputs) {
  const Tensor mask = compute_mask(inputs, Tensor());
  // where, not a product: a masked step of mask_value ±inf must come out 0, as Keras's.
  Tensor outputs = minidl::where(unsqueeze(mask, -1), inputs, Tensor::scalar(0.0, inputs.dtype()));
  outputs.set_keras_mask(mask);
  return outputs;
}

nlohmann::json Masking::get_config() const {
  auto config = Layer::get_config();
  config["mask_value"] = options_.mask_value;
  return config;
}

}  // namespace minidl::layers
