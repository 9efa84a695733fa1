#pragma once
// Which instruction set minidl's own float32 Conv1D kernels (register tiles) run on:
//   "avx512"  tiles of 16-float vectors (AVX-512F and FMA); filters per group a multiple of 16
//   "avx2"    tiles of 8-float vectors (AVX2 and FMA); filters per group a multiple of 8
//   "portable" tiles of 4-float vectors for the build's target, on any CPU (SSE2 on x86-64, NEON
//             on AArch64); filters per group a multiple of 4
//   "blas"    no tiles: every convolution goes through BLAS (OpenBLAS picks its own kernels)
// The default is the best this CPU runs, or the environment variable MINIDL_KERNEL_ISA, read once
// at first use. Forcing a lesser ISA measures that path on a CPU that has a better one; the
// results agree to rounding. Any thread may set it; the latest call wins.
#include <string>
#include <string_view>
#include <vector>

namespace minidl {

// Throws InvalidArgument for a name not listed above or an ISA this CPU lacks.
void set_kernel_isa(std::string_view isa);
std::string kernel_isa();
// The ISAs this CPU runs, best first; "portable" and "blas" always.
std::vector<std::string> supported_kernel_isas();

namespace detail {

// Internal to the kernels (conv1d_tiles.hpp), ordered from least to best.
enum class KernelIsa { blas, portable, avx2, avx512 };

// The ISA in use: set_kernel_isa's latest, else MINIDL_KERNEL_ISA's, else the best supported.
KernelIsa selected_kernel_isa();

// What a CPU runs: the check behind set_kernel_isa and MINIDL_KERNEL_ISA, apart from the CPU's
// own flags so that its refusals can be tested on any CPU.
struct CpuFeatures {
  bool avx2_fma = false, avx512_fma = false;
};
CpuFeatures cpu_features();
// `name` as an ISA `cpu` runs; `where` names the caller in the errors.
KernelIsa kernel_isa_named(std::string_view where, std::string_view name, const CpuFeatures& cpu);

}  // namespace detail
}  // namespace minidl
