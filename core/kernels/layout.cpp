// Views (new strides onto the same storage) and the copying layout kernels.
#include <minidl/core/kernels/kernels.hpp>
#include <minidl/core/kernels/strided.hpp>

#include <cstring>

namespace minidl::kernels {

Tensor permute(const Tensor& x, const std::vector<int>& axes) {
  Shape shape(axes.size()), strides(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    shape[i] = x.shape()[axes[i]];
    strides[i] = x.strides()[axes[i]];
  }
  return x.as_strided(std::move(shape), std::move(strides), x.offset());
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  return x.as_strided(shape, broadcast_strides(x.shape(), x.strides(), shape), x.offset());
}

Tensor slice(const Tensor& x, const Shape& start, const Shape& stop, const Shape& step) {
  Shape shape(x.ndim()), strides(x.ndim());
  std::int64_t offset = x.offset();
  for (int axis = 0; axis < x.ndim(); ++axis) {
    shape[axis] = stop[axis] > start[axis] ? (stop[axis] - start[axis] + step[axis] - 1) / step[axis] : 0;
    strides[axis] = x.strides()[axis] * step[axis];
    offset += start[axis] * x.strides()[axis];
  }
  return x.as_strided(std::move(shape), std::move(strides), offset);
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  const Tensor packed = x.contiguous();
  return packed.as_strided(shape, contiguous_strides(shape), packed.offset());
}

Tensor concat(const std::vector<Tensor>& parts, int axis) {
  Shape shape = parts.front().shape();
  shape[axis] = 0;
  for (const auto& part : parts) shape[axis] += part.shape()[axis];
  Tensor out = Tensor::empty(shape, parts.front().dtype());
  std::int64_t position = 0;
  for (const auto& part : parts) {
    Shape start(shape.size(), 0), stop = shape, step(shape.size(), 1);
    start[axis] = position;
    stop[axis] = position + part.shape()[axis];
    slice(out, start, stop, step).assign(part);
    position = stop[axis];
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pads, double value) {
  Shape shape = x.shape(), start(x.ndim()), stop(x.ndim()), step(x.ndim(), 1);
  for (int axis = 0; axis < x.ndim(); ++axis) {
    shape[axis] += pads[axis].first + pads[axis].second;
    start[axis] = pads[axis].first;
    stop[axis] = pads[axis].first + x.shape()[axis];
  }
  Tensor out = Tensor::full(shape, value, x.dtype());
  slice(out, start, stop, step).assign(x);
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x.clone();
  Tensor out = Tensor::empty(x.shape(), dtype);
  dispatch(x.dtype(), [&]<class From>() {
    dispatch(dtype, [&]<class To>() {
      const From* in = x.data<From>();
      To* result = out.data<To>();
      std::int64_t next = 0;
      for_each_offset(x.shape(), x.strides(), x.strides(),
                      [&](std::int64_t source, std::int64_t) { result[next++] = static_cast<To>(in[source]); });
    });
  });
  return out;
}

}  // namespace minidl::kernels
