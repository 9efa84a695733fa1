#include <minidl/core/kernel_isa.hpp>

#include <minidl/core/errors.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <fmt/format.h>
#include <utility>

namespace minidl {
namespace detail {

namespace {

// Best first, as supported_kernel_isas lists them.
constexpr std::array<std::pair<KernelIsa, std::string_view>, 4> kernel_isa_names = {
    {{KernelIsa::avx512, "avx512"}, {KernelIsa::avx2, "avx2"}, {KernelIsa::portable, "portable"}, {KernelIsa::blas, "blas"}}};

std::string_view isa_name_of(KernelIsa isa) {
  for (const auto& [candidate, name] : kernel_isa_names)
    if (candidate == isa) return name;
  return "blas";
}

bool cpu_runs(KernelIsa isa, const CpuFeatures& cpu) {
  return isa == KernelIsa::blas || isa == KernelIsa::portable || (isa == KernelIsa::avx2 && cpu.avx2_fma) ||
         (isa == KernelIsa::avx512 && cpu.avx512_fma);
}

std::vector<std::string> isas_run_by(const CpuFeatures& cpu) {
  std::vector<std::string> names;
  for (const auto& [isa, name] : kernel_isa_names)
    if (cpu_runs(isa, cpu)) names.emplace_back(name);
  return names;
}

std::string quoted_isas(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", name);
  return list;
}

// A KernelIsa, or `undecided_isa` until set_kernel_isa or the first use decides.
constexpr int undecided_isa = -1;
std::atomic<int> selected_isa{undecided_isa};

KernelIsa best_isa(const CpuFeatures& cpu) {
  return cpu.avx512_fma ? KernelIsa::avx512 : cpu.avx2_fma ? KernelIsa::avx2 : KernelIsa::portable;
}

}  // namespace

CpuFeatures cpu_features() {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports also asks whether the OS saves the wider registers.
  static const CpuFeatures features{
      .avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
      .avx512_fma = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")};
  return features;
#else
  return {};
#endif
}

KernelIsa kernel_isa_named(std::string_view where, std::string_view name, const CpuFeatures& cpu) {
  const std::string received = fmt::format("isa=\"{}\"", name);
  for (const auto& [isa, isa_name] : kernel_isa_names) {
    if (name != isa_name) continue;
    if (!cpu_runs(isa, cpu)) {
      const std::string runs = quoted_isas(isas_run_by(cpu));
      throw_invalid_argument(where, "isa", fmt::format("expected one of the ISAs this CPU runs ({})", runs), received);
    }
    return isa;
  }
  const std::string all = quoted_isas(isas_run_by({.avx2_fma = true, .avx512_fma = true}));
  throw_invalid_argument(where, "isa", fmt::format("expected one of {}", all), received);
}

KernelIsa selected_kernel_isa() {
  int isa = selected_isa.load(std::memory_order_relaxed);
  if (isa != undecided_isa) return KernelIsa(isa);
  // First use: the environment's choice (a bad one throws here, and again at each use), else the best.
  const char* chosen = std::getenv("MINIDL_KERNEL_ISA");
  const KernelIsa initial = chosen && *chosen
                                ? kernel_isa_named("the environment variable MINIDL_KERNEL_ISA", chosen, cpu_features())
                                : best_isa(cpu_features());
  // A set_kernel_isa meanwhile wins.
  selected_isa.compare_exchange_strong(isa, int(initial), std::memory_order_relaxed);
  return KernelIsa(selected_isa.load(std::memory_order_relaxed));
}

}  // namespace detail

void set_kernel_isa(std::string_view isa) {
  const detail::KernelIsa chosen = detail::kernel_isa_named("set_kernel_isa", isa, detail::cpu_features());
  detail::selected_isa.store(int(chosen), std::memory_order_relaxed);
}

std::string kernel_isa() { return std::string(detail::isa_name_of(detail::selected_kernel_isa())); }

std::vector<std::string> supported_kernel_isas() { return detail::isas_run_by(detail::cpu_features()); }

}  // namespace minidl
