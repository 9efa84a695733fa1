// im2col turns the convolution into one gemm per group: every output step becomes a row holding
// the kernel_size · Cg input values it sees (zeros where padding), grouped by group.
#include <minidl/core/kernels/conv1d.hpp>

#include <minidl/core/kernels/blas.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <cstring>

namespace minidl::kernels {

namespace {

// A 1×1 convolution with stride 1 and no padding reads x as it is: no im2col needed.
bool reads_input_directly(const Conv1dGeometry& g) {
  return g.kernel_size == 1 && g.stride == 1 && g.pad_left == 0 && g.pad_right == 0 && g.groups == 1;
}

// Row (b, t) of the result holds, for each group, the taps j and group channels c at column
// group·K·Cg + j·Cg + c.
template <class T>
void im2col(const T* x, const Conv1dGeometry& g, T* columns) {
  const std::int64_t group_channels = g.channels / g.groups, out_length = g.output_length();
  const std::int64_t width = g.kernel_size * g.channels;
  for (std::int64_t b = 0; b < g.batch; ++b)
    for (std::int64_t t = 0; t < out_length; ++t) {
      T* row = columns + (b * out_length + t) * width;
      for (std::int64_t j = 0; j < g.kernel_size; ++j) {
        const std::int64_t position = t * g.stride + j * g.dilation - g.pad_left;
        const bool inside = position >= 0 && position < g.length;
        const T* source = x + (b * g.length + position) * g.channels;
        for (std::int64_t group = 0; group < g.groups; ++group) {
          T* target = row + group * g.kernel_size * group_channels + j * group_channels;
          if (inside) std::memcpy(target, source + group * group_channels, group_channels * sizeof(T));
          else std::fill(target, target + group_channels, T(0));
        }
      }
    }
}

// The adjoint of im2col: adds each column entry back into the input position it was read from.
template <class T>
void col2im(const T* columns, const Conv1dGeometry& g, T* x) {
  const std::int64_t group_channels = g.channels / g.groups, out_length = g.output_length();
  const std::int64_t width = g.kernel_size * g.channels;
  std::fill(x, x + g.batch * g.length * g.channels, T(0));
  for (std::int64_t b = 0; b < g.batch; ++b)
    for (std::int64_t t = 0; t < out_length; ++t) {
      const T* row = columns + (b * out_length + t) * width;
      for (std::int64_t j = 0; j < g.kernel_size; ++j) {
        const std::int64_t position = t * g.stride + j * g.dilation - g.pad_left;
        if (position < 0 || position >= g.length) continue;
        T* target = x + (b * g.length + position) * g.channels;
        for (std::int64_t group = 0; group < g.groups; ++group) {
          const T* source = row + group * g.kernel_size * group_channels + j * group_channels;
          T* destination = target + group * group_channels;
          for (std::int64_t c = 0; c < group_channels; ++c) destination[c] += source[c];
        }
      }
    }
}

// The im2col matrix of x, or x itself when the convolution reads it directly.
template <class T>
Tensor columns_of(const Tensor& x, const Conv1dGeometry& g) {
  if (reads_input_directly(g)) return x;
  Tensor columns = Tensor::empty({g.batch * g.output_length(), g.kernel_size * g.channels}, x.dtype());
  im2col(x.data<T>(), g, columns.data<T>());
  return columns;
}

}  // namespace

Tensor conv1d_forward(const Tensor& x_in, const Tensor& kernel_in, const Tensor& bias, const Conv1dGeometry& g) {
  const Tensor x = x_in.contiguous(), kernel = kernel_in.contiguous();
  const std::int64_t out_length = g.output_length(), rows = g.batch * out_length;
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  Tensor y = Tensor::empty({g.batch, out_length, g.filters}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    T* out = y.data<T>();
    if (bias.defined()) {
      const Tensor packed_bias = bias.contiguous();
      const T* b = packed_bias.data<T>();
      for (std::int64_t row = 0; row < rows; ++row) std::memcpy(out + row * g.filters, b, g.filters * sizeof(T));
    }
    if (rows == 0) return;
    const Tensor columns = columns_of<T>(x, g);
    const T* a = columns.data<T>();
    const T* w = kernel.data<T>();
    const std::int64_t width = g.kernel_size * g.channels, depth = g.kernel_size * group_channels;
    for (std::int64_t group = 0; group < g.groups; ++group)
      gemm(false, false, rows, group_filters, depth, T(1), a + group * depth, width, w + group * group_filters,
           g.filters, bias.defined() ? T(1) : T(0), out + group * group_filters, g.filters);
  });
  return y;
}

Tensor conv1d_backward_input(const Tensor& grad_in, const Tensor& kernel_in, const Conv1dGeometry& g) {
  const Tensor grad = grad_in.contiguous(), kernel = kernel_in.contiguous();
  const std::int64_t rows = g.batch * g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t width = g.kernel_size * g.channels, depth = g.kernel_size * group_channels;
  Tensor grad_x = Tensor::empty({g.batch, g.length, g.channels}, grad.dtype());
  dispatch(grad.dtype(), [&]<class T>() {
    const bool direct = reads_input_directly(g);
    Tensor grad_columns = direct ? grad_x : Tensor::empty({rows, width}, grad.dtype());
    T* columns = grad_columns.data<T>();
    if (rows == 0) std::fill(columns, columns + grad_columns.size(), T(0));
    for (std::int64_t group = 0; group < g.groups && rows > 0; ++group)
      gemm(false, true, rows, depth, group_filters, T(1), grad.data<T>() + group * group_filters, g.filters,
           kernel.data<T>() + group * group_filters, g.filters, T(0), columns + group * depth, width);
    if (!direct) col2im(columns, g, grad_x.data<T>());
  });
  return grad_x;
}

Tensor conv1d_backward_kernel(const Tensor& grad_in, const Tensor& x_in, const Conv1dGeometry& g) {
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  const std::int64_t rows = g.batch * g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t width = g.kernel_size * g.channels, depth = g.kernel_size * group_channels;
  Tensor grad_kernel = Tensor::zeros({g.kernel_size, group_channels, g.filters}, grad.dtype());
  if (rows == 0) return grad_kernel;
  dispatch(grad.dtype(), [&]<class T>() {
    const Tensor columns = columns_of<T>(x, g);
    for (std::int64_t group = 0; group < g.groups; ++group)
      gemm(true, false, depth, group_filters, rows, T(1), columns.data<T>() + group * depth, width,
           grad.data<T>() + group * group_filters, g.filters, T(0), grad_kernel.data<T>() + group * group_filters,
           g.filters);
  });
  return grad_kernel;
}

}  // namespace minidl::kernels
