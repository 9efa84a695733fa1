#pragma once
// The float32 convolution's forward pass and its gradients for the input and the kernel as
// register tiles: AVX-512, AVX2 and FMA, or the portable 4-float vectors of any CPU (the ISA
// set_kernel_isa selects). Internal to the kernels.
//
// BLAS needs each operand as a matrix whose rows do not overlap, so a convolution through it
// either copies windows into an im2col matrix or splits into one gemm per tap, accumulated in
// memory; either way BLAS also packs its operands on every call. A tile of output steps × up to
// 64 filters (16 with AVX2, 8 portable) instead stays in registers across all taps and channels,
// reading the windows where they lie in x and the kernel's rows where they lie in the kernel:
// nothing is copied, y is written once. Steps whose window reaches into the padding read from a
// small zero-padded copy of the input's ends.
#include <minidl/core/kernel_isa.hpp>
#include <minidl/core/kernels/conv1d.hpp>

namespace minidl::kernels {

using detail::KernelIsa;
using detail::selected_kernel_isa;

// The ISA whose tiles compute this convolution, or KernelIsa::blas where none does: float32, the
// selected ISA not blas, and filters per group a multiple of its vector (16 floats with AVX-512,
// 8 with AVX2, 4 portable).
KernelIsa conv1d_tiles_isa(const Conv1dGeometry& geometry, DType dtype);
// conv1d_tiles_isa(geometry, dtype) != KernelIsa::blas.
bool conv1d_tiles_apply(const Conv1dGeometry& geometry, DType dtype);

// `isa`: read once per call, so that a set_kernel_isa meanwhile cannot change the vector width
// under it. The forward pass and the kernel gradient take it as conv1d_tiles_isa returned it for
// this geometry (not blas).
//
// y = conv1d(x, kernel) + bias (bias null: none), with relu applied as y is stored where `relu`,
// split over the batch into `parts` (see parallel_for); see conv1d_forward.
void conv1d_forward_tiles(const float* x, const float* kernel, const float* bias, const Conv1dGeometry& geometry, int parts,
                          float* y, bool relu, KernelIsa isa = selected_kernel_isa());
// The input gradient (batch, length, channels) from grad (batch, output_length, filters); see
// conv1d_backward_input. Returns false, having written nothing, where the tiles cannot compute it
// (`isa` blas included).
bool conv1d_backward_input_tiles(const float* grad, const float* kernel, const Conv1dGeometry& geometry, int parts,
                                 float* grad_x, KernelIsa isa = selected_kernel_isa());
// The kernel gradient (kernel_size, channels / groups, filters), from grad (batch, output_length,
// filters) and x, and the bias gradient (filters) unless bias_grad is null; see
// conv1d_backward_kernel.
void conv1d_backward_kernel_tiles(const float* grad, const float* x, const Conv1dGeometry& geometry, int parts,
                                  float* kernel_grad, float* bias_grad, KernelIsa isa = selected_kernel_isa());

}  // namespace minidl::kernels
