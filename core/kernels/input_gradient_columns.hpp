#pragma once
// See InputGradientColumns. Internal to the kernels.
#include <minidl/core/kernel_isa.hpp>
#include <minidl/core/kernels/conv1d.hpp>
#include <minidl/core/scratch.hpp>

namespace minidl::kernels {

using detail::KernelIsa;

// The input gradient's im2col columns, grad's rows times the kernel transposed, in register tiles:
// for the geometries whose input gradient the tiles above cannot compute for want of channels
// (one input channel, as raw audio has), so that only the scatter of the columns back into the
// input steps is left to do. Each group's taps × channels are padded to whole vectors.
class InputGradientColumns {
 public:
  // `isa` not blas: the tiles to compute with. Transposes the kernel once.
  InputGradientColumns(const float* kernel, const Conv1dGeometry& geometry, KernelIsa isa);

  // Floats between rows of the columns, and between a row's groups (≥ kernel_size · channels /
  // groups, padded).
  std::int64_t row_width() const { return groups_ * group_width_; }
  std::int64_t group_width() const { return group_width_; }

  // columns[i, group·group_width() + j·Cg + c] = Σ_f grad[i, group·Fg + f] · kernel[j, c, group·Fg + f]
  // for the `steps` rows i of grad (batch, output steps flattened; row i at grad + i·filters);
  // the padding columns get zeros.
  void compute(const float* grad, std::int64_t steps, float* columns) const;

 private:
  KernelIsa isa_;
  std::int64_t groups_, group_filters_, filters_, group_width_;
  Scratch<float> transposed_;  // per group, Fg rows of group_width() floats
};

}  // namespace minidl::kernels
