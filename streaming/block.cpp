#include <minidl/streaming/stages.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>

#include <algorithm>
#include <cstring>

namespace minidl::streaming {

void Block::reserve(std::int64_t rows) {
  const std::int64_t needed = std::max<std::int64_t>(rows, 1) * features;
  if (storage.defined() && storage.size() >= needed) return;
  storage = Tensor::zeros({needed}, dtype);
}

Tensor Block::view(std::int64_t batch, std::int64_t steps) const {
  NoGradGuard no_grad;
  return reshape(slice(storage, 0, 0, batch * steps * features), {batch, steps, features});
}

void Block::fill(const Tensor& values) {
  const Tensor packed = values.contiguous();
  dispatch(dtype, [&]<class T>() { std::memcpy(data<T>(), packed.data<T>(), std::size_t(packed.size()) * sizeof(T)); });
}

void activate(const layers::ActivationSpec& activation, Block& block, std::int64_t batch, std::int64_t steps) {
  if (activation.name() == "linear") return;
  if (activation.name() == "relu") {
    // As kernels::relu_forward: max(x, 0), which keeps −0 and NaN as they are.
    dispatch(block.dtype, [&]<class T>() {
      T* values = block.data<T>();
      const std::int64_t count = batch * steps * block.features;
      for (std::int64_t i = 0; i < count; ++i) values[i] = std::max(values[i], T(0));
    });
    return;
  }
  NoGradGuard no_grad;
  block.fill(activation(block.view(batch, steps)));
}

}  // namespace minidl::streaming
