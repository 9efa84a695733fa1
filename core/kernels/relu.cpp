#include <minidl/core/kernels/relu.hpp>

#include <minidl/core/kernels/kernels.hpp>
#include <minidl/core/kernels/parallel.hpp>

#include <algorithm>
#include <xsimd/xsimd.hpp>

namespace minidl::kernels {

Tensor relu_forward(const Tensor& x_in) {
  const Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    using Batch = xsimd::batch<T>;
    const T* in = x.data<T>();
    T* result = out.data<T>();
    const std::int64_t n = out.size();
    parallel_for(n, memory_pass_parts(n), [&](std::int64_t first, std::int64_t last, int) {
      const std::int64_t whole = first + (last - first) / std::int64_t(Batch::size) * std::int64_t(Batch::size);
      const Batch zero(T(0));
      // max(0, x) in that order: on x86 a NaN x then comes through, as it does in Keras and PyTorch.
      for (std::int64_t i = first; i < whole; i += Batch::size)
        xsimd::max(zero, Batch::load_unaligned(in + i)).store_unaligned(result + i);
      for (std::int64_t i = whole; i < last; ++i) result[i] = std::max(in[i], T(0));
    });
  });
  return out;
}

Tensor relu_backward(const Tensor& upstream_in, const Tensor& output_in) {
  const Tensor upstream = upstream_in.contiguous(), output = output_in.contiguous();
  Tensor gradient = Tensor::empty(output.shape(), output.dtype());
  dispatch(output.dtype(), [&]<class T>() {
    using Batch = xsimd::batch<T>;
    const T* g = upstream.data<T>();
    const T* y = output.data<T>();
    T* result = gradient.data<T>();
    const std::int64_t n = gradient.size();
    parallel_for(n, memory_pass_parts(n), [&](std::int64_t first, std::int64_t last, int) {
      const std::int64_t whole = first + (last - first) / std::int64_t(Batch::size) * std::int64_t(Batch::size);
      const Batch zero(T(0));
      for (std::int64_t i = first; i < whole; i += Batch::size)
        xsimd::select(Batch::load_unaligned(y + i) > zero, Batch::load_unaligned(g + i), zero).store_unaligned(result + i);
      for (std::int64_t i = whole; i < last; ++i) result[i] = y[i] > T(0) ? g[i] : T(0);
    });
  });
  return gradient;
}

}  // namespace minidl::kernels
