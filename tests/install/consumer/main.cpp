// Uses the installed headers and library: d/dx sum(x^2) at x = (1, 2) must be (2, 4), and the
// header's version must be the package's (CMake's minidl_VERSION, when built through find_package).
#include <minidl/minidl.hpp>

#include <fmt/core.h>

int main() {
  minidl::Tensor x = minidl::Tensor(std::vector<float>{1.0f, 2.0f}, {2}).set_requires_grad();
  minidl::sum(minidl::square(x)).backward();
  const auto gradient = x.grad().to_vector<float>();
  fmt::print("gradient {} {}, version {}\n", gradient[0], gradient[1], minidl::version);
#ifdef MINIDL_PACKAGE_VERSION
  if (minidl::version != MINIDL_PACKAGE_VERSION) return 1;
#endif
  return gradient == std::vector<float>{2.0f, 4.0f} ? 0 : 1;
}
