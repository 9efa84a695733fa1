#pragma once
// tanh and the logistic sigmoid over float rows, 16 lanes at a time in the widest vectors the CPU
// has (AVX-512, AVX2 or SSE, chosen when the program loads). The recurrent cells spend most of
// their elementwise time here; xsimd's versions are compiled for the build's baseline (SSE2), a
// quarter of an AVX-512 register. Within 2 ulp of std::tanh and of 1 / (1 + std::exp(-x)); NaN
// stays NaN, ±inf give the limits.
#include <cstdint>

namespace minidl::kernels {

void tanh_row(const float* in, float* out, std::int64_t n);
void sigmoid_row(const float* in, float* out, std::int64_t n);

}  // namespace minidl::kernels
